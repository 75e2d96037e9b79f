"""pollingChannel and pollingChannelURI: requests for AEs that cannot receive them.

Covers TS-0004 §7.4.21 (<pollingChannel>: only the AE itself may create, retrieve, update or
delete it — 4103 otherwise), §7.4.5.1 (Table 7.4.5.1-4: at most one <pollingChannel> under an
<AE>), §7.3.3.3 (child types: 4108), §7.4.22 (<pollingChannelURI> `pcu`: long polling by the
channel's creator, 4008 when nothing arrives by the poll's Request Expiration Timestamp, no
UPDATE/DELETE — 4005, answers as NOTIFY {m2m:rsp} to the pcu), §7.3.3.9.1 (a NOTIFY to an <AE>
with a channel goes through the channel), §7.5.1.2.3 (subscription verification), §7.5.1.2.5
(asynchronous results), §7.3.3.3 (an optional attribute the CSE does not support: 5001);
TS-0001 §10.2.5.12–10.2.5.19 (request message polling, internal processing, long polling,
delivering the response); R4 requestAggregation (`rqag`) of <pollingChannel>.
"""
import threading
import time

from harness import case, expect, expect_rsc
from onem2m import ACP, CIN, CNT, PCH, SUB

ALL = 63


# --- helpers ---------------------------------------------------------------------------------

def polling_ae(ctx):
    """An AE that is not request reachable (rr=false, no poa), with its <pollingChannel>.
    Returns (aei, ae path, pch path)."""
    aei, path = ctx.register_ae(poa=False, rr=False)
    rn = ctx.unique("pch")
    expect_rsc(ctx.cse.create(path, PCH, {"m2m:pch": {"rn": rn}}, originator=aei), 2001)
    return aei, path, f"{path}/{rn}"


def privileged_other(ctx, aei, path):
    """A second AE that an ACP on the first AE allows every operation; returns its AE-ID."""
    other, _ = ctx.register_ae(poa=False, rr=False)
    acp_rn = ctx.unique("acpPch")
    r = ctx.cse.create(path, ACP, {"m2m:acp": {
        "rn": acp_rn,
        "pv": {"acr": [{"acor": [aei, other], "acop": ALL}]},
        "pvs": {"acr": [{"acor": [aei], "acop": ALL}]}}}, originator=aei)
    expect_rsc(r, 2001)
    r = ctx.cse.update(path, {"m2m:ae": {"acpi": [r.get("m2m:acp/ri")]}}, originator=aei)
    expect_rsc(r, 2004)
    return other


def poll(ctx, aei, pch, ret_ms=5000, originator=None):
    return ctx.cse.retrieve(f"{pch}/pcu", originator=originator or aei,
                            headers={"X-M2M-RET": str(ret_ms)})


def answer(ctx, aei, pch, rqi, rsc=2000, pc=None):
    rsp = {"rsc": rsc, "rqi": rqi, "rvi": ctx.cse.rvi, "fr": aei}
    if pc is not None:
        rsp["pc"] = pc
    return ctx.cse.notify(f"{pch}/pcu", {"m2m:rsp": rsp}, originator=aei)


def in_background(fn):
    """Runs fn in a thread; returns (thread, holder) — holder["r"] is fn's result."""
    holder = {}

    def run():
        holder["r"] = fn()
    th = threading.Thread(target=run, daemon=True)
    th.start()
    return th, holder


def container(ctx, aei, path):
    rn = ctx.unique("cntPch")
    expect_rsc(ctx.cse.create(path, CNT, {"m2m:cnt": {"rn": rn}}, originator=aei), 2001)
    return f"{path}/{rn}"


def polled_request(r):
    """The request primitive in a pcu RETRIEVE response."""
    return r.get("m2m:rqp")


# --- the <pollingChannel> resource -------------------------------------------------------------

@case("PCH-001", "TS-0004 §7.4.21.2.1, Table 7.4.5.1-4",
      "an AE creates a <pollingChannel> under its own <AE>")
def create_pch(ctx):
    aei, path = ctx.register_ae(poa=False, rr=False)
    r = expect_rsc(ctx.cse.create(path, PCH, {"m2m:pch": {"rn": "pch"}}, originator=aei), 2001)
    expect(r.get("m2m:pch/ty") == PCH, "ty 15", r)
    ae = ctx.cse.retrieve(path, originator=aei)
    expect(r.get("m2m:pch/pi") == ae.get("m2m:ae/ri"), "its parent is the AE", r)


@case("PCH-002", "TS-0004 §7.4.21.2.1",
      "only the AE itself may create its channel: another originator (even the admin) gets 4103")
def create_pch_admin(ctx):
    _, path = ctx.register_ae(poa=False, rr=False)
    expect_rsc(ctx.cse.create(path, PCH, {"m2m:pch": {"rn": "pch"}}), 4103)


@case("PCH-003", "TS-0004 §7.4.21.2.1 (check after Recv-6.3)",
      "another AE that an ACP lets create under the AE still gets 4103 for a <pollingChannel>")
def create_pch_other_ae(ctx):
    aei, path = ctx.register_ae(poa=False, rr=False)
    other = privileged_other(ctx, aei, path)
    expect_rsc(ctx.cse.create(path, PCH, {"m2m:pch": {"rn": "pch"}}, originator=other), 4103)


@case("PCH-004", "TS-0004 Table 7.4.5.1-4 (multiplicity 0..1)",
      "an AE has at most one <pollingChannel>: a second one is refused")
def second_pch(ctx):
    aei, path, _ = polling_ae(ctx)
    # The text gives the multiplicity, not the code: a bad request or a conflict.
    r = ctx.cse.create(path, PCH, {"m2m:pch": {"rn": ctx.unique("pch")}}, originator=aei)
    expect_rsc(r, 4000, 4105)


@case("PCH-005", "TS-0004 §7.4.3.1 (child resources of <CSEBase>), §7.3.3.3",
      "a <pollingChannel> under the CSEBase is not a valid child: 4108")
def pch_under_cse(ctx):
    expect_rsc(ctx.cse.create(ctx.base, PCH, {"m2m:pch": {"rn": ctx.unique("pch")}}), 4108)


@case("PCH-006", "TS-0004 Table 7.4.6.1-4 (child resources of <container>), §7.3.3.3",
      "a <pollingChannel> under a container is not a valid child: 4108")
def pch_under_container(ctx):
    aei, path = ctx.register_ae(poa=False, rr=False)
    cnt = container(ctx, aei, path)
    expect_rsc(ctx.cse.create(cnt, PCH, {"m2m:pch": {"rn": "pch"}}, originator=aei), 4108)


@case("PCH-007", "TS-0004 §7.4.21.2.2, Table 7.4.21.1-2",
      "the AE retrieves its channel: ty, ri, pi, ct, lt and et, with ct <= lt and ct < et")
def retrieve_pch(ctx):
    aei, _, pch = polling_ae(ctx)
    r = expect_rsc(ctx.cse.retrieve(pch, originator=aei), 2000)
    for a in ("ty", "ri", "pi", "ct", "lt", "et"):
        expect(r.get(f"m2m:pch/{a}") is not None, f"{a} is present", r)
    expect(r.get("m2m:pch/ct") <= r.get("m2m:pch/lt"), "ct <= lt", r)
    expect(r.get("m2m:pch/ct") < r.get("m2m:pch/et"), "ct < et", r)


@case("PCH-008", "TS-0004 §7.4.21.2.2",
      "another AE, even one an ACP allows everything on the AE, cannot retrieve the channel: 4103")
def retrieve_pch_other(ctx):
    aei, path, pch = polling_ae(ctx)
    other = privileged_other(ctx, aei, path)
    expect_rsc(ctx.cse.retrieve(pch, originator=other), 4103)


@case("PCH-009", "TS-0004 §7.4.21.2.3",
      "the AE may update its channel's labels (2004); another AE may not (4103)")
def update_pch(ctx):
    aei, path, pch = polling_ae(ctx)
    other = privileged_other(ctx, aei, path)
    expect_rsc(ctx.cse.update(pch, {"m2m:pch": {"lbl": ["x"]}}, originator=other), 4103)
    r = expect_rsc(ctx.cse.update(pch, {"m2m:pch": {"lbl": ["mine"]}}, originator=aei), 2004)
    expect(r.get("m2m:pch/lbl") == ["mine"], "lbl updated", r)


@case("PCH-010", "TS-0004 §7.4.21.2.4, §7.4.22.1",
      "only the AE may delete its channel (another AE: 4103); after the delete its pcu is gone "
      "(4004)")
def delete_pch(ctx):
    aei, path, pch = polling_ae(ctx)
    other = privileged_other(ctx, aei, path)
    expect_rsc(ctx.cse.delete(pch, originator=other), 4103)
    expect_rsc(ctx.cse.delete(pch, originator=aei), 2002)
    expect_rsc(poll(ctx, aei, pch, 1000), 4004)


@case("PCH-011", "TS-0004 §7.4.21.1 (Table 7.4.21.1-2), §7.3.3.3",
      "R4 requestAggregation (rqag) on a channel is kept and read back, or refused as not "
      "implemented (5001) — not as an unknown attribute")
def pch_rqag(ctx):
    aei, path = ctx.register_ae(poa=False, rr=False)
    r = ctx.cse.create(path, PCH, {"m2m:pch": {"rn": "pch", "rqag": False}}, originator=aei)
    expect_rsc(r, 2001, 5001)
    if r.rsc == 5001:
        return
    # A CSE that keeps the attribute but does not aggregate answers true with 5001 (TS-0004
    # §7.3.3.4: a supported attribute whose value asks for an unsupported feature).
    r = expect_rsc(ctx.cse.update(f"{path}/pch", {"m2m:pch": {"rqag": True}}, originator=aei),
                   2004, 5001)
    if r.rsc == 2004:
        expect(r.get("m2m:pch/rqag") is True, "rqag is true after the update", r)


# --- long polling on pcu -------------------------------------------------------------------------

@case("PCH-012", "TS-0004 §7.4.22.2.2; TS-0001 §10.2.5.18",
      "a long poll with nothing to deliver is held until its Request Expiration Timestamp, then "
      "answered 4008")
def poll_timeout(ctx):
    aei, _, pch = polling_ae(ctx)
    t0 = time.monotonic()
    r = poll(ctx, aei, pch, 1500)
    waited = time.monotonic() - t0
    expect_rsc(r, 4008)
    expect(1.3 <= waited <= 6.0, f"answered at the poll's expiry (after {waited:.2f} s)")


@case("PCH-013", "TS-0004 §7.4.22.2.2 (Recv-6.3)",
      "only the channel's creator may poll it: another AE (even with ACP rights on the AE) gets "
      "4103")
def poll_other(ctx):
    aei, path, pch = polling_ae(ctx)
    other = privileged_other(ctx, aei, path)
    expect_rsc(poll(ctx, aei, pch, 1000, originator=other), 4103)


@case("PCH-014", "TS-0004 §7.4.22.2.3, §7.4.22.2.4",
      "the pcu cannot be updated or deleted through the API: 4005")
def pcu_update_delete(ctx):
    aei, _, pch = polling_ae(ctx)
    expect_rsc(ctx.cse.update(f"{pch}/pcu", {"m2m:pch": {"lbl": ["x"]}}, originator=aei), 4005)
    expect_rsc(ctx.cse.delete(f"{pch}/pcu", originator=aei), 4005)
    expect_rsc(ctx.cse.retrieve(pch, originator=aei), 2000)


@case("PCH-015", "TS-0004 §7.4.22.2.5 (Recv-6.3)",
      "only the channel's creator may answer through it: a NOTIFY to the pcu by another AE gets "
      "4103")
def answer_other(ctx):
    aei, path, pch = polling_ae(ctx)
    other = privileged_other(ctx, aei, path)
    expect_rsc(answer(ctx, other, pch, "no-such-request"), 4103)


@case("PCH-016", "TS-0004 §7.5.1.2.3, §7.4.22.2.2, §7.4.22.2.5; TS-0001 §10.2.5.17–10.2.5.19",
      "a subscription verification for an AE with a channel is delivered through the pcu, and "
      "the AE's answer there lets the subscription be created")
def verification_through_channel(ctx):
    aei, path, pch = polling_ae(ctx)
    cnt = container(ctx, aei, path)
    th, holder = in_background(lambda: ctx.cse.create(
        cnt, SUB, {"m2m:sub": {"rn": "subPch", "nu": [aei], "enc": {"net": [3]}}}))
    r = expect_rsc(poll(ctx, aei, pch, 5000), 2000)
    rqp = polled_request(r)
    expect(isinstance(rqp, dict), "the poll returns a request primitive {m2m:rqp}", r)
    expect(rqp.get("op") == 5, "a NOTIFY (op 5)", r)
    sgn = (rqp.get("pc") or {}).get("m2m:sgn") or {}
    expect(sgn.get("vrq") is True, "a verification request (vrq true)", r)
    expect(sgn.get("sur"), "it names the subscription (sur)", r)
    expect(rqp.get("rqi"), "it carries a Request Identifier", r)
    expect_rsc(answer(ctx, aei, pch, rqp["rqi"]), 2000)
    th.join(15)
    expect("r" in holder, "the subscription CREATE was answered")
    expect_rsc(holder["r"], 2001)


@case("PCH-017", "TS-0004 §7.5.1.2.3, §7.4.22.2.5",
      "a verification the AE rejects through its channel (answer 4103) fails the subscription "
      "(5204)")
def verification_rejected(ctx):
    aei, path, pch = polling_ae(ctx)
    cnt = container(ctx, aei, path)
    th, holder = in_background(lambda: ctx.cse.create(
        cnt, SUB, {"m2m:sub": {"rn": "subPchNo", "nu": [aei], "enc": {"net": [3]}}}))
    r = expect_rsc(poll(ctx, aei, pch, 5000), 2000)
    rqp = polled_request(r) or {}
    expect_rsc(answer(ctx, aei, pch, rqp.get("rqi"), rsc=4103), 2000)
    th.join(15)
    expect("r" in holder, "the subscription CREATE was answered")
    expect_rsc(holder["r"], 5204)
    expect_rsc(ctx.cse.retrieve(f"{cnt}/subPchNo"), 4004)


@case("PCH-018", "TS-0004 §7.5.1.2.3; TS-0001 §10.2.5.17",
      "a subscription for an AE that is not request reachable and has no channel (nor poa) "
      "fails verification: 5204")
def verification_unreachable(ctx):
    aei, path = ctx.register_ae(poa=False, rr=False)
    cnt = container(ctx, aei, path)
    r = ctx.cse.create(cnt, SUB, {"m2m:sub": {"rn": "subNoPch", "nu": [aei], "enc": {"net": [3]}}})
    expect_rsc(r, 5204)


@case("PCH-019", "TS-0004 §7.5.1.2.2, §7.4.22.2.2 (pending requests returned at once)",
      "an event notification for an AE with a channel waits there: a later poll returns it at "
      "once")
def event_queued(ctx):
    aei, path, pch = polling_ae(ctx)
    cnt = container(ctx, aei, path)
    # nu is the subscriber itself: no verification.
    expect_rsc(ctx.cse.create(cnt, SUB, {"m2m:sub": {"rn": "subSelf", "nu": [aei],
                                                      "enc": {"net": [3]}}}, originator=aei), 2001)
    expect_rsc(ctx.cse.create(cnt, CIN, {"m2m:cin": {"con": "queued"}}, originator=aei), 2001)
    time.sleep(0.5)
    t0 = time.monotonic()
    r = expect_rsc(poll(ctx, aei, pch, 5000), 2000)
    expect(time.monotonic() - t0 < 2.0, "the pending notification was returned at once")
    rqp = polled_request(r) or {}
    sgn = (rqp.get("pc") or {}).get("m2m:sgn") or {}
    expect(rqp.get("op") == 5, "a NOTIFY", r)
    expect((sgn.get("nev") or {}).get("net") == 3, "a create-child event (net 3)", r)
    expect((sgn.get("nev") or {}).get("rep", {}).get("m2m:cin", {}).get("con") == "queued",
           "the new contentInstance is the representation", r)
    expect_rsc(answer(ctx, aei, pch, rqp.get("rqi")), 2000)


@case("PCH-020", "TS-0004 §7.4.22.2.2; TS-0001 §10.2.5.17",
      "several pending requests are delivered one per poll, each once; then the poll times out")
def several_queued(ctx):
    aei, path, pch = polling_ae(ctx)
    cnt = container(ctx, aei, path)
    expect_rsc(ctx.cse.create(cnt, SUB, {"m2m:sub": {"rn": "subSelf2", "nu": [aei],
                                                      "enc": {"net": [3]}}}, originator=aei), 2001)
    for i in range(2):
        expect_rsc(ctx.cse.create(cnt, CIN, {"m2m:cin": {"con": f"n{i}"}}, originator=aei), 2001)
    time.sleep(0.5)
    seen = []
    for _ in range(2):
        r = expect_rsc(poll(ctx, aei, pch, 3000), 2000)
        rqp = polled_request(r) or {}
        seen.append(rqp.get("rqi"))
        answer(ctx, aei, pch, rqp.get("rqi"))
    expect(len(set(seen)) == 2, f"two different requests were delivered: {seen}")
    expect_rsc(poll(ctx, aei, pch, 1000), 4008)


@case("PCH-021", "TS-0004 §7.3.3.9.1, §7.4.22.2.5; TS-0001 §10.2.5.19",
      "a NOTIFY addressed to an <AE> with a channel goes through the channel, and the AE's "
      "answer is the originator's response")
def notify_ae_through_channel(ctx):
    aei, path, pch = polling_ae(ctx)
    body = {"m2m:sgn": {"nev": {"rep": {"m2m:cin": {"con": "hello"}}, "net": 3},
                        "sur": "/id-in/some-sub"}}
    th, holder = in_background(lambda: ctx.cse.notify(path, body, headers={"X-M2M-RET": "8000"}))
    r = expect_rsc(poll(ctx, aei, pch, 5000), 2000)
    rqp = polled_request(r) or {}
    expect(rqp.get("op") == 5, "the NOTIFY is delivered", r)
    got = (rqp.get("pc") or {}).get("m2m:sgn", {}).get("nev", {}).get("rep", {})
    expect(got.get("m2m:cin", {}).get("con") == "hello", "with its content", r)
    expect_rsc(answer(ctx, aei, pch, rqp.get("rqi"), rsc=2000), 2000)
    th.join(15)
    expect("r" in holder, "the NOTIFY was answered")
    expect_rsc(holder["r"], 2000)


@case("PCH-022", "TS-0001 §10.2.5.17; TS-0004 §7.3.1.3",
      "a request waiting in a channel that the AE does not fetch by the request's expiration "
      "fails with 4008")
def notify_ae_unanswered(ctx):
    aei, path, pch = polling_ae(ctx)
    body = {"m2m:sgn": {"nev": {"rep": {}, "net": 1}, "sur": "/id-in/some-sub"}}
    t0 = time.monotonic()
    r = ctx.cse.notify(path, body, headers={"X-M2M-RET": "1500"})
    expect_rsc(r, 4008)
    expect(time.monotonic() - t0 < 8.0, "answered about the request's expiration")


@case("PCH-023", "TS-0004 §7.5.1.2.5, §7.3.3.9.1; TS-0001 §10.2.5.17",
      "the result of a nonBlockingRequestAsynch request of an AE with a channel (no RTU) is "
      "delivered through the channel")
def async_result_through_channel(ctx):
    aei, _, pch = polling_ae(ctx)
    r = ctx.cse.retrieve(ctx.base, originator=aei, query={"rt": 2},
                         headers={"X-M2M-RI": "pch-async-1"})
    expect_rsc(r, 1002)
    r = expect_rsc(poll(ctx, aei, pch, 5000), 2000)
    rqp = polled_request(r) or {}
    rsp = (rqp.get("pc") or {}).get("m2m:rsp") or {}
    expect(rsp.get("rqi") == "pch-async-1", "the response to the AE's request", r)
    expect(rsp.get("rsc") == 2000, "with its status", r)
    answer(ctx, aei, pch, rqp.get("rqi"))


@case("PCH-024", "TS-0004 §7.4.21.1 (R4 requestAggregation), §7.4.22.2.2",
      "with rqag true, one poll returns every queued request at once as m2m:agrp, and each is "
      "answered as usual")
def poll_aggregated(ctx):
    aei, path, pch = polling_ae(ctx)
    expect_rsc(ctx.cse.update(pch, {"m2m:pch": {"rqag": True}}, originator=aei), 2004)
    cnt = container(ctx, aei, path)
    expect_rsc(ctx.cse.create(cnt, SUB, {"m2m:sub": {"rn": "subAgg", "nu": [aei],
                                                      "enc": {"net": [3]}}}, originator=aei), 2001)
    for i in range(3):
        expect_rsc(ctx.cse.create(cnt, CIN, {"m2m:cin": {"con": f"a{i}"}}, originator=aei), 2001)
    time.sleep(0.5)
    r = expect_rsc(poll(ctx, aei, pch, 3000), 2000)
    agrp = r.get("m2m:agrp")
    expect(isinstance(agrp, list) and len(agrp) == 3, "the three notifications in one list", r)
    expect(all(isinstance(q, dict) and q.get("op") == 5 for q in agrp), "each a NOTIFY", r)
    for q in agrp:
        expect_rsc(answer(ctx, aei, pch, q.get("rqi")), 2000)
    expect_rsc(poll(ctx, aei, pch, 1000), 4008)
