"""Subscription and notification (TS-0004 §7.4.8 <subscription>, §7.5.1 notification data object and
procedures, §6.3.5.7 eventNotificationCriteria, §6.3.5.13 m2m:notification, §6.3.5.57
m2m:operationMonitor, §6.3.5.62 m2m:representation, §7.3.3.3/§7.3.3.4/§7.3.3.5 generic create and
update rules; TS-0001 §9.6.8 and §10.2.10 (notification policies: exc, bn, ln, nct, nec, pn,
subscriberURI); TS-0009 §6.4 notification headers; Release 4: operationMonitor, notification
statistics nse/nsi).

Every notification target here is the harness's HTTP server: either a URL of it (a distinct path
per case, so that cases do not see each other's notifications) or an <AE> whose poa points at it.
Missing-data subscriptions (net 8, enc.md) belong to the timeSeries group.
"""
from __future__ import annotations

import time

from harness import case, expect, expect_rsc
from onem2m import ACP, AE, CIN, CNT, SCH, SUB

NEGATIVE_WAIT = 1.5   # how long a case waits to be sure that something is NOT sent


# ---------------------------------------------------------------------------------------------
# helpers

def setup(ctx):
    aei, path = ctx.register_ae()
    ctx.state["aei"], ctx.state["ae"] = aei, path


def _target(ctx) -> tuple[str, str]:
    """A fresh notification URL of the harness server and the request path it arrives with."""
    p = "/" + ctx.unique("n")
    return ctx.notifications.url + p, p


def _cnt(ctx, parent: str | None = None, originator: str | None = None, **attrs) -> str:
    parent = parent or ctx.state["ae"]
    rn = ctx.unique("cnt")
    r = ctx.cse.create(parent, CNT, {"m2m:cnt": {"rn": rn, **attrs}},
                       originator=originator or ctx.state["aei"])
    expect_rsc(r, 2001)
    return f"{parent}/{rn}"


def _sub(ctx, parent: str, originator: str | None = None, rsc: tuple = (2001,), **attrs):
    """Creates a subscription (a fresh rn unless given); returns (response, path)."""
    body = {"rn": ctx.unique("sub"), **attrs}
    r = ctx.cse.create(parent, SUB, {"m2m:sub": body}, originator=originator or ctx.state["aei"])
    expect_rsc(r, *rsc)
    return r, f"{parent}/{body['rn']}"


def _sgns(body) -> list[dict]:
    """The m2m:sgn objects of one received body (a batch m2m:agn gives several)."""
    if not isinstance(body, dict):
        return []
    if "m2m:sgn" in body:
        return [body["m2m:sgn"]]
    agn = body.get("m2m:agn")
    if isinstance(agn, dict):
        inner = agn.get("m2m:sgn", agn.get("sgn"))
        if isinstance(inner, dict):
            return [inner]
        if isinstance(inner, list):
            return [s for s in inner if isinstance(s, dict)]
    if isinstance(agn, list):
        return [s.get("m2m:sgn", s) for s in agn if isinstance(s, dict)]
    return []


def _at(path: str):
    return lambda r: r.path == path


def _events(ctx, path: str, count: int = 1, timeout: float = 5.0, where=None):
    """The event notifications (sgn with nev) received at `path`, once `count` arrived."""
    def match(r):
        return r.path == path and any("nev" in s for s in _sgns(r.body)) and (
            where is None or where(r))
    return ctx.notifications.wait(count, timeout, match)


def _vrqs(ctx, path: str, timeout: float = 0.3):
    return ctx.notifications.wait(1, timeout, lambda r: r.path == path and any(
        s.get("vrq") is True for s in _sgns(r.body)))


def _of_sub(ri: str):
    """Received requests carrying a notification of the subscription `ri`."""
    return lambda r: any(str(s.get("sur", "")).endswith(ri) for s in _sgns(r.body))


def _update_lbl(ctx, path: str, *labels, originator: str | None = None):
    r = ctx.cse.update(path, {"m2m:cnt": {"lbl": list(labels)}},
                       originator=originator or ctx.state["aei"])
    expect_rsc(r, 2004)
    return r


def _rep(sgn: dict):
    return (sgn.get("nev") or {}).get("rep")


def _closed_port_url() -> str:
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/nowhere"


# ---------------------------------------------------------------------------------------------
# creation, representation and verification

@case("SUB-001", "TS-0004 §7.4.8.2.1, TS-0001 §10.2.10.7",
      "a created subscription has ty 23, its parent as pi, nu and enc as given, and nct 1 by default")
def create_and_attributes(ctx):
    cnt = _cnt(ctx)
    url, _ = _target(ctx)
    r, path = _sub(ctx, cnt, nu=[url], enc={"net": [1, 3]})
    cri = ctx.cse.retrieve(cnt).get("m2m:cnt/ri")
    g = expect_rsc(ctx.cse.retrieve(path, originator=ctx.state["aei"]), 2000)
    expect(g.get("m2m:sub/ty") == SUB, "ty is 23", g)
    expect(g.get("m2m:sub/pi") == cri, "pi is the subscribed-to container", g)
    expect(g.get("m2m:sub/nu") == [url], "nu as given", g)
    expect(g.get("m2m:sub/enc/net") == [1, 3], "enc.net as given", g)
    expect(g.get("m2m:sub/nct") == 1, "nct defaults to 1 (all attributes)", g)


@case("SUB-002", "TS-0004 §7.4.8.2.1, §7.5.1.2.3",
      "a notification target other than the subscriber gets a verification request (vrq, sur, cr) "
      "before the CREATE is answered")
def verification_request(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    r, _ = _sub(ctx, cnt, nu=[url])
    got = _vrqs(ctx, p, timeout=0)     # already there when the CREATE was answered
    expect(len(got) == 1, f"one verification request at {p} before the response; got {len(got)}")
    sgn = _sgns(got[0].body)[0]
    expect(str(sgn.get("sur", "")).endswith(r.get("m2m:sub/ri")),
           f"sur names the new subscription; got {sgn}")
    expect(sgn.get("cr") == ctx.state["aei"], f"cr is the subscription's originator; got {sgn}")
    expect("nev" not in sgn, f"a verification request carries no event; got {sgn}")


@case("SUB-003", "TS-0004 §7.4.8.2.1 b)",
      "a verification request answered with an error fails the CREATE with 5204 and creates nothing")
def verification_rejected(ctx):
    cnt = _cnt(ctx)
    url, _ = _target(ctx)
    rn = ctx.unique("sub")
    ctx.notifications.rsc = 4101
    try:
        r = ctx.cse.create(cnt, SUB, {"m2m:sub": {"rn": rn, "nu": [url]}},
                           originator=ctx.state["aei"])
    finally:
        ctx.notifications.rsc = 2000
    expect_rsc(r, 5204)
    expect_rsc(ctx.cse.retrieve(f"{cnt}/{rn}"), 4004)


@case("SUB-004", "TS-0004 §7.4.8.2.1 a)",
      "a verification request that cannot be delivered fails the CREATE with 5204")
def verification_unreachable(ctx):
    cnt = _cnt(ctx)
    rn = ctx.unique("sub")
    r = ctx.cse.create(cnt, SUB, {"m2m:sub": {"rn": rn, "nu": [_closed_port_url()]}},
                       originator=ctx.state["aei"])
    expect_rsc(r, 5204)
    expect_rsc(ctx.cse.retrieve(f"{cnt}/{rn}"), 4004)


@case("SUB-005", "TS-0004 §7.4.8.2.1",
      "no verification request goes to a notification target that is the subscriber itself (its AE-ID)")
def no_verification_for_self(ctx):
    cnt = _cnt(ctx)
    r, _ = _sub(ctx, cnt, nu=[ctx.state["aei"]])
    ri = r.get("m2m:sub/ri")
    got = ctx.notifications.wait(1, NEGATIVE_WAIT, lambda x: _of_sub(ri)(x) and any(
        s.get("vrq") for s in _sgns(x.body)))
    expect(not got, f"no verification request for {ri}; got {[g.body for g in got]}")


@case("SUB-006", "TS-0004 §7.5.1.2.2 Step 2.5, TS-0001 §10.2.5.23",
      "an event for a target given as an AE-ID is delivered to that AE's pointOfAccess")
def event_to_ae_poa(ctx):
    cnt = _cnt(ctx)
    r, _ = _sub(ctx, cnt, nu=[ctx.state["aei"]])
    ri = r.get("m2m:sub/ri")
    _update_lbl(ctx, cnt, "poa")
    got = ctx.notifications.wait(1, 5, lambda x: x.path == "/" and _of_sub(ri)(x) and any(
        "nev" in s for s in _sgns(x.body)))
    expect(len(got) == 1, f"one event notification at the AE's poa; got {len(got)}")


@case("SUB-007", "TS-0004 §7.5.1.2.3, §7.4.8.2.1 b)",
      "a subscription whose target AE does not grant the subscriber NOTIFY is refused "
      "(4101 or 5204) and not created")
def target_without_notify_privilege(ctx):
    other, _ = ctx.register_ae()          # default policy: only that AE itself may notify it
    cnt = _cnt(ctx)
    rn = ctx.unique("sub")
    r = ctx.cse.create(cnt, SUB, {"m2m:sub": {"rn": rn, "nu": [other]}},
                       originator=ctx.state["aei"])
    expect_rsc(r, 4101, 5204)
    expect_rsc(ctx.cse.retrieve(f"{cnt}/{rn}"), 4004)


@case("SUB-008", "TS-0004 §7.5.1.2.3, TS-0001 §10.2.10.6",
      "a target AE that grants the subscriber NOTIFY gets the verification request at its poa "
      "and the subscription is created")
def target_with_notify_privilege(ctx):
    other, other_path = ctx.register_ae()
    acp = ctx.cse.create(other_path, ACP, {"m2m:acp": {
        "rn": ctx.unique("acp"),
        "pv": {"acr": [{"acor": [ctx.state["aei"]], "acop": 16}, {"acor": [other], "acop": 63}]},
        "pvs": {"acr": [{"acor": [other], "acop": 63}]}}}, originator=other)
    expect_rsc(acp, 2001)
    expect_rsc(ctx.cse.update(other_path, {"m2m:ae": {"acpi": [acp.get("m2m:acp/ri")]}},
                              originator=other), 2004)
    cnt = _cnt(ctx)
    r, _ = _sub(ctx, cnt, nu=[other])
    ri = r.get("m2m:sub/ri")
    got = ctx.notifications.wait(1, 0, lambda x: x.path == "/" and _of_sub(ri)(x) and any(
        s.get("vrq") is True for s in _sgns(x.body)))
    expect(got, "the verification request reached the target AE's poa before the response")
    expect(_sgns(got[0].body)[0].get("cr") == ctx.state["aei"], "cr is the subscriber")


@case("SUB-009", "TS-0004 §7.4.8.2.1 a), §7.3.3.9.1",
      "a subscription whose target AE has no pointOfAccess (verification cannot be sent) fails with 5204")
def target_ae_without_poa(ctx):
    aei, _ = ctx.register_ae(poa=False, rr=False)
    cnt = _cnt(ctx, ctx.base, originator=ctx.cse.admin)
    rn = ctx.unique("sub")
    r = ctx.cse.create(cnt, SUB, {"m2m:sub": {"rn": rn, "nu": [aei]}}, originator=ctx.cse.admin)
    expect_rsc(r, 5204)
    expect_rsc(ctx.cse.retrieve(f"{cnt}/{rn}"), 4004)


@case("SUB-010", "TS-0004 §7.5.1.2.3",
      "each of several notification targets gets its own verification request")
def verification_per_target(ctx):
    cnt = _cnt(ctx)
    (u1, p1), (u2, p2) = _target(ctx), _target(ctx)
    _sub(ctx, cnt, nu=[u1, u2])
    expect(_vrqs(ctx, p1) and _vrqs(ctx, p2), "a verification request at each target")


@case("SUB-011", "TS-0001 §10.2.10.6, TS-0004 §7.5.1.2.3",
      "a target added to nu by an UPDATE gets a verification request")
def verification_on_nu_update(ctx):
    cnt = _cnt(ctx)
    (u1, _), (u2, p2) = _target(ctx), _target(ctx)
    r, path = _sub(ctx, cnt, nu=[u1])
    u = ctx.cse.update(path, {"m2m:sub": {"nu": [u1, u2]}}, originator=ctx.state["aei"])
    expect_rsc(u, 2004)
    got = _vrqs(ctx, p2, timeout=2)
    expect(got, "a verification request at the new target")
    expect(str(_sgns(got[0].body)[0].get("sur", "")).endswith(r.get("m2m:sub/ri")),
           "sur names the subscription")


@case("SUB-012", "TS-0004 §7.4.8.2.1 Recv-6.5",
      "when nu is not the originator, the creator attribute is set to the originator")
def creator_set(ctx):
    cnt = _cnt(ctx)
    url, _ = _target(ctx)
    r, path = _sub(ctx, cnt, nu=[url])
    expect(r.get("m2m:sub/cr") == ctx.state["aei"], "cr is the originator in the response", r)
    g = ctx.cse.retrieve(path, originator=ctx.state["aei"])
    expect(g.get("m2m:sub/cr") == ctx.state["aei"], "cr is the originator", g)


@case("SUB-013", "TS-0004 §7.3.3.3, §7.3.3.5",
      "creator may only be given as null on CREATE: a value gets 4000, null gets the originator")
def creator_on_create(ctx):
    cnt = _cnt(ctx)
    url, _ = _target(ctx)
    r = ctx.cse.create(cnt, SUB, {"m2m:sub": {"nu": [url], "cr": "Cwrong"}},
                       originator=ctx.state["aei"])
    expect_rsc(r, 4000)
    r, _ = _sub(ctx, cnt, nu=[ctx.state["aei"]], cr=None)
    expect(r.get("m2m:sub/cr") == ctx.state["aei"], "cr:null gives cr = originator", r)


# ---------------------------------------------------------------------------------------------
# validation

@case("SUB-014", "TS-0004 Table 7.4.8.1-3, §7.3.3.3",
      "a subscription without notificationURI is rejected with 4000")
def missing_nu(ctx):
    cnt = _cnt(ctx)
    r = ctx.cse.create(cnt, SUB, {"m2m:sub": {"enc": {"net": [1]}}}, originator=ctx.state["aei"])
    expect_rsc(r, 4000)


@case("SUB-015", "TS-0004 §7.3.3.7",
      "an UPDATE deleting nu (mandatory, multiplicity 1(L)) is rejected with 4000")
def delete_nu(ctx):
    cnt = _cnt(ctx)
    url, _ = _target(ctx)
    _, path = _sub(ctx, cnt, nu=[url])
    r = ctx.cse.update(path, {"m2m:sub": {"nu": None}}, originator=ctx.state["aei"])
    expect_rsc(r, 4000)


@case("SUB-016", "TS-0004 Table 7.4.8.1-3 (expirationCounter: xs:positiveInteger), §7.3.3.3",
      "an expirationCounter of 0 is rejected with 4000")
def exc_zero(ctx):
    cnt = _cnt(ctx)
    url, _ = _target(ctx)
    r = ctx.cse.create(cnt, SUB, {"m2m:sub": {"nu": [url], "exc": 0}}, originator=ctx.state["aei"])
    expect_rsc(r, 4000)


@case("SUB-017", "TS-0004 Table 6.3.4.2.19-1, §7.3.3.3",
      "an enc.net value that is no notificationEventType is rejected with 4000")
def invalid_net(ctx):
    cnt = _cnt(ctx)
    url, _ = _target(ctx)
    r = ctx.cse.create(cnt, SUB, {"m2m:sub": {"nu": [url], "enc": {"net": [99]}}},
                       originator=ctx.state["aei"])
    expect_rsc(r, 4000)


@case("SUB-018", "TS-0004 Table 6.3.4.2.18-1, §7.3.3.3",
      "an nct value that is no notificationContentType is rejected with 4000")
def invalid_nct(ctx):
    cnt = _cnt(ctx)
    url, _ = _target(ctx)
    r = ctx.cse.create(cnt, SUB, {"m2m:sub": {"nu": [url], "nct": 9}}, originator=ctx.state["aei"])
    expect_rsc(r, 4000)


@case("SUB-019", "TS-0004 §7.4.8.2.1 Recv-6.4, TS-0001 Table 9.6.8-4",
      "nct 2 (modified attributes) with net 3 (create child) is rejected with 4000")
def nct_not_allowed_for_net(ctx):
    cnt = _cnt(ctx)
    url, _ = _target(ctx)
    r = ctx.cse.create(cnt, SUB, {"m2m:sub": {"nu": [url], "nct": 2, "enc": {"net": [3]}}},
                       originator=ctx.state["aei"])
    expect_rsc(r, 4000)


@case("SUB-020", "TS-0004 §7.4.8.2.1 Recv-6.4",
      "an enc.chty that is not a valid child type of the subscribed-to resource is rejected with 4000")
def chty_invalid_create(ctx):
    cnt = _cnt(ctx)
    url, _ = _target(ctx)
    r = ctx.cse.create(cnt, SUB, {"m2m:sub": {"nu": [url], "enc": {"net": [3], "chty": [AE]}}},
                       originator=ctx.state["aei"])
    expect_rsc(r, 4000)


@case("SUB-021", "TS-0004 §7.4.8.2.3 Recv-6.4",
      "an UPDATE setting enc.chty to an invalid child type is rejected with 4000")
def chty_invalid_update(ctx):
    cnt = _cnt(ctx)
    url, _ = _target(ctx)
    _, path = _sub(ctx, cnt, nu=[url], enc={"net": [3], "chty": [CIN]})
    r = ctx.cse.update(path, {"m2m:sub": {"enc": {"net": [3], "chty": [AE]}}},
                       originator=ctx.state["aei"])
    expect_rsc(r, 4000)


@case("SUB-022", "TS-0004 §7.4.8.2.1 Recv-6.4",
      "a subscription under a resource that cannot have one (a contentInstance) gets 5203")
def not_subscribable(ctx):
    cnt = _cnt(ctx)
    ci = ctx.cse.create(cnt, CIN, {"m2m:cin": {"rn": "c1", "con": "x"}},
                        originator=ctx.state["aei"])
    expect_rsc(ci, 2001)
    url, _ = _target(ctx)
    r = ctx.cse.create(f"{cnt}/c1", SUB, {"m2m:sub": {"nu": [url]}}, originator=ctx.state["aei"])
    expect_rsc(r, 5203)


@case("SUB-023", "TS-0004 §7.4.8.2.1 Recv-6.3",
      "an originator without RETRIEVE privilege on the subscribed-to resource gets 4103")
def no_retrieve_privilege(ctx):
    cnt = _cnt(ctx)                                   # default policy: only its creator
    other, _ = ctx.register_ae()
    url, _ = _target(ctx)
    r = ctx.cse.create(cnt, SUB, {"m2m:sub": {"nu": [url]}}, originator=other)
    expect_rsc(r, 4103)


@case("SUB-024", "TS-0004 Table 7.4.8.1-3, §7.3.3.4",
      "subscriberURI cannot be updated (NP on UPDATE): 4000")
def su_not_updatable(ctx):
    cnt = _cnt(ctx)
    (url, _), (su, _) = _target(ctx), _target(ctx)
    _, path = _sub(ctx, cnt, nu=[url], su=su)
    r = ctx.cse.update(path, {"m2m:sub": {"su": url}}, originator=ctx.state["aei"])
    expect_rsc(r, 4000)


@case("SUB-025", "TS-0004 Table 7.4.8.1-3 (notificationForwardingURI: xs:anyURI)",
      "a notificationForwardingURI given as a single URI is accepted and stored")
def nfu_single_uri(ctx):
    cnt = _cnt(ctx)
    (url, _), (fwd, _) = _target(ctx), _target(ctx)
    r, path = _sub(ctx, cnt, nu=[url], nfu=fwd)
    g = ctx.cse.retrieve(path, originator=ctx.state["aei"])
    expect(g.get("m2m:sub/nfu") == fwd, "nfu as given", g)


@case("SUB-026", "TS-0004 §7.4.8.2.3",
      "an UPDATE of exc and enc is answered 2004 with the new values")
def update_attributes(ctx):
    cnt = _cnt(ctx)
    url, _ = _target(ctx)
    _, path = _sub(ctx, cnt, nu=[url])
    r = ctx.cse.update(path, {"m2m:sub": {"exc": 5, "enc": {"net": [3]}}},
                       originator=ctx.state["aei"])
    expect_rsc(r, 2004)
    expect(r.get("m2m:sub/exc") == 5, "exc updated", r)
    expect(r.get("m2m:sub/enc/net") == [3], "enc.net updated", r)


# ---------------------------------------------------------------------------------------------
# events

@case("SUB-027", "TS-0004 §7.5.1.2.2 Step 1.0, Step 2.1, §6.3.5.13",
      "without enc, an UPDATE of the subscribed-to resource sends net 1 with the full resource and sur")
def event_update_default(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    r, _ = _sub(ctx, cnt, nu=[url])
    _update_lbl(ctx, cnt, "u1")
    got = _events(ctx, p)
    expect(len(got) == 1, f"one event notification; got {len(got)}")
    expect(got[0].headers.get("x-m2m-ri"), "the NOTIFY carries X-M2M-RI")
    sgn = _sgns(got[0].body)[0]
    expect(sgn["nev"].get("net") == 1, f"net 1; got {sgn}")
    expect(str(sgn.get("sur", "")).endswith(r.get("m2m:sub/ri")), f"sur names the subscription; got {sgn}")
    rep = _rep(sgn) or {}
    c = rep.get("m2m:cnt", {})
    expect(c.get("lbl") == ["u1"] and c.get("ty") == CNT and c.get("rn") == cnt.rsplit("/", 1)[1],
           f"rep is the whole updated container; got {rep}")


@case("SUB-028", "TS-0004 §7.5.1.2.2 Step 1.0",
      "net 1 only: creating a child resource sends nothing")
def net1_ignores_child_create(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _sub(ctx, cnt, nu=[url], enc={"net": [1]})
    _cnt(ctx, cnt)
    got = _events(ctx, p, timeout=NEGATIVE_WAIT, where=lambda r: any(
        s["nev"].get("net") == 3 for s in _sgns(r.body) if "nev" in s))
    expect(not got, f"no create-child notification; got {[g.body for g in got]}")


@case("SUB-029", "TS-0004 Table 6.3.4.2.19-1, TS-0001 §9.6.8",
      "net 2: deleting the subscribed-to resource sends net 2, and the subscription is deleted with it")
def event_delete_resource(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _, path = _sub(ctx, cnt, nu=[url], enc={"net": [2]})
    expect_rsc(ctx.cse.delete(cnt, originator=ctx.state["aei"]), 2002)
    got = _events(ctx, p)
    expect(got and _sgns(got[0].body)[0]["nev"].get("net") == 2,
           f"a net 2 notification; got {[g.body for g in got]}")
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("SUB-030", "TS-0004 Table 6.3.4.2.19-1, §7.5.1.2.2 Step 2.1",
      "net 3: creating a direct child sends net 3 with the child's representation")
def event_create_child(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _sub(ctx, cnt, nu=[url], enc={"net": [3]})
    expect_rsc(ctx.cse.create(cnt, CIN, {"m2m:cin": {"con": "hello"}}, originator=ctx.state["aei"]),
               2001)
    got = _events(ctx, p)
    expect(got, "a notification")
    sgn = _sgns(got[0].body)[0]
    expect(sgn["nev"].get("net") == 3, f"net 3; got {sgn}")
    expect((_rep(sgn) or {}).get("m2m:cin", {}).get("con") == "hello", f"rep is the new cin; got {sgn}")


@case("SUB-031", "TS-0004 Table 6.3.4.2.19-1",
      "net 4: deleting a direct child sends net 4 with the deleted child")
def event_delete_child(ctx):
    cnt = _cnt(ctx)
    child = _cnt(ctx, cnt)
    url, p = _target(ctx)
    _sub(ctx, cnt, nu=[url], enc={"net": [4]})
    expect_rsc(ctx.cse.delete(child, originator=ctx.state["aei"]), 2002)
    got = _events(ctx, p)
    expect(got, "a notification")
    sgn = _sgns(got[0].body)[0]
    expect(sgn["nev"].get("net") == 4, f"net 4; got {sgn}")
    expect((_rep(sgn) or {}).get("m2m:cnt", {}).get("rn") == child.rsplit("/", 1)[1],
           f"rep is the deleted child; got {sgn}")


@case("SUB-032", "TS-0004 §7.5.1.2.2 Step 1.0",
      "enc.chty limits create-child events to the listed types")
def chty_filter(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _sub(ctx, cnt, nu=[url], enc={"net": [3], "chty": [CNT]})
    expect_rsc(ctx.cse.create(cnt, CIN, {"m2m:cin": {"con": "x"}}, originator=ctx.state["aei"]),
               2001)
    child = _cnt(ctx, cnt)
    got = _events(ctx, p, count=2, timeout=3)
    types = [list((_rep(s) or {}).keys()) for g in got for s in _sgns(g.body)]
    expect(types == [["m2m:cnt"]], f"only the container's creation is notified; got {types}")
    expect(_rep(_sgns(got[0].body)[0])["m2m:cnt"].get("rn") == child.rsplit("/", 1)[1], "it is the child")


@case("SUB-033", "TS-0004 §7.5.1.2.2 Step 1.0, Table 6.3.5.7-1",
      "enc.atr limits update events to updates of the listed attributes")
def atr_filter(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _sub(ctx, cnt, nu=[url], enc={"net": [1], "atr": ["lbl"]})
    expect_rsc(ctx.cse.update(cnt, {"m2m:cnt": {"mni": 7}}, originator=ctx.state["aei"]), 2004)
    _update_lbl(ctx, cnt, "watched")
    got = _events(ctx, p, count=2, timeout=3)
    reps = [(_rep(s) or {}).get("m2m:cnt", {}) for g in got for s in _sgns(g.body)]
    expect(len(reps) == 1 and reps[0].get("lbl") == ["watched"],
           f"only the lbl update is notified; got {reps}")


@case("SUB-034", "TS-0004 §7.5.1.2.2 Step 2.1, §6.3.5.62",
      "nct 2: an update event carries only the modified attributes")
def nct_modified_attributes(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _sub(ctx, cnt, nu=[url], nct=2)
    _update_lbl(ctx, cnt, "m1")
    got = _events(ctx, p)
    expect(got, "a notification")
    c = (_rep(_sgns(got[0].body)[0]) or {}).get("m2m:cnt", {})
    expect(c.get("lbl") == ["m1"], f"lbl is in the representation; got {c}")
    for a in ("ty", "rn", "ri", "pi", "ct"):
        expect(a not in c, f"unmodified {a} is not in the representation; got {c}")


@case("SUB-035", "TS-0004 §7.5.1.2.2 Step 2.1, Table 6.3.5.62-1",
      "nct 3: an update event carries the resource ID as {\"m2m:uri\": …}")
def nct_resource_id(ctx):
    cnt = _cnt(ctx)
    cri = ctx.cse.retrieve(cnt).get("m2m:cnt/ri")
    url, p = _target(ctx)
    _sub(ctx, cnt, nu=[url], nct=3)
    _update_lbl(ctx, cnt, "r1")
    got = _events(ctx, p)
    expect(got, "a notification")
    rep = _rep(_sgns(got[0].body)[0])
    expect(isinstance(rep, dict) and str(rep.get("m2m:uri", "")).endswith(cri),
           f"rep is {{\"m2m:uri\": <…{cri}>}}; got {rep!r}")


@case("SUB-036", "TS-0004 §7.5.1.2.2 Step 2.1, Table 6.3.5.62-1",
      "nct 3 with net 3: the event carries the new child's ID as m2m:uri")
def nct_resource_id_child(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _sub(ctx, cnt, nu=[url], nct=3, enc={"net": [3]})
    c = ctx.cse.create(cnt, CIN, {"m2m:cin": {"con": "x"}}, originator=ctx.state["aei"])
    expect_rsc(c, 2001)
    got = _events(ctx, p)
    expect(got, "a notification")
    rep = _rep(_sgns(got[0].body)[0])
    expect(isinstance(rep, dict) and str(rep.get("m2m:uri", "")).endswith(c.get("m2m:cin/ri")),
           f"rep is the child's m2m:uri; got {rep!r}")


@case("SUB-037", "TS-0001 §10.2.10.7",
      "an event notification includes the subscription's creator (cr)")
def event_has_creator(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _sub(ctx, cnt, nu=[url], cr=None)      # cr:null: the creator attribute is certainly there
    _update_lbl(ctx, cnt, "c")
    got = _events(ctx, p)
    expect(got and _sgns(got[0].body)[0].get("cr") == ctx.state["aei"],
           f"cr is the subscriber; got {[g.body for g in got]}")


@case("SUB-038", "TS-0004 §7.5.1.2.2 Step 2.5",
      "each notification target gets its own event notification")
def event_per_target(ctx):
    cnt = _cnt(ctx)
    (u1, p1), (u2, p2) = _target(ctx), _target(ctx)
    _sub(ctx, cnt, nu=[u1, u2])
    _update_lbl(ctx, cnt, "two")
    expect(_events(ctx, p1) and _events(ctx, p2), "a notification at each target")


@case("SUB-039", "TS-0004 Table 7.4.8.1-3 (notificationURI), §7.5.1.2.2 Step 2.5",
      "a ct=json serialization query is removed from the target URL; other query parts stay")
def ct_query_stripped(ctx):
    cnt = _cnt(ctx)
    base, p = _target(ctx)
    _sub(ctx, cnt, nu=[base + "?ct=json", base + "?q=1&ct=json"])
    _update_lbl(ctx, cnt, "ct")
    got = ctx.notifications.wait(2, 5, lambda r: r.path.split("?")[0] == p and any(
        "nev" in s for s in _sgns(r.body)))
    paths = sorted(r.path for r in got)
    expect(paths == sorted([p, p + "?q=1"]), f"requests to {p} and {p}?q=1; got {paths}")


# ---------------------------------------------------------------------------------------------
# expirationCounter and deletion

@case("SUB-040", "TS-0004 §7.5.1.2.2 Step 5.0, TS-0001 §10.2.10.7",
      "exc counts down per sent notification and the subscription is deleted at 0")
def expiration_counter(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _, path = _sub(ctx, cnt, nu=[url], exc=2)
    _update_lbl(ctx, cnt, "e1")
    expect(_events(ctx, p), "first notification")
    ok = ctx.eventually(lambda: ctx.cse.retrieve(path).get("m2m:sub/exc") == 1, 3)
    expect(ok, "exc is 1 after one notification", ctx.cse.retrieve(path))
    _update_lbl(ctx, cnt, "e2")
    expect(len(_events(ctx, p, 2)) == 2, "second notification")
    ok = ctx.eventually(lambda: ctx.cse.retrieve(path).rsc == 4004, 3)
    expect(ok, "the subscription is deleted after exc notifications", ctx.cse.retrieve(path))
    _update_lbl(ctx, cnt, "e3")
    expect(len(_events(ctx, p, 3, timeout=NEGATIVE_WAIT)) == 2, "nothing after the deletion")


@case("SUB-041", "TS-0004 §7.5.1.2.4, TS-0001 §9.6.8",
      "deleting a subscription sends {sud: true, sur} to its subscriberURI")
def deletion_notice(ctx):
    cnt = _cnt(ctx)
    (url, _), (su, ps) = _target(ctx), _target(ctx)
    r, path = _sub(ctx, cnt, nu=[url], su=su)
    expect_rsc(ctx.cse.delete(path, originator=ctx.state["aei"]), 2002)
    got = ctx.notifications.wait(1, 5, lambda x: x.path == ps and any(
        s.get("sud") is True for s in _sgns(x.body)))
    expect(got, "a deletion notice at su")
    sgn = _sgns(got[0].body)[0]
    expect(str(sgn.get("sur", "")).endswith(r.get("m2m:sub/ri")), f"sur names the subscription; got {sgn}")


@case("SUB-042", "TS-0004 §7.5.1.2.4, §7.4.8.2.4",
      "the deletion notice to subscriberURI is sent before the DELETE is answered")
def deletion_notice_before_response(ctx):
    cnt = _cnt(ctx)
    (url, _), (su, ps) = _target(ctx), _target(ctx)
    _, path = _sub(ctx, cnt, nu=[url], su=su)
    expect_rsc(ctx.cse.delete(path, originator=ctx.state["aei"]), 2002)
    got = ctx.notifications.wait(1, 0, _at(ps))
    expect(got, "the deletion notice had arrived when the DELETE was answered")
    # (the harness records a request before it answers it)


@case("SUB-043", "TS-0001 §9.6.8, TS-0004 §7.5.1.2.4",
      "deleting the subscribed-to resource deletes the subscription and sends the deletion notice")
def deletion_notice_with_parent(ctx):
    cnt = _cnt(ctx)
    (url, _), (su, ps) = _target(ctx), _target(ctx)
    _, path = _sub(ctx, cnt, nu=[url], su=su)
    expect_rsc(ctx.cse.delete(cnt, originator=ctx.state["aei"]), 2002)
    got = ctx.notifications.wait(1, 5, lambda x: x.path == ps and any(
        s.get("sud") is True for s in _sgns(x.body)))
    expect(got, "a deletion notice at su")
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("SUB-044", "TS-0004 §7.5.1.2.2 Step 5.0, §7.5.1.2.4",
      "a subscription removed by its expirationCounter sends the deletion notice to subscriberURI")
def exc_deletion_notice(ctx):
    cnt = _cnt(ctx)
    (url, _), (su, ps) = _target(ctx), _target(ctx)
    _sub(ctx, cnt, nu=[url], su=su, exc=1)
    _update_lbl(ctx, cnt, "last")
    got = ctx.notifications.wait(1, 5, lambda x: x.path == ps and any(
        s.get("sud") is True for s in _sgns(x.body)))
    expect(got, "a deletion notice at su after the last counted notification")


# ---------------------------------------------------------------------------------------------
# notification policies: batchNotify, latestNotify, notificationEventCat, pendingNotification

@case("SUB-045", "TS-0001 §10.2.10.7 (batchNotify), TS-0004 §6.3.5.12",
      "bn.num: notifications are sent as one m2m:agn batch of that many, in order")
def batch_number(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _sub(ctx, cnt, nu=[url], bn={"num": 3, "dur": "PT30S"})
    for i in range(3):
        _update_lbl(ctx, cnt, f"b{i}")
    got = ctx.notifications.wait(1, 5, lambda r: r.path == p and isinstance(r.body, dict)
                                 and "m2m:agn" in r.body)
    expect(got, "an m2m:agn batch")
    labels = [(_rep(s) or {}).get("m2m:cnt", {}).get("lbl") for s in _sgns(got[0].body)]
    expect(labels == [["b0"], ["b1"], ["b2"]], f"three notifications in order; got {labels}")
    singles = ctx.notifications.wait(1, 0.1, lambda r: r.path == p and isinstance(r.body, dict)
                                     and "m2m:sgn" in r.body and "nev" in r.body["m2m:sgn"])
    expect(not singles, "no single event notifications besides the batch")


@case("SUB-046", "TS-0001 §10.2.10.7 (batchNotify)",
      "bn.dur: notifications are held and sent as one batch when the duration ends")
def batch_duration(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _sub(ctx, cnt, nu=[url], bn={"dur": "PT2S"})
    _update_lbl(ctx, cnt, "d0")
    _update_lbl(ctx, cnt, "d1")
    early = ctx.notifications.wait(1, 0.5, lambda r: r.path == p and _sgns(r.body)
                                   and "nev" in _sgns(r.body)[0])
    expect(not early, f"nothing before the duration ends; got {[e.body for e in early]}")
    got = ctx.notifications.wait(1, 5, lambda r: r.path == p and isinstance(r.body, dict)
                                 and "m2m:agn" in r.body)
    expect(got, "an m2m:agn batch after the duration")
    labels = [(_rep(s) or {}).get("m2m:cnt", {}).get("lbl") for s in _sgns(got[0].body)]
    expect(labels == [["d0"], ["d1"]], f"both notifications in order; got {labels}")


@case("SUB-047", "TS-0004 §7.4.8.2.1 Recv-6.5, Table 6.3.5.6-1",
      "bn without a duration gets the provider's default duration")
def batch_default_duration(ctx):
    cnt = _cnt(ctx)
    url, _ = _target(ctx)
    r, _ = _sub(ctx, cnt, nu=[url], bn={"num": 2})
    expect(r.get("m2m:sub/bn/num") == 2, "bn.num as given", r)
    expect(r.get("m2m:sub/bn/dur") not in (None, ""), "bn.dur set by the CSE", r)


@case("SUB-048", "TS-0001 §10.2.10.7 (batchNotify with latestNotify), TS-0004 §7.5.1.2.2 Step 2.3",
      "bn with ln: a batch delivers only the latest notification, with Event Category latest (4)")
def batch_latest(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _sub(ctx, cnt, nu=[url], bn={"num": 3, "dur": "PT30S"}, ln=True)
    for i in range(3):
        _update_lbl(ctx, cnt, f"l{i}")
    got = ctx.notifications.wait(1, 5, lambda r: r.path == p and any(
        "nev" in s for s in _sgns(r.body)))
    expect(got, "a notification")
    time.sleep(0.5)
    allgot = [s for r in ctx.notifications.received if r.path == p for s in _sgns(r.body)
              if "nev" in s]
    labels = [(_rep(s) or {}).get("m2m:cnt", {}).get("lbl") for s in allgot]
    expect(labels == [["l2"]], f"only the latest event; got {labels}")
    expect(got[0].headers.get("x-m2m-ec") == "4", f"X-M2M-EC 4; got {got[0].headers}")


@case("SUB-049", "TS-0004 §7.5.1.2.2 Step 2.3, TS-0009 §6.4.16",
      "ln true: notifications carry Event Category latest (X-M2M-EC: 4)")
def latest_notify_ec(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _sub(ctx, cnt, nu=[url], ln=True)
    _update_lbl(ctx, cnt, "ln")
    got = _events(ctx, p)
    expect(got, "a notification")
    expect(got[0].headers.get("x-m2m-ec") == "4", f"X-M2M-EC 4; got {got[0].headers}")


@case("SUB-050", "TS-0004 §7.5.1.2.2 Step 2.2, TS-0009 §6.4.16",
      "nec: notifications carry the subscription's notificationEventCat as Event Category")
def notification_event_cat(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _sub(ctx, cnt, nu=[url], nec=3)
    _update_lbl(ctx, cnt, "nec")
    got = _events(ctx, p)
    expect(got, "a notification")
    expect(got[0].headers.get("x-m2m-ec") == "3", f"X-M2M-EC 3; got {got[0].headers}")


def _odd_second():
    """Sleeps into the middle of an odd UTC second (a */2 schedule then forbids sending)."""
    while True:
        t = time.time()
        if int(t) % 2 == 1 and 0.1 <= t % 1 <= 0.5:
            return
        time.sleep(0.02)


def _even_seconds_schedule(ctx, sub_path: str):
    r = ctx.cse.create(sub_path, SCH, {"m2m:sch": {"rn": "notificationSchedule",
                                                   "se": {"sce": ["*/2 * * * * * *"]}}},
                       originator=ctx.state["aei"])
    expect_rsc(r, 2001)


@case("SUB-051", "TS-0004 §7.5.1.2.2 Step 4.0/6.0, TS-0001 §10.2.10.7 (pendingNotification)",
      "pn sendAllPending (2): events outside the notificationSchedule are cached and all sent later")
def pending_send_all(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _, path = _sub(ctx, cnt, nu=[url], pn=2)
    _even_seconds_schedule(ctx, path)
    _odd_second()
    _update_lbl(ctx, cnt, "p0")
    _update_lbl(ctx, cnt, "p1")
    got = _events(ctx, p, count=2, timeout=4)
    labels = [(_rep(s) or {}).get("m2m:cnt", {}).get("lbl") for g in got for s in _sgns(g.body)]
    expect(labels == [["p0"], ["p1"]], f"both cached notifications, in order; got {labels}")


@case("SUB-052", "TS-0004 §7.5.1.2.2 Step 4.0, TS-0001 §10.2.10.7 (pendingNotification)",
      "pn sendLatest (1): only the latest cached event is sent, with Event Category latest")
def pending_send_latest(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _, path = _sub(ctx, cnt, nu=[url], pn=1)
    _even_seconds_schedule(ctx, path)
    _odd_second()
    _update_lbl(ctx, cnt, "q0")
    _update_lbl(ctx, cnt, "q1")
    got = _events(ctx, p, count=2, timeout=4)
    labels = [(_rep(s) or {}).get("m2m:cnt", {}).get("lbl") for g in got for s in _sgns(g.body)]
    expect(labels == [["q1"]], f"only the latest cached notification; got {labels}")
    expect(got[0].headers.get("x-m2m-ec") == "4", f"X-M2M-EC 4; got {got[0].headers}")


@case("SUB-053", "TS-0004 §7.5.1.2.2 Step 3.0/4.0",
      "without pn, events outside the notificationSchedule are discarded; nec immediate (2) bypasses it")
def schedule_discard_and_immediate(ctx):
    cnt = _cnt(ctx)
    (u1, p1), (u2, p2) = _target(ctx), _target(ctx)
    _, s1 = _sub(ctx, cnt, nu=[u1])
    _, s2 = _sub(ctx, cnt, nu=[u2], nec=2)
    _even_seconds_schedule(ctx, s1)
    _even_seconds_schedule(ctx, s2)
    _odd_second()
    _update_lbl(ctx, cnt, "s")
    expect(_events(ctx, p2, timeout=0.4), "the immediate subscription notifies at once")
    expect(not _events(ctx, p1, timeout=2.5), "the other one discards the event")


# ---------------------------------------------------------------------------------------------
# operation monitor and notification statistics (Release 4)

@case("SUB-054", "TS-0004 §6.3.5.7, §6.3.5.57, Table 6.3.5.13-1",
      "enc.om: a monitored operation on the subscribed-to resource is notified with nev.om (ops, org)")
def operation_monitor(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _sub(ctx, cnt, nu=[url], enc={"om": [{"ops": 2}]})          # RETRIEVE
    expect_rsc(ctx.cse.retrieve(cnt, originator=ctx.state["aei"]), 2000)
    got = ctx.notifications.wait(1, 5, lambda r: r.path == p and any(
        "nev" in s for s in _sgns(r.body)))
    expect(got, "a notification for the RETRIEVE")
    om = _sgns(got[0].body)[0]["nev"].get("om") or {}
    expect(om.get("ops") == 2 and om.get("org") == ctx.state["aei"],
           f"nev.om names the operation and its originator; got {om}")


@case("SUB-055", "TS-0004 §7.4.8.2.1 Recv-6.4",
      "enc with both net and om is rejected with 4000")
def net_and_om(ctx):
    cnt = _cnt(ctx)
    url, _ = _target(ctx)
    r = ctx.cse.create(cnt, SUB, {"m2m:sub": {"nu": [url], "enc": {"net": [1], "om": [{"ops": 2}]}}},
                       originator=ctx.state["aei"])
    expect_rsc(r, 4000)


@case("SUB-056", "TS-0004 §6.3.5.57 (NOTE)",
      "an enc.om entry with neither operations nor originator is rejected with 4000")
def om_empty_entry(ctx):
    cnt = _cnt(ctx)
    url, _ = _target(ctx)
    r = ctx.cse.create(cnt, SUB, {"m2m:sub": {"nu": [url], "enc": {"om": [{}]}}},
                       originator=ctx.state["aei"])
    expect_rsc(r, 4000)


@case("SUB-057", "TS-0004 Rel-4 Table 7.4.8.1-3 (notificationStatsEnable/Info)",
      "nse true: the subscription records notification statistics in nsi")
def notification_stats(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    r, path = _sub(ctx, cnt, nu=[url], nse=True)
    expect(r.get("m2m:sub/nse") is True, "nse is true", r)
    _update_lbl(ctx, cnt, "st")
    expect(_events(ctx, p), "a notification")
    ok = ctx.eventually(lambda: bool(ctx.cse.retrieve(path).get("m2m:sub/nsi")), 3)
    expect(ok, "nsi lists statistics after a notification", ctx.cse.retrieve(path))


@case("SUB-058", "TS-0004 Rel-4 Table 7.4.8.1-3 (notificationStatsEnable/Info)",
      "setting nse to true again clears the recorded nsi statistics")
def notification_stats_reset(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _, path = _sub(ctx, cnt, nu=[url], nse=True)
    _update_lbl(ctx, cnt, "st")
    expect(_events(ctx, p), "a notification")
    ctx.eventually(lambda: bool(ctx.cse.retrieve(path).get("m2m:sub/nsi")), 3)
    r = ctx.cse.update(path, {"m2m:sub": {"nse": True}}, originator=ctx.state["aei"])
    expect_rsc(r, 2004)
    expect(not r.get("m2m:sub/nsi"), "nsi is empty after nse is set to true again", r)


# ---------------------------------------------------------------------------------------------
# blocking update (net 7)

def _blocking_setup(ctx):
    """An AE of its own (poa: the harness) with a container; returns (aei, container path)."""
    aei, ae = ctx.register_ae()
    return aei, _cnt(ctx, ae, originator=aei)


@case("SUB-059", "TS-0004 §7.4.8.2.1 Recv-6.4 (Blocking_Update)",
      "net 7 with more than one notification target is rejected with 4000")
def blocking_two_targets(ctx):
    aei, cnt = _blocking_setup(ctx)
    url, _ = _target(ctx)
    r = ctx.cse.create(cnt, SUB, {"m2m:sub": {"nu": [aei, url], "enc": {"net": [7]}}},
                       originator=aei)
    expect_rsc(r, 4000)


@case("SUB-060", "TS-0004 §7.4.8.2.1 Recv-6.4 (Blocking_Update)",
      "net 7 with another subscription attribute (exc) or another enc condition (sza) is rejected with 4000")
def blocking_other_attributes(ctx):
    aei, cnt = _blocking_setup(ctx)
    r = ctx.cse.create(cnt, SUB, {"m2m:sub": {"nu": [aei], "enc": {"net": [7]}, "exc": 3}},
                       originator=aei)
    expect_rsc(r, 4000)
    r = ctx.cse.create(cnt, SUB, {"m2m:sub": {"nu": [aei], "enc": {"net": [7], "sza": 1}}},
                       originator=aei)
    expect_rsc(r, 4000)


@case("SUB-061", "TS-0004 §7.4.8.2.1 Recv-6.4 (Blocking_Update)",
      "net 7 with a target that is not a oneM2M resource ID (a URL) is rejected with 4000")
def blocking_url_target(ctx):
    aei, cnt = _blocking_setup(ctx)
    url, _ = _target(ctx)
    r = ctx.cse.create(cnt, SUB, {"m2m:sub": {"nu": [url], "enc": {"net": [7]}}}, originator=aei)
    expect_rsc(r, 4000)


@case("SUB-062", "TS-0004 §7.5.1.2.19, §7.3.3.7",
      "net 7: an UPDATE is held until the target answers; its notification (net 7) comes first")
def blocking_update(ctx):
    aei, cnt = _blocking_setup(ctx)
    r, _ = _sub(ctx, cnt, originator=aei, nu=[aei], enc={"net": [7], "atr": ["lbl"]})
    ri = r.get("m2m:sub/ri")
    _update_lbl(ctx, cnt, "blocked", originator=aei)
    got = ctx.notifications.wait(1, 0, lambda x: _of_sub(ri)(x) and any(
        "nev" in s for s in _sgns(x.body)))
    expect(got, "the blocking notification arrived before the UPDATE was answered")
    sgn = _sgns(got[0].body)[0]
    expect(sgn["nev"].get("net") == 7, f"net 7; got {sgn}")
    expect((_rep(sgn) or {}).get("m2m:cnt", {}).get("lbl") == ["blocked"],
           f"rep carries the update's attributes; got {sgn}")


@case("SUB-063", "TS-0004 §7.5.1.2.19, §7.3.2.9",
      "net 7: a target refusing with 4005 fails the UPDATE with 4127 and leaves the resource unchanged")
def blocking_update_refused(ctx):
    aei, cnt = _blocking_setup(ctx)
    _update_lbl(ctx, cnt, "before", originator=aei)
    _sub(ctx, cnt, originator=aei, nu=[aei], enc={"net": [7]})
    ctx.notifications.rsc = 4005
    try:
        r = ctx.cse.update(cnt, {"m2m:cnt": {"lbl": ["after"]}}, originator=aei)
    finally:
        ctx.notifications.rsc = 2000
    expect_rsc(r, 4127)
    expect(ctx.cse.retrieve(cnt).get("m2m:cnt/lbl") == ["before"], "lbl unchanged")


@case("SUB-064", "TS-0004 §7.4.8.2.1 Recv-6.4 (Blocking_Update)",
      "a second net 7 subscription on the same resource is rejected with 4124")
def blocking_duplicate(ctx):
    aei, cnt = _blocking_setup(ctx)
    _sub(ctx, cnt, originator=aei, nu=[aei], enc={"net": [7]})
    r = ctx.cse.create(cnt, SUB, {"m2m:sub": {"nu": [aei], "enc": {"net": [7]}}}, originator=aei)
    expect_rsc(r, 4124)


@case("SUB-065", "TS-0004 §7.4.8.2.3 Recv-6.4",
      "an UPDATE setting enc.net to 7 (Blocking_Update) is rejected with 4000")
def blocking_by_update(ctx):
    aei, cnt = _blocking_setup(ctx)
    _, path = _sub(ctx, cnt, originator=aei, nu=[aei])
    r = ctx.cse.update(path, {"m2m:sub": {"enc": {"net": [7]}}}, originator=aei)
    expect_rsc(r, 4000)


# ---------------------------------------------------------------------------------------------
# the NOTIFY request on the wire

@case("SUB-066", "TS-0009 §6.4.3, TS-0004 §6.7",
      "notifications declare a JSON media type (application/json or application/vnd.onem2m-ntfy+json)")
def content_type_media(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _sub(ctx, cnt, nu=[url])
    _update_lbl(ctx, cnt, "ct")
    got = [_vrqs(ctx, p)[0]] + _events(ctx, p)
    for g in got:
        media = g.headers.get("content-type", "").split(";")[0].strip().lower()
        expect(media in ("application/json", "application/vnd.onem2m-ntfy+json"),
               f"a JSON media type; got {g.headers.get('content-type')!r}")


# The brief asks for the header to be exactly application/json: RFC 8259 §11 defines no charset
# parameter for it, so a parameter adds nothing a receiver may rely on.
@case("SUB-067", "TS-0009 §6.4.3, RFC 8259 §11",
      "notifications are sent with Content-Type application/json")
def content_type_exact(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _sub(ctx, cnt, nu=[url])
    _update_lbl(ctx, cnt, "ct")
    got = [_vrqs(ctx, p)[0]] + _events(ctx, p)
    for g in got:
        expect(g.headers.get("content-type") == "application/json",
               f"Content-Type exactly application/json; got {g.headers.get('content-type')!r}")


@case("SUB-068", "TS-0001 §10.1.6, TS-0004 §7.5.1.2.2, TS-0009 §6.4.7",
      "notifications and verification requests come from the CSE: X-M2M-Origin is its CSE-ID")
def origin_is_cse(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _sub(ctx, cnt, nu=[url])
    _update_lbl(ctx, cnt, "o")
    got = [_vrqs(ctx, p)[0]] + _events(ctx, p)
    for g in got:
        o = g.headers.get("x-m2m-origin", "")
        expect(o.endswith(ctx.cse.cse_id), f"X-M2M-Origin is {ctx.cse.cse_id}; got {o!r}")


@case("SUB-069", "TS-0004 §7.3.1.1, TS-0001 §9.6.5 (supportedReleaseVersions), TS-0009 §6.4.22",
      "a notification to an AE carries an X-M2M-RVI that the AE lists in its srv")
def rvi_per_target_srv(ctx):
    aei, ae = ctx.register_ae(extra={"srv": ["4"]})
    cnt = _cnt(ctx, ae, originator=aei)
    r, _ = _sub(ctx, cnt, originator=aei, nu=[aei])
    ri = r.get("m2m:sub/ri")
    _update_lbl(ctx, cnt, "rvi", originator=aei)
    got = ctx.notifications.wait(1, 5, lambda x: _of_sub(ri)(x) and any(
        "nev" in s for s in _sgns(x.body)))
    expect(got, "a notification")
    rvi = got[0].headers.get("x-m2m-rvi")
    expect(rvi == "4", f"X-M2M-RVI 4 (the AE's srv is [\"4\"]); got {rvi!r}")


# ---------------------------------------------------------------------------------------------
# serialization per target

def _cbor(data: bytes):
    """Decodes one CBOR item (RFC 8949): what notifications carry — maps, arrays, text, integers,
    floats, true/false/null. Raises ValueError on anything else or trailing bytes."""
    import struct

    def item(i: int):
        if i >= len(data):
            raise ValueError("truncated CBOR")
        major, info = data[i] >> 5, data[i] & 31
        i += 1
        if major == 7:
            simple = {20: False, 21: True, 22: None}
            if info in simple:
                return simple[info], i
            sizes = {25: (2, ">e"), 26: (4, ">f"), 27: (8, ">d")}
            if info in sizes:
                n, fmt = sizes[info]
                return struct.unpack(fmt, data[i:i + n])[0], i + n
            raise ValueError(f"unexpected simple value {info}")
        if info < 24:
            n = info
        elif info in (24, 25, 26, 27):
            width = 1 << (info - 24)
            n = int.from_bytes(data[i:i + width], "big")
            i += width
        else:
            raise ValueError("indefinite lengths are not expected")
        if major == 0:
            return n, i
        if major == 1:
            return -1 - n, i
        if major in (2, 3):
            raw = data[i:i + n]
            return (raw if major == 2 else raw.decode("utf-8")), i + n
        if major == 4:
            out = []
            for _ in range(n):
                v, i = item(i)
                out.append(v)
            return out, i
        if major == 5:
            out = {}
            for _ in range(n):
                k, i = item(i)
                v, i = item(i)
                out[k] = v
            return out, i
        return item(i)  # a tag: its content

    value, end = item(0)
    if end != len(data):
        raise ValueError("trailing bytes after the CBOR item")
    return value


def _cbor_events(ctx, path: str, count: int = 1, timeout: float = 5.0):
    """The requests at `path` whose CBOR body is an event notification, decoded."""
    def decoded(r):
        if not isinstance(r.body, (bytes, bytearray)):
            return None
        try:
            return _cbor(bytes(r.body))
        except (ValueError, UnicodeDecodeError):
            return None

    got = ctx.notifications.wait(count, timeout, lambda r: r.path == path and any(
        "nev" in s for s in _sgns(decoded(r))))
    return [(r, decoded(r)) for r in got]


@case("SUB-070", "TS-0001 §9.6.5 (contentSerialization), TS-0004 §7.5.1.2.2 Step 2.5, §6.7",
      "an AE whose contentSerialization lists only application/cbor gets its notifications as CBOR")
def cbor_for_ae(ctx):
    aei, ae = ctx.register_ae(extra={"csz": ["application/cbor"]})
    cnt = _cnt(ctx, ae, originator=aei)
    r, _ = _sub(ctx, cnt, originator=aei, nu=[aei])
    _update_lbl(ctx, cnt, "cbor", originator=aei)
    ri = r.get("m2m:sub/ri")
    got = [(g, b) for g, b in _cbor_events(ctx, "/")
           if any(str(s.get("sur", "")).endswith(ri) for s in _sgns(b))]
    expect(got, "a CBOR event notification at the AE's poa")
    req, body = got[0]
    expect(req.headers.get("content-type", "").split(";")[0] == "application/cbor",
           f"Content-Type application/cbor; got {req.headers.get('content-type')!r}")
    rep = _rep(_sgns(body)[0]) or {}
    expect(rep.get("m2m:cnt", {}).get("lbl") == ["cbor"], f"the updated container; got {body}")


@case("SUB-071", "TS-0004 Table 7.4.8.1-3 (notificationURI), §7.5.1.2.2 Step 2.5",
      "a notificationURI with ct=cbor gets CBOR notifications, without the parameter")
def cbor_for_url(ctx):
    cnt = _cnt(ctx)
    url, p = _target(ctx)
    _sub(ctx, cnt, nu=[url + "?ct=cbor"])
    _update_lbl(ctx, cnt, "c2")
    got = _cbor_events(ctx, p)
    expect(got, f"a CBOR event notification at {p}")
    req, body = got[0]
    expect(req.headers.get("content-type", "").split(";")[0] == "application/cbor",
           f"Content-Type application/cbor; got {req.headers.get('content-type')!r}")
    rep = _rep(_sgns(body)[0]) or {}
    expect(rep.get("m2m:cnt", {}).get("lbl") == ["c2"], f"the updated container; got {body}")
