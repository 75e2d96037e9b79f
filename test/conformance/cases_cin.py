"""<contentInstance> (TS-0004 §7.4.7, TS-0001 §9.6.7).

Covers: create and the computed attributes (cs, st; Table 7.4.7.1-2/-3), mandatory con,
contentInfo syntax (m2m:contentInfo, Table 6.3.3-1; m2m:encodingType, m2m:contentSecurity),
NOT_ACCEPTABLE beyond the parent's maxByteSize (§7.4.7.2.1), UPDATE refused with 4005
(§7.4.7.2.3), delete (§7.4.7.2.4), allowed parents (4108, §7.3.3.3), attributes a
contentInstance does not have (acpi) and NP ones (cs, st), creator, resourceName conflicts,
expirationTime in the past, partial retrieve, and the Release 4 attributes deletionCnt (dcnt)
and dataGenerationTime (dgt).
"""
from harness import case, expect, expect_rsc
from onem2m import AE, CIN, CNT


def setup(ctx):
    aei, path = ctx.register_ae(poa=False)
    ctx.state["aei"], ctx.state["ae"] = aei, path


def _new_cnt(ctx, **attrs) -> str:
    attrs.setdefault("rn", ctx.unique("cnt"))
    r = ctx.cse.create(ctx.state["ae"], CNT, {"m2m:cnt": attrs}, originator=ctx.state["aei"])
    expect_rsc(r, 2001)
    return f"{ctx.state['ae']}/{attrs['rn']}"


def _cin(ctx, parent, **attrs):
    attrs.setdefault("con", "value")
    return ctx.cse.create(parent, CIN, {"m2m:cin": attrs}, originator=ctx.state["aei"])


def _get(ctx, path, **kw):
    return ctx.cse.retrieve(path, originator=ctx.state["aei"], **kw)


@case("CIN-001", "TS-0004 §7.4.7.2.1, Table 7.4.7.1-2/-3",
      "a contentInstance is created with ty 4, the container as parent, its content and contentInfo")
def create_cin(ctx):
    parent = _new_cnt(ctx)
    c = expect_rsc(_get(ctx, parent), 2000)
    r = _cin(ctx, parent, rn="i1", cnf="text/plain:0", con="AnyValue")
    expect_rsc(r, 2001)
    i = r.get("m2m:cin")
    expect(i.get("ty") == CIN and i.get("pi") == c.get("m2m:cnt/ri"), "ty 4, pi = the container's ri", r)
    expect(i.get("con") == "AnyValue" and i.get("cnf") == "text/plain:0", "con and cnf as given", r)
    expect(i.get("ct") and i.get("ct") == i.get("lt"), "lt equals ct", r)
    expect(isinstance(i.get("st"), int), "st is set", r)
    g = expect_rsc(_get(ctx, f"{parent}/i1"), 2000)
    expect(g.get("m2m:cin/con") == "AnyValue", "retrievable with its content", g)


@case("CIN-002", "TS-0004 §7.4.7.2.1 step 1b", "contentSize is the size of the content in bytes")
def content_size(ctx):
    parent = _new_cnt(ctx)
    for con in ("abc", "h\u00e9llo w\u00f6rld"):  # the second has two 2-byte characters
        r = _cin(ctx, parent, con=con)
        expect_rsc(r, 2001)
        expect(r.get("m2m:cin/cs") == len(con.encode("utf-8")), f"cs of {con!r} is its byte size", r)


@case("CIN-003", "TS-0004 Table 7.4.7.1-3, §7.3.3.3", "a contentInstance without content (con) is refused with 4000")
def missing_con(ctx):
    parent = _new_cnt(ctx)
    r = ctx.cse.create(parent, CIN, {"m2m:cin": {"cnf": "text/plain:0"}}, originator=ctx.state["aei"])
    expect_rsc(r, 4000)


@case("CIN-004", "TS-0004 Table 6.3.3-1 (m2m:contentInfo)",
      "contentInfo of the form type/subtype:encoding[:security] is accepted")
def cnf_valid(ctx):
    parent = _new_cnt(ctx)
    for cnf in ("text/plain:0", "application/json:0", "application/xml:1", "application/xml:1:0"):
        r = _cin(ctx, parent, cnf=cnf)
        expect_rsc(r, 2001)
        expect(r.get("m2m:cin/cnf") == cnf, f"cnf {cnf} kept", r)


@case("CIN-005", "TS-0004 Table 6.3.3-1 (m2m:contentInfo, m2m:typeOfContent)",
      "contentInfo whose media type is not type/subtype is refused with 4000")
def cnf_no_media_type(ctx):
    parent = _new_cnt(ctx)
    for cnf in ("text", "text:0"):
        expect_rsc(_cin(ctx, parent, cnf=cnf), 4000)


@case("CIN-006", "TS-0004 Table 6.3.3-1 (m2m:contentInfo)",
      "contentInfo without the encoding type after the media type is refused with 4000")
def cnf_no_encoding(ctx):
    parent = _new_cnt(ctx)
    expect_rsc(_cin(ctx, parent, cnf="text/plain"), 4000)


@case("CIN-007", "TS-0004 Table 6.3.4.2.28-1 (m2m:encodingType)",
      "contentInfo with an encoding type that does not exist is refused with 4000")
def cnf_bad_encoding(ctx):
    parent = _new_cnt(ctx)
    expect_rsc(_cin(ctx, parent, cnf="text/plain:9"), 4000)
    expect_rsc(_cin(ctx, parent, cnf="text/plain:x"), 4000)


@case("CIN-008", "TS-0004 Table 6.3.3-1 (m2m:contentInfo), Table 6.3.4.2.38-1",
      "contentInfo with more than three parts or an unknown content security value is refused with 4000")
def cnf_bad_security(ctx):
    parent = _new_cnt(ctx)
    expect_rsc(_cin(ctx, parent, cnf="text/plain:0:0:0"), 4000)
    expect_rsc(_cin(ctx, parent, cnf="text/plain:0:99"), 4000)


@case("CIN-009", "TS-0004 §7.4.7.2.3", "an UPDATE of a contentInstance is refused with 4005")
def update_refused(ctx):
    parent = _new_cnt(ctx)
    expect_rsc(_cin(ctx, parent, rn="i1", con="old"), 2001)
    for attrs in ({"con": "new"}, {"lbl": ["a"]}):
        r = ctx.cse.update(f"{parent}/i1", {"m2m:cin": attrs}, originator=ctx.state["aei"])
        expect_rsc(r, 4005)
    g = expect_rsc(_get(ctx, f"{parent}/i1"), 2000)
    expect(g.get("m2m:cin/con") == "old" and g.get("m2m:cin/lbl") is None, "unchanged", g)


@case("CIN-010", "TS-0004 §7.4.7.2.4", "a contentInstance can be deleted; afterwards it is gone")
def delete_cin(ctx):
    parent = _new_cnt(ctx)
    r = _cin(ctx, parent, rn="i1")
    expect_rsc(r, 2001)
    expect_rsc(ctx.cse.delete(f"{parent}/i1", originator=ctx.state["aei"]), 2002)
    expect_rsc(_get(ctx, f"{parent}/i1"), 4004)
    expect_rsc(ctx.cse.retrieve(r.get("m2m:cin/ri")), 4004)


@case("CIN-011", "TS-0004 Table 7.4.3.1-4, Table 7.4.5.1-4, §7.3.3.3",
      "a contentInstance under the CSEBase or an AE is refused with 4108")
def wrong_parent(ctx):
    r = ctx.cse.create(ctx.base, CIN, {"m2m:cin": {"con": "x"}})
    expect_rsc(r, 4108)
    expect_rsc(_cin(ctx, ctx.state["ae"]), 4108)


@case("CIN-012", "TS-0004 Table 7.4.7.1-2, §7.3.3.3",
      "accessControlPolicyIDs (not an attribute of contentInstance) in a create is refused with 4000")
def acpi_refused(ctx):
    parent = _new_cnt(ctx)
    expect_rsc(_cin(ctx, parent, acpi=["someACP"]), 4000)


@case("CIN-013", "TS-0004 Table 7.4.7.1-2/-3, §7.3.3.3",
      "contentSize and stateTag (NP) in a create are refused with 4000")
def np_attrs(ctx):
    parent = _new_cnt(ctx)
    expect_rsc(_cin(ctx, parent, cs=5), 4000)
    expect_rsc(_cin(ctx, parent, st=5), 4000)


@case("CIN-014", "TS-0004 §7.3.3.3, §7.3.3.5",
      "cr null sets the creator to the originator; a creator value is refused with 4000")
def creator(ctx):
    parent = _new_cnt(ctx)
    r = _cin(ctx, parent, rn="i1", cr=None)
    expect_rsc(r, 2001)
    expect(r.get("m2m:cin/cr") == ctx.state["aei"], "cr is the originator", r)
    g = expect_rsc(_get(ctx, f"{parent}/i1"), 2000)
    expect(g.get("m2m:cin/cr") == ctx.state["aei"], "cr is stored", g)
    expect_rsc(_cin(ctx, parent, cr="wrong"), 4000)


@case("CIN-015", "TS-0004 §7.4.7.2.1 step 1a",
      "content larger than the parent's maxByteSize is refused with 5207; the container is unchanged")
def too_big(ctx):
    parent = _new_cnt(ctx, mbs=10)
    expect_rsc(_cin(ctx, parent, con="x" * 10), 2001)  # exactly mbs: accepted
    expect_rsc(_cin(ctx, parent, con="y" * 11), 5207)
    c = expect_rsc(_get(ctx, parent), 2000)
    expect(c.get("m2m:cnt/cni") == 1 and c.get("m2m:cnt/cbs") == 10, "cni 1, cbs 10", c)
    la = expect_rsc(_get(ctx, f"{parent}/la"), 2000)
    expect(la.get("m2m:cin/con") == "x" * 10, "the accepted instance is still the latest", la)


@case("CIN-016", "TS-0004 §7.3.3.5", "a contentInstance with a resourceName already used gets 4105")
def duplicate_name(ctx):
    parent = _new_cnt(ctx)
    expect_rsc(_cin(ctx, parent, rn="dup"), 2001)
    expect_rsc(_cin(ctx, parent, rn="dup"), 4105)


@case("CIN-017", "TS-0004 §7.3.3.3", "a contentInstance with an expirationTime in the past is refused with 4000")
def et_past(ctx):
    parent = _new_cnt(ctx)
    expect_rsc(_cin(ctx, parent, et="20000101T000000"), 4000)


@case("CIN-018", "TS-0004 §7.3.3.3", "a contentInstance with an attribute it does not have is refused with 4000")
def unknown_attr(ctx):
    parent = _new_cnt(ctx)
    expect_rsc(_cin(ctx, parent, mni=3), 4000)
    expect_rsc(_cin(ctx, parent, unknown="x"), 4000)


@case("CIN-019", "TS-0004 §7.3.3.3",
      "a create whose content does not match ty (ty=4 with m2m:cnt) is refused with 4000")
def content_type_mismatch(ctx):
    parent = _new_cnt(ctx)
    r = ctx.cse.create(parent, CIN, {"m2m:cnt": {"rn": ctx.unique("x")}}, originator=ctx.state["aei"])
    expect_rsc(r, 4000)
    r = ctx.cse.create(parent, AE, {"m2m:cin": {"con": "x"}}, originator=ctx.state["aei"])
    expect_rsc(r, 4000)


@case("CIN-020", "TS-0004 §7.3.3.6", "a partial retrieve of a contentInstance returns the listed attributes")
def partial_retrieve(ctx):
    parent = _new_cnt(ctx)
    expect_rsc(_cin(ctx, parent, rn="i1", con="abc", cnf="text/plain:0"), 2001)
    r = expect_rsc(_get(ctx, f"{parent}/i1", query={"atrl": "con+cs"}), 2000)
    expect(r.get("m2m:cin") == {"con": "abc", "cs": 3}, "only con and cs", r)


@case("CIN-021", "TS-0004 §7.3.3.6",
      "a partial retrieve of a contentInstance attribute that is not set (cnf) answers 2000 without it")
def partial_unset(ctx):
    parent = _new_cnt(ctx)
    expect_rsc(_cin(ctx, parent, rn="i1", con="abc"), 2001)
    r = expect_rsc(_get(ctx, f"{parent}/i1", query={"atrl": "cnf+cs"}), 2000)
    expect(r.get("m2m:cin") == {"cs": 3}, "cs only", r)


@case("CIN-022", "TS-0001 Table 9.6.7-2 (R4 deletionCnt)",
      "a contentInstance with deletionCnt n can be retrieved n times, then it is deleted")
def deletion_count(ctx):
    parent = _new_cnt(ctx)
    r = _cin(ctx, parent, rn="d1", dcnt=2)
    expect_rsc(r, 2001)
    expect(r.get("m2m:cin/dcnt") == 2, "dcnt is 2 at creation", r)
    expect_rsc(_get(ctx, f"{parent}/d1"), 2000)
    expect_rsc(_get(ctx, f"{parent}/d1"), 2000)
    expect_rsc(_get(ctx, f"{parent}/d1"), 4004)
    c = expect_rsc(_get(ctx, parent), 2000)
    expect(c.get("m2m:cnt/cni") == 0, "the container no longer counts it", c)


@case("CIN-023", "TS-0001 Table 9.6.7-2 (R4 deletionCnt)", "a negative deletionCnt is refused with 4000")
def deletion_count_negative(ctx):
    parent = _new_cnt(ctx)
    expect_rsc(_cin(ctx, parent, dcnt=-1), 4000)


@case("CIN-024", "TS-0001 Table 9.6.7-2 (R4 dataGenerationTime)",
      "a contentInstance keeps the dataGenerationTime it was created with")
def data_generation_time(ctx):
    parent = _new_cnt(ctx)
    dgt = "20200102T030405"
    r = _cin(ctx, parent, rn="g1", dgt=dgt)
    expect_rsc(r, 2001)
    g = expect_rsc(_get(ctx, f"{parent}/g1"), 2000)
    expect(g.get("m2m:cin/dgt", "")[:15] == dgt, "dgt as given", g)


@case("CIN-025", "TS-0001 Table 9.6.7-2 (R4 dataGenerationTime), TS-0004 Table 6.3.3-1",
      "a dataGenerationTime that is no m2m:absRelTimestamp is refused with 4000")
def data_generation_time_invalid(ctx):
    parent = _new_cnt(ctx)
    expect_rsc(_cin(ctx, parent, dgt="yesterday"), 4000)


@case("CIN-026", "TS-0004 §7.4.7.2.1", "labels given at creation are kept")
def labels(ctx):
    parent = _new_cnt(ctx)
    r = _cin(ctx, parent, rn="l1", lbl=["a", "key:value"])
    expect_rsc(r, 2001)
    g = expect_rsc(_get(ctx, f"{parent}/l1"), 2000)
    expect(g.get("m2m:cin/lbl") == ["a", "key:value"], "lbl as given", g)


@case("CIN-027", "TS-0004 §6.2.4", "a contentInstance can be retrieved by its unstructured resourceID")
def by_ri(ctx):
    parent = _new_cnt(ctx)
    r = _cin(ctx, parent, con="by-ri")
    expect_rsc(r, 2001)
    g = expect_rsc(_get(ctx, r.get("m2m:cin/ri")), 2000)
    expect(g.get("m2m:cin/con") == "by-ri", "the same instance", g)
