"""<container> (TS-0004 §7.4.6, TS-0001 §9.6.6) with its virtual children <latest>/<oldest>
(§7.4.27, §7.4.28), and the common-attribute rules as a container exercises them.

Covers: create under AE/CSEBase/container and the initial attributes (Table 7.4.6.1-2/-3),
4105 on duplicate names, CSE-assigned names (§7.3.3.5), mni/mbs/mia validation (§7.4.6.2.1)
and enforcement with cni/cbs maintained (§7.4.7.2.1/.4), `la`/`ol` retrieve/delete/update
(§7.4.27/28), disableRetrieval (§7.4.7.2.2/.4, §7.4.27.2.2), creator (§7.3.3.3/§7.3.3.5),
labels (Table 6.3.3-1), stateTag and lastModifiedTime (§7.3.3.7), expirationTime defaults,
past values and parent limits (§7.3.3.3/.4), unknown attributes, content/ty mismatch, NP
attributes, partial retrieve (§7.3.3.6), recursive delete (§7.3.3.8) and the R4 location
attribute `loc` (m2m:geoCoordinates, GeoJSON coordinates).
"""
import time
from datetime import datetime, timedelta, timezone

from harness import case, expect, expect_rsc
from onem2m import CIN, CNT


def setup(ctx):
    aei, path = ctx.register_ae(poa=False)
    ctx.state["aei"], ctx.state["ae"] = aei, path


def _cnt(ctx, parent=None, **attrs):
    """Creates a container (fresh name unless given) as the group's AE; returns (response, path)."""
    attrs.setdefault("rn", ctx.unique("cnt"))
    parent = parent or ctx.state["ae"]
    r = ctx.cse.create(parent, CNT, {"m2m:cnt": attrs}, originator=ctx.state["aei"])
    return r, f"{parent}/{attrs['rn']}"


def _new_cnt(ctx, **attrs) -> str:
    r, path = _cnt(ctx, **attrs)
    expect_rsc(r, 2001)
    return path


def _cin(ctx, path, con, **attrs):
    body = {"con": con}
    body.update(attrs)
    return ctx.cse.create(path, CIN, {"m2m:cin": body}, originator=ctx.state["aei"])


def _add(ctx, path, *contents):
    for con in contents:
        expect_rsc(_cin(ctx, path, con), 2001)


def _get(ctx, path):
    return ctx.cse.retrieve(path, originator=ctx.state["aei"])


def _update(ctx, path, attrs):
    return ctx.cse.update(path, {"m2m:cnt": attrs}, originator=ctx.state["aei"])


def _ts(delta: timedelta) -> str:
    return (datetime.now(timezone.utc) + delta).strftime("%Y%m%dT%H%M%S")


# --- create and attributes -------------------------------------------------------------------

@case("CNT-001", "TS-0004 §7.4.6.2.1, Table 7.4.6.1-2/-3",
      "a container created under an AE has ty 3, pi of the AE, cni/cbs 0 and stateTag 0")
def create_under_ae(ctx):
    r, path = _cnt(ctx)
    expect_rsc(r, 2001)
    ae = expect_rsc(_get(ctx, ctx.state["ae"]), 2000)
    c = r.get("m2m:cnt")
    expect(c.get("ty") == CNT and c.get("pi") == ae.get("m2m:ae/ri"), "ty 3, pi = the AE's ri", r)
    expect(c.get("cni") == 0 and c.get("cbs") == 0, "cni and cbs are 0", r)
    expect(c.get("st") == 0, "st is 0", r)
    expect(c.get("ct") and c.get("ct") == c.get("lt"), "lt equals ct", r)
    expect_rsc(_get(ctx, path), 2000)


@case("CNT-002", "TS-0004 Table 7.4.3.1-4", "a container can be created directly under the CSEBase")
def create_under_cse(ctx):
    rn = ctx.unique("cnt")
    r = ctx.cse.create(ctx.base, CNT, {"m2m:cnt": {"rn": rn}})
    expect_rsc(r, 2001)
    expect_rsc(ctx.cse.delete(f"{ctx.base}/{rn}"), 2002)


@case("CNT-003", "TS-0004 Table 7.4.6.1-4", "a container can be created under a container")
def create_under_cnt(ctx):
    parent = _new_cnt(ctx)
    p = expect_rsc(_get(ctx, parent), 2000)
    r, _ = _cnt(ctx, parent=parent)
    expect_rsc(r, 2001)
    expect(r.get("m2m:cnt/pi") == p.get("m2m:cnt/ri"), "pi is the parent container's ri", r)


@case("CNT-004", "TS-0004 §7.3.3.5", "a container with a resourceName already used under the parent gets 4105")
def duplicate_name(ctx):
    rn = ctx.unique("cnt")
    expect_rsc(_cnt(ctx, rn=rn)[0], 2001)
    expect_rsc(_cnt(ctx, rn=rn)[0], 4105)


@case("CNT-005", "TS-0004 §7.3.3.5", "a container created without a resourceName gets one assigned by the CSE")
def assigned_name(ctx):
    r = ctx.cse.create(ctx.state["ae"], CNT, {"m2m:cnt": {}}, originator=ctx.state["aei"])
    expect_rsc(r, 2001)
    rn = r.get("m2m:cnt/rn")
    expect(isinstance(rn, str) and rn, "rn is assigned", r)
    expect_rsc(_get(ctx, f"{ctx.state['ae']}/{rn}"), 2000)


@case("CNT-006", "TS-0004 §7.4.6.2.1", "negative mni, mbs or mia are refused with 4000")
def negative_limits(ctx):
    for a in ("mni", "mbs", "mia"):
        expect_rsc(_cnt(ctx, **{a: -1})[0], 4000)
    path = _new_cnt(ctx)
    for a in ("mni", "mbs", "mia"):
        expect_rsc(_update(ctx, path, {a: -1}), 4000)


@case("CNT-007", "TS-0004 Table 7.4.6.1-3, §7.3.3.3",
      "cni, cbs and li (NP) in a create are refused with 4000")
def np_on_create(ctx):
    for a, v in (("cni", 0), ("cbs", 0), ("li", "x"), ("st", 0)):
        expect_rsc(_cnt(ctx, **{a: v})[0], 4000)


@case("CNT-008", "TS-0004 Table 7.4.6.1-3, §7.3.3.4", "cni and cbs (NP) in an update are refused with 4000")
def np_on_update(ctx):
    path = _new_cnt(ctx)
    expect_rsc(_update(ctx, path, {"cni": 5}), 4000)
    expect_rsc(_update(ctx, path, {"cbs": 5}), 4000)


# --- quotas ----------------------------------------------------------------------------------

@case("CNT-009", "TS-0004 §7.4.7.2.1 step 2a/2c",
      "with mni set, creating more instances removes the oldest; cni never exceeds mni")
def mni_enforced(ctx):
    path = _new_cnt(ctx, mni=3)
    _add(ctx, path, "a", "b", "c", "d", "e")
    c = expect_rsc(_get(ctx, path), 2000)
    expect(c.get("m2m:cnt/cni") == 3, "cni is 3", c)
    expect(c.get("m2m:cnt/cbs") == 3, "cbs is the sum of the remaining sizes", c)
    ol = expect_rsc(_get(ctx, f"{path}/ol"), 2000)
    expect(ol.get("m2m:cin/con") == "c", "the oldest remaining instance is the third", ol)


@case("CNT-010", "TS-0004 §7.4.7.2.1 step 2b/2c",
      "with mbs set, creating instances removes the oldest until cbs fits in mbs")
def mbs_enforced(ctx):
    path = _new_cnt(ctx, mbs=10)
    _add(ctx, path, "aaaa", "bbbb", "cccc", "dddd")
    c = expect_rsc(_get(ctx, path), 2000)
    expect(c.get("m2m:cnt/cbs") == 8 and c.get("m2m:cnt/cni") == 2, "cbs 8, cni 2", c)
    ol = expect_rsc(_get(ctx, f"{path}/ol"), 2000)
    expect(ol.get("m2m:cin/con") == "cccc", "the two newest remain", ol)


@case("CNT-011", "TS-0004 §7.4.7.2.1 step 2c, §7.4.7.2.4",
      "cni and cbs follow the instances created and deleted")
def counters_maintained(ctx):
    path = _new_cnt(ctx)
    _add(ctx, path, "a")
    r = _cin(ctx, path, "bb")
    expect_rsc(r, 2001)
    _add(ctx, path, "ccc")
    c = expect_rsc(_get(ctx, path), 2000)
    expect(c.get("m2m:cnt/cni") == 3 and c.get("m2m:cnt/cbs") == 6, "cni 3, cbs 6", c)
    expect_rsc(ctx.cse.delete(f"{path}/{r.get('m2m:cin/rn')}", originator=ctx.state["aei"]), 2002)
    c = expect_rsc(_get(ctx, path), 2000)
    expect(c.get("m2m:cnt/cni") == 2 and c.get("m2m:cnt/cbs") == 4, "cni 2, cbs 4 after a delete", c)


@case("CNT-012", "TS-0004 §7.4.6.2.3, §7.4.7.2.1",
      "lowering mni by an update removes the oldest instances at once")
def mni_lowered(ctx):
    path = _new_cnt(ctx, mni=5)
    _add(ctx, path, "a", "b", "c", "d")
    r = expect_rsc(_update(ctx, path, {"mni": 1}), 2004)
    expect(r.get("m2m:cnt/cni") in (None, 1), "the update response (if it carries cni) shows 1", r)
    c = expect_rsc(_get(ctx, path), 2000)
    expect(c.get("m2m:cnt/cni") == 1 and c.get("m2m:cnt/cbs") == 1, "cni 1, cbs 1", c)
    la = expect_rsc(_get(ctx, f"{path}/la"), 2000)
    ol = expect_rsc(_get(ctx, f"{path}/ol"), 2000)
    expect(la.get("m2m:cin/con") == "d" and ol.get("m2m:cin/con") == "d", "only the newest remains", ol)


@case("CNT-013", "TS-0004 §7.4.6.2.3, §7.4.7.2.1",
      "lowering mbs by an update removes the oldest instances until cbs fits")
def mbs_lowered(ctx):
    path = _new_cnt(ctx)
    _add(ctx, path, "aaa", "bbb", "ccc")
    expect_rsc(_update(ctx, path, {"mbs": 4}), 2004)
    c = expect_rsc(_get(ctx, path), 2000)
    expect(c.get("m2m:cnt/cni") == 1 and c.get("m2m:cnt/cbs") == 3, "cni 1, cbs 3", c)


@case("CNT-014", "TS-0004 §7.4.7.2.1 step 2e",
      "with mia set, an instance expires no later than its creation time plus mia")
def mia_bounds_et(ctx):
    path = _new_cnt(ctx, mia=60)
    r = _cin(ctx, path, "x", et=_ts(timedelta(hours=2)))
    expect_rsc(r, 2001)
    ct = datetime.strptime(r.get("m2m:cin/ct")[:15], "%Y%m%dT%H%M%S")
    et = datetime.strptime(r.get("m2m:cin/et")[:15], "%Y%m%dT%H%M%S")
    expect(et - ct <= timedelta(seconds=61), "et - ct <= mia", r)


# --- latest / oldest -------------------------------------------------------------------------

@case("CNT-015", "TS-0004 §7.4.27.2.2, §7.4.28.2.2", "la is the newest and ol the oldest contentInstance")
def la_ol(ctx):
    path = _new_cnt(ctx)
    _add(ctx, path, "first", "second", "third")
    la = expect_rsc(_get(ctx, f"{path}/la"), 2000)
    ol = expect_rsc(_get(ctx, f"{path}/ol"), 2000)
    expect(la.get("m2m:cin/con") == "third" and la.get("m2m:cin/ty") == CIN, "la is the third", la)
    expect(ol.get("m2m:cin/con") == "first", "ol is the first", ol)


@case("CNT-016", "TS-0004 §7.4.27.2.2, §7.4.28.2.2", "la and ol of a container without instances give 4004")
def la_ol_empty(ctx):
    path = _new_cnt(ctx)
    expect_rsc(_get(ctx, f"{path}/la"), 4004)
    expect_rsc(_get(ctx, f"{path}/ol"), 4004)


@case("CNT-017", "TS-0004 §7.4.27.2.4, §7.4.7.2.4",
      "deleting la deletes the newest instance; cni drops and la moves to the previous one")
def delete_la(ctx):
    path = _new_cnt(ctx)
    _add(ctx, path, "one", "two", "three")
    expect_rsc(ctx.cse.delete(f"{path}/la", originator=ctx.state["aei"]), 2002)
    la = expect_rsc(_get(ctx, f"{path}/la"), 2000)
    expect(la.get("m2m:cin/con") == "two", "la is now the second", la)
    c = expect_rsc(_get(ctx, path), 2000)
    expect(c.get("m2m:cnt/cni") == 2, "cni is 2", c)


@case("CNT-018", "TS-0004 §7.4.28.2.4", "deleting ol deletes the oldest instance")
def delete_ol(ctx):
    path = _new_cnt(ctx)
    _add(ctx, path, "one", "two", "three")
    expect_rsc(ctx.cse.delete(f"{path}/ol", originator=ctx.state["aei"]), 2002)
    ol = expect_rsc(_get(ctx, f"{path}/ol"), 2000)
    expect(ol.get("m2m:cin/con") == "two", "ol is now the second", ol)


@case("CNT-019", "TS-0004 §7.4.27.2.3, §7.4.28.2.3", "an UPDATE of la or ol is refused with 4005")
def update_la_ol(ctx):
    path = _new_cnt(ctx)
    _add(ctx, path, "x")
    for v in ("la", "ol"):
        r = ctx.cse.update(f"{path}/{v}", {"m2m:cin": {"lbl": ["a"]}}, originator=ctx.state["aei"])
        expect_rsc(r, 4005)


# --- disableRetrieval ------------------------------------------------------------------------

def _disr_cnt(ctx):
    path = _new_cnt(ctx, disr=True)
    r = _cin(ctx, path, "secret", rn="i1")
    expect_rsc(r, 2001)  # creating instances stays allowed
    _add(ctx, path, "secret2")
    return path


@case("CNT-020", "TS-0004 §7.4.7.2.2", "with disr true, retrieving a contentInstance is refused with 4005")
def disr_retrieve(ctx):
    path = _disr_cnt(ctx)
    expect_rsc(_get(ctx, f"{path}/i1"), 4005)


@case("CNT-021", "TS-0004 §7.4.27.2.2, §7.4.28.2.2", "with disr true, retrieving la or ol is refused with 4005")
def disr_la_ol(ctx):
    path = _disr_cnt(ctx)
    expect_rsc(_get(ctx, f"{path}/la"), 4005)
    expect_rsc(_get(ctx, f"{path}/ol"), 4005)


@case("CNT-022", "TS-0004 §7.4.7.2.4, §7.4.27.2.4",
      "with disr true, deleting a contentInstance (directly or as la) is refused with 4005")
def disr_delete(ctx):
    path = _disr_cnt(ctx)
    expect_rsc(ctx.cse.delete(f"{path}/i1", originator=ctx.state["aei"]), 4005)
    expect_rsc(ctx.cse.delete(f"{path}/la", originator=ctx.state["aei"]), 4005)
    c = expect_rsc(_get(ctx, path), 2000)
    expect(c.get("m2m:cnt/cni") == 2, "both instances remain", c)


@case("CNT-023", "TS-0001 Table 9.6.6-2 (disableRetrieval)",
      "setting disr from true back to false deletes all contentInstances of the container")
def disr_reset(ctx):
    path = _disr_cnt(ctx)
    r = expect_rsc(_update(ctx, path, {"disr": False}), 2004)
    c = expect_rsc(_get(ctx, path), 2000)
    expect(c.get("m2m:cnt/cni") == 0 and c.get("m2m:cnt/cbs") == 0, "cni and cbs are 0", c)
    expect_rsc(_get(ctx, f"{path}/i1"), 4004)
    expect_rsc(_get(ctx, f"{path}/la"), 4004)


# --- creator, labels, stateTag, lastModifiedTime ---------------------------------------------

@case("CNT-024", "TS-0004 §7.3.3.3, §7.3.3.5",
      "cr null in a create makes the CSE set creator to the originator; without it no creator")
def creator_null(ctx):
    r, path = _cnt(ctx, cr=None)
    expect_rsc(r, 2001)
    expect(r.get("m2m:cnt/cr") == ctx.state["aei"], "cr is the originator", r)
    g = expect_rsc(_get(ctx, path), 2000)
    expect(g.get("m2m:cnt/cr") == ctx.state["aei"], "cr is stored", g)
    r2, _ = _cnt(ctx)
    expect(r2.get("m2m:cnt/cr") is None, "no cr when it was not asked for", r2)


@case("CNT-025", "TS-0004 §7.3.3.3", "a creator value given in a create is refused with 4000")
def creator_value(ctx):
    expect_rsc(_cnt(ctx, cr=ctx.state["aei"])[0], 4000)


@case("CNT-026", "TS-0004 Table 7.4.6.1-2, §7.3.3.4", "creator (NP on update) in an update is refused with 4000")
def creator_update(ctx):
    _, path = _cnt(ctx, cr=None)
    expect_rsc(_update(ctx, path, {"cr": None}), 4000)
    expect_rsc(_update(ctx, path, {"cr": "Cother"}), 4000)


@case("CNT-027", "TS-0004 Table 6.3.3-1 (m2m:labels), §7.3.3.3",
      "labels that are not tokens (leading/trailing space, tab, newline) are refused with 4000")
def bad_label_tokens(ctx):
    for bad in (" lead", "trail ", "tab\tx", "new\nline", "two  spaces"):
        expect_rsc(_cnt(ctx, lbl=[bad])[0], 4000)
    path = _new_cnt(ctx)
    expect_rsc(_update(ctx, path, {"lbl": ["tab\tx"]}), 4000)


@case("CNT-028", "TS-0004 Table 6.3.3-1 (m2m:labels)", "labels that are not a list are refused with 4000")
def labels_not_list(ctx):
    expect_rsc(_cnt(ctx, lbl="key:value")[0], 4000)


@case("CNT-029", "TS-0004 §7.3.3.7", "labels can be replaced by an update and removed with null")
def labels_update(ctx):
    path = _new_cnt(ctx, lbl=["a", "key:value"])
    r = expect_rsc(_update(ctx, path, {"lbl": ["b"]}), 2004)
    expect(r.get("m2m:cnt/lbl") == ["b"], "labels replaced", r)
    expect_rsc(_update(ctx, path, {"lbl": None}), 2004)
    g = expect_rsc(_get(ctx, path), 2000)
    expect(g.get("m2m:cnt/lbl") is None, "labels removed", g)


@case("CNT-030", "TS-0004 §7.3.3.7",
      "a successful update increments stateTag and sets lastModifiedTime; creationTime stays")
def st_lt_on_update(ctx):
    path = _new_cnt(ctx)
    before = expect_rsc(_get(ctx, path), 2000)
    time.sleep(1.05)  # lt may have a resolution of one second
    expect_rsc(_update(ctx, path, {"lbl": ["x"]}), 2004)
    expect_rsc(_update(ctx, path, {"mni": 10}), 2004)
    after = expect_rsc(_get(ctx, path), 2000)
    expect(after.get("m2m:cnt/st") == before.get("m2m:cnt/st") + 2, "st incremented by each update", after)
    expect(after.get("m2m:cnt/lt") > before.get("m2m:cnt/lt"), "lt advanced", after)
    expect(after.get("m2m:cnt/ct") == before.get("m2m:cnt/ct"), "ct unchanged", after)


@case("CNT-031", "TS-0004 §7.4.7.2.1 step 3",
      "creating a contentInstance increments the container's stateTag and the instance copies it")
def st_on_cin(ctx):
    path = _new_cnt(ctx)
    before = expect_rsc(_get(ctx, path), 2000).get("m2m:cnt/st")
    r = _cin(ctx, path, "x")
    expect_rsc(r, 2001)
    after = expect_rsc(_get(ctx, path), 2000)
    expect(after.get("m2m:cnt/st") == before + 1, "container st incremented", after)
    expect(r.get("m2m:cin/st") == before + 1, "the instance's st equals the container's new st", r)


# --- expirationTime --------------------------------------------------------------------------

@case("CNT-032", "TS-0004 §7.3.3.3, §7.3.3.4", "an expirationTime in the past is refused with 4000 (create and update)")
def et_past(ctx):
    expect_rsc(_cnt(ctx, et="20000101T000000")[0], 4000)
    path = _new_cnt(ctx)
    expect_rsc(_update(ctx, path, {"et": "20000101T000000"}), 4000)


@case("CNT-033", "TS-0004 §7.3.3.3, §7.3.3.5",
      "without an expirationTime the CSE assigns one in the future")
def et_default(ctx):
    r, _ = _cnt(ctx)
    expect_rsc(r, 2001)
    et, ct = r.get("m2m:cnt/et"), r.get("m2m:cnt/ct")
    expect(isinstance(et, str) and et > ct, "et is set and after ct", r)


@case("CNT-034", "TS-0004 §7.3.3.3",
      "a child's expirationTime beyond its parent's is lowered to at most the parent's")
def et_parent_bound(ctx):
    parent_et = _ts(timedelta(hours=1))
    parent = _new_cnt(ctx, et=parent_et)
    r, _ = _cnt(ctx, parent=parent, et=_ts(timedelta(hours=3)))
    expect_rsc(r, 2001)
    expect(r.get("m2m:cnt/et", "z")[:15] <= parent_et, "child et <= parent et", r)


@case("CNT-035", "TS-0004 §7.3.3.4",
      "an update that sets expirationTime before a child's expirationTime is refused with 4000")
def et_before_child(ctx):
    parent = _new_cnt(ctx, et=_ts(timedelta(hours=3)))
    expect_rsc(_cnt(ctx, parent=parent, et=_ts(timedelta(hours=2)))[0], 2001)
    expect_rsc(_update(ctx, parent, {"et": _ts(timedelta(hours=1))}), 4000)


# --- validation ------------------------------------------------------------------------------

@case("CNT-036", "TS-0004 §7.3.3.3, §7.3.3.4",
      "an attribute the container does not have is refused with 4000 (create and update)")
def unknown_attribute(ctx):
    expect_rsc(_cnt(ctx, unknown="x")[0], 4000)
    expect_rsc(_cnt(ctx, api="Nx")[0], 4000)
    path = _new_cnt(ctx)
    expect_rsc(_update(ctx, path, {"unknown": "x"}), 4000)


@case("CNT-037", "TS-0004 §7.3.3.3",
      "a create whose content does not match ty (ty=3 with m2m:cin) is refused with 4000")
def content_type_mismatch(ctx):
    r = ctx.cse.create(ctx.state["ae"], CNT, {"m2m:cin": {"con": "x"}}, originator=ctx.state["aei"])
    expect_rsc(r, 4000)


@case("CNT-038", "TS-0004 §7.3.3.4", "an update of ty, pi or rn of a container is refused with 4000")
def update_universal(ctx):
    path = _new_cnt(ctx)
    for a, v in (("ty", 5), ("pi", "x"), ("rn", "x"), ("ri", "x")):
        expect_rsc(_update(ctx, path, {a: v}), 4000)


# --- partial retrieve ------------------------------------------------------------------------

@case("CNT-039", "TS-0004 §7.3.3.6", "a partial retrieve returns the listed attributes with their values")
def partial_set(ctx):
    path = _new_cnt(ctx, mni=5)
    r = expect_rsc(ctx.cse.retrieve(path, originator=ctx.state["aei"], query={"atrl": "mni+cni"}), 2000)
    expect(r.get("m2m:cnt") == {"mni": 5, "cni": 0}, "only mni and cni", r)


@case("CNT-040", "TS-0004 §7.3.3.6",
      "a partial retrieve of an attribute of the type that is not set answers 2000 without it")
def partial_unset(ctx):
    path = _new_cnt(ctx)
    r = expect_rsc(ctx.cse.retrieve(path, originator=ctx.state["aei"], query={"atrl": "mia+cni"}), 2000)
    expect(r.get("m2m:cnt") == {"cni": 0}, "cni only; mia (not set) is left out", r)


@case("CNT-041", "TS-0004 §7.3.3.6", "a partial retrieve naming an attribute the type does not have gets 4000")
def partial_unknown(ctx):
    path = _new_cnt(ctx)
    expect_rsc(ctx.cse.retrieve(path, originator=ctx.state["aei"], query={"atrl": "xyz"}), 4000)


# --- delete ----------------------------------------------------------------------------------

@case("CNT-042", "TS-0004 §7.3.3.8", "deleting a container deletes its contentInstances and sub-containers")
def delete_recursive(ctx):
    path = _new_cnt(ctx)
    r = _cin(ctx, path, "x", rn="i1")
    expect_rsc(r, 2001)
    sub = ctx.unique("sub")
    expect_rsc(_cnt(ctx, parent=path, rn=sub)[0], 2001)
    expect_rsc(ctx.cse.delete(path, originator=ctx.state["aei"]), 2002)
    for p in (path, f"{path}/i1", f"{path}/{sub}", r.get("m2m:cin/ri")):
        expect_rsc(ctx.cse.retrieve(p), 4004)


# --- location (R4) ---------------------------------------------------------------------------

@case("CNT-043", "TS-0004 (R4) m2m:geoCoordinates", "a location that is not a geoCoordinates object is refused with 4000")
def loc_not_object(ctx):
    expect_rsc(_cnt(ctx, loc="somewhere")[0], 4000)


@case("CNT-044", "TS-0004 (R4) m2m:geoCoordinates, RFC 7946",
      "a location with an unknown geometry type or coordinates that do not fit it is refused with 4000")
def loc_invalid(ctx):
    bad = (
        {"typ": 99, "crd": "[1.0, 2.0]"},                            # no such geometry type
        {"typ": 1, "crd": "[[1.0, 2.0], [3.0, 4.0]]"},               # Point with two positions
        {"typ": 3, "crd": "[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]"},    # Polygon ring not closed
        {"typ": 1, "crd": "not json"},
    )
    for loc in bad:
        expect_rsc(_cnt(ctx, loc=loc)[0], 4000)


@case("CNT-045", "TS-0004 (R4) m2m:geoCoordinates", "a valid Point location is accepted and kept")
def loc_valid(ctx):
    loc = {"typ": 1, "crd": "[1.0, 2.0]"}
    r, path = _cnt(ctx, loc=loc)
    expect_rsc(r, 2001)
    g = expect_rsc(_get(ctx, path), 2000)
    expect(g.get("m2m:cnt/loc") == loc, "loc is stored as given", g)
