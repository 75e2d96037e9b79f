"""Discovery, conditional retrieve and result content.

Covers TS-0004 §7.3.3.14 (resource discovery), §7.3.3.17 and Table 7.3.3.17.0-1 (filter
criteria: crb/cra, ms/us, sts/stb, exb/exa, lbl, lbq, ty, sza/szb, cty, attribute matches, lim,
ofst, lvl, fo, arp), §7.3.3.6 (retrieve, partial retrieve), §7.3.3.12 (success response content),
Table 6.3.4.2.7-1 (m2m:resultContent) and Table 6.3.4.2.31-1 (m2m:filterUsage), and TS-0001
§8.1.2 (Result Content values and the operations each is valid for; Desired Identifier Result
Type). Partial retrieve uses the HTTP query parameter atrl (TS-0009).

The group's setup builds one read-only tree that most cases query:

    <AE>                         (registered with originator "C")
      boxA  cnt  lbl cntLbl, mni 7, cr set     3 cin: "a" "bb" "ccc"   cnf text/plain:0
      boxB  cnt                                3 cin: "a" "bb" "ccc"   cnf application/json:0
      boxC  cnt  (no instances)
    the instances carry the labels tag:0, tag:1, tag:2 (by size), so 3 cnt + 6 cin below the AE,
and a second AE for the time filters: tA (with a child container inner) and tB created at least a
second apart, ex2d and ex4d expiring two and four days on.
"""
import datetime
import time

from harness import case, expect, expect_rsc
from onem2m import ACP, CIN, CNT, CREATE, RETRIEVE, UPDATE

CNT_NAMES = ("boxA", "boxB", "boxC")


# ---------------------------------------------------------------- helpers

def _get(ctx, to, originator=None, **query):
    return ctx.cse.request(RETRIEVE, to, originator or ctx.state["aei"], query=query)


def _discover(ctx, to=None, originator=None, **query):
    return _get(ctx, to or ctx.state["ae"], originator, fu=1, **query)


def _uris(r):
    """The m2m:uril of a discovery answer (it must be there)."""
    u = r.get("m2m:uril")
    expect(isinstance(u, list), "the answer is an m2m:uril list", r)
    return u


def _last(uri):
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _refs(r, key="m2m:rrl"):
    """The childResourceRef entries of an m2m:rrl ({"rrf": [...]}, or a bare list)."""
    rrl = r.get(key)
    if isinstance(rrl, dict):
        rrl = rrl.get("rrf", [])
    expect(isinstance(rrl, list), f"the answer has {key} references", r)
    return rrl


def _collect(node, tag):
    """Every resource representation under `tag` anywhere in a nested answer."""
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == tag:
                out.extend(v if isinstance(v, list) else [v])
            out.extend(_collect(v, tag))
    elif isinstance(node, list):
        for item in node:
            out.extend(_collect(item, tag))
    return out


def _cin_ris(ctx):
    return set(ctx.state["cin_ri"])


def _shift(ts, days):
    """A timestamp `days` after a server timestamp (seconds precision)."""
    t = datetime.datetime.strptime(ts[:15], "%Y%m%dT%H%M%S") + datetime.timedelta(days=days)
    return t.strftime("%Y%m%dT%H%M%S")


def _fresh_cnt(ctx, parent, originator, children=0, **attrs):
    rn = ctx.unique("dc")
    r = ctx.cse.create(parent, CNT, {"m2m:cnt": {"rn": rn, **attrs}}, originator=originator)
    expect_rsc(r, 2001)
    for i in range(children):
        expect_rsc(ctx.cse.create(f"{parent}/{rn}", CIN, {"m2m:cin": {"con": f"v{i}"}},
                                  originator=originator), 2001)
    return rn, r


def setup(ctx):
    aei, ae = ctx.register_ae(poa=False)
    ctx.state.update(aei=aei, ae=ae, ae_rn=ae.rsplit("/", 1)[-1], cnt_ri={}, cin_ri=[])
    for name, extra, cnf in (("boxA", {"lbl": ["cntLbl"], "mni": 7, "cr": None}, "text/plain:0"),
                             ("boxB", {}, "application/json:0"),
                             ("boxC", {}, None)):
        r = ctx.cse.create(ae, CNT, {"m2m:cnt": {"rn": name, **extra}}, originator=aei)
        expect_rsc(r, 2001)
        ctx.state["cnt_ri"][name] = r.get("m2m:cnt/ri")
        if cnf is None:
            continue
        for i, con in enumerate(("a", "bb", "ccc")):
            r = ctx.cse.create(f"{ae}/{name}", CIN, {"m2m:cin": {
                "con": con, "cnf": cnf, "lbl": [f"tag:{i}"]}}, originator=aei)
            expect_rsc(r, 2001)
            ctx.state["cin_ri"].append(r.get("m2m:cin/ri"))

    # Time filters: a second AE, two containers at least one second apart, two with set et.
    taei, tae = ctx.register_ae(poa=False)
    ctx.state.update(taei=taei, tae=tae)
    r = expect_rsc(ctx.cse.create(tae, CNT, {"m2m:cnt": {"rn": "tA", "lbl": ["time"]}},
                                  originator=taei), 2001)
    ctx.state["tA"] = r.get("m2m:cnt")
    expect_rsc(ctx.cse.create(f"{tae}/tA", CNT, {"m2m:cnt": {"rn": "inner"}}, originator=taei),
               2001)
    time.sleep(1.1)
    r = expect_rsc(ctx.cse.create(tae, CNT, {"m2m:cnt": {"rn": "tB", "lbl": ["time"]}},
                                  originator=taei), 2001)
    ctx.state["tB"] = r.get("m2m:cnt")
    now = ctx.state["tB"]["ct"]
    for rn, days in (("ex2d", 2), ("ex4d", 4)):
        r = expect_rsc(ctx.cse.create(tae, CNT, {"m2m:cnt": {
            "rn": rn, "lbl": ["exp"], "et": _shift(now, days)}}, originator=taei), 2001)
        ctx.state[rn] = r.get("m2m:cnt")


# ---------------------------------------------------------------- discovery (fu=1)

@case("DIS-001", "TS-0004 §7.3.3.14",
      "discovery returns every descendant of the target, not the target itself nor virtual resources")
def discover_all(ctx):
    r = expect_rsc(_discover(ctx), 2000)
    u = _uris(r)
    expect(len(u) == 9, "3 containers and 6 contentInstances are found", r)
    expect(not any(x.rstrip("/").endswith("/" + ctx.state["ae_rn"]) for x in u),
           "the addressed AE itself is not a result", r)
    expect(not any(_last(x) in ("la", "ol") for x in u), "no virtual la/ol resource is listed", r)


@case("DIS-002", "TS-0004 §7.3.3.1", "discovery below a resource that does not exist answers 4004")
def discover_unknown(ctx):
    expect_rsc(_discover(ctx, to=ctx.state["ae"] + "/nothingHere"), 4004)


@case("DIS-003", "TS-0004 §7.3.3.14; TS-0001 §8.1.2 (Desired Identifier Result Type)",
      "discovery results are structured CSE-relative resource IDs by default and with drt=1")
def discover_structured(ctx):
    ae_rn = ctx.state["ae_rn"]
    for q in ({}, {"drt": 1}):
        r = expect_rsc(_discover(ctx, ty=CNT, **q), 2000)
        u = _uris(r)
        expect(sorted(_last(x) for x in u) == sorted(CNT_NAMES), "the three containers", r)
        expect(all(not x.startswith("/") for x in u), "CSE-relative (no CSE-ID prefix)", r)
        expect(all(x.rstrip("/").endswith(f"{ae_rn}/{_last(x)}") for x in u),
               "structured: the path through the AE's name", r)


@case("DIS-004", "TS-0001 §8.1.2 (Desired Identifier Result Type)",
      "with drt=2 discovery returns the unstructured resource IDs")
def discover_unstructured(ctx):
    r = expect_rsc(_discover(ctx, ty=CNT, drt=2), 2000)
    u = [x.lstrip("/") for x in _uris(r)]
    expect(sorted(u) == sorted(ctx.state["cnt_ri"].values()),
           "the containers' resourceIDs, not their paths", r)


@case("DIS-005", "TS-0004 §7.3.3.17.6", "ty selects the descendants of that resource type")
def discover_ty(ctx):
    r = expect_rsc(_discover(ctx, ty=CNT), 2000)
    expect(sorted(_last(x) for x in _uris(r)) == sorted(CNT_NAMES), "only the containers", r)


@case("DIS-006", "TS-0004 §7.3.3.17.6; §7.3.3.14",
      "discovery spans all levels: ty=4 below an AE finds the grandchild contentInstances")
def discover_grandchildren(ctx):
    r = expect_rsc(_discover(ctx, ty=CIN), 2000)
    u = _uris(r)
    expect(len(u) == 6, "the six contentInstances in the AE's containers", r)
    expect({_last(x) for x in _uris(expect_rsc(_discover(ctx, ty=CIN, drt=2), 2000))}
           == _cin_ris(ctx), "exactly the created instances", r)


@case("DIS-007", "TS-0004 §7.3.3.17.0",
      "several values of one condition tag are OR'ed: ty=3+4 and repeated ty both find both types")
def discover_ty_or(ctx):
    for ty in ("3+4", [3, 4]):
        r = expect_rsc(_discover(ctx, ty=ty), 2000)
        expect(len(_uris(r)) == 9, f"ty={ty}: 3 containers and 6 instances", r)


@case("DIS-008", "TS-0004 §7.3.3.17.5", "lbl matches any of the given labels")
def discover_lbl(ctx):
    r = expect_rsc(_discover(ctx, lbl="tag:0"), 2000)
    expect(len(_uris(r)) == 2, "two instances carry tag:0", r)
    r = expect_rsc(_discover(ctx, lbl="tag:0+tag:1"), 2000)
    expect(len(_uris(r)) == 4, "four instances carry tag:0 or tag:1", r)


@case("DIS-009", "TS-0004 §7.3.3.17.0; Table 6.3.4.2.34-1",
      "different condition tags are AND'ed by default (and with fo=1)")
def discover_and(ctx):
    for q in ({}, {"fo": 1}):
        r = expect_rsc(_discover(ctx, ty=CNT, lbl="cntLbl", **q), 2000)
        expect([_last(x) for x in _uris(r)] == ["boxA"], "only the labelled container", r)
        r = expect_rsc(_discover(ctx, ty=CIN, lbl="cntLbl", **q), 2000)
        expect(_uris(r) == [], "no instance carries cntLbl", r)


@case("DIS-010", "TS-0004 §7.3.3.17.12; Table 6.3.4.2.34-1",
      "fo=2 ORs different condition tags")
def discover_or(ctx):
    r = expect_rsc(_discover(ctx, ty=CNT, lbl="tag:0", fo=2), 2000)
    u = _uris(r)
    expect(len(u) == 5, "3 containers or 2 instances with tag:0", r)


@case("DIS-011", "TS-0004 §7.3.3.17.10", "lim caps the number of discovered resources")
def discover_lim(ctx):
    r = expect_rsc(_discover(ctx, lim=2), 2000)
    expect(len(_uris(r)) == 2, "at most (here exactly) two of nine", r)
    r = expect_rsc(_discover(ctx, ty=CNT, lim=10), 2000)
    expect(len(_uris(r)) == 3, "a limit above the count leaves the result whole", r)


@case("DIS-012", "TS-0004 §7.3.3.17.15; TS-0001 §8.1.2 (offset starts at 1)",
      "ofst=1 starts at the first result, ofst=2 skips the first direct child")
def discover_ofst(ctx):
    all_ = _uris(expect_rsc(_discover(ctx, ty=CNT), 2000))
    r1 = expect_rsc(_discover(ctx, ty=CNT, ofst=1), 2000)
    expect(sorted(_uris(r1)) == sorted(all_), "ofst=1 skips nothing", r1)
    r2 = expect_rsc(_discover(ctx, ty=CNT, ofst=2), 2000)
    u2 = _uris(r2)
    expect(len(u2) == 2 and set(u2) <= set(all_), "ofst=2: the two remaining containers", r2)
    r3 = expect_rsc(_discover(ctx, ty=CNT, ofst=2, lim=1), 2000)
    expect(len(_uris(r3)) == 1 and _uris(r3)[0] in u2, "ofst with lim pages on", r3)


@case("DIS-013", "TS-0004 §7.3.3.17.14", "lvl limits the depth: lvl=1 is the direct children")
def discover_lvl(ctx):
    r = expect_rsc(_discover(ctx, lvl=1), 2000)
    expect(sorted(_last(x) for x in _uris(r)) == sorted(CNT_NAMES), "lvl=1: the containers", r)
    r = expect_rsc(_discover(ctx, ty=CIN, lvl=1), 2000)
    expect(_uris(r) == [], "no instance is a direct child of the AE", r)
    r = expect_rsc(_discover(ctx, ty=CIN, lvl=2), 2000)
    expect(len(_uris(r)) == 6, "lvl=2 reaches the instances", r)


@case("DIS-014", "TS-0004 §7.3.3.17.1",
      "crb matches creationTime < crb and cra matches cra <= creationTime")
def discover_created(ctx):
    edge = ctx.state["tB"]["ct"][:15]  # tA was created at least a second earlier
    r = expect_rsc(_discover(ctx, to=ctx.state["tae"], originator=ctx.state["taei"],
                             lbl="time", crb=edge), 2000)
    expect([_last(x) for x in _uris(r)] == ["tA"], "created before: tA only", r)
    r = expect_rsc(_discover(ctx, to=ctx.state["tae"], originator=ctx.state["taei"],
                             lbl="time", cra=edge), 2000)
    expect([_last(x) for x in _uris(r)] == ["tB"], "created after (inclusive): tB only", r)


@case("DIS-015", "TS-0004 §7.3.3.17.2",
      "us matches lastModifiedTime < us and ms matches ms <= lastModifiedTime")
def discover_modified(ctx):
    edge = ctx.state["tB"]["lt"][:15]
    r = expect_rsc(_discover(ctx, to=ctx.state["tae"], originator=ctx.state["taei"],
                             lbl="time", us=edge), 2000)
    expect([_last(x) for x in _uris(r)] == ["tA"], "unmodified since: tA only", r)
    r = expect_rsc(_discover(ctx, to=ctx.state["tae"], originator=ctx.state["taei"],
                             lbl="time", ms=edge), 2000)
    expect([_last(x) for x in _uris(r)] == ["tB"], "modified since: tB only", r)


@case("DIS-016", "TS-0004 §7.3.3.17.4",
      "exb matches expirationTime < exb and exa matches exa <= expirationTime")
def discover_expire(ctx):
    edge = _shift(ctx.state["tB"]["ct"], 3)
    r = expect_rsc(_discover(ctx, to=ctx.state["tae"], originator=ctx.state["taei"],
                             lbl="exp", exb=edge), 2000)
    expect([_last(x) for x in _uris(r)] == ["ex2d"], "expiring before: the 2-day container", r)
    r = expect_rsc(_discover(ctx, to=ctx.state["tae"], originator=ctx.state["taei"],
                             lbl="exp", exa=edge), 2000)
    expect([_last(x) for x in _uris(r)] == ["ex4d"], "expiring after: the 4-day container", r)


@case("DIS-017", "TS-0004 §7.3.3.17.3",
      "stb matches stb <= stateTag and sts matches stateTag < sts")
def discover_state_tag(ctx):
    r = expect_rsc(_discover(ctx, ty=CNT, stb=1), 2000)
    expect(sorted(_last(x) for x in _uris(r)) == ["boxA", "boxB"], "the containers with instances", r)
    r = expect_rsc(_discover(ctx, ty=CNT, sts=1), 2000)
    expect([_last(x) for x in _uris(r)] == ["boxC"], "the untouched container (st 0)", r)


@case("DIS-018", "TS-0004 §7.3.3.17.7",
      "sza matches sza <= contentSize and szb matches contentSize < szb")
def discover_size(ctx):
    r = expect_rsc(_discover(ctx, ty=CIN, sza=3), 2000)
    expect(len(_uris(r)) == 2, "the two 3-byte instances", r)
    r = expect_rsc(_discover(ctx, ty=CIN, szb=2), 2000)
    expect(len(_uris(r)) == 2, "the two 1-byte instances", r)
    r = expect_rsc(_discover(ctx, ty=CIN, sza=2, szb=3), 2000)
    expect(len(_uris(r)) == 2, "the two 2-byte instances", r)


@case("DIS-019", "TS-0004 §7.3.3.17.8", "cty matches the typeOfContent part of contentInfo")
def discover_cty(ctx):
    r = expect_rsc(_discover(ctx, cty="text/plain"), 2000)
    u = _uris(r)
    expect(len(u) == 3 and all("/boxA/" in x for x in u), "boxA's three text/plain instances", r)
    r = expect_rsc(_discover(ctx, cty="application/json"), 2000)
    u = _uris(r)
    expect(len(u) == 3 and all("/boxB/" in x for x in u), "boxB's three JSON instances", r)


@case("DIS-020", "TS-0004 Table 7.3.3.17.0-1; §7.3.3.17.1-4, .7",
      "the lower bounds cra, ms, stb, exa and sza are inclusive: a resource's own value matches")
def discover_inclusive_bounds(ctx):
    tae, taei, tb, ex = ctx.state["tae"], ctx.state["taei"], ctx.state["tB"], ctx.state["ex4d"]
    checks = (
        ("cra", {"lbl": "time", "cra": tb["ct"]}, tae, taei, ["tB"]),
        ("ms", {"lbl": "time", "ms": tb["lt"]}, tae, taei, ["tB"]),
        ("exa", {"lbl": "exp", "exa": ex["et"]}, tae, taei, ["ex4d"]),
        ("stb", {"ty": CNT, "stb": 3}, None, None, ["boxA", "boxB"]),
        ("sza", {"ty": CIN, "sza": 3, "lim": 1}, None, None, None),
    )
    wrong = []
    for tag, q, to, who, want in checks:
        r = expect_rsc(_discover(ctx, to=to, originator=who, **q), 2000)
        got = sorted(_last(x) for x in _uris(r))
        if (want is None and len(got) != 1) or (want is not None and got != want):
            wrong.append(f"{tag}={q[tag]} found {got}")
    expect(not wrong, "each bound matches the resource that has exactly that value: "
           + "; ".join(wrong))


@case("DIS-021", "TS-0004 §7.3.3.17.9",
      "an attribute name=value condition (mni=7, cr=<creator>) selects the resources with that value")
def discover_attribute(ctx):
    r = expect_rsc(_discover(ctx, mni=7), 2000)
    expect([_last(x) for x in _uris(r)] == ["boxA"], "only boxA has mni 7", r)
    r = expect_rsc(_discover(ctx, cr=ctx.state["aei"]), 2000)
    expect([_last(x) for x in _uris(r)] == ["boxA"], "only boxA has a creator", r)


@case("DIS-022", "TS-0004 §7.3.3.17.9",
      "in discovery an attribute value may hold the * wildcard (rn=box*)")
def discover_wildcard(ctx):
    r = expect_rsc(_discover(ctx, rn="boxA"), 2000)
    expect([_last(x) for x in _uris(r)] == ["boxA"], "an exact resourceName", r)
    r = expect_rsc(_discover(ctx, rn="box*"), 2000)
    expect(sorted(_last(x) for x in _uris(r)) == sorted(CNT_NAMES), "the three box* containers", r)


@case("DIS-023", "TS-0004 §7.3.3.14",
      "discovery lists only resources the originator has the DISCOVER privilege on")
def discover_no_privilege(ctx):
    other, _ = ctx.register_ae(poa=False)
    r = _discover(ctx, originator=other)
    # The hosting CSE filters the results (Recv-6.3 is not run on the target); a 4103 discloses
    # nothing either.
    expect(r.rsc in (2000, 4103), "2000 (or 4103)", r)
    if r.rsc == 2000:
        expect(_uris(r) == [], "none of another AE's resources is listed", r)


@case("DIS-024", "TS-0004 §7.3.3.14; Table 6.3.4.2.29-1",
      "the DISCOVER privilege alone lets a resource be discovered but not retrieved")
def discover_privilege_only(ctx):
    owner, home = ctx.register_ae(poa=False)
    other, _ = ctx.register_ae(poa=False)
    acp = expect_rsc(ctx.cse.create(home, ACP, {"m2m:acp": {
        "rn": ctx.unique("acp"),
        "pv": {"acr": [{"acor": [other], "acop": 32}, {"acor": [owner], "acop": 63}]},
        "pvs": {"acr": [{"acor": [owner], "acop": 63}]}}}, originator=owner), 2001)
    rn, _ = _fresh_cnt(ctx, home, owner, acpi=[acp.get("m2m:acp/ri")])
    r = expect_rsc(_discover(ctx, to=home, originator=other), 2000)
    expect([_last(x) for x in _uris(r)] == [rn], "the container is discovered", r)
    expect_rsc(_get(ctx, f"{home}/{rn}", other), 4103)


@case("DIS-025", "TS-0001 §8.1.2 and Table 8.1.2-1 (R4 discovery-result-references)",
      "discovery with rcn=11 answers the m2m:uril of the found resources")
def discover_rcn11(ctx):
    r = expect_rsc(_discover(ctx, ty=CNT, rcn=11), 2000)
    expect(sorted(_last(x) for x in _uris(r)) == sorted(CNT_NAMES), "the three containers", r)


@case("DIS-026", "TS-0001 §8.1.2 (child-resource-references in discovery); TS-0004 §7.2.1.2",
      "discovery with rcn=6 answers an m2m:rrl of references (nm, typ, val)")
def discover_rcn6(ctx):
    r = expect_rsc(_discover(ctx, ty=CNT, rcn=6), 2000)
    refs = _refs(r)
    expect(sorted(x.get("nm") for x in refs) == sorted(CNT_NAMES), "one reference a container", r)
    expect(all(x.get("typ") == CNT for x in refs), "typ is the resource type", r)
    expect(all(_last(x.get("val", "")) == x.get("nm") for x in refs), "val addresses it", r)


@case("DIS-027", "TS-0001 §8.1.2 and Table 8.1.2-1",
      "discovery with rcn 4, 5 or 8 (not valid for discovery) answers 4000")
def discover_bad_rcn(ctx):
    for rcn in (4, 5, 8):
        expect_rsc(_discover(ctx, ty=CNT, rcn=rcn), 4000)


@case("DIS-028", "TS-0001 §8.1.2 and Table 8.1.2-1 (R4)",
      "discovery with rcn=1 (attributes, not a discovery result) answers 4000")
def discover_rcn1(ctx):
    expect_rsc(_discover(ctx, ty=CNT, rcn=1), 4000)


@case("DIS-029", "TS-0004 §7.3.3.17.17; Table 7.3.3.17.0-1; docs/conformance.md",
      "arp applies a relative path to the matches, or answers 5001 where not implemented (not 4000)")
def discover_arp(ctx):
    edge = ctx.state["tB"]["ct"][:15]
    r = _discover(ctx, to=ctx.state["tae"], originator=ctx.state["taei"],
                  lbl="time", crb=edge, arp="inner")
    expect(r.rsc in (2000, 5001), "2000 (implemented) or 5001 (NOT_IMPLEMENTED)", r)
    if r.rsc == 2000:
        u = _uris(r)
        expect(len(u) == 1 and u[0].rstrip("/").endswith("tA/inner"), "tA's child inner", r)


@case("DIS-030", "TS-0004 §7.3.3.17.16; Table 7.3.3.17.0-1; docs/conformance.md",
      "lbq (labelsQuery) selects by key and value, or answers 5001 where not implemented (not 4000)")
def discover_lbq(ctx):
    r = _discover(ctx, lbq="tag EQ 0")
    expect(r.rsc in (2000, 5001), "2000 (implemented) or 5001 (NOT_IMPLEMENTED)", r)
    if r.rsc == 2000:
        expect(len(_uris(r)) == 2, "the two tag:0 instances", r)


@case("DIS-031", "TS-0004 Tables 6.3.4.2.31-1, 6.3.4.2.34-1, 6.3.4.2.8-1",
      "fu, fo and drt values outside their enumerations answer 4000")
def discover_bad_enums(ctx):
    expect_rsc(_get(ctx, ctx.state["ae"], fu=9), 4000)
    expect_rsc(_discover(ctx, ty=CNT, fo=3), 4000)
    expect_rsc(_discover(ctx, ty=CNT, drt=3), 4000)


# ---------------------------------------------------------------- conditional retrieve, rcn

@case("DIS-032", "TS-0004 Table 6.3.4.2.31-1; §7.3.3.17.11",
      "fu=2 (conditional retrieval) without conditions is an ordinary retrieve")
def retrieve_fu2(ctx):
    r = expect_rsc(_get(ctx, ctx.state["ae"], fu=2), 2000)
    expect(r.get("m2m:ae/rn") == ctx.state["ae_rn"], "the AE's attributes", r)


@case("DIS-033", "TS-0001 §8.1.2 (attributes)",
      "rcn=1 returns the resource's attributes without children or references")
def retrieve_rcn1(ctx):
    r = expect_rsc(_get(ctx, ctx.state["ae"], rcn=1), 2000)
    body = r.get("m2m:ae")
    expect(isinstance(body, dict) and body.get("rn") == ctx.state["ae_rn"], "the AE", r)
    expect("m2m:cnt" not in body and "ch" not in body, "no child information", r)


@case("DIS-034", "TS-0001 §8.1.2 (attributes+child-resources)",
      "rcn=4 nests the children and their descendants: instances inside their containers")
def retrieve_rcn4_nested(ctx):
    r = expect_rsc(_get(ctx, ctx.state["ae"], rcn=4), 2000)
    expect(r.get("m2m:ae/rn") == ctx.state["ae_rn"], "the AE's attributes", r)
    cnts = r.get("m2m:ae/m2m:cnt") or []
    expect(sorted(c.get("rn") for c in cnts) == sorted(CNT_NAMES), "the three containers", r)
    by = {c.get("rn"): c for c in cnts}
    expect(len(by.get("boxA", {}).get("m2m:cin") or []) == 3
           and len(by.get("boxB", {}).get("m2m:cin") or []) == 3,
           "each container holds its three instances", r)


@case("DIS-035", "TS-0001 §8.1.2 (attributes+child-resources); TS-0004 §7.3.3.17.6",
      "rcn=4 with ty=3 returns the attributes and the matching children")
def retrieve_rcn4_ty(ctx):
    r = expect_rsc(_get(ctx, ctx.state["ae"], rcn=4, ty=CNT), 2000)
    expect(r.get("m2m:ae/rn") == ctx.state["ae_rn"], "the AE's attributes", r)
    expect(sorted(c.get("rn") for c in _collect(r.pc, "m2m:cnt")) == sorted(CNT_NAMES),
           "the three containers", r)
    expect(_collect(r.pc, "m2m:cin") == [], "no instance (ty=3 only)", r)


@case("DIS-036", "TS-0001 §8.1.2 (attributes+child-resources); TS-0004 §7.3.3.17",
      "rcn=4 with ty=4 below an AE returns the grandchild contentInstances")
def retrieve_rcn4_grandchildren(ctx):
    r = expect_rsc(_get(ctx, ctx.state["ae"], rcn=4, ty=CIN), 2000)
    expect(r.get("m2m:ae/rn") == ctx.state["ae_rn"], "the AE's attributes", r)
    expect({c.get("ri") for c in _collect(r.pc, "m2m:cin")} == _cin_ris(ctx),
           "the six instances", r)


@case("DIS-037", "TS-0001 §8.1.2 (attributes+child-resource-references)",
      "rcn=5 returns the attributes and ch references (nm, typ, val) to the children")
def retrieve_rcn5(ctx):
    r = expect_rsc(_get(ctx, ctx.state["ae"], rcn=5, ty=CNT), 2000)
    expect(r.get("m2m:ae/rn") == ctx.state["ae_rn"], "the AE's attributes", r)
    ch = r.get("m2m:ae/ch")
    expect(isinstance(ch, list) and sorted(x.get("nm") for x in ch) == sorted(CNT_NAMES),
           "one reference a container", r)
    expect(all(x.get("typ") == CNT and _last(x.get("val", "")) == x.get("nm") for x in ch),
           "typ and val of each", r)


@case("DIS-038", "TS-0001 §8.1.2 (attributes+child-resource-references)",
      "rcn=5 references the descendants too: 3 containers and 6 instances")
def retrieve_rcn5_descendants(ctx):
    r = expect_rsc(_get(ctx, ctx.state["ae"], rcn=5), 2000)
    ch = r.get("m2m:ae/ch") or []
    expect(sum(x.get("typ") == CNT for x in ch) == 3 and sum(x.get("typ") == CIN for x in ch) == 6,
           "references to all nine descendants", r)


@case("DIS-039", "TS-0001 §8.1.2 (child-resource-references); TS-0004 §7.2.1.2",
      "rcn=6 on a container answers an m2m:rrl of its instances (nm, typ, val)")
def retrieve_rcn6(ctx):
    r = expect_rsc(_get(ctx, ctx.state["ae"] + "/boxA", rcn=6), 2000)
    refs = _refs(r)
    expect(len(refs) == 3, "three instances", r)
    expect(all(x.get("typ") == CIN and _last(x.get("val", "")) == x.get("nm") for x in refs),
           "nm, typ 4 and a val that addresses the instance", r)
    expect("m2m:cnt" not in (r.pc or {}), "no representation of the container", r)


@case("DIS-040", "TS-0001 §8.1.2 (child-resource-references)",
      "rcn=6 references the children and their descendants")
def retrieve_rcn6_descendants(ctx):
    r = expect_rsc(_get(ctx, ctx.state["ae"], rcn=6), 2000)
    refs = _refs(r)
    expect(sum(x.get("typ") == CNT for x in refs) == 3
           and sum(x.get("typ") == CIN for x in refs) == 6, "all nine descendants", r)


@case("DIS-041", "TS-0004 §7.3.3.17.6; TS-0001 §8.1.2 (child-resource-references)",
      "conditional retrieve rcn=6 with ty=3+4 below an AE references containers and instances")
def retrieve_rcn6_ty(ctx):
    r = expect_rsc(_get(ctx, ctx.state["ae"], rcn=6, ty="3+4"), 2000)
    refs = _refs(r)
    expect(sum(x.get("typ") == CNT for x in refs) == 3
           and sum(x.get("typ") == CIN for x in refs) == 6, "3 containers and 6 instances", r)
    r = expect_rsc(_get(ctx, ctx.state["ae"], rcn=6, ty=CIN), 2000)
    expect(len(_refs(r)) == 6, "ty=4 alone: the six grandchildren", r)


@case("DIS-042", "TS-0001 §8.1.2 (Desired Identifier Result Type)",
      "rcn=6 with drt=2 gives unstructured IDs in val")
def retrieve_rcn6_drt(ctx):
    r = expect_rsc(_get(ctx, ctx.state["ae"], rcn=6, ty=CNT, drt=2), 2000)
    vals = sorted(x.get("val", "").lstrip("/") for x in _refs(r))
    expect(vals == sorted(ctx.state["cnt_ri"].values()), "the containers' resourceIDs", r)


@case("DIS-043", "TS-0001 §8.1.2 (child-resources)",
      "rcn=8 on a container returns its instances and none of the container's attributes")
def retrieve_rcn8(ctx):
    r = expect_rsc(_get(ctx, ctx.state["ae"] + "/boxA", rcn=8), 2000)
    expect(len(_collect(r.pc, "m2m:cin")) == 3, "the three instances", r)
    top = r.get("m2m:cnt")
    expect(not isinstance(top, dict) or ("rn" not in top and "cni" not in top),
           "no attribute of the container itself", r)


@case("DIS-044", "TS-0001 §8.1.2 (child-resources); TS-0004 §7.3.3.17",
      "rcn=8 with ty=4 below an AE returns the grandchild contentInstances")
def retrieve_rcn8_grandchildren(ctx):
    r = expect_rsc(_get(ctx, ctx.state["ae"], rcn=8, ty=CIN), 2000)
    expect({c.get("ri") for c in _collect(r.pc, "m2m:cin")} == _cin_ris(ctx),
           "the six instances", r)
    expect(r.get("m2m:ae/rn") is None, "no attribute of the AE itself", r)


@case("DIS-045", "TS-0001 §8.1.2 (child-resources); TS-0004 §7.3.3.17.14",
      "rcn=8 with lvl=1 returns only the direct children")
def retrieve_rcn8_lvl(ctx):
    r = expect_rsc(_get(ctx, ctx.state["ae"], rcn=8, lvl=1), 2000)
    expect(sorted(c.get("rn") for c in _collect(r.pc, "m2m:cnt")) == sorted(CNT_NAMES),
           "the three containers", r)
    expect(_collect(r.pc, "m2m:cin") == [], "no instance below level 1", r)


@case("DIS-046", "TS-0004 §7.3.3.17.10; TS-0001 §8.1.2",
      "lim caps the references of an rcn=6 retrieve")
def retrieve_rcn6_lim(ctx):
    r = expect_rsc(_get(ctx, ctx.state["ae"] + "/boxA", rcn=6, lim=2), 2000)
    expect(len(_refs(r)) == 2, "two of three", r)


@case("DIS-047", "TS-0004 §7.3.3.17.5; TS-0001 §8.1.2 (child-resources)",
      "rcn=8 with lbl=tag:0 below an AE returns the two labelled grandchildren")
def retrieve_rcn8_lbl(ctx):
    r = expect_rsc(_get(ctx, ctx.state["ae"], rcn=8, lbl="tag:0"), 2000)
    cins = _collect(r.pc, "m2m:cin")
    expect(len(cins) == 2 and all(c.get("lbl") == ["tag:0"] for c in cins),
           "the two tag:0 instances", r)


@case("DIS-048", "TS-0004 §7.3.3.17.9; TS-0001 §8.1.2 (child-resources)",
      "conditional retrieve with an attribute condition (rcn=8, cni=3) returns the matching children")
def retrieve_rcn8_cni(ctx):
    r = expect_rsc(_get(ctx, ctx.state["ae"], rcn=8, cni=3), 2000)
    expect(sorted(c.get("rn") for c in _collect(r.pc, "m2m:cnt")) == ["boxA", "boxB"],
           "the two containers holding three instances", r)
    expect(_collect(r.pc, "m2m:cin") == [], "no instance (they have no cni)", r)


@case("DIS-049", "TS-0001 §8.1.2 (nothing: valid for Create, Update, Delete)",
      "a RETRIEVE with rcn=0 answers 4000")
def retrieve_rcn0(ctx):
    expect_rsc(_get(ctx, ctx.state["ae"], rcn=0), 4000)


@case("DIS-050", "TS-0001 §8.1.2 (rcn 2, 3 Create only; 9 Create/Update only)",
      "a RETRIEVE with rcn 2, 3 or 9 answers 4000")
def retrieve_bad_rcn(ctx):
    for rcn in (2, 3, 9):
        expect_rsc(_get(ctx, ctx.state["ae"], rcn=rcn), 4000)


@case("DIS-051", "TS-0001 §8.1.2 and Table 8.1.2-1 (R4 discovery-result-references)",
      "a non-discovery RETRIEVE with rcn=11 answers 4000")
def retrieve_rcn11(ctx):
    expect_rsc(_get(ctx, ctx.state["ae"], rcn=11, ty=CNT), 4000)


@case("DIS-052", "TS-0004 Table 6.3.4.2.7-1", "an rcn outside the enumeration answers 4000")
def retrieve_rcn_unknown(ctx):
    for rcn in (99, -1, "x"):
        expect_rsc(_get(ctx, ctx.state["ae"], rcn=rcn), 4000)


# ---------------------------------------------------------------- partial retrieve

@case("DIS-053", "TS-0004 §7.3.3.6 (partial retrieve); TS-0009 (atrl)",
      "a partial retrieve (atrl=rn+api) returns exactly the listed attributes")
def partial_retrieve(ctx):
    for atrl in ("rn+api", ["rn", "api"]):
        r = expect_rsc(_get(ctx, ctx.state["ae"], atrl=atrl), 2000)
        body = r.get("m2m:ae")
        expect(isinstance(body, dict) and set(body) == {"rn", "api"}, f"atrl={atrl}: rn and api", r)
        expect(body["rn"] == ctx.state["ae_rn"], "the values of the resource", r)


@case("DIS-054", "TS-0004 §7.3.3.6 (partial retrieve); §7.3.3.3 (attribute not in the table)",
      "a partial retrieve naming no attribute of the resource type answers 4000")
def partial_retrieve_unknown(ctx):
    expect_rsc(_get(ctx, ctx.state["ae"], atrl="notAnAttribute"), 4000)


# ---------------------------------------------------------------- CREATE / UPDATE / DELETE rcn

@case("DIS-055", "TS-0004 §7.3.3.12; TS-0001 §8.1.2 (nothing)",
      "a CREATE with rcn=0 answers 2001 without content")
def create_rcn0(ctx):
    r = ctx.cse.request(CREATE, ctx.state["ae"], ctx.state["aei"], ty=CNT,
                        pc={"m2m:cnt": {"rn": ctx.unique("dc")}}, query={"rcn": 0})
    expect_rsc(r, 2001)
    expect(not r.body, "no content", r)


@case("DIS-056", "TS-0001 §8.1.2 (hierarchical-address)",
      "a CREATE with rcn=2 answers the created resource's hierarchical address")
def create_rcn2(ctx):
    rn = ctx.unique("dc")
    r = ctx.cse.request(CREATE, ctx.state["ae"], ctx.state["aei"], ty=CNT,
                        pc={"m2m:cnt": {"rn": rn}}, query={"rcn": 2})
    expect_rsc(r, 2001)
    uri = r.get("m2m:uri")
    expect(isinstance(uri, str) and uri.rstrip("/").endswith(f"{ctx.state['ae_rn']}/{rn}"),
           "m2m:uri ending in <AE name>/<rn>", r)


@case("DIS-057", "TS-0001 §8.1.2 (hierarchical-address+attributes)",
      "a CREATE with rcn=3 answers the hierarchical address and the attributes (m2m:rce)")
def create_rcn3(ctx):
    rn = ctx.unique("dc")
    r = ctx.cse.request(CREATE, ctx.state["ae"], ctx.state["aei"], ty=CNT,
                        pc={"m2m:cnt": {"rn": rn}}, query={"rcn": 3})
    expect_rsc(r, 2001)
    expect(str(r.get("m2m:rce/uri", "")).rstrip("/").endswith(f"/{rn}"), "uri of the resource", r)
    expect(r.get("m2m:rce/m2m:cnt/rn") == rn, "and its attributes", r)


@case("DIS-058", "TS-0004 §7.3.3.12; TS-0001 §8.1.2 (modified-attributes)",
      "a CREATE with rcn=9 answers only the attributes the CSE set, not those the request gave")
def create_rcn9(ctx):
    r = ctx.cse.request(CREATE, ctx.state["ae"], ctx.state["aei"], ty=CNT,
                        pc={"m2m:cnt": {"rn": ctx.unique("dc"), "mni": 42, "lbl": ["given"]}},
                        query={"rcn": 9})
    expect_rsc(r, 2001)
    body = r.get("m2m:cnt")
    expect(isinstance(body, dict), "an m2m:cnt content", r)
    expect("mni" not in body and "lbl" not in body, "not the attributes the request set", r)
    expect(all(a in body for a in ("ri", "ct", "lt", "st")), "the ones the CSE assigned", r)


@case("DIS-059", "TS-0001 §8.1.2 (rcn 4, 5, 6, 8: Retrieve/Delete only)",
      "a CREATE with rcn 4, 5, 6 or 8 answers 4000")
def create_bad_rcn(ctx):
    for rcn in (4, 5, 6, 8):
        r = ctx.cse.request(CREATE, ctx.state["ae"], ctx.state["aei"], ty=CNT,
                            pc={"m2m:cnt": {"rn": ctx.unique("dc")}}, query={"rcn": rcn})
        expect_rsc(r, 4000)


@case("DIS-060", "TS-0004 §7.3.3.12; TS-0001 §8.1.2 (nothing)",
      "an UPDATE with rcn=0 answers 2004 without content")
def update_rcn0(ctx):
    rn, _ = _fresh_cnt(ctx, ctx.state["ae"], ctx.state["aei"])
    r = ctx.cse.request(UPDATE, f"{ctx.state['ae']}/{rn}", ctx.state["aei"],
                        pc={"m2m:cnt": {"lbl": ["x"]}}, query={"rcn": 0})
    expect_rsc(r, 2004)
    expect(not r.body, "no content", r)


@case("DIS-061", "TS-0004 §7.3.3.12; TS-0001 §8.1.2 (modified-attributes)",
      "an UPDATE with rcn=9 answers what the CSE changed (lt, st), not the attributes sent")
def update_rcn9(ctx):
    rn, _ = _fresh_cnt(ctx, ctx.state["ae"], ctx.state["aei"])
    r = ctx.cse.request(UPDATE, f"{ctx.state['ae']}/{rn}", ctx.state["aei"],
                        pc={"m2m:cnt": {"lbl": ["changed"], "mni": 23}}, query={"rcn": 9})
    expect_rsc(r, 2004)
    body = r.get("m2m:cnt")
    expect(isinstance(body, dict), "an m2m:cnt content", r)
    expect("lbl" not in body and "mni" not in body, "not the attributes the request set", r)
    expect("lt" in body and "st" in body, "lastModifiedTime and stateTag, which the CSE changed", r)


@case("DIS-062", "TS-0001 §8.1.2 (rcn 2, 3 Create only; 4, 6, 8 Retrieve/Delete only)",
      "an UPDATE with rcn 2, 3, 4, 6 or 8 answers 4000")
def update_bad_rcn(ctx):
    rn, _ = _fresh_cnt(ctx, ctx.state["ae"], ctx.state["aei"])
    for rcn in (2, 3, 4, 6, 8):
        r = ctx.cse.request(UPDATE, f"{ctx.state['ae']}/{rn}", ctx.state["aei"],
                            pc={"m2m:cnt": {"lbl": ["x"]}}, query={"rcn": rcn})
        expect_rsc(r, 4000)


@case("DIS-063", "TS-0004 §7.3.3.12 (Delete default rcn 0)",
      "a DELETE without rcn answers 2002 without content, with rcn=1 the deleted attributes")
def delete_rcn0_1(ctx):
    rn, _ = _fresh_cnt(ctx, ctx.state["ae"], ctx.state["aei"])
    r = expect_rsc(ctx.cse.delete(f"{ctx.state['ae']}/{rn}", ctx.state["aei"]), 2002)
    expect(not r.body, "no content by default", r)
    rn, _ = _fresh_cnt(ctx, ctx.state["ae"], ctx.state["aei"])
    r = expect_rsc(ctx.cse.delete(f"{ctx.state['ae']}/{rn}", ctx.state["aei"],
                                  query={"rcn": 1}), 2002)
    expect(r.get("m2m:cnt/rn") == rn, "rcn=1: the deleted container's attributes", r)


@case("DIS-064", "TS-0001 §8.1.2 (child-resource-references: Retrieve/Delete)",
      "a DELETE with rcn=6 answers references to the deleted children")
def delete_rcn6(ctx):
    rn, _ = _fresh_cnt(ctx, ctx.state["ae"], ctx.state["aei"], children=2)
    r = expect_rsc(ctx.cse.delete(f"{ctx.state['ae']}/{rn}", ctx.state["aei"],
                                  query={"rcn": 6}), 2002)
    refs = _refs(r)
    expect(len(refs) == 2 and all(x.get("typ") == CIN for x in refs), "the two instances", r)
    expect_rsc(_get(ctx, f"{ctx.state['ae']}/{rn}"), 4004)


@case("DIS-065", "TS-0001 §8.1.2 (attributes+child-resources: Retrieve/Delete)",
      "a DELETE with rcn=4 answers the deleted resource with its children")
def delete_rcn4(ctx):
    rn, _ = _fresh_cnt(ctx, ctx.state["ae"], ctx.state["aei"], children=2)
    r = expect_rsc(ctx.cse.delete(f"{ctx.state['ae']}/{rn}", ctx.state["aei"],
                                  query={"rcn": 4}), 2002)
    expect(r.get("m2m:cnt/rn") == rn, "the container's attributes", r)
    expect(len(_collect(r.pc, "m2m:cin")) == 2, "and its two instances", r)


@case("DIS-066", "TS-0001 §8.1.2 (rcn 2, 3 Create only; 9 Create/Update only)",
      "a DELETE with rcn 2, 3 or 9 answers 4000 and deletes nothing")
def delete_bad_rcn(ctx):
    rn, _ = _fresh_cnt(ctx, ctx.state["ae"], ctx.state["aei"])
    for rcn in (2, 3, 9):
        expect_rsc(ctx.cse.delete(f"{ctx.state['ae']}/{rn}", ctx.state["aei"],
                                  query={"rcn": rcn}), 4000)
    expect_rsc(_get(ctx, f"{ctx.state['ae']}/{rn}"), 2000)
