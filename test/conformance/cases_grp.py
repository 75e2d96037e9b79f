"""group and fanOutPoint (TS-0004 §7.4.13, §7.4.14; TS-0001 §9.6.13, §9.6.14).

Covers: creating a <group> (mnm and mid mandatory, mt/csy defaults, cnm and mtv set by the CSE,
duplicate members removed, MAX_NUMBER_OF_MEMBER_EXCEEDED on create and update), member type
validation with each consistency strategy (ABANDON_MEMBER, ABANDON_GROUP → 4110, SET_MIXED),
attributes that may not be sent (NP), the creator attribute, the <fanOutPoint> virtual child:
CREATE/RETRIEVE/UPDATE/DELETE fanned out to every member with an aggregated m2m:agr response that
names each member in the From of its response, relative paths after /fopt, NO_MEMBERS, access to
fopt through membersAccessControlPolicyIDs (macp), nested groups addressed by <sub-group>/fopt,
and memberIDs kept current when members are deleted.
"""
from harness import case, expect, expect_rsc
from onem2m import ACP, CIN, CNT, GRP

ALL = 63


def owner(ctx):
    """A fresh AE to work under: (aei, path)."""
    return ctx.register_ae(rn=ctx.unique("grpae"), poa=False)


def containers(ctx, ae, ae_path, n):
    """n containers under the AE: [(ri, path)]."""
    out = []
    for _ in range(n):
        rn = ctx.unique("cnt")
        r = expect_rsc(ctx.cse.create(ae_path, CNT, {"m2m:cnt": {"rn": rn}}, originator=ae), 2001)
        out.append((r.get("m2m:cnt/ri"), f"{ae_path}/{rn}"))
    return out


def group(ctx, ae, parent, mid, mnm=10, expect_code=2001, **attrs):
    """Creates a group; returns (response, path)."""
    rn = ctx.unique("grp")
    body = {"rn": rn, "mnm": mnm, "mid": list(mid)}
    body.update(attrs)
    r = ctx.cse.create(parent, GRP, {"m2m:grp": body}, originator=ae)
    if expect_code is not None:
        expect_rsc(r, expect_code)
    return r, f"{parent}/{rn}"


def member_responses(r):
    rsp = r.get("m2m:agr/m2m:rsp")
    expect(isinstance(rsp, list), "the answer is an aggregated response (m2m:agr/m2m:rsp list)", r)
    return rsp


def new_acp(ctx, rules):
    body = {"m2m:acp": {"rn": ctx.unique("acp"), "pv": {"acr": rules},
                        "pvs": {"acr": [{"acor": [ctx.cse.admin], "acop": ALL}]}}}
    return expect_rsc(ctx.cse.create(ctx.base, ACP, body), 2001).get("m2m:acp/ri")


def reps(node, key="m2m:cnt"):
    """Every resource representation of the given kind anywhere in a (possibly nested) answer."""
    found = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key and isinstance(v, dict):
                found.append(v)
            else:
                found.extend(reps(v, key))
    elif isinstance(node, list):
        for x in node:
            found.extend(reps(x, key))
    return found


# --- creating and updating a group ---------------------------------------------------------------

@case("GRP-001", "TS-0004 §7.4.13.2.1, Table 7.4.13.1-3",
      "a group is created with its members; cnm counts them, mt defaults to MIXED (0) and csy to ABANDON_MEMBER (1)")
def create_group(ctx):
    ae, ae_path = owner(ctx)
    (c1, _), (c2, _) = containers(ctx, ae, ae_path, 2)
    r, path = group(ctx, ae, ae_path, [c1, c2])
    expect(r.get("m2m:grp/ty") == GRP, "ty is 9", r)
    expect(r.get("m2m:grp/mid") == [c1, c2], "mid lists the members", r)
    expect(r.get("m2m:grp/cnm") == 2, "cnm is 2", r)
    expect(r.get("m2m:grp/mnm") == 10, "mnm is kept", r)
    expect(r.get("m2m:grp/mt") == 0, "mt defaults to MIXED", r)
    expect(r.get("m2m:grp/csy") in (None, 1), "csy defaults to ABANDON_MEMBER", r)
    g = expect_rsc(ctx.cse.retrieve(path, originator=ae), 2000)
    expect(g.get("m2m:grp/cnm") == 2 and g.get("m2m:grp/mid") == [c1, c2], "the group reads back", g)


@case("GRP-002", "TS-0004 Table 7.4.13.1-3",
      "maxNrOfMembers and memberIDs are mandatory: a create without either gets 4000")
def mandatory_attributes(ctx):
    ae, ae_path = owner(ctx)
    (c1, _), = containers(ctx, ae, ae_path, 1)
    expect_rsc(ctx.cse.create(ae_path, GRP, {"m2m:grp": {"mid": [c1]}}, originator=ae), 4000)
    expect_rsc(ctx.cse.create(ae_path, GRP, {"m2m:grp": {"mnm": 3}}, originator=ae), 4000)


@case("GRP-003", "TS-0004 Table 7.4.13.1-3",
      "memberIDs may be empty: the group is created with cnm 0")
def empty_members(ctx):
    ae, ae_path = owner(ctx)
    r, _ = group(ctx, ae, ae_path, [])
    expect(r.get("m2m:grp/cnm") == 0, "cnm is 0", r)
    expect(r.get("m2m:grp/mid") == [], "mid is empty", r)


@case("GRP-004", "TS-0004 Table 7.4.13.1-3",
      "maxNrOfMembers must be a positive integer: 0 gets 4000")
def mnm_positive(ctx):
    ae, ae_path = owner(ctx)
    group(ctx, ae, ae_path, [], mnm=0, expect_code=4000)


@case("GRP-005", "TS-0004 §7.4.13.2.1",
      "more members than maxNrOfMembers on create gets MAX_NUMBER_OF_MEMBER_EXCEEDED (6010)")
def too_many_on_create(ctx):
    ae, ae_path = owner(ctx)
    cs = containers(ctx, ae, ae_path, 3)
    group(ctx, ae, ae_path, [c for c, _ in cs], mnm=2, expect_code=6010)


@case("GRP-006", "TS-0004 §7.4.13.2.1",
      "duplicate members are removed before the group is created")
def duplicates_on_create(ctx):
    ae, ae_path = owner(ctx)
    (c1, _), (c2, _) = containers(ctx, ae, ae_path, 2)
    r, _ = group(ctx, ae, ae_path, [c1, c2, c1], mnm=3)
    expect(r.get("m2m:grp/mid") == [c1, c2], "the duplicate is gone", r)
    expect(r.get("m2m:grp/cnm") == 2, "cnm is 2", r)


@case("GRP-007", "TS-0004 Table 7.4.13.1-3, §7.3.3.3",
      "currentNrOfMembers and memberTypeValidated are set by the CSE: sending them on create gets 4000")
def np_on_create(ctx):
    ae, ae_path = owner(ctx)
    group(ctx, ae, ae_path, [], cnm=0, expect_code=4000)
    group(ctx, ae, ae_path, [], mtv=True, expect_code=4000)


@case("GRP-008", "TS-0004 Table 7.4.13.1-3, §7.3.3.4",
      "memberType and consistencyStrategy cannot be updated (4000)")
def np_on_update(ctx):
    ae, ae_path = owner(ctx)
    _, path = group(ctx, ae, ae_path, [])
    expect_rsc(ctx.cse.update(path, {"m2m:grp": {"mt": CNT}}, originator=ae), 4000)
    expect_rsc(ctx.cse.update(path, {"m2m:grp": {"csy": 2}}, originator=ae), 4000)


@case("GRP-009", "TS-0004 §7.4.13.2.3",
      "an update of memberIDs replaces the members (duplicates removed) and cnm follows")
def update_members(ctx):
    ae, ae_path = owner(ctx)
    (c1, _), (c2, _), (c3, _) = containers(ctx, ae, ae_path, 3)
    _, path = group(ctx, ae, ae_path, [c1])
    r = expect_rsc(ctx.cse.update(path, {"m2m:grp": {"mid": [c1, c2, c3, c2]}}, originator=ae), 2004)
    expect(r.get("m2m:grp/mid") == [c1, c2, c3], "mid holds the new members once each", r)
    expect(r.get("m2m:grp/cnm") == 3, "cnm is 3", r)


@case("GRP-010", "TS-0004 §7.4.13.2.3",
      "an update with more members than maxNrOfMembers gets 6010 and leaves the group unchanged")
def too_many_on_update(ctx):
    ae, ae_path = owner(ctx)
    cs = [c for c, _ in containers(ctx, ae, ae_path, 3)]
    _, path = group(ctx, ae, ae_path, cs[:2], mnm=2)
    expect_rsc(ctx.cse.update(path, {"m2m:grp": {"mid": cs}}, originator=ae), 6010)
    g = expect_rsc(ctx.cse.retrieve(path, originator=ae), 2000)
    expect(g.get("m2m:grp/mid") == cs[:2] and g.get("m2m:grp/cnm") == 2, "the group is unchanged", g)


@case("GRP-011", "TS-0004 §7.4.13.2.3",
      "lowering maxNrOfMembers below currentNrOfMembers gets 6010")
def mnm_below_cnm(ctx):
    ae, ae_path = owner(ctx)
    cs = [c for c, _ in containers(ctx, ae, ae_path, 3)]
    _, path = group(ctx, ae, ae_path, cs, mnm=5)
    expect_rsc(ctx.cse.update(path, {"m2m:grp": {"mnm": 2}}, originator=ae), 6010)
    expect_rsc(ctx.cse.update(path, {"m2m:grp": {"mnm": 3}}, originator=ae), 2004)


@case("GRP-012", "TS-0004 Table 7.4.13.1-2, §7.3.3.3",
      "creator: null on create sets cr to the originator; a value for cr gets 4000")
def creator(ctx):
    ae, ae_path = owner(ctx)
    r, _ = group(ctx, ae, ae_path, [], cr=None)
    expect(r.get("m2m:grp/cr") == ae, "cr is the originator", r)
    group(ctx, ae, ae_path, [], cr=ae, expect_code=4000)
    r, _ = group(ctx, ae, ae_path, [])
    expect(r.get("m2m:grp/cr") is None, "without cr in the request there is no creator", r)


# --- member type validation --------------------------------------------------------------------------

@case("GRP-013", "TS-0004 §7.4.13.2.1",
      "members that all have the memberType are kept and memberTypeValidated is true")
def member_type_ok(ctx):
    ae, ae_path = owner(ctx)
    (c1, _), (c2, _) = containers(ctx, ae, ae_path, 2)
    r, _ = group(ctx, ae, ae_path, [c1, c2], mt=CNT)
    expect(r.get("m2m:grp/mt") == CNT, "mt is container", r)
    expect(r.get("m2m:grp/mid") == [c1, c2], "both members are kept", r)
    expect(r.get("m2m:grp/mtv") is True, "mtv is true", r)


@case("GRP-014", "TS-0004 §7.4.13.2.1 b)",
      "ABANDON_MEMBER: a member of another type is removed, the group is created and mtv is true")
def abandon_member(ctx):
    ae, ae_path = owner(ctx)
    (c1, _), = containers(ctx, ae, ae_path, 1)
    ae_ri = expect_rsc(ctx.cse.retrieve(ae_path, originator=ae), 2000).get("m2m:ae/ri")
    r, _ = group(ctx, ae, ae_path, [c1, ae_ri], mt=CNT, csy=1)
    expect(r.get("m2m:grp/mid") == [c1], "the AE member was removed", r)
    expect(r.get("m2m:grp/cnm") == 1, "cnm is 1", r)
    expect(r.get("m2m:grp/mtv") is True, "mtv is true", r)


@case("GRP-015", "TS-0004 §7.4.13.2.1 a)",
      "ABANDON_GROUP: a member of another type rejects the create with GROUP_MEMBER_TYPE_INCONSISTENT (4110)")
def abandon_group(ctx):
    ae, ae_path = owner(ctx)
    (c1, _), = containers(ctx, ae, ae_path, 1)
    ae_ri = expect_rsc(ctx.cse.retrieve(ae_path, originator=ae), 2000).get("m2m:ae/ri")
    _, path = group(ctx, ae, ae_path, [c1, ae_ri], mt=CNT, csy=2, expect_code=4110)
    expect_rsc(ctx.cse.retrieve(path, originator=ae), 4004)


@case("GRP-016", "TS-0004 §7.4.13.2.1 c)",
      "SET_MIXED: a member of another type turns memberType into MIXED and keeps every member")
def set_mixed(ctx):
    ae, ae_path = owner(ctx)
    (c1, _), = containers(ctx, ae, ae_path, 1)
    ae_ri = expect_rsc(ctx.cse.retrieve(ae_path, originator=ae), 2000).get("m2m:ae/ri")
    r, _ = group(ctx, ae, ae_path, [c1, ae_ri], mt=CNT, csy=3)
    expect(r.get("m2m:grp/mt") == 0, "mt is MIXED", r)
    expect(r.get("m2m:grp/mid") == [c1, ae_ri], "both members are kept", r)
    expect(r.get("m2m:grp/mtv") is True, "mtv is true", r)


@case("GRP-017", "TS-0004 §7.4.13.2.3",
      "ABANDON_GROUP on update: an inconsistent new member gets 4110 and the group keeps its members")
def abandon_group_update(ctx):
    ae, ae_path = owner(ctx)
    (c1, _), = containers(ctx, ae, ae_path, 1)
    ae_ri = expect_rsc(ctx.cse.retrieve(ae_path, originator=ae), 2000).get("m2m:ae/ri")
    _, path = group(ctx, ae, ae_path, [c1], mt=CNT, csy=2)
    expect_rsc(ctx.cse.update(path, {"m2m:grp": {"mid": [c1, ae_ri]}}, originator=ae), 4110)
    g = expect_rsc(ctx.cse.retrieve(path, originator=ae), 2000)
    expect(g.get("m2m:grp/mid") == [c1], "the members are unchanged", g)


@case("GRP-018", "TS-0004 §7.4.13.2.1 b)",
      "ABANDON_MEMBER: a member that does not exist cannot be validated and is removed")
def missing_member(ctx):
    ae, ae_path = owner(ctx)
    (c1, _), = containers(ctx, ae, ae_path, 1)
    r, _ = group(ctx, ae, ae_path, [c1, f"{ae_path}/nosuchcnt"], mt=CNT, csy=1)
    expect(r.get("m2m:grp/mid") == [c1], "only the existing member is kept", r)
    expect(r.get("m2m:grp/cnm") == 1, "cnm is 1", r)


# --- fanOutPoint ---------------------------------------------------------------------------------------

@case("GRP-019", "TS-0004 §7.4.14.3.3, §7.4.14.2.5",
      "RETRIEVE of <group>/fopt answers 2000 with an m2m:agr holding every member's response")
def fopt_retrieve(ctx):
    ae, ae_path = owner(ctx)
    cs = containers(ctx, ae, ae_path, 2)
    _, path = group(ctx, ae, ae_path, [c for c, _ in cs])
    r = expect_rsc(ctx.cse.retrieve(f"{path}/fopt", originator=ae), 2000)
    rsp = member_responses(r)
    expect(len(rsp) == 2, "two member responses", r)
    expect(all(x.get("rsc") == 2000 for x in rsp), "each member answered 2000", r)
    got = sorted(x["ri"] for x in reps(rsp))
    expect(got == sorted(c for c, _ in cs), "each member's representation is there", r)


@case("GRP-020", "TS-0004 §7.4.14.2.5",
      "each member response carries that member's resource ID in its From parameter (fr)")
def fopt_from(ctx):
    ae, ae_path = owner(ctx)
    cs = containers(ctx, ae, ae_path, 2)
    _, path = group(ctx, ae, ae_path, [c for c, _ in cs])
    r = expect_rsc(ctx.cse.retrieve(f"{path}/fopt", originator=ae), 2000)
    rsp = member_responses(r)
    cse_id = ctx.cse.cse_id
    for ri, p in cs:
        names = {ri, f"{cse_id}/{ri}", p, f"{cse_id}/{p}"}
        expect(any(x.get("fr") in names for x in rsp), f"a response names member {ri} in fr", r)


@case("GRP-021", "TS-0004 §7.4.14.3.2",
      "CREATE to <group>/fopt creates the resource under every member (each response 2001)")
def fopt_create(ctx):
    ae, ae_path = owner(ctx)
    cs = containers(ctx, ae, ae_path, 3)
    _, path = group(ctx, ae, ae_path, [c for c, _ in cs])
    r = expect_rsc(ctx.cse.create(f"{path}/fopt", CIN, {"m2m:cin": {"con": "fanned"}}, originator=ae), 2000)
    rsp = member_responses(r)
    expect(len(rsp) == 3 and all(x.get("rsc") == 2001 for x in rsp), "three members answered 2001", r)
    for _, p in cs:
        la = expect_rsc(ctx.cse.retrieve(f"{p}/la", originator=ae), 2000)
        expect(la.get("m2m:cin/con") == "fanned", "the member holds the new instance", la)


@case("GRP-022", "TS-0004 §7.4.14.3.4",
      "UPDATE to <group>/fopt updates every member (each response 2004)")
def fopt_update(ctx):
    ae, ae_path = owner(ctx)
    cs = containers(ctx, ae, ae_path, 2)
    _, path = group(ctx, ae, ae_path, [c for c, _ in cs])
    r = expect_rsc(ctx.cse.update(f"{path}/fopt", {"m2m:cnt": {"lbl": ["fanned"]}}, originator=ae), 2000)
    rsp = member_responses(r)
    expect(len(rsp) == 2 and all(x.get("rsc") == 2004 for x in rsp), "two members answered 2004", r)
    for _, p in cs:
        g = expect_rsc(ctx.cse.retrieve(p, originator=ae), 2000)
        expect(g.get("m2m:cnt/lbl") == ["fanned"], "the member was updated", g)


@case("GRP-023", "TS-0004 §7.4.14.3.5",
      "DELETE to <group>/fopt deletes every member (2002 each) and removes them from memberIDs")
def fopt_delete(ctx):
    ae, ae_path = owner(ctx)
    cs = containers(ctx, ae, ae_path, 2)
    _, path = group(ctx, ae, ae_path, [c for c, _ in cs])
    r = expect_rsc(ctx.cse.delete(f"{path}/fopt", originator=ae), 2000)
    rsp = member_responses(r)
    expect(len(rsp) == 2 and all(x.get("rsc") == 2002 for x in rsp), "two members answered 2002", r)
    for _, p in cs:
        expect_rsc(ctx.cse.retrieve(p, originator=ae), 4004)
    g = expect_rsc(ctx.cse.retrieve(path, originator=ae), 2000)
    expect(g.get("m2m:grp/mid") == [] and g.get("m2m:grp/cnm") == 0,
           "the deleted members are no longer in memberIDs", g)


@case("GRP-024", "TS-0004 §7.4.14.1",
      "a path after /fopt is appended to each member: <group>/fopt/la reaches each member's latest instance")
def fopt_relative_path(ctx):
    ae, ae_path = owner(ctx)
    cs = containers(ctx, ae, ae_path, 2)
    for i, (_, p) in enumerate(cs):
        expect_rsc(ctx.cse.create(p, CIN, {"m2m:cin": {"con": f"v{i}"}}, originator=ae), 2001)
    _, path = group(ctx, ae, ae_path, [c for c, _ in cs])
    r = expect_rsc(ctx.cse.retrieve(f"{path}/fopt/la", originator=ae), 2000)
    rsp = member_responses(r)
    expect(len(rsp) == 2 and all(x.get("rsc") == 2000 for x in rsp), "two member responses 2000", r)
    expect(sorted(x.get("con") for x in reps(rsp, "m2m:cin")) == ["v0", "v1"],
           "each member's latest instance is returned", r)


@case("GRP-025", "TS-0004 §7.4.14.2.4",
      "a request to the fanOutPoint of a group without members gets NO_MEMBERS (4109)")
def fopt_no_members(ctx):
    ae, ae_path = owner(ctx)
    _, path = group(ctx, ae, ae_path, [])
    expect_rsc(ctx.cse.retrieve(f"{path}/fopt", originator=ae), 4109)


@case("GRP-026", "TS-0004 §7.4.14.2.5",
      "the aggregated answer is 2000 whatever the members answer; a failing member's code is in its response")
def fopt_mixed_results(ctx):
    ae, ae_path = owner(ctx)
    (mine, _), = containers(ctx, ae, ae_path, 1)
    ae2, ae2_path = owner(ctx)
    (theirs, _), = containers(ctx, ae2, ae2_path, 1)  # the group's creator has no access to it
    _, path = group(ctx, ae, ae_path, [mine, theirs])
    r = expect_rsc(ctx.cse.retrieve(f"{path}/fopt", originator=ae), 2000)
    codes = sorted(x.get("rsc") for x in member_responses(r))
    expect(codes == [2000, 4103], "one member answered 2000, the other 4103", r)


@case("GRP-027", "TS-0004 §7.4.14.3.3; TS-0001 §9.6.14",
      "without macp, access to <group>/fopt follows the group's own ACPs")
def fopt_acpi(ctx):
    ae, ae_path = owner(ctx)
    (c1, _), = containers(ctx, ae, ae_path, 1)
    reader, _ = owner(ctx)
    stranger, _ = owner(ctx)
    acp = new_acp(ctx, [{"acor": [ae], "acop": ALL}, {"acor": [reader], "acop": 2}])
    _, path = group(ctx, ae, ae_path, [c1], acpi=[acp])
    expect_rsc(ctx.cse.retrieve(f"{path}/fopt", originator=stranger), 4103)
    expect_rsc(ctx.cse.retrieve(f"{path}/fopt", originator=reader), 2000)


@case("GRP-028", "TS-0004 §7.4.14.3.3; TS-0001 §9.6.14",
      "with macp, access to <group>/fopt follows membersAccessControlPolicyIDs, not the group's acpi")
def fopt_macp(ctx):
    ae, ae_path = owner(ctx)
    (c1, _), = containers(ctx, ae, ae_path, 1)
    group_reader, _ = owner(ctx)
    member_reader, _ = owner(ctx)
    acp = new_acp(ctx, [{"acor": [ae], "acop": ALL}, {"acor": [group_reader], "acop": 2}])
    macp = new_acp(ctx, [{"acor": [ae, member_reader], "acop": ALL}])
    _, path = group(ctx, ae, ae_path, [c1], acpi=[acp], macp=[macp])
    expect_rsc(ctx.cse.retrieve(path, originator=group_reader), 2000)
    expect_rsc(ctx.cse.retrieve(f"{path}/fopt", originator=group_reader), 4103)
    expect_rsc(ctx.cse.retrieve(f"{path}/fopt", originator=member_reader), 2000)
    expect_rsc(ctx.cse.retrieve(path, originator=member_reader), 4103)


@case("GRP-029", "TS-0004 §7.4.13.2.1, §7.4.14.1",
      "a sub-group member given as <sub-group>/fopt is kept, and fan-out reaches the sub-group's members")
def nested_fopt(ctx):
    ae, ae_path = owner(ctx)
    (c1, _), (c2, _), (c3, _) = containers(ctx, ae, ae_path, 3)
    inner, _ = group(ctx, ae, ae_path, [c1, c2])
    sub = f"{inner.get('m2m:grp/ri')}/fopt"
    r, path = group(ctx, ae, ae_path, [sub, c3])
    expect(r.get("m2m:grp/mid") == [sub, c3], "the sub-group's fopt is a member", r)
    res = expect_rsc(ctx.cse.retrieve(f"{path}/fopt", originator=ae), 2000)
    got = sorted(x["ri"] for x in reps(res.pc))
    expect(got == sorted([c1, c2, c3]), "the sub-group's members and the direct member answered", res)


@case("GRP-030", "TS-0004 §7.4.13.2.1, §7.4.14.1",
      "a sub-group member without /fopt is addressed itself: fan-out returns the sub-group resource")
def nested_plain(ctx):
    ae, ae_path = owner(ctx)
    (c1, _), = containers(ctx, ae, ae_path, 1)
    inner, _ = group(ctx, ae, ae_path, [c1])
    inner_ri = inner.get("m2m:grp/ri")
    _, path = group(ctx, ae, ae_path, [inner_ri])
    res = expect_rsc(ctx.cse.retrieve(f"{path}/fopt", originator=ae), 2000)
    grps = reps(res.pc, "m2m:grp")
    expect([g.get("ri") for g in grps] == [inner_ri], "the sub-group's own representation came back", res)
    expect(not reps(res.pc), "the sub-group's members were not reached", res)


@case("GRP-031", "TS-0004 §6.2.4, §7.4.13.2.1",
      "members may be given in SP-relative and structured form; fan-out reaches them")
def member_id_forms(ctx):
    ae, ae_path = owner(ctx)
    (c1, _), (c2, p2) = containers(ctx, ae, ae_path, 2)
    sp_rel = f"{ctx.cse.cse_id}/{c1}"
    r, path = group(ctx, ae, ae_path, [sp_rel, p2])
    expect(r.get("m2m:grp/cnm") == 2, "both members are kept", r)
    res = expect_rsc(ctx.cse.retrieve(f"{path}/fopt", originator=ae), 2000)
    expect(sorted(x["ri"] for x in reps(res.pc)) == sorted([c1, c2]), "both members answered", res)


@case("GRP-032", "TS-0001 §9.6.13",
      "deleting a member resource removes it from the group's memberIDs and cnm")
def member_deleted(ctx):
    ae, ae_path = owner(ctx)
    (c1, _), (c2, p2) = containers(ctx, ae, ae_path, 2)
    _, path = group(ctx, ae, ae_path, [c1, c2])
    expect_rsc(ctx.cse.delete(p2, originator=ae), 2002)
    g = expect_rsc(ctx.cse.retrieve(path, originator=ae), 2000)
    expect(g.get("m2m:grp/mid") == [c1], "the deleted member is gone from mid", g)
    expect(g.get("m2m:grp/cnm") == 1, "cnm is 1", g)
