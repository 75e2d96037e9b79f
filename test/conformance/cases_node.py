"""node (TS-0004 §7.4.18; TS-0001 §9.6.18).

Covers the <node> attribute table (Table 7.4.18.1-3: nodeID mandatory; hostedCSELink,
hostedAELinks, hostedServiceLinks, mgmtClientAddress optional; roamingStatus and networkID not
permitted in requests), its child resource table (Table 7.4.18.1-4: mgmtObj, subscription,
schedule; nothing else), the generic attribute checks of §7.3.3.3/§7.3.3.4, the list data
types of Table 6.3.3-1 (m2m:listOfM2MID has at least one member), and the Release 4 upkeep of
hostedAELinks as <AE> resources name the node in their nodeLink or stop naming it.
"""
from harness import case, expect, expect_rsc
from onem2m import CNT, FCNT, MGMTOBJ, NOD, SCH, SUB


def _node(ctx, extra=None, rn=None, parent=None):
    """Creates a <node> under the CSEBase (or `parent`); returns (response, path)."""
    rn = rn or ctx.unique("nod")
    body = {"rn": rn, "ni": f"urn:dev:ops:{rn}"}
    body.update(extra or {})
    r = ctx.cse.create(parent or ctx.base, NOD, {"m2m:nod": body})
    return r, f"{parent or ctx.base}/{rn}"


def _new_node(ctx, extra=None):
    r, path = _node(ctx, extra)
    expect_rsc(r, 2001)
    return r, path


def _battery(ctx, node_path, rn=None):
    rn = rn or ctx.unique("bat")
    r = ctx.cse.create(node_path, MGMTOBJ,
                       {"m2m:bat": {"rn": rn, "mgd": 1006, "btl": 50, "bts": 1}})
    return r, f"{node_path}/{rn}"


@case("NOD-001", "TS-0004 §7.4.18.2.1, Table 7.4.18.1-3",
      "a <node> with a nodeID is created under the CSEBase (2001, ty 14, ni as given)")
def create_node(ctx):
    r, _ = _node(ctx)
    expect_rsc(r, 2001)
    expect(r.get("m2m:nod/ty") == NOD, "ty is 14", r)
    expect(r.get("m2m:nod/ni", "").startswith("urn:dev:ops:"), "ni is the given nodeID", r)
    cb = expect_rsc(ctx.cse.retrieve(ctx.base), 2000)
    expect(r.get("m2m:nod/pi") == cb.get("m2m:cb/ri"), "pi is the CSEBase's resourceID", r)


@case("NOD-002", "TS-0004 Table 7.4.18.1-3, §7.3.3.3",
      "a <node> without nodeID (mandatory at creation) is refused with 4000")
def node_without_ni(ctx):
    rn = ctx.unique("nod")
    r = ctx.cse.create(ctx.base, NOD, {"m2m:nod": {"rn": rn}})
    expect_rsc(r, 4000)
    expect_rsc(ctx.cse.retrieve(f"{ctx.base}/{rn}"), 4004)


@case("NOD-003", "TS-0004 Table 7.4.18.1-2, §7.3.3.5",
      "a retrieved <node> carries its universal attributes (ri, pi, ct, lt, et, rn) and ni")
def retrieve_node(ctx):
    _, path = _new_node(ctx)
    r = expect_rsc(ctx.cse.retrieve(path), 2000)
    for a in ("ty", "ri", "pi", "ct", "lt", "et", "rn", "ni"):
        expect(r.get(f"m2m:nod/{a}") is not None, f"{a} is present", r)
    expect(r.get("m2m:nod/ct") == r.get("m2m:nod/lt"), "lt equals ct on a fresh resource", r)


@case("NOD-004", "TS-0004 Table 7.4.18.1-3", "nodeID may be updated (O on UPDATE)")
def update_ni(ctx):
    _, path = _new_node(ctx)
    r = expect_rsc(ctx.cse.update(path, {"m2m:nod": {"ni": "urn:dev:ops:renamed"}}), 2004)
    expect(r.get("m2m:nod/ni") == "urn:dev:ops:renamed", "the new ni is returned", r)
    got = expect_rsc(ctx.cse.retrieve(path), 2000)
    expect(got.get("m2m:nod/ni") == "urn:dev:ops:renamed", "the new ni is stored", got)


@case("NOD-005", "TS-0004 Table 7.4.18.1-3",
      "hostedCSELink, mgmtClientAddress and hostedServiceLinks are kept as given at creation")
def optional_attributes(ctx):
    r, path = _new_node(ctx, {"hcl": ctx.cse.cse_id, "mgca": "coap://192.0.2.1:5683",
                              "hsl": [f"{ctx.base}/someService"]})
    got = expect_rsc(ctx.cse.retrieve(path), 2000)
    expect(got.get("m2m:nod/hcl") == ctx.cse.cse_id, "hcl is kept", got)
    expect(got.get("m2m:nod/mgca") == "coap://192.0.2.1:5683", "mgca is kept", got)
    expect(got.get("m2m:nod/hsl") == [f"{ctx.base}/someService"], "hsl is kept", got)


@case("NOD-006", "TS-0004 Table 7.4.18.1-3", "mgmtClientAddress and hostedCSELink may be updated")
def update_optional(ctx):
    _, path = _new_node(ctx)
    r = expect_rsc(ctx.cse.update(path, {"m2m:nod": {"mgca": "http://192.0.2.7:80",
                                                     "hcl": ctx.cse.cse_id}}), 2004)
    expect(r.get("m2m:nod/mgca") == "http://192.0.2.7:80", "mgca is updated", r)
    expect(r.get("m2m:nod/hcl") == ctx.cse.cse_id, "hcl is updated", r)


@case("NOD-007", "TS-0004 §7.3.3.3", "an attribute a <node> does not have is refused at creation with 4000")
def create_unknown_attribute(ctx):
    r, path = _node(ctx, {"unknownAttr": "x"})
    expect_rsc(r, 4000)
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("NOD-008", "TS-0004 §7.3.3.4", "an attribute a <node> does not have is refused in an UPDATE with 4000")
def update_unknown_attribute(ctx):
    _, path = _new_node(ctx)
    expect_rsc(ctx.cse.update(path, {"m2m:nod": {"unknownAttr": "x"}}), 4000)


@case("NOD-009", "TS-0004 Table 7.4.18.1-3, §7.3.3.3",
      "roamingStatus is not permitted (NP) in a CREATE: 4000")
def rms_np_create(ctx):
    r, path = _node(ctx, {"rms": True})
    expect_rsc(r, 4000)
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("NOD-010", "TS-0004 Table 7.4.18.1-3, §7.3.3.3",
      "networkID is not permitted (NP) in a CREATE: 4000")
def nid_np_create(ctx):
    r, path = _node(ctx, {"nid": "network-1"})
    expect_rsc(r, 4000)
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("NOD-011", "TS-0004 Table 7.4.18.1-3, §7.3.3.4",
      "roamingStatus and networkID are not permitted (NP) in an UPDATE: 4000")
def rms_nid_np_update(ctx):
    _, path = _new_node(ctx)
    expect_rsc(ctx.cse.update(path, {"m2m:nod": {"rms": False}}), 4000)
    expect_rsc(ctx.cse.update(path, {"m2m:nod": {"nid": "network-1"}}), 4000)


@case("NOD-012", "TS-0004 Table 6.3.3-1 (m2m:listOfM2MID), §7.3.3.3",
      "an empty hostedAELinks list at creation is refused with 4000 (the list has at least one member)")
def empty_hael(ctx):
    r, path = _node(ctx, {"hael": []})
    expect_rsc(r, 4000)
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("NOD-013", "TS-0004 Table 7.4.18.1-4, Annex D.7",
      "a <mgmtObj> ([battery]) can be created under a <node>")
def mgmtobj_child(ctx):
    _, path = _new_node(ctx)
    r, bat = _battery(ctx, path)
    expect_rsc(r, 2001)
    node = expect_rsc(ctx.cse.retrieve(path), 2000)
    expect(r.get("m2m:bat/pi") == node.get("m2m:nod/ri"), "the mgmtObj's parent is the node", r)


@case("NOD-014", "TS-0004 Table 7.4.18.1-4", "a <subscription> can be created under a <node>")
def subscription_child(ctx):
    _, path = _new_node(ctx)
    r = ctx.cse.create(path, SUB, {"m2m:sub": {"rn": ctx.unique("sub"),
                                               "nu": [ctx.notifications.url],
                                               "enc": {"net": [1, 3]}}})
    expect_rsc(r, 2001)


@case("NOD-015", "TS-0004 Table 7.4.18.1-4, §7.4.9", "a <schedule> can be created under a <node>")
def schedule_child(ctx):
    _, path = _new_node(ctx)
    r = ctx.cse.create(path, SCH, {"m2m:sch": {"rn": ctx.unique("sch"),
                                               "se": {"sce": ["* * * * * * *"]}}})
    expect_rsc(r, 2001)


@case("NOD-016", "TS-0004 Table 7.4.18.1-4, §7.3.3.3",
      "a <container> under a <node> is refused with 4108 (not a child type of <node>)")
def container_child_refused(ctx):
    _, path = _new_node(ctx)
    rn = ctx.unique("cnt")
    expect_rsc(ctx.cse.create(path, CNT, {"m2m:cnt": {"rn": rn}}), 4108)
    expect_rsc(ctx.cse.retrieve(f"{path}/{rn}"), 4004)


@case("NOD-017", "TS-0004 Table 7.4.18.1-4, §7.4.37.1, §7.3.3.3",
      "a <flexContainer> under a <node> is refused with 4108")
def flexcontainer_child_refused(ctx):
    _, path = _new_node(ctx)
    rn = ctx.unique("fc")
    r = ctx.cse.create(path, FCNT, {"cod:tempe": {
        "rn": rn, "cnd": "org.onem2m.common.moduleclass.temperature", "curT0": 20.0}})
    expect_rsc(r, 4108)
    expect_rsc(ctx.cse.retrieve(f"{path}/{rn}"), 4004)


@case("NOD-018", "TS-0004 Table 7.4.5.1-4, §7.3.3.3",
      "a <node> under an <AE> is refused with 4108 (<node> is no child type of <AE>)")
def node_under_ae_refused(ctx):
    _, ae_path = ctx.register_ae()
    r, path = _node(ctx, parent=ae_path)
    expect_rsc(r, 4108)
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("NOD-019", "TS-0004 §7.4.18.2.4, TS-0001 §10.1.5",
      "deleting a <node> deletes it and its <mgmtObj> children")
def delete_node(ctx):
    _, path = _new_node(ctx)
    r, bat = _battery(ctx, path)
    expect_rsc(r, 2001)
    expect_rsc(ctx.cse.delete(path), 2002)
    expect_rsc(ctx.cse.retrieve(path), 4004)
    expect_rsc(ctx.cse.retrieve(bat), 4004)


@case("NOD-020", "TS-0001 §9.6.18 (R4 hostedAELinks), TS-0004 Table 7.4.5.1-3 (nodeLink)",
      "an <AE> that names the node in its nodeLink is listed in the node's hostedAELinks")
def hael_on_register(ctx):
    r, path = _new_node(ctx)
    node_ri = r.get("m2m:nod/ri")
    aei, ae_path = ctx.register_ae(extra={"nl": node_ri})
    ae = expect_rsc(ctx.cse.retrieve(ae_path), 2000)
    node = expect_rsc(ctx.cse.retrieve(path), 2000)
    hael = node.get("m2m:nod/hael") or []
    expect(ae.get("m2m:ae/ri") in hael, "hael contains the AE's resourceID", node)


@case("NOD-021", "TS-0001 §9.6.18 (R4 hostedAELinks), Table 6.3.3-1 (m2m:listOfM2MID)",
      "when the only hosted <AE> is deleted, it leaves hostedAELinks (and an empty list is removed)")
def hael_on_deregister(ctx):
    r, path = _new_node(ctx)
    aei, ae_path = ctx.register_ae(extra={"nl": r.get("m2m:nod/ri")})
    ae_ri = expect_rsc(ctx.cse.retrieve(ae_path), 2000).get("m2m:ae/ri")
    before = expect_rsc(ctx.cse.retrieve(path), 2000)
    expect(ae_ri in (before.get("m2m:nod/hael") or []), "hael lists the AE first", before)
    expect_rsc(ctx.cse.delete(ae_path), 2002)
    after = expect_rsc(ctx.cse.retrieve(path), 2000)
    hael = after.get("m2m:nod/hael")
    expect(hael is None, "hael no longer lists the AE and is not left as an empty list", after)


@case("NOD-022", "TS-0001 §9.6.18 (R4 hostedAELinks)",
      "when an <AE>'s nodeLink moves to another node, hostedAELinks of both nodes follow")
def hael_on_move(ctx):
    r1, path1 = _new_node(ctx)
    r2, path2 = _new_node(ctx)
    aei, ae_path = ctx.register_ae(extra={"nl": r1.get("m2m:nod/ri")})
    ae_ri = expect_rsc(ctx.cse.retrieve(ae_path), 2000).get("m2m:ae/ri")
    expect_rsc(ctx.cse.update(ae_path, {"m2m:ae": {"nl": r2.get("m2m:nod/ri")}}, originator=aei), 2004)
    n1 = expect_rsc(ctx.cse.retrieve(path1), 2000)
    n2 = expect_rsc(ctx.cse.retrieve(path2), 2000)
    expect(ae_ri not in (n1.get("m2m:nod/hael") or []), "the first node no longer lists the AE", n1)
    expect(ae_ri in (n2.get("m2m:nod/hael") or []), "the second node lists the AE", n2)


@case("NOD-023", "TS-0001 §9.6.18 (R4 hostedAELinks)",
      "two <AE>s on one node are both listed in its hostedAELinks")
def hael_two_aes(ctx):
    r, path = _new_node(ctx)
    ri = r.get("m2m:nod/ri")
    _, ae1 = ctx.register_ae(extra={"nl": ri})
    _, ae2 = ctx.register_ae(extra={"nl": ri})
    ris = [expect_rsc(ctx.cse.retrieve(p), 2000).get("m2m:ae/ri") for p in (ae1, ae2)]
    node = expect_rsc(ctx.cse.retrieve(path), 2000)
    hael = node.get("m2m:nod/hael") or []
    expect(all(x in hael for x in ris), "hael lists both AEs", node)


@case("NOD-024", "TS-0004 Table 6.3.3-1 (m2m:listOfM2MID), §7.3.3.4",
      "an UPDATE setting hostedAELinks to an empty list is refused with 4000")
def empty_hael_update(ctx):
    _, path = _new_node(ctx)
    expect_rsc(ctx.cse.update(path, {"m2m:nod": {"hael": []}}), 4000)


@case("NOD-025", "TS-0001 §9.6.18 (R4 hostedAELinks), TS-0004 Table 7.4.5.1-3 (nodeLink)",
      "an <AE> whose nodeLink names no <node> here registers; no node lists it")
def hael_unknown_node(ctx):
    r, path = _new_node(ctx)
    aei, ae_path = ctx.register_ae(extra={"nl": f"{ctx.base}/noSuchNode"})
    expect_rsc(ctx.cse.retrieve(ae_path), 2000)
    node = expect_rsc(ctx.cse.retrieve(path), 2000)
    expect(node.get("m2m:nod/hael") is None, "the unrelated node lists nothing", node)
