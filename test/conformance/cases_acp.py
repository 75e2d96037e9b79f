"""accessControlPolicy and access control (TS-0004 §7.4.2, §7.3.3.15, §7.3.2.1; TS-0001 §9.6.2,
§9.6.1.3.2; TS-0003 §7.1).

Covers: the <accessControlPolicy> resource (pv/pvs, at least one self-privilege rule, its
attributes and children), which rules apply (pv for linked resources, pvs for the ACP itself and
for changes of acpi), the parts of a rule (acor with IDs, "all", "*" wildcards, SP-relative AE-IDs
and <group> IDs; acop bits C 1, R 2, U 4, D 8, N 16, DISCOVER 32; acco time windows and IPv4
ranges; acod child types), permit-overrides across rules and ACPs, the default policy of a
resource without acpi (its creator; the custodian cstn of Release 4), resources without acpi of
their own (contentInstance), Release 4 accessControlAttributes (aca), and the receiver check that
answers an unregistered AE-ID with 4106 rather than 4103.
"""
import datetime
import socket

from harness import case, expect, expect_rsc
from onem2m import ACP, AE, CIN, CNT, GRP, SUB

C, R, U, D, N, DISC = 1, 2, 4, 8, 16, 32
ALL = 63


def acr(acor, acop, **extra):
    rule = {"acor": list(acor), "acop": acop}
    rule.update(extra)
    return rule


def new_acp(ctx, pv, pvs=None, parent=None, originator=None, expect_created=True, **attrs):
    """Creates an ACP (by the admin under the CSEBase unless told); returns (response, ri, path)."""
    parent = parent or ctx.base
    rn = ctx.unique("acp")
    body = {"rn": rn, "pv": {"acr": pv},
            "pvs": {"acr": pvs if pvs is not None else [acr([ctx.cse.admin], ALL)]}}
    body.update(attrs)
    r = ctx.cse.create(parent, ACP, {"m2m:acp": body}, originator=originator)
    if expect_created:
        expect_rsc(r, 2001)
    return r, r.get("m2m:acp/ri"), f"{parent}/{rn}"


def rule_of(r, attr="pv", i=0):
    """The i-th access control rule of an ACP in a response (an empty dict when absent)."""
    rules = r.get(f"m2m:acp/{attr}/acr") or []
    return rules[i] if len(rules) > i else {}


def register(ctx, originator="C"):
    return ctx.register_ae(rn=ctx.unique("acpae"), originator=originator, poa=False)


def container(ctx, parent, originator, acpi=None, **attrs):
    rn = ctx.unique("cnt")
    body = {"rn": rn}
    if acpi is not None:
        body["acpi"] = acpi
    body.update(attrs)
    r = ctx.cse.create(parent, CNT, {"m2m:cnt": body}, originator=originator)
    expect_rsc(r, 2001)
    return r.get("m2m:cnt/ri"), f"{parent}/{rn}"


def guarded(ctx, pv, pvs=None):
    """An owner AE, an ACP with the given rules (and one giving the owner everything) and a
    container of the owner that links it. Returns (owner aei, container path, acp ri)."""
    owner, ae_path = register(ctx)
    _, acp_ri, _ = new_acp(ctx, list(pv) + [acr([owner], ALL)], pvs)
    _, path = container(ctx, ae_path, owner, acpi=[acp_ri])
    return owner, path, acp_ri


def local_address(ctx):
    """The IP address this client's requests come from, as the CSE sees it (same host/route)."""
    host, port = ctx.cse.host_port
    with socket.create_connection((host, port), timeout=5) as s:
        return s.getsockname()[0]


def uril(r):
    """The addresses a discovery answer lists (m2m:uril, or the val of m2m:rrl references)."""
    found = []

    def walk(node):
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, list):
            for x in node:
                walk(x)
        elif isinstance(node, dict):
            for k, v in node.items():
                if k in ("m2m:uril", "m2m:rrl", "rrf", "val") or isinstance(v, (list, dict)):
                    walk(v)
    walk(r.pc)
    return found


# --- the <accessControlPolicy> resource --------------------------------------------------------

@case("ACP-001", "TS-0004 §7.4.2.2.1",
      "an accessControlPolicy with pv and pvs is created and returned with its attributes")
def create_acp(ctx):
    rules = [acr(["Cacpx1", "Cacpx2"], R | U)]
    r, ri, path = new_acp(ctx, rules, [acr(["Cacpx1"], ALL)])
    expect(r.get("m2m:acp/ty") == ACP, "ty is 1", r)
    for a in ("ri", "pi", "ct", "lt", "et", "rn"):
        expect(r.get(f"m2m:acp/{a}") is not None, f"{a} is present", r)
    expect(r.get("m2m:acp/pv/acr") == rules, "pv is kept as given", r)
    expect(rule_of(r, "pvs").get("acor") == ["Cacpx1"], "pvs is kept as given", r)
    g = expect_rsc(ctx.cse.retrieve(path), 2000)
    expect(g.get("m2m:acp/ri") == ri and rule_of(g).get("acop") == R | U,
           "the retrieved ACP is the created one", g)


@case("ACP-002", "TS-0004 Table 7.4.2.1-3", "creating an ACP without pvs is rejected with 4000")
def create_without_pvs(ctx):
    body = {"m2m:acp": {"rn": ctx.unique("acp"), "pv": {"acr": [acr(["Cacpx1"], R)]}}}
    expect_rsc(ctx.cse.create(ctx.base, ACP, body), 4000)


@case("ACP-003", "TS-0004 Table 7.4.2.1-3", "creating an ACP without pv is rejected with 4000")
def create_without_pv(ctx):
    body = {"m2m:acp": {"rn": ctx.unique("acp"), "pvs": {"acr": [acr(["Cacpx1"], R)]}}}
    expect_rsc(ctx.cse.create(ctx.base, ACP, body), 4000)


@case("ACP-004", "TS-0004 §7.4.2.2.1",
      "creating an ACP whose pvs has no access control rule is rejected with 4000")
def create_empty_pvs(ctx):
    body = {"m2m:acp": {"rn": ctx.unique("acp"), "pv": {"acr": [acr(["Cacpx1"], R)]},
                        "pvs": {"acr": []}}}
    expect_rsc(ctx.cse.create(ctx.base, ACP, body), 4000)


@case("ACP-005", "TS-0004 §7.4.2.2.1, Table 7.4.2.1-3",
      "an ACP with an empty pv (no rules) is accepted: pv may hold an empty set of rules")
def create_empty_pv(ctx):
    r, _, _ = new_acp(ctx, [])
    expect(not (r.get("m2m:acp/pv/acr") or []), "pv holds no rule", r)


@case("ACP-006", "TS-0004 Table 7.4.2.1-2",
      "an ACP has no accessControlPolicyIDs: creating one with acpi is rejected with 4000")
def create_with_acpi(ctx):
    _, other, _ = new_acp(ctx, [acr(["Cacpx1"], R)])
    r, _, _ = new_acp(ctx, [acr(["Cacpx1"], R)], expect_created=False, acpi=[other])
    expect_rsc(r, 4000)


@case("ACP-007", "TS-0004 Table 6.3.5.27-1, §7.3.3.3",
      "a rule without accessControlOriginators, or with an acop outside 1..63, is rejected with 4000")
def malformed_rules(ctx):
    r, _, _ = new_acp(ctx, [{"acop": R}], expect_created=False)
    expect_rsc(r, 4000)
    r, _, _ = new_acp(ctx, [acr(["Cacpx1"], 64)], expect_created=False)
    expect_rsc(r, 4000)


@case("ACP-008", "TS-0004 Table 7.4.2.1-4, §7.3.3.3",
      "an ACP takes a <subscription> child but not a <container> (4108)")
def acp_children(ctx):
    _, _, path = new_acp(ctx, [acr(["Cacpx1"], R)])
    sub = {"m2m:sub": {"rn": ctx.unique("sub"), "nu": [ctx.notifications.url], "enc": {"net": [1]}}}
    expect_rsc(ctx.cse.create(path, SUB, sub), 2001)
    expect_rsc(ctx.cse.create(path, CNT, {"m2m:cnt": {"rn": ctx.unique("cnt")}}), 4108)


@case("ACP-009", "TS-0004 §7.4.2.2.3",
      "an update that removes every self-privilege rule is rejected with 4000 and changes nothing")
def update_empty_pvs(ctx):
    _, _, path = new_acp(ctx, [acr(["Cacpx1"], R)])
    expect_rsc(ctx.cse.update(path, {"m2m:acp": {"pvs": {"acr": []}}}), 4000)
    g = expect_rsc(ctx.cse.retrieve(path), 2000)
    expect(len(g.get("m2m:acp/pvs/acr") or []) == 1, "pvs still holds its rule", g)


# --- which rules govern the ACP itself: pvs -------------------------------------------------------

@case("ACP-010", "TS-0004 §7.3.3.15; TS-0003 §7.1.1",
      "access to an ACP follows its pvs: an originator with RETRIEVE and UPDATE there reads and changes it")
def pvs_grants(ctx):
    aei, _ = register(ctx)
    _, _, path = new_acp(ctx, [acr(["Cacpx1"], R)], [acr([aei], R | U)])
    expect_rsc(ctx.cse.retrieve(path, originator=aei), 2000)
    r = expect_rsc(ctx.cse.update(path, {"m2m:acp": {"pv": {"acr": [acr(["Cacpx2"], D)]}}},
                                  originator=aei), 2004)
    expect(rule_of(r).get("acor") == ["Cacpx2"], "pv was replaced", r)


@case("ACP-011", "TS-0004 §7.3.3.15; TS-0001 §9.6.2.0",
      "the pv of an ACP does not govern the ACP itself: an originator named only in pv gets 4103")
def pv_does_not_govern_acp(ctx):
    aei, _ = register(ctx)
    _, _, path = new_acp(ctx, [acr([aei], ALL)])
    expect_rsc(ctx.cse.retrieve(path, originator=aei), 4103)
    expect_rsc(ctx.cse.update(path, {"m2m:acp": {"lbl": ["x"]}}, originator=aei), 4103)
    expect_rsc(ctx.cse.delete(path, originator=aei), 4103)


@case("ACP-012", "TS-0004 §7.3.3.15; TS-0003 §7.1.5",
      "pvs without the RETRIEVE bit denies reading the ACP (4103) but lets the originator update it")
def pvs_without_retrieve(ctx):
    aei, _ = register(ctx)
    _, _, path = new_acp(ctx, [], [acr([aei], ALL & ~R)])
    expect_rsc(ctx.cse.retrieve(path, originator=aei), 4103)
    expect_rsc(ctx.cse.update(path, {"m2m:acp": {"lbl": ["seen"]}}, originator=aei), 2004)


@case("ACP-013", "TS-0004 §7.3.3.15",
      "deleting an ACP needs DELETE in its pvs: others get 4103, the privileged originator 2002")
def delete_acp(ctx):
    owner, _ = register(ctx)
    other, _ = register(ctx)
    _, _, path = new_acp(ctx, [acr([other], ALL)], [acr([owner], D)])
    expect_rsc(ctx.cse.delete(path, originator=other), 4103)
    expect_rsc(ctx.cse.delete(path, originator=owner), 2002)
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("ACP-014", "TS-0004 Table 7.4.5.1-4; TS-0001 §9.6.2.0",
      "an AE may create an ACP below itself and manage it through the pvs it sets")
def acp_under_ae(ctx):
    aei, ae_path = register(ctx)
    r, _, path = new_acp(ctx, [acr([aei], R)], [acr([aei], ALL)], parent=ae_path, originator=aei)
    expect(r.get("m2m:acp/pi") is not None, "the ACP was created", r)
    expect_rsc(ctx.cse.retrieve(path, originator=aei), 2000)
    expect_rsc(ctx.cse.delete(path, originator=aei), 2002)


# --- resources that link ACPs: pv ----------------------------------------------------------------

@case("ACP-015", "TS-0004 §7.3.3.15",
      "a resource linking an ACP is readable by an originator its pv names and 4103 for any other")
def pv_grants_named(ctx):
    reader, _ = register(ctx)
    stranger, _ = register(ctx)
    _, path, _ = guarded(ctx, [acr([reader], R)])
    r = expect_rsc(ctx.cse.retrieve(path, originator=reader), 2000)
    expect(r.get("m2m:cnt/rn") == path.rsplit("/", 1)[1], "the container is returned", r)
    expect_rsc(ctx.cse.retrieve(path, originator=stranger), 4103)


@case("ACP-016", "TS-0004 §6.3.4.2.29; TS-0003 §7.1.3",
      "acop RETRIEVE (2) alone grants retrieve but not update, delete or create (4103)")
def acop_retrieve_only(ctx):
    who, _ = register(ctx)
    _, path, _ = guarded(ctx, [acr([who], R)])
    expect_rsc(ctx.cse.retrieve(path, originator=who), 2000)
    expect_rsc(ctx.cse.update(path, {"m2m:cnt": {"lbl": ["x"]}}, originator=who), 4103)
    expect_rsc(ctx.cse.create(path, CIN, {"m2m:cin": {"con": "x"}}, originator=who), 4103)
    expect_rsc(ctx.cse.delete(path, originator=who), 4103)


@case("ACP-017", "TS-0004 §6.3.4.2.29; TS-0003 §7.1.3",
      "acop CREATE (1) lets the originator create children but not retrieve the resource")
def acop_create(ctx):
    who, _ = register(ctx)
    _, path, _ = guarded(ctx, [acr([who], C)])
    expect_rsc(ctx.cse.create(path, CIN, {"m2m:cin": {"con": "x"}}, originator=who), 2001)
    expect_rsc(ctx.cse.retrieve(path, originator=who), 4103)


@case("ACP-018", "TS-0004 §6.3.4.2.29; TS-0003 §7.1.3",
      "acop UPDATE (4) grants update only, DELETE (8) grants delete only")
def acop_update_delete(ctx):
    updater, _ = register(ctx)
    deleter, _ = register(ctx)
    _, path, _ = guarded(ctx, [acr([updater], U), acr([deleter], D)])
    expect_rsc(ctx.cse.update(path, {"m2m:cnt": {"lbl": ["u"]}}, originator=updater), 2004)
    expect_rsc(ctx.cse.delete(path, originator=updater), 4103)
    expect_rsc(ctx.cse.update(path, {"m2m:cnt": {"lbl": ["d"]}}, originator=deleter), 4103)
    expect_rsc(ctx.cse.retrieve(path, originator=deleter), 4103)
    expect_rsc(ctx.cse.delete(path, originator=deleter), 2002)


@case("ACP-019", "TS-0004 §7.3.3.14, §6.3.4.2.29; TS-0003 §7.1.3",
      "discovery returns only resources on which the originator has DISCOVER (32); DISCOVER alone does not grant RETRIEVE")
def acop_discover(ctx):
    who, _ = register(ctx)
    owner, parent, _ = guarded(ctx, [acr([who], R | DISC)])
    _, acp_d, _ = new_acp(ctx, [acr([who], DISC)])
    _, acp_r, _ = new_acp(ctx, [acr([who], R)])
    d_ri, d_path = container(ctx, parent, owner, acpi=[acp_d])
    r_ri, r_path = container(ctx, parent, owner, acpi=[acp_r])
    res = expect_rsc(ctx.cse.retrieve(parent, originator=who, query={"fu": 1, "ty": CNT}), 2000)
    found = uril(res)
    expect(any(f in (d_ri, d_path) or f.endswith("/" + d_path.rsplit("/", 1)[1]) for f in found),
           "the container with DISCOVER is found", res)
    expect(not any(f in (r_ri, r_path) or f.endswith("/" + r_path.rsplit("/", 1)[1]) for f in found),
           "the container with only RETRIEVE is not found", res)
    expect_rsc(ctx.cse.retrieve(d_path, originator=who), 4103)


@case("ACP-020", "TS-0004 §6.3.4.2.29, §7.3.3.9.1",
      "NOTIFY to an AE needs the NOTIFY (16) privilege on it: granted → forwarded (2000), else 4103")
def acop_notify(ctx):
    target, target_path = ctx.register_ae(rn=ctx.unique("acpae"))
    sender, _ = register(ctx)
    stranger, _ = register(ctx)
    _, acp_ri, _ = new_acp(ctx, [acr([target], ALL), acr([sender], N)])
    expect_rsc(ctx.cse.update(target_path, {"m2m:ae": {"acpi": [acp_ri]}}, originator=target), 2004)
    body = {"m2m:sgn": {"sur": "/id-in/none", "nev": {"net": 1, "rep": {}}}}
    expect_rsc(ctx.cse.notify(target_path, body, originator=stranger), 4103)
    before = len(ctx.notifications.received)
    expect_rsc(ctx.cse.notify(target_path, body, originator=sender), 2000)
    expect(len(ctx.notifications.wait(before + 1, timeout=5)) > before, "the NOTIFY reached the AE")


# --- accessControlOriginators ------------------------------------------------------------------

@case("ACP-021", "TS-0004 §7.3.3.15, Table 7.3.3.15-1",
      "acor \"all\" grants any originator")
def acor_all(ctx):
    a, _ = register(ctx)
    b, _ = register(ctx)
    _, path, _ = guarded(ctx, [acr(["all"], R)])
    expect_rsc(ctx.cse.retrieve(path, originator=a), 2000)
    expect_rsc(ctx.cse.retrieve(path, originator=b), 2000)


@case("ACP-022", "TS-0003 §7.1.3, Table 7.1.3-2",
      "a trailing \"*\" wildcard in an AE-ID matches AE-IDs with that prefix and no other")
def acor_wildcard_suffix(ctx):
    tag = ctx.unique("Wq")
    match, _ = register(ctx, originator=f"C{tag}zz1")
    miss, _ = register(ctx, originator=f"C{tag[:-1]}x{tag[-1]}zz1")
    _, path, _ = guarded(ctx, [acr([f"C{tag}*"], R)])
    expect_rsc(ctx.cse.retrieve(path, originator=match), 2000)
    expect_rsc(ctx.cse.retrieve(path, originator=miss), 4103)


@case("ACP-023", "TS-0003 §7.1.3, Table 7.1.3-2",
      "a \"*\" wildcard inside an AE-ID matches any run of characters at that place")
def acor_wildcard_inside(ctx):
    tag = ctx.unique("Wm")
    match, _ = register(ctx, originator=f"C{tag}abcEnd")
    miss, _ = register(ctx, originator=f"C{tag}abcEnx")
    _, path, _ = guarded(ctx, [acr([f"C{tag}*End"], R)])
    expect_rsc(ctx.cse.retrieve(path, originator=match), 2000)
    expect_rsc(ctx.cse.retrieve(path, originator=miss), 4103)


@case("ACP-024", "TS-0003 §7.1.3, Table 7.1.3-2; TS-0001 §7.2",
      "an SP-relative AE-ID (/<CSE-ID>/<stem>) in acor names the AE registered with that stem")
def acor_sp_relative(ctx):
    who, _ = register(ctx)
    _, path, _ = guarded(ctx, [acr([f"{ctx.cse.cse_id}/{who}"], R)])
    expect_rsc(ctx.cse.retrieve(path, originator=who), 2000)


@case("ACP-025", "TS-0003 §7.1.3, Table 7.1.3-2",
      "an SP-relative AE-ID pattern (/<CSE-ID>/C…*) in acor matches the AEs registered here")
def acor_sp_relative_wildcard(ctx):
    tag = ctx.unique("Ws")
    who, _ = register(ctx, originator=f"C{tag}q1")
    _, path, _ = guarded(ctx, [acr([f"{ctx.cse.cse_id}/C{tag}*"], R)])
    expect_rsc(ctx.cse.retrieve(path, originator=who), 2000)


@case("ACP-026", "TS-0004 §7.3.3.15; TS-0001 §9.6.2.1",
      "acor naming a <group> grants its member AEs and no one else")
def acor_group(ctx):
    member, member_path = register(ctx)
    outsider, _ = register(ctx)
    member_ri = expect_rsc(ctx.cse.retrieve(member_path), 2000).get("m2m:ae/ri")
    g = ctx.cse.create(ctx.base, GRP, {"m2m:grp": {"rn": ctx.unique("grp"), "mt": AE, "mnm": 5,
                                                    "mid": [member_ri]}})
    expect_rsc(g, 2001)
    _, path, _ = guarded(ctx, [acr([g.get("m2m:grp/ri")], R)])
    expect_rsc(ctx.cse.retrieve(path, originator=member), 2000)
    expect_rsc(ctx.cse.retrieve(path, originator=outsider), 4103)


# --- accessControlContexts, accessControlObjectDetails -------------------------------------------

def window_now(hours_from_now):
    h = (datetime.datetime.now(datetime.timezone.utc).hour + hours_from_now) % 24
    return f"* * {h} * * * *"


@case("ACP-027", "TS-0003 §7.1.3, §7.1.5; TS-0004 Table 6.3.5.27-1",
      "acco time windows (actw): a window holding the current time grants, one excluding it denies")
def acco_window(ctx):
    now_ok, _ = register(ctx)
    later, _ = register(ctx)
    rules = [acr([now_ok], R, acco=[{"actw": ["* * * * * * *"]}]),
             acr([later], R, acco=[{"actw": [window_now(12)]}])]
    _, path, _ = guarded(ctx, rules)
    expect_rsc(ctx.cse.retrieve(path, originator=now_ok), 2000)
    expect_rsc(ctx.cse.retrieve(path, originator=later), 4103)


@case("ACP-028", "TS-0003 §7.1.3, §7.1.5; TS-0004 Table 6.3.5.27-1",
      "acco IPv4 ranges (acip): the originator's address inside the range grants, outside denies")
def acco_ip(ctx):
    inside, _ = register(ctx)
    outside, _ = register(ctx)
    mine = local_address(ctx)
    other = "10.0.0.0/8" if not mine.startswith("10.") else "192.168.0.0/16"
    rules = [acr([inside], R, acco=[{"acip": {"ipv4": [f"{mine}/32"]}}]),
             acr([outside], R, acco=[{"acip": {"ipv4": [other]}}])]
    _, path, _ = guarded(ctx, rules)
    expect_rsc(ctx.cse.retrieve(path, originator=inside), 2000)
    expect_rsc(ctx.cse.retrieve(path, originator=outside), 4103)


@case("ACP-029", "TS-0003 §7.1.5",
      "the parts of one acco entry must all hold, while any one of several acco entries suffices")
def acco_and_or(ctx):
    both, _ = register(ctx)
    either, _ = register(ctx)
    mine = local_address(ctx)
    wrong_ip = "10.0.0.0/8" if not mine.startswith("10.") else "192.168.0.0/16"
    rules = [acr([both], R, acco=[{"actw": ["* * * * * * *"], "acip": {"ipv4": [wrong_ip]}}]),
             acr([either], R, acco=[{"actw": [window_now(12)]},
                                    {"acip": {"ipv4": [f"{mine}/32"]}}])]
    _, path, _ = guarded(ctx, rules)
    expect_rsc(ctx.cse.retrieve(path, originator=both), 4103)
    expect_rsc(ctx.cse.retrieve(path, originator=either), 2000)


@case("ACP-030", "TS-0003 §7.1.3, §7.1.5; TS-0001 §9.6.2.4",
      "acod childResourceType limits which child types a CREATE may make; other operations ignore it")
def acod_chty(ctx):
    who, _ = register(ctx)
    _, path, _ = guarded(ctx, [acr([who], C | R, acod=[{"chty": [CNT]}])])
    expect_rsc(ctx.cse.create(path, CNT, {"m2m:cnt": {"rn": ctx.unique("cnt")}}, originator=who), 2001)
    expect_rsc(ctx.cse.create(path, CIN, {"m2m:cin": {"con": "x"}}, originator=who), 4103)
    expect_rsc(ctx.cse.retrieve(path, originator=who), 2000)


@case("ACP-031", "TS-0003 §7.1.5; TS-0001 §9.6.2.4",
      "an acod whose resourceType differs from the target's type does not permit a CREATE there")
def acod_ty(ctx):
    who, _ = register(ctx)
    _, path, _ = guarded(ctx, [acr([who], C, acod=[{"ty": AE, "chty": [CNT]}])])
    expect_rsc(ctx.cse.create(path, CNT, {"m2m:cnt": {"rn": ctx.unique("cnt")}}, originator=who), 4103)
    _, path2, _ = guarded(ctx, [acr([who], C, acod=[{"ty": CNT, "chty": [CNT]}])])
    expect_rsc(ctx.cse.create(path2, CNT, {"m2m:cnt": {"rn": ctx.unique("cnt")}}, originator=who), 2001)


# --- combining -----------------------------------------------------------------------------------

@case("ACP-032", "TS-0003 §7.1.5",
      "permit-overrides within one ACP: any rule that grants is enough")
def several_rules(ctx):
    who, _ = register(ctx)
    _, path, _ = guarded(ctx, [acr([who], D), acr(["Cnobody"], R), acr([who], R)])
    expect_rsc(ctx.cse.retrieve(path, originator=who), 2000)


@case("ACP-033", "TS-0003 §7.1.4, §7.1.5",
      "permit-overrides across ACPs: a resource linking several ACPs grants what any of them grants")
def several_acps(ctx):
    owner, ae_path = register(ctx)
    who, _ = register(ctx)
    _, deny_ri, _ = new_acp(ctx, [acr([who], D)])
    _, allow_ri, _ = new_acp(ctx, [acr([who], R)])
    _, path = container(ctx, ae_path, owner, acpi=[deny_ri, allow_ri])
    expect_rsc(ctx.cse.retrieve(path, originator=who), 2000)
    expect_rsc(ctx.cse.update(path, {"m2m:cnt": {"lbl": ["x"]}}, originator=who), 4103)


# --- acpi: who may change it ---------------------------------------------------------------------

@case("ACP-034", "TS-0001 §9.6.1.3.2, §9.6.2.0",
      "changing a resource's acpi needs UPDATE in the pvs of the ACPs it links: UPDATE in pv alone gets 4103")
def acpi_update_needs_pvs(ctx):
    owner, ae_path = register(ctx)
    editor, _ = register(ctx)
    _, acp_ri, _ = new_acp(ctx, [acr([owner, editor], ALL)], [acr([owner], U)])
    _, other_ri, _ = new_acp(ctx, [acr([editor], R)])
    _, path = container(ctx, ae_path, owner, acpi=[acp_ri])
    expect_rsc(ctx.cse.update(path, {"m2m:cnt": {"acpi": [other_ri]}}, originator=editor), 4103)
    r = expect_rsc(ctx.cse.update(path, {"m2m:cnt": {"acpi": [acp_ri, other_ri]}}, originator=owner), 2004)
    expect(r.get("m2m:cnt/acpi") == [acp_ri, other_ri], "acpi holds both ACPs", r)


@case("ACP-035", "TS-0001 §9.6.1.3.2",
      "an originator with UPDATE in the linked ACP's pvs may change acpi even without privileges in pv")
def acpi_update_by_pvs_only(ctx):
    owner, ae_path = register(ctx)
    admin_ae, _ = register(ctx)
    _, acp_ri, _ = new_acp(ctx, [acr([owner], ALL)], [acr([admin_ae], U)])
    _, other_ri, _ = new_acp(ctx, [acr([owner, admin_ae], ALL)])
    _, path = container(ctx, ae_path, owner, acpi=[acp_ri])
    expect_rsc(ctx.cse.update(path, {"m2m:cnt": {"lbl": ["x"]}}, originator=admin_ae), 4103)
    expect_rsc(ctx.cse.update(path, {"m2m:cnt": {"acpi": [other_ri]}}, originator=admin_ae), 2004)
    expect_rsc(ctx.cse.retrieve(path, originator=admin_ae), 2000)


@case("ACP-036", "TS-0004 §7.3.3.15; TS-0001 §9.6.1.3.2",
      "once acpi is set, the creator has only what the linked ACPs grant")
def creator_bound_by_acpi(ctx):
    owner, ae_path = register(ctx)
    other, _ = register(ctx)
    _, acp_ri, _ = new_acp(ctx, [acr([other], ALL)])
    _, path = container(ctx, ae_path, owner, acpi=[acp_ri])
    expect_rsc(ctx.cse.retrieve(path, originator=owner), 4103)
    expect_rsc(ctx.cse.retrieve(path, originator=other), 2000)


# --- resources without acpi ----------------------------------------------------------------------

@case("ACP-037", "TS-0001 §9.6.1.3.2; TS-0003 §7.1.1",
      "a resource without acpi follows the default policy: its creator has access, others get 4103")
def default_policy(ctx):
    owner, ae_path = register(ctx)
    other, _ = register(ctx)
    _, path = container(ctx, ae_path, owner)
    expect_rsc(ctx.cse.retrieve(path, originator=owner), 2000)
    expect_rsc(ctx.cse.retrieve(path, originator=other), 4103)
    expect_rsc(ctx.cse.update(path, {"m2m:cnt": {"lbl": ["x"]}}, originator=other), 4103)
    expect_rsc(ctx.cse.delete(path, originator=other), 4103)
    expect_rsc(ctx.cse.update(path, {"m2m:cnt": {"lbl": ["x"]}}, originator=owner), 2004)
    expect_rsc(ctx.cse.delete(path, originator=owner), 2002)


@case("ACP-038", "TS-0001 §9.6.1.3.2; TS-0003 §7.1.1",
      "the default policy grants the creator only: the AE above a resource another AE created there gets 4103")
def default_policy_creator_only(ctx):
    host, host_path = register(ctx)
    guest, _ = register(ctx)
    _, acp_ri, _ = new_acp(ctx, [acr([host], ALL), acr([guest], C)])
    expect_rsc(ctx.cse.update(host_path, {"m2m:ae": {"acpi": [acp_ri]}}, originator=host), 2004)
    _, path = container(ctx, host_path, guest)
    expect_rsc(ctx.cse.retrieve(path, originator=guest), 2000)
    expect_rsc(ctx.cse.retrieve(path, originator=host), 4103)


@case("ACP-039", "TS-0001 §9.6.1.3.2",
      "removing acpi (null) returns the resource to the default policy")
def remove_acpi(ctx):
    owner, ae_path = register(ctx)
    reader, _ = register(ctx)
    _, acp_ri, _ = new_acp(ctx, [acr([owner, reader], R)], [acr([owner], U)])
    _, path = container(ctx, ae_path, owner, acpi=[acp_ri])
    expect_rsc(ctx.cse.retrieve(path, originator=reader), 2000)
    expect_rsc(ctx.cse.update(path, {"m2m:cnt": {"acpi": None}}, originator=owner), 2004)
    expect_rsc(ctx.cse.retrieve(path, originator=reader), 4103)
    r = expect_rsc(ctx.cse.retrieve(path, originator=owner), 2000)
    expect(not r.get("m2m:cnt/acpi"), "acpi is gone", r)


@case("ACP-040", "TS-0001 §9.6.7; TS-0004 Table 7.4.7.1-2",
      "a contentInstance has no acpi of its own (creating one with acpi: 4000) and follows its container's ACPs")
def cin_inherits(ctx):
    owner, ae_path = register(ctx)
    reader, _ = register(ctx)
    stranger, _ = register(ctx)
    _, acp_ri, _ = new_acp(ctx, [acr([owner], ALL), acr([reader], R)])
    _, path = container(ctx, ae_path, owner, acpi=[acp_ri])
    expect_rsc(ctx.cse.create(path, CIN, {"m2m:cin": {"con": "x", "acpi": [acp_ri]}}, originator=owner),
               4000)
    c = expect_rsc(ctx.cse.create(path, CIN, {"m2m:cin": {"rn": "i1", "con": "x"}}, originator=owner), 2001)
    expect(c.get("m2m:cin/acpi") is None, "the instance has no acpi", c)
    expect_rsc(ctx.cse.retrieve(f"{path}/i1", originator=reader), 2000)
    expect_rsc(ctx.cse.retrieve(f"{path}/la", originator=reader), 2000)
    expect_rsc(ctx.cse.retrieve(f"{path}/i1", originator=stranger), 4103)
    expect_rsc(ctx.cse.delete(f"{path}/i1", originator=reader), 4103)


@case("ACP-041", "TS-0001 §9.6.1.3.2 (Release 4, custodian)",
      "a resource without acpi but with a custodian (cstn) is accessible to the custodian and not to its creator")
def custodian(ctx):
    owner, ae_path = register(ctx)
    keeper, _ = register(ctx)
    _, path = container(ctx, ae_path, owner, cstn=keeper)
    expect_rsc(ctx.cse.retrieve(path, originator=keeper), 2000)
    expect_rsc(ctx.cse.retrieve(path, originator=owner), 4103)
    expect_rsc(ctx.cse.delete(path, originator=keeper), 2002)


@case("ACP-042", "TS-0004 Table 6.3.5.27-1 (Release 4, accessControlAttributes)",
      "an access control rule may carry accessControlAttributes (aca), which the ACP keeps")
def aca_kept(ctx):
    r, _, path = new_acp(ctx, [acr(["Cacpx1"], R, aca=["lbl"])], expect_created=False)
    expect_rsc(r, 2001)
    g = expect_rsc(ctx.cse.retrieve(path), 2000)
    expect(rule_of(g).get("aca") == ["lbl"], "aca is kept in the rule", g)


# --- receiver checks ---------------------------------------------------------------------------------

@case("ACP-043", "TS-0004 §7.3.2.1",
      "outside a security association, an AE-ID that is not registered gets 4106, not 4103")
def unregistered_ae_id(ctx):
    _, ae_path = register(ctx)
    _, path, _ = guarded(ctx, [acr(["all"], ALL)])
    stem = "C" + ctx.unique("unreg")
    expect_rsc(ctx.cse.retrieve(path, originator=stem), 4106)
    expect_rsc(ctx.cse.retrieve(ae_path, originator=stem), 4106)
