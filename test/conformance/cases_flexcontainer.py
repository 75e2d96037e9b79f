"""flexContainer (TS-0004 §7.4.37; TS-0001 §9.6.35; specialization [temperature] of TS-0023).

Covers the <flexContainer> attribute tables (Tables 7.4.37.1-1/-2: containerDefinition M/NP,
contentSize NP and set by the CSE to the size of the custom attributes, stateTag, creator,
ontologyRef and nodeLink O/O, custom attributes O/O), the representation key of a
specialization (its own short name, here cod:tempe), the schema checks of §7.4.37.2.1/§7.4.37.2.3
(a specialization whose schema is not available: 4125 SPECIALIZATION_SCHEMA_NOT_FOUND; a
representation that does not validate against the schema: 4000), stateTag and lastModifiedTime
on UPDATE, the parents and children allowed (§7.4.37.1, Table 7.4.37.1-3), notifications of a
subscribed flexContainer, and that a flexContainerInstance (ty 58) is never created by a client
request.

Release 4 <flexContainerInstance> (FCT-030 on): a flexContainer with a non-zero maxNrOfInstances,
maxByteSize or maxInstanceAge keeps instances of itself (TS-0004 §7.4.37.2.1 step 3: its state at
creation; §7.4.37.2.3 step 3: every UPDATE that carries a custom attribute), each a copy of the
custom attributes with its own resourceID, creationTime, expirationTime, contentSize, stateTag
and originator, counted in currentNrOfInstances/currentByteSize, evicted oldest first like
contentInstances, answered by the flexContainer's latest/oldest, never created (4005) nor updated
(4005) by a client; deleting one lowers the counters.

The [temperature] specialization of TS-0023 (cod:tempe, containerDefinition
org.onem2m.common.moduleclass.temperature) is used: custom attributes curT0 (currentTemperature),
tarTe (targetTemperature), unit, minVe, maxVe, steVe.
"""
from harness import case, expect, expect_rsc
from onem2m import CIN, CNT, FCI, FCNT, SUB, TS

KEY = "cod:tempe"
CND = "org.onem2m.common.moduleclass.temperature"
CUSTOM = {"curT0": 23.0, "unit": 1, "minVe": -100.0, "maxVe": 100.0, "steVe": 0.5}


def setup(ctx):
    aei, ae_path = ctx.register_ae()
    ctx.state["ae"] = ae_path
    ctx.state["aei"] = aei


def _fc(ctx, extra=None, parent=None, key=KEY, with_cnd=True, custom=True):
    rn = ctx.unique("fc")
    body = {"rn": rn}
    if with_cnd:
        body["cnd"] = CND
    if custom:
        body.update(CUSTOM)
    body.update(extra or {})
    parent = parent or ctx.state["ae"]
    return ctx.cse.create(parent, FCNT, {key: body}), f"{parent}/{rn}"


def _new_fc(ctx, extra=None, parent=None):
    r, path = _fc(ctx, extra, parent)
    expect_rsc(r, 2001)
    return r, path


def _get(ctx, path):
    return expect_rsc(ctx.cse.retrieve(path), 2000)


@case("FCT-001", "TS-0004 §7.4.37.2.1, Table 7.4.37.1-2",
      "a [temperature] flexContainer is created (2001, ty 28) and represented under its own key cod:tempe")
def create_fc(ctx):
    r, path = _fc(ctx)
    expect_rsc(r, 2001)
    expect(r.get(f"{KEY}/ty") == FCNT, "ty is 28", r)
    got = _get(ctx, path)
    expect(isinstance(got.get(KEY), dict), "the representation is keyed cod:tempe", got)
    expect(got.get(f"{KEY}/cnd") == CND, "cnd is kept", got)
    for a, v in CUSTOM.items():
        expect(got.get(f"{KEY}/{a}") == v, f"custom attribute {a} is kept", got)


@case("FCT-002", "TS-0004 Table 7.4.37.1-1, §7.4.37.2.1",
      "a new flexContainer has stateTag 0 and a contentSize greater than 0 (its custom attributes)")
def fc_state_and_size(ctx):
    _, path = _new_fc(ctx)
    got = _get(ctx, path)
    expect(got.get(f"{KEY}/st") == 0, "st is 0", got)
    cs = got.get(f"{KEY}/cs")
    expect(isinstance(cs, int) and cs > 0, "cs is a positive size", got)


@case("FCT-003", "TS-0004 Table 7.4.37.1-2, §7.3.3.3",
      "a flexContainer without containerDefinition is refused with 4000")
def fc_without_cnd(ctx):
    r, path = _fc(ctx, with_cnd=False)
    expect_rsc(r, 4000)
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("FCT-004", "TS-0004 Table 7.4.37.1-2, §7.3.3.4",
      "containerDefinition cannot be updated (NP): 4000")
def fc_update_cnd(ctx):
    _, path = _new_fc(ctx)
    expect_rsc(ctx.cse.update(path, {KEY: {"cnd": CND}}), 4000)


@case("FCT-005", "TS-0004 Tables 7.4.37.1-1/-2, §7.3.3.3",
      "contentSize and stateTag are not permitted in a CREATE (NP): 4000")
def fc_np_create(ctx):
    for extra in ({"cs": 10}, {"st": 0}):
        r, path = _fc(ctx, extra)
        expect(r.rsc == 4000, f"{extra}: 4000", r)
        expect_rsc(ctx.cse.retrieve(path), 4004)


@case("FCT-006", "TS-0004 §7.4.37.2.3, Table 7.4.37.1-2",
      "a custom attribute is updated; stateTag grows by one and lastModifiedTime advances")
def fc_update_custom(ctx):
    _, path = _new_fc(ctx)
    before = _get(ctx, path)
    r = expect_rsc(ctx.cse.update(path, {KEY: {"curT0": 17.5}}), 2004)
    expect(r.get(f"{KEY}/curT0") == 17.5, "curT0 is updated", r)
    got = _get(ctx, path)
    expect(got.get(f"{KEY}/curT0") == 17.5, "curT0 is stored", got)
    expect(got.get(f"{KEY}/st") == before.get(f"{KEY}/st") + 1, "st grew by one", got)
    expect(got.get(f"{KEY}/lt") > before.get(f"{KEY}/lt"), "lt advanced", got)
    expect(got.get(f"{KEY}/minVe") == -100.0, "the other custom attributes are unchanged", got)


@case("FCT-007", "TS-0004 §7.4.37.2.3",
      "adding a custom attribute by an UPDATE increases contentSize")
def fc_cs_grows(ctx):
    _, path = _new_fc(ctx)
    before = _get(ctx, path).get(f"{KEY}/cs")
    expect_rsc(ctx.cse.update(path, {KEY: {"tarTe": 21.0}}), 2004)
    got = _get(ctx, path)
    expect(got.get(f"{KEY}/tarTe") == 21.0, "tarTe is added", got)
    expect(got.get(f"{KEY}/cs") > before, "cs grew", got)


@case("FCT-008", "TS-0004 §7.4.37.2.3, TS-0001 §10.1.4",
      "an UPDATE setting a custom attribute to null removes it and contentSize shrinks")
def fc_delete_custom(ctx):
    _, path = _new_fc(ctx, {"tarTe": 21.0})
    before = _get(ctx, path).get(f"{KEY}/cs")
    expect_rsc(ctx.cse.update(path, {KEY: {"tarTe": None}}), 2004)
    got = _get(ctx, path)
    expect(got.get(f"{KEY}/tarTe") is None, "tarTe is gone", got)
    expect(got.get(f"{KEY}/cs") < before, "cs shrank", got)


@case("FCT-009", "TS-0004 §7.4.37.2.1",
      "a specialization whose schema the CSE does not have is refused with 4125 SPECIALIZATION_SCHEMA_NOT_FOUND")
def fc_unknown_specialization(ctx):
    rn = ctx.unique("fc")
    r = ctx.cse.create(ctx.state["ae"], FCNT, {"xyz:unknownSpec": {
        "rn": rn, "cnd": "org.example.nonexistent.specialization.v0", "someAttr": "v"}})
    expect_rsc(r, 4125)
    expect_rsc(ctx.cse.retrieve(f"{ctx.state['ae']}/{rn}"), 4004)


@case("FCT-010", "TS-0004 §7.4.37.2.1",
      "a containerDefinition that does not name the specialization's schema is refused (4000, or 4125)")
def fc_wrong_cnd(ctx):
    r, path = _fc(ctx, {"cnd": "org.example.wrong"})
    expect_rsc(r, 4000, 4125)
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("FCT-011", "TS-0004 §7.4.37.2.1, §7.3.3.3",
      "a custom attribute the specialization does not define is refused at creation (4000, or 4125)")
def fc_undefined_custom_create(ctx):
    r, path = _fc(ctx, {"notATemperatureAttr": "x"})
    expect_rsc(r, 4000, 4125)
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("FCT-012", "TS-0004 §7.4.37.2.3",
      "a custom attribute the specialization does not define is refused in an UPDATE with 4000")
def fc_undefined_custom_update(ctx):
    _, path = _new_fc(ctx)
    expect_rsc(ctx.cse.update(path, {KEY: {"notATemperatureAttr": "x"}}), 4000)
    got = _get(ctx, path)
    expect(got.get(f"{KEY}/notATemperatureAttr") is None, "nothing was stored", got)


@case("FCT-013", "TS-0004 §7.4.37.2.3",
      "a custom attribute of the wrong data type (a string for a float) is refused in an UPDATE with 4000")
def fc_wrong_type_update(ctx):
    _, path = _new_fc(ctx)
    expect_rsc(ctx.cse.update(path, {KEY: {"tarTe": "warm"}}), 4000)


@case("FCT-014", "TS-0004 Table 7.4.37.1-1, §7.3.3.3, §7.3.3.5",
      "creator null at creation is set to the originator; a value for it is refused (4000)")
def fc_creator(ctx):
    r, path = _new_fc(ctx, {"cr": None})
    expect(r.get(f"{KEY}/cr") == ctx.cse.admin, "cr is the originator", r)
    r2, path2 = _fc(ctx, {"cr": "Csomeone"})
    expect_rsc(r2, 4000)
    expect_rsc(ctx.cse.retrieve(path2), 4004)


@case("FCT-015", "TS-0004 Table 7.4.37.1-2", "ontologyRef and nodeLink are kept and may be updated")
def fc_or_nl(ctx):
    _, path = _new_fc(ctx, {"or": "http://example.com/ontology", "nl": f"{ctx.base}/someNode"})
    got = _get(ctx, path)
    expect(got.get(f"{KEY}/or") == "http://example.com/ontology", "or is kept", got)
    expect(got.get(f"{KEY}/nl") == f"{ctx.base}/someNode", "nl is kept", got)
    r = expect_rsc(ctx.cse.update(path, {KEY: {"or": "http://example.com/o2"}}), 2004)
    expect(r.get(f"{KEY}/or") == "http://example.com/o2", "or is updated", r)


@case("FCT-016", "TS-0004 §7.3.3.3",
      "a body whose key is not a flexContainer (m2m:cnt) with ty 28 is refused with 4000")
def fc_key_mismatch(ctx):
    rn = ctx.unique("fc")
    r = ctx.cse.create(ctx.state["ae"], FCNT, {"m2m:cnt": {"rn": rn, "cnd": CND}})
    expect_rsc(r, 4000)
    expect_rsc(ctx.cse.retrieve(f"{ctx.state['ae']}/{rn}"), 4004)


@case("FCT-017", "TS-0004 §7.4.37.1", "a flexContainer can be created under the CSEBase")
def fc_under_cse(ctx):
    r, _ = _fc(ctx, parent=ctx.base)
    expect_rsc(r, 2001)


@case("FCT-018", "TS-0004 §7.4.37.1, Table 7.4.6.1-4", "a flexContainer can be created under a <container>")
def fc_under_container(ctx):
    rn = ctx.unique("cnt")
    expect_rsc(ctx.cse.create(ctx.state["ae"], CNT, {"m2m:cnt": {"rn": rn}}), 2001)
    r, _ = _fc(ctx, parent=f"{ctx.state['ae']}/{rn}")
    expect_rsc(r, 2001)


@case("FCT-019", "TS-0004 Table 7.4.37.1-3",
      "a flexContainer, a <container> and a <timeSeries> can be created under a flexContainer")
def fc_children(ctx):
    _, path = _new_fc(ctx)
    r, _ = _fc(ctx, parent=path)
    expect(r.rsc == 2001, "child flexContainer: 2001", r)
    r = ctx.cse.create(path, CNT, {"m2m:cnt": {"rn": ctx.unique("cnt")}})
    expect(r.rsc == 2001, "child container: 2001", r)
    r = ctx.cse.create(path, TS, {"m2m:ts": {"rn": ctx.unique("ts")}})
    expect(r.rsc == 2001, "child timeSeries: 2001", r)


@case("FCT-020", "TS-0004 Table 7.4.37.1-3, §7.3.3.3",
      "a <contentInstance> under a flexContainer is refused with 4108")
def fc_cin_refused(ctx):
    _, path = _new_fc(ctx)
    rn = ctx.unique("cin")
    expect_rsc(ctx.cse.create(path, CIN, {"m2m:cin": {"rn": rn, "con": "x"}}), 4108)
    expect_rsc(ctx.cse.retrieve(f"{path}/{rn}"), 4004)


@case("FCT-021", "TS-0004 §7.4.37.1, Table 7.4.38.1-4, §7.3.3.3",
      "a flexContainer under a <timeSeries> is refused with 4108")
def fc_under_ts_refused(ctx):
    rn = ctx.unique("ts")
    expect_rsc(ctx.cse.create(ctx.state["ae"], TS, {"m2m:ts": {"rn": rn}}), 2001)
    r, path = _fc(ctx, parent=f"{ctx.state['ae']}/{rn}")
    expect_rsc(r, 4108)
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("FCT-022", "TS-0004 Table 7.4.37.1-3, §7.5.1.2.2",
      "a <subscription> on a flexContainer is notified of an update with the changed custom attribute")
def fc_notification(ctx):
    _, path = _new_fc(ctx)
    sub_rn = ctx.unique("sub")
    s = ctx.cse.create(path, SUB, {"m2m:sub": {"rn": sub_rn, "nu": [ctx.notifications.url],
                                               "enc": {"net": [1]}}})
    expect_rsc(s, 2001)
    sub_ri = s.get("m2m:sub/ri")
    expect_rsc(ctx.cse.update(path, {KEY: {"curT0": 30.5}}), 2004)

    def mine(rec):
        sgn = rec.body.get("m2m:sgn") if isinstance(rec.body, dict) else None
        return (bool(sgn) and not sgn.get("vrq") and sgn.get("nev") is not None
                and str(sgn.get("sur", "")).endswith((sub_ri, sub_rn)))
    got = ctx.notifications.wait(1, 5.0, mine)
    expect(got, "a notification arrives")
    rep = got[0].body["m2m:sgn"]["nev"].get("rep") or {}
    expect(rep.get(KEY, {}).get("curT0") == 30.5, f"it carries cod:tempe with curT0 30.5; got {rep}")


@case("FCT-023", "TS-0004 §7.4.37.2.4, TS-0001 §10.1.5",
      "deleting a flexContainer deletes its child resources")
def fc_delete(ctx):
    _, path = _new_fc(ctx)
    _, child = _new_fc(ctx, parent=path)
    expect_rsc(ctx.cse.delete(path), 2002)
    expect_rsc(ctx.cse.retrieve(path), 4004)
    expect_rsc(ctx.cse.retrieve(child), 4004)


@case("FCT-024", "TS-0004 §7.3.3.6",
      "a partial retrieve of a flexContainer returns the named custom attribute only")
def fc_partial_retrieve(ctx):
    _, path = _new_fc(ctx)
    r = expect_rsc(ctx.cse.retrieve(path, query={"atrl": "curT0"}), 2000)
    body = r.get(KEY)
    expect(isinstance(body, dict) and set(body) == {"curT0"}, "only curT0 is returned", r)


@case("FCT-025", "TS-0004 Table 6.3.4.2.1-1, §7.3.3.3; R4 <flexContainerInstance>",
      "a flexContainerInstance (ty 58) is never created by a client CREATE: 4005 OPERATION_NOT_ALLOWED")
def fci_not_creatable(ctx):
    # Release 4 makes ty 58 a resource type the Hosting CSE creates itself (as <request>,
    # §7.4.12): a CSE that has it answers 4005, whatever the parent.
    _, path = _new_fc(ctx)
    rn = ctx.unique("fci")
    r = ctx.cse.create(path, FCI, {KEY: {"rn": rn, "curT0": 1.0}})
    expect_rsc(r, 4005)
    expect_rsc(ctx.cse.retrieve(f"{path}/{rn}"), 4004)


@case("FCT-026", "TS-0004 §7.4.37.2.1, §7.3.3.5",
      "a flexContainer with only containerDefinition (no custom attribute) has contentSize 0")
def fc_empty_size(ctx):
    r, path = _fc(ctx, custom=False)
    if r.rsc in (4000, 4125):  # the specialization may make a custom attribute mandatory
        return
    expect_rsc(r, 2001)
    got = _get(ctx, path)
    expect(got.get(f"{KEY}/cs") == 0, "cs is 0", got)


@case("FCT-027", "TS-0004 §7.4.37.2.3",
      "an UPDATE of labels only increments the stateTag too")
def fc_st_any_update(ctx):
    _, path = _new_fc(ctx)
    expect_rsc(ctx.cse.update(path, {KEY: {"lbl": ["tag"]}}), 2004)
    got = _get(ctx, path)
    expect(got.get(f"{KEY}/st") == 1, "st is 1", got)
    expect(got.get(f"{KEY}/lbl") == ["tag"], "lbl is set", got)


@case("FCT-028", "TS-0004 §7.4.37.2.1",
      "a custom attribute of the wrong data type at creation (a string for currentTemperature) is refused with 4000")
def fc_wrong_type_create(ctx):
    r, path = _fc(ctx, {"curT0": "hot"})
    expect_rsc(r, 4000)
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("FCT-029", "TS-0004 §7.4.37.2.1",
      "a representation key that is not the specialization containerDefinition names is refused with 4000")
def fc_key_not_of_cnd(ctx):
    rn = ctx.unique("fc")
    r = ctx.cse.create(ctx.state["ae"], FCNT, {"cod:temAm": {
        "rn": rn, "cnd": CND, "curT0": 20.0}})
    expect_rsc(r, 4000, 4125)
    expect_rsc(ctx.cse.retrieve(f"{ctx.state['ae']}/{rn}"), 4004)


# ---- Release 4: <flexContainerInstance> ----------------------------------------------------------

def _instances(ctx, path):
    """The flexContainerInstances under `path`, oldest first (discovery, then each retrieved)."""
    r = expect_rsc(ctx.cse.retrieve(path, query={"fu": 1, "ty": FCI}), 2000)
    uris = r.get("m2m:uril")
    expect(isinstance(uris, list), "discovery answers an m2m:uril list", r)
    got = [expect_rsc(ctx.cse.retrieve(u), 2000).get(KEY) or {} for u in uris]
    return sorted(got, key=lambda fci: (fci.get("ct", ""), fci.get("ri", "")))


@case("FCT-030", "TS-0004 §7.4.37.2.1 step 3 (R4), TS-0001 §9.6.35",
      "a flexContainer created with maxNrOfInstances keeps its state as a first flexContainerInstance: cni 1, cbs = cs")
def fci_first_instance(ctx):
    r, path = _new_fc(ctx, {"mni": 5})
    expect(r.get(f"{KEY}/mni") == 5, "mni is kept", r)
    got = _get(ctx, path)
    expect(got.get(f"{KEY}/cni") == 1, "cni is 1", got)
    expect(got.get(f"{KEY}/cbs") == got.get(f"{KEY}/cs"), "cbs is the flexContainer's cs", got)
    fcis = _instances(ctx, path)
    expect(len(fcis) == 1, f"one flexContainerInstance; got {len(fcis)}")
    expect(fcis[0].get("curT0") == CUSTOM["curT0"], f"it holds curT0 {CUSTOM['curT0']}: {fcis[0]}")


@case("FCT-031", "TS-0004 §7.4.37.2.3 step 3 (R4)",
      "an UPDATE of a custom attribute creates a flexContainerInstance holding a copy of the custom attributes")
def fci_on_update(ctx):
    _, path = _new_fc(ctx, {"mni": 5})
    expect_rsc(ctx.cse.update(path, {KEY: {"curT0": 17.5, "tarTe": 19.0}}), 2004)
    fc = _get(ctx, path)
    expect(fc.get(f"{KEY}/cni") == 2, "cni is 2", fc)
    fcis = _instances(ctx, path)
    expect(len(fcis) == 2, f"two flexContainerInstances; got {len(fcis)}")
    new, old = fcis[-1], fcis[0]
    expect(new.get("ty") == FCI, f"ty is 58: {new}")
    for a, v in {**CUSTOM, "curT0": 17.5, "tarTe": 19.0}.items():
        expect(new.get(a) == v, f"the instance holds {a} = {v}: {new}")
    expect(old.get("curT0") == CUSTOM["curT0"] and "tarTe" not in old,
           f"the first instance keeps the state at creation: {old}")
    expect(new.get("ri") and new.get("ri") != fc.get(f"{KEY}/ri"), f"its own ri: {new}")
    expect(new.get("pi") == fc.get(f"{KEY}/ri"), f"its parent is the flexContainer: {new}")
    for a in ("ct", "lt", "et"):
        expect(isinstance(new.get(a), str), f"it has {a}: {new}")
    expect(new.get("et") <= fc.get(f"{KEY}/et"), f"it does not outlive the flexContainer: {new}")
    expect(new.get("cs") == fc.get(f"{KEY}/cs"), f"cs is the flexContainer's cs: {new}")
    expect(fc.get(f"{KEY}/cbs") == old.get("cs") + new.get("cs"), "cbs is the sum of both", fc)
    expect("cnd" not in new and "mni" not in new, f"the flexContainer's own attributes are not copied: {new}")


@case("FCT-032", "TS-0004 §7.4.37.2.3 step 3 (R4)",
      "an UPDATE without any custom attribute (labels, maxNrOfInstances) creates no flexContainerInstance")
def fci_not_on_other_update(ctx):
    _, path = _new_fc(ctx, {"mni": 5})
    expect_rsc(ctx.cse.update(path, {KEY: {"lbl": ["kitchen"]}}), 2004)
    expect_rsc(ctx.cse.update(path, {KEY: {"mni": 6}}), 2004)
    got = _get(ctx, path)
    expect(got.get(f"{KEY}/cni") == 1, "cni is still 1", got)
    expect(len(_instances(ctx, path)) == 1, "still one flexContainerInstance")


@case("FCT-033", "TS-0004 §7.4.37.2.3 (R4), TS-0001 §9.6.35",
      "maxNrOfInstances: the oldest flexContainerInstances are deleted first")
def fci_mni_eviction(ctx):
    _, path = _new_fc(ctx, {"mni": 2})
    for t in (1.0, 2.0, 3.0):
        expect_rsc(ctx.cse.update(path, {KEY: {"curT0": t}}), 2004)
    got = _get(ctx, path)
    expect(got.get(f"{KEY}/cni") == 2, "cni is 2", got)
    fcis = _instances(ctx, path)
    expect([f.get("curT0") for f in fcis] == [2.0, 3.0], f"the two newest are kept: {fcis}")
    expect(got.get(f"{KEY}/cbs") == sum(f.get("cs") for f in fcis), "cbs counts the kept ones", got)
    expect_rsc(ctx.cse.update(path, {KEY: {"mni": 1}}), 2004)
    got = _get(ctx, path)
    expect(got.get(f"{KEY}/cni") == 1, "a lowered mni evicts at once", got)
    la = expect_rsc(ctx.cse.retrieve(f"{path}/la"), 2000)
    expect(la.get(f"{KEY}/curT0") == 3.0, "the newest stays", la)


@case("FCT-034", "TS-0001 §9.6.35 (R4 <latest>/<oldest>), TS-0004 §7.4.37.1",
      "la and ol of a flexContainer answer its newest and its oldest flexContainerInstance")
def fci_la_ol(ctx):
    _, path = _new_fc(ctx, {"mni": 5})
    expect_rsc(ctx.cse.update(path, {KEY: {"curT0": 30.5}}), 2004)
    la = expect_rsc(ctx.cse.retrieve(f"{path}/la"), 2000)
    expect(la.get(f"{KEY}/ty") == FCI, "la is a flexContainerInstance under the specialization key", la)
    expect(la.get(f"{KEY}/curT0") == 30.5, "la holds the newest state", la)
    ol = expect_rsc(ctx.cse.retrieve(f"{path}/ol"), 2000)
    expect(ol.get(f"{KEY}/curT0") == CUSTOM["curT0"], "ol holds the state at creation", ol)
    _, plain = _new_fc(ctx)
    expect_rsc(ctx.cse.retrieve(f"{plain}/la"), 4004)
    got = _get(ctx, plain)
    expect(got.get(f"{KEY}/cni") is None, "a flexContainer that keeps no instances has no cni", got)


@case("FCT-035", "TS-0004 §7.3.3.3; R4 <flexContainerInstance>",
      "a client CREATE of a flexContainerInstance under a flexContainer that keeps instances: 4005, cni unchanged")
def fci_create_refused(ctx):
    _, path = _new_fc(ctx, {"mni": 5})
    rn = ctx.unique("fci")
    expect_rsc(ctx.cse.create(path, FCI, {KEY: {"rn": rn, "curT0": 1.0}}), 4005)
    expect_rsc(ctx.cse.retrieve(f"{path}/{rn}"), 4004)
    got = _get(ctx, path)
    expect(got.get(f"{KEY}/cni") == 1, "cni is unchanged", got)


@case("FCT-036", "TS-0004 §7.3.3.3; R4 <flexContainerInstance>",
      "a flexContainerInstance cannot be updated: 4005 OPERATION_NOT_ALLOWED")
def fci_not_updatable(ctx):
    _, path = _new_fc(ctx, {"mni": 5})
    la = expect_rsc(ctx.cse.retrieve(f"{path}/la"), 2000)
    fci = f"{path}/{la.get(f'{KEY}/rn')}"
    expect_rsc(ctx.cse.update(fci, {KEY: {"curT0": 5.0}}), 4005)
    got = expect_rsc(ctx.cse.retrieve(fci), 2000)
    expect(got.get(f"{KEY}/curT0") == CUSTOM["curT0"], "the instance is unchanged", got)


@case("FCT-037", "TS-0001 §10.1.5, TS-0004 §7.4.37 (R4)",
      "deleting a flexContainerInstance (by ol, or by its name) lowers cni and cbs")
def fci_delete(ctx):
    _, path = _new_fc(ctx, {"mni": 5})
    expect_rsc(ctx.cse.update(path, {KEY: {"curT0": 1.0}}), 2004)
    expect_rsc(ctx.cse.update(path, {KEY: {"curT0": 2.0}}), 2004)
    before = _get(ctx, path)
    expect(before.get(f"{KEY}/cni") == 3, "three instances", before)
    expect_rsc(ctx.cse.delete(f"{path}/ol"), 2002)
    mid = _get(ctx, path)
    expect(mid.get(f"{KEY}/cni") == 2, "cni is 2 after deleting the oldest", mid)
    expect(mid.get(f"{KEY}/cbs") < before.get(f"{KEY}/cbs"), "cbs shrank", mid)
    la = expect_rsc(ctx.cse.retrieve(f"{path}/la"), 2000)
    expect_rsc(ctx.cse.delete(f"{path}/{la.get(f'{KEY}/rn')}"), 2002)
    after = _get(ctx, path)
    expect(after.get(f"{KEY}/cni") == 1, "cni is 1 after deleting the newest by name", after)
    ol = expect_rsc(ctx.cse.retrieve(f"{path}/ol"), 2000)
    expect(ol.get(f"{KEY}/curT0") == 1.0, "the middle one is left", ol)
    expect(after.get(f"{KEY}/cbs") == ol.get(f"{KEY}/cs"), "cbs is its size", after)


@case("FCT-038", "TS-0001 §9.6.35 (R4), TS-0004 §7.4.37.2.3",
      "maxByteSize: the oldest flexContainerInstances go until currentByteSize fits")
def fci_mbs_eviction(ctx):
    _, path = _new_fc(ctx, {"mni": 10})
    cs = _get(ctx, path).get(f"{KEY}/cs")
    expect_rsc(ctx.cse.update(path, {KEY: {"mbs": cs * 2 + 1}}), 2004)  # room for two
    for t in (11.0, 12.0, 13.0):
        expect_rsc(ctx.cse.update(path, {KEY: {"curT0": t}}), 2004)  # same size as before
    got = _get(ctx, path)
    expect(got.get(f"{KEY}/cni") == 2, "two fit", got)
    expect(got.get(f"{KEY}/cbs") <= cs * 2 + 1, "cbs is within mbs", got)
    ol = expect_rsc(ctx.cse.retrieve(f"{path}/ol"), 2000)
    expect(ol.get(f"{KEY}/curT0") == 12.0, "the oldest kept is the second newest", ol)


@case("FCT-039", "TS-0004 §7.4.37.2.3 (R4)",
      "removing maxNrOfInstances (the only limit) ends instance keeping: the instances and cni/cbs are gone")
def fci_keeping_off(ctx):
    _, path = _new_fc(ctx, {"mni": 5})
    expect_rsc(ctx.cse.update(path, {KEY: {"curT0": 1.0}}), 2004)
    expect_rsc(ctx.cse.update(path, {KEY: {"mni": None}}), 2004)
    got = _get(ctx, path)
    expect(got.get(f"{KEY}/cni") is None and got.get(f"{KEY}/cbs") is None, "no cni/cbs", got)
    expect_rsc(ctx.cse.retrieve(f"{path}/la"), 4004)
    expect(_instances(ctx, path) == [], "no flexContainerInstance is left")
    expect_rsc(ctx.cse.update(path, {KEY: {"curT0": 2.0}}), 2004)
    expect(_instances(ctx, path) == [], "and updates make none")


@case("FCT-040", "TS-0001 §9.6.35 (R4), TS-0004 §7.4.37.2.1",
      "maxInstanceAge: a flexContainerInstance expires at most mia seconds after its creation")
def fci_mia(ctx):
    _, path = _new_fc(ctx, {"mia": 60})
    la = expect_rsc(ctx.cse.retrieve(f"{path}/la"), 2000)
    ct, et = la.get(f"{KEY}/ct"), la.get(f"{KEY}/et")
    expect(isinstance(ct, str) and isinstance(et, str), "ct and et are there", la)

    def seconds(ts):  # YYYYMMDDTHHMMSS[,ffffff]
        import datetime
        return datetime.datetime.strptime(ts[:15], "%Y%m%dT%H%M%S").timestamp()
    expect(seconds(et) - seconds(ct) <= 61, f"et - ct <= mia (60 s): ct {ct}, et {et}", la)


@case("FCT-041", "TS-0001 Table 9.6.35-2 (flexContainerInstanceEnabled)",
      "flexContainerInstanceEnabled (fcied) true keeps flexContainerInstances without any limit")
def fci_fcied(ctx):
    _, path = _new_fc(ctx, {"fcied": True})
    expect_rsc(ctx.cse.update(path, {KEY: {"curT0": 3.0}}), 2004)
    got = _get(ctx, path)
    expect(got.get(f"{KEY}/fcied") is True, "fcied is kept", got)
    expect(got.get(f"{KEY}/cni") == 2, "two instances", got)
