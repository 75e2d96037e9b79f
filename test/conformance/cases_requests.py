"""Request parameters, non-blocking requests and the <request> resource.

Covers TS-0004 §6.4.1 (request parameter data types; Result Expiration Timestamp later than
Request Expiration Timestamp), Table 7.2.1.1-1 and Table 7.2.1.2-1 (request / response primitive
parameters), §7.3.2.1 (receiver checks: expired rqet 4008, rvi 4001, Content-Type 4015),
§7.3.2.2–7.3.2.5 (<request> created for non-blocking requests, acknowledgement, update),
§7.3.3.5–7.3.3.7 (Operation Execution Time), §7.4.12 (<request> resource), §7.5.1.2.5 (result
of an asynchronous request), §6.3.3 (m2m:absRelTimestamp: absolute timestamp or relative ms),
§6.3.5.4 (m2m:metaInformation); TS-0001 §8.1.2 / §8.1.3 (request and response parameters: rqet,
rset echo, oet, rt, rp); TS-0009 §6.4 (HTTP header mapping: X-M2M-RI, X-M2M-RVI, X-M2M-RET,
X-M2M-RST, X-M2M-OET, X-M2M-OT, X-M2M-VSI, X-M2M-RTU).
"""
import datetime
import http.client
import threading
import time

from harness import case, expect, expect_rsc
from onem2m import CNT, CREATE, REQ, RETRIEVE

PENDING, COMPLETED, FAILED = 3, 1, 2  # m2m:requestStatus (TS-0004 §6.3.4.2.10)


# --- helpers ---------------------------------------------------------------------------------

def ts(offset_s: float = 0.0) -> str:
    """An m2m:timestamp (ISO 8601 basic, UTC) offset_s seconds from now."""
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_s)
    return t.strftime("%Y%m%dT%H%M%S")


def parse_ts(value: str) -> datetime.datetime:
    base, _, frac = value.replace(".", ",").partition(",")
    t = datetime.datetime.strptime(base, "%Y%m%dT%H%M%S").replace(tzinfo=datetime.timezone.utc)
    if frac:
        t += datetime.timedelta(microseconds=int((frac + "000000")[:6]))
    return t


def raw(ctx, method: str, path: str, headers: dict, body: bytes | None = None):
    """One HTTP request with exactly the given headers (no defaults added)."""
    host, port = ctx.cse.host_port
    conn = http.client.HTTPConnection(host, port, timeout=ctx.cse.timeout)
    try:
        conn.request(method, "/" + path.lstrip("/"), body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


def ae(ctx, rr: bool = True, poa: bool = True):
    """A fresh AE; returns (aei, path)."""
    return ctx.register_ae(poa=poa, rr=rr)


def nb_request(ctx, aei, rt=1, path=None, **kw):
    """A non-blocking RETRIEVE of the CSEBase (or `path`); returns (ack, request URI)."""
    # A generous result persistence by default, so that the <request> outlives the checks.
    query = {"rt": rt, "rp": "PT60S"}
    query.update(kw.pop("query", {}))
    r = ctx.cse.retrieve(path or ctx.base, originator=aei, query=query, **kw)
    return r, r.get("m2m:uri")


def request_path(ctx, uri: str) -> str:
    """The path of a <request> from the reference in an acknowledgement."""
    uri = uri or ""
    if uri.startswith(ctx.cse.cse_id + "/"):      # SP-relative
        return "~" + uri
    if uri.startswith("/"):
        return "~" + uri
    if uri.startswith(ctx.base + "/"):             # structured CSE-relative
        return uri
    return uri                                     # unstructured CSE-relative (its ri)


def completed_request(ctx, aei, uri, timeout=5.0):
    """The <request> once its requestStatus is no longer PENDING."""
    holder = {}

    def done():
        r = ctx.cse.retrieve(request_path(ctx, uri), originator=aei)
        holder["r"] = r
        return r.rsc == 2000 and r.get("m2m:req/rs") not in (None, PENDING)
    ctx.eventually(done, timeout)
    return holder["r"]


def setup(ctx):
    # Result persistence / <request> expiry is observable only if expirations are checked often.
    if ctx.cse.has_upper_tester:
        ctx.cse.upper_tester("enableShortResourceExpiration 1")


def teardown(ctx):
    if ctx.cse.has_upper_tester:
        ctx.cse.upper_tester("disableShortResourceExpiration")


# --- Request Identifier, release version, content type ---------------------------------------

@case("REQ-001", "TS-0004 Table 7.2.1.2-1; TS-0009 §6.4",
      "the response carries the Request Identifier of the request (X-M2M-RI) on success")
def ri_echoed(ctx):
    r = expect_rsc(ctx.cse.retrieve(ctx.base, headers={"X-M2M-RI": "ri-echo-1"}), 2000)
    expect(r.header("X-M2M-RI") == "ri-echo-1", "X-M2M-RI is echoed", r)


@case("REQ-002", "TS-0004 Table 7.2.1.2-1; TS-0009 §6.4",
      "an error response also carries the request's Request Identifier")
def ri_echoed_error(ctx):
    r = expect_rsc(ctx.cse.retrieve(f"{ctx.base}/{ctx.unique('nothere')}",
                                    headers={"X-M2M-RI": "ri-echo-2"}), 4004)
    expect(r.header("X-M2M-RI") == "ri-echo-2", "X-M2M-RI is echoed on 4004", r)


@case("REQ-003", "TS-0004 Table 7.2.1.1-1; TS-0009 §6.4",
      "a request without a Request Identifier (no X-M2M-RI) is rejected with 4000")
def ri_missing(ctx):
    status, h, body = raw(ctx, "GET", ctx.base, {"X-M2M-Origin": ctx.cse.admin,
                                                   "X-M2M-RVI": ctx.cse.rvi,
                                                   "Accept": "application/json"})
    expect(h.get("x-m2m-rsc") == "4000", f"rsc 4000 expected; got {h.get('x-m2m-rsc')} "
           f"http {status}: {body[:200]!r}")


@case("REQ-004", "TS-0004 Table 7.2.1.2-1, §6.4.2",
      "every response to a Release 2+ request carries the Release Version Indicator (X-M2M-RVI)")
def rvi_in_response(ctx):
    r = expect_rsc(ctx.cse.retrieve(ctx.base), 2000)
    expect(r.header("X-M2M-RVI") not in (None, ""), "X-M2M-RVI is present", r)
    r = expect_rsc(ctx.cse.retrieve(f"{ctx.base}/{ctx.unique('nothere')}"), 4004)
    expect(r.header("X-M2M-RVI") not in (None, ""), "X-M2M-RVI is present on errors too", r)


@case("REQ-005", "TS-0004 §7.3.2.1",
      "a release the CSE does not support (X-M2M-RVI 9) is rejected with 4001")
def rvi_unknown(ctx):
    expect_rsc(ctx.cse.request(RETRIEVE, ctx.base, ctx.cse.admin, rvi="9"), 4001)


@case("REQ-006", "TS-0004 §7.3.2.1, Table 6.4.2-1",
      "a request without X-M2M-RVI counts as Release 1: 4001 unless the CSE lists 1 in srv, "
      "else served with no RVI in the response")
def rvi_missing(ctx):
    cb = expect_rsc(ctx.cse.retrieve(ctx.base), 2000)
    srv = cb.get("m2m:cb/srv") or []
    status, h, body = raw(ctx, "GET", ctx.base, {"X-M2M-Origin": ctx.cse.admin,
                                                   "X-M2M-RI": "no-rvi",
                                                   "Accept": "application/json"})
    rsc = h.get("x-m2m-rsc")
    if "1" in srv:
        expect(rsc == "2000", f"served as Release 1 (srv {srv}); got {rsc}: {body[:200]!r}")
        expect("x-m2m-rvi" not in h, "a response to a Release 1 entity carries no RVI")
    else:
        expect(rsc == "4001", f"4001 expected (srv {srv} lacks 1); got {rsc}: {body[:200]!r}")


@case("REQ-007", "TS-0004 §7.3.2.1; TS-0001 §8.1.2",
      "each release the CSEBase lists in srv is accepted in X-M2M-RVI")
def rvi_each_supported(ctx):
    cb = expect_rsc(ctx.cse.retrieve(ctx.base), 2000)
    srv = cb.get("m2m:cb/srv") or []
    expect(len(srv) > 0, "srv lists at least one release", cb)
    for v in srv:
        if v == "1":
            continue
        r = ctx.cse.request(RETRIEVE, ctx.base, ctx.cse.admin, rvi=v)
        expect(r.rsc == 2000, f"rvi {v} accepted", r)


@case("REQ-008", "TS-0004 §7.3.3.1, §7.3.2.1",
      "content in a serialization the CSE does not support (Content-Type text/plain) gets 4015")
def unsupported_content_type(ctx):
    aei, path = ae(ctx)
    r = ctx.cse.request(CREATE, path, aei, ty=CNT, raw_body=b"rn=x", content_type="text/plain")
    expect_rsc(r, 4015)


# --- time parameters ---------------------------------------------------------------------------

@case("REQ-009", "TS-0004 §7.3.2.1; TS-0009 §6.4 (X-M2M-RET)",
      "a Request Expiration Timestamp in the future (absolute) does not stop the request")
def ret_absolute_future(ctx):
    expect_rsc(ctx.cse.retrieve(ctx.base, headers={"X-M2M-RET": ts(30)}), 2000)


@case("REQ-010", "TS-0004 §7.3.2.1, §7.3.3.1",
      "an absolute Request Expiration Timestamp in the past gets 4008")
def ret_absolute_past(ctx):
    expect_rsc(ctx.cse.retrieve(ctx.base, headers={"X-M2M-RET": ts(-30)}), 4008)


@case("REQ-011", "TS-0004 §6.3.3 (m2m:absRelTimestamp)",
      "a relative Request Expiration Timestamp is milliseconds from now: 30000 lets the request run")
def ret_relative_future(ctx):
    expect_rsc(ctx.cse.retrieve(ctx.base, headers={"X-M2M-RET": "30000"}), 2000)


@case("REQ-012", "TS-0004 §6.3.3 (absRelTimestamp is a union with xs:long), §7.3.2.1",
      "a negative relative Request Expiration Timestamp lies in the past: 4008")
def ret_relative_negative(ctx):
    expect_rsc(ctx.cse.retrieve(ctx.base, headers={"X-M2M-RET": "-10000"}), 4008)


@case("REQ-013", "TS-0004 §6.3.3 (m2m:timestamp, ISO 8601 basic format)",
      "an absolute timestamp with fractional seconds (20xxT…,ffffff) is accepted")
def ret_fractional_seconds(ctx):
    expect_rsc(ctx.cse.retrieve(ctx.base, headers={"X-M2M-RET": ts(30) + ",250000"}), 2000)


@case("REQ-014", "TS-0004 §6.3.3; test-system practice (durations sent as decimals)",
      "a relative duration with a decimal fraction (30000.5) is read as milliseconds")
def ret_relative_decimal(ctx):
    # Subtle: xs:long has no fraction, but test systems send float durations ("1500.0").
    expect_rsc(ctx.cse.retrieve(ctx.base, headers={"X-M2M-RET": "30000.5"}), 2000)


# TS-0004 §7.3.2.1: a receiver that does not support the Result Expiration Timestamp or the
# Operation Execution Time rejects a request carrying it with 5001. These cases accept that
# answer; a CSE that takes the parameter must then behave as below. (The Request Expiration
# Timestamp is not optional here: long polling, TS-0004 §7.4.22.2.2, is defined by it.)
NOT_IMPLEMENTED = 5001


def supported(r, *codes) -> bool:
    """The response is one of `codes`, or 5001 (parameter not supported); True unless 5001."""
    expect_rsc(r, *codes, NOT_IMPLEMENTED)
    return r.rsc != NOT_IMPLEMENTED


@case("REQ-015", "TS-0001 §8.1.3 (Result Expiration Timestamp); TS-0004 §7.3.2.1",
      "the Result Expiration Timestamp of the request is echoed in the response (X-M2M-RST)")
def rst_echoed(ctx):
    rst = ts(60)
    r = ctx.cse.retrieve(ctx.base, headers={"X-M2M-RST": rst})
    if not supported(r, 2000):
        return
    expect(r.header("X-M2M-RST") is not None, "X-M2M-RST is present in the response", r)
    got = r.header("X-M2M-RST")
    if got != rst:  # the receiver may re-express it; it must stay the same instant
        expect(abs((parse_ts(got) - parse_ts(rst)).total_seconds()) < 1,
               f"X-M2M-RST {got} is the requested {rst}", r)


@case("REQ-016", "TS-0004 §6.4.1 (Table 6.4.1-1 note), §7.3.2.1",
      "a Result Expiration Timestamp earlier than the Request Expiration Timestamp gets 4000")
def rset_before_rqet(ctx):
    r = ctx.cse.retrieve(ctx.base, headers={"X-M2M-RET": "20000", "X-M2M-RST": "10000"})
    supported(r, 4000)


@case("REQ-017", "TS-0001 §8.1.2 (Result Expiration Timestamp), TS-0004 §7.3.2.1",
      "a Result Expiration Timestamp already in the past gets 4008")
def rset_past(ctx):
    supported(ctx.cse.retrieve(ctx.base, headers={"X-M2M-RST": ts(-30)}), 4008)


@case("REQ-018", "TS-0001 §8.1.2 (Operation Execution Time), TS-0004 §7.3.3.6, §7.3.2.1",
      "an Operation Execution Time in the past means the operation runs at once")
def oet_past(ctx):
    t0 = time.monotonic()
    if supported(ctx.cse.retrieve(ctx.base, headers={"X-M2M-OET": ts(-10)}), 2000):
        expect(time.monotonic() - t0 < 2.0, "answered without delay")


@case("REQ-019", "TS-0001 §8.1.2 (Operation Execution Time), TS-0004 §7.3.3.6, §7.3.2.1",
      "a relative Operation Execution Time (1500 ms) is honoured: the RETRIEVE is answered no "
      "earlier than then (or the parameter is refused, 5001)")
def oet_relative(ctx):
    t0 = time.monotonic()
    if not supported(ctx.cse.retrieve(ctx.base, headers={"X-M2M-OET": "1500"}), 2000):
        return
    waited = time.monotonic() - t0
    expect(waited >= 1.4, f"the operation waited for its execution time (waited {waited:.2f} s)")


@case("REQ-020", "TS-0001 §8.1.2 (Operation Execution Time), TS-0004 §7.3.3.5, §7.3.2.1",
      "an absolute Operation Execution Time is honoured by a CREATE: the resource is made then, "
      "not before (or the parameter is refused, 5001)")
def oet_absolute_create(ctx):
    aei, path = ae(ctx)
    rn = ctx.unique("cntOet")
    t0 = time.monotonic()
    holder = {}

    def create():
        holder["r"] = ctx.cse.create(path, CNT, {"m2m:cnt": {"rn": rn}}, originator=aei,
                                     headers={"X-M2M-OET": ts(2)})
    th = threading.Thread(target=create)
    th.start()
    time.sleep(0.5)
    early = ctx.cse.retrieve(f"{path}/{rn}", originator=aei)
    th.join(10)
    expect("r" in holder, "the CREATE was answered")
    if not supported(holder["r"], 2001):
        return
    expect(early.rsc == 4004, "the container does not exist before the execution time", early)
    expect(time.monotonic() - t0 >= 1.0, "the CREATE was held until its execution time")


@case("REQ-021", "TS-0001 §8.1.2 (Operation Execution Time, Request Expiration Timestamp)",
      "an Operation Execution Time after the Request Expiration Timestamp: the operation never "
      "runs (4000, or 4008 at expiry)")
def oet_after_ret(ctx):
    aei, path = ae(ctx)
    rn = ctx.unique("cntOetRet")
    r = ctx.cse.create(path, CNT, {"m2m:cnt": {"rn": rn}}, originator=aei,
                       headers={"X-M2M-OET": "3000", "X-M2M-RET": "1000"})
    supported(r, 4000, 4008)
    time.sleep(0.5)
    expect_rsc(ctx.cse.retrieve(f"{path}/{rn}", originator=aei), 4004)


@case("REQ-022", "TS-0001 §8.1.2, §8.1.3 (Operation Execution Time, Result Expiration Timestamp)",
      "an Operation Execution Time after the Result Expiration Timestamp: no result can be "
      "returned in time (4000, or 4008)")
def oet_after_rst(ctx):
    r = ctx.cse.retrieve(ctx.base, headers={"X-M2M-OET": "3000", "X-M2M-RST": "1000"})
    supported(r, 4000, 4008)


@case("REQ-023", "TS-0004 Table 7.2.1.2-1; TS-0009 §6.4 (X-M2M-VSI); test-system practice",
      "the Vendor Information of a request is returned in the response (X-M2M-VSI)")
def vsi_echoed(ctx):
    r = expect_rsc(ctx.cse.retrieve(ctx.base, headers={"X-M2M-VSI": "vendor-info-1"}), 2000)
    expect(r.header("X-M2M-VSI") == "vendor-info-1", "X-M2M-VSI is echoed", r)


@case("REQ-024", "TS-0004 Table 7.2.1.2-1, §6.3.3; TS-0009 §6.4 (X-M2M-OT); test-system practice",
      "a response carries its Originating Timestamp (X-M2M-OT) as an m2m:timestamp")
def ot_in_response(ctx):
    r = expect_rsc(ctx.cse.retrieve(ctx.base, headers={"X-M2M-OT": ts()}), 2000)
    ot = r.header("X-M2M-OT")
    expect(ot is not None, "X-M2M-OT is present", r)
    try:
        when = parse_ts(ot)
    except ValueError:
        expect(False, f"X-M2M-OT {ot!r} is an m2m:timestamp")
    now = datetime.datetime.now(datetime.timezone.utc)
    expect(abs((now - when).total_seconds()) < 300, f"X-M2M-OT {ot} is about now")


# --- response types ----------------------------------------------------------------------------

@case("REQ-025", "TS-0004 §7.3.2.2, §7.3.2.3; TS-0001 §8.2.2.1",
      "nonBlockingRequestSynch (rt=1) is acknowledged with 1001 and a reference to a <request>")
def nb_synch_ack(ctx):
    aei, _ = ae(ctx)
    r, uri = nb_request(ctx, aei, rt=1, headers={"X-M2M-RI": "nbs-ack"})
    expect_rsc(r, 1001)
    expect(isinstance(uri, str) and uri != "", "the content is {m2m:uri: <request reference>}", r)
    expect(r.header("X-M2M-RI") == "nbs-ack", "the acknowledgement carries the RI", r)


@case("REQ-026", "TS-0004 Table 7.3.2.3-1",
      "the acknowledgement of a non-blocking request carries its Originating Timestamp (X-M2M-OT)")
def nb_ack_ot(ctx):
    aei, _ = ae(ctx)
    r, _ = nb_request(ctx, aei, rt=1)
    expect_rsc(r, 1001)
    ot = r.header("X-M2M-OT")
    expect(ot is not None, "X-M2M-OT present in the acknowledgement", r)
    parse_ts(ot)


@case("REQ-027", "TS-0004 §7.3.2.2 (Table 7.3.2.2-2), §7.3.2.5, §7.4.12",
      "the <request> of a non-blocking RETRIEVE records op, tg, org, rid, mi and, once done, "
      "rs COMPLETED and ors with the result")
def request_resource_retrieve(ctx):
    aei, _ = ae(ctx)
    r, uri = nb_request(ctx, aei, rt=1, headers={"X-M2M-RI": "nbs-retrieve"})
    expect_rsc(r, 1001)
    q = expect_rsc(completed_request(ctx, aei, uri), 2000)
    expect(q.get("m2m:req/ty") == REQ, "ty 17", q)
    expect(q.get("m2m:req/op") == RETRIEVE, "op is RETRIEVE (2)", q)
    expect(q.get("m2m:req/tg") not in (None, ""), "tg is the target", q)
    expect(q.get("m2m:req/org") == aei, "org is the originator", q)
    expect(q.get("m2m:req/rid") == "nbs-retrieve", "rid is the request's RI", q)
    expect(q.get("m2m:req/mi/rt/rtv") == 1, "mi.rt.rtv is nonBlockingRequestSynch (1)", q)
    expect(q.get("m2m:req/rs") == COMPLETED, "rs COMPLETED (1)", q)
    expect(q.get("m2m:req/ors/rsc") == 2000, "ors.rsc is the operation's 2000", q)
    expect(q.get("m2m:req/ors/rqi") == "nbs-retrieve", "ors.rqi is the request's RI", q)
    expect(q.get("m2m:req/ors/pc/m2m:cb") is not None, "ors.pc is the CSEBase", q)
    expect(q.get("m2m:req/pi") not in (None, ""), "the <request> has a parent (the CSEBase)", q)


@case("REQ-028", "TS-0004 §7.3.2.2 (Table 7.3.2.2-2: content), §7.3.2.5",
      "the <request> of a non-blocking CREATE keeps the request content and records 2001 and "
      "the created resource")
def request_resource_create(ctx):
    aei, path = ae(ctx)
    rn = ctx.unique("nbCnt")
    r = ctx.cse.create(path, CNT, {"m2m:cnt": {"rn": rn}}, originator=aei,
                       query={"rt": 1, "rp": "PT60S"})
    expect_rsc(r, 1001)
    q = expect_rsc(completed_request(ctx, aei, r.get("m2m:uri")), 2000)
    expect(q.get("m2m:req/op") == CREATE, "op CREATE (1)", q)
    expect(q.get("m2m:req/pc/m2m:cnt/rn") == rn, "pc keeps the request content", q)
    expect(q.get("m2m:req/ors/rsc") == 2001, "ors.rsc 2001", q)
    expect(q.get("m2m:req/ors/pc/m2m:cnt/rn") == rn, "ors.pc is the created container", q)
    expect_rsc(ctx.cse.retrieve(f"{path}/{rn}", originator=aei), 2000)


@case("REQ-029", "TS-0004 §7.3.2.5, §7.4.12",
      "a non-blocking request whose operation fails records that failure (ors.rsc 4004)")
def request_resource_failure(ctx):
    aei, _ = ae(ctx)
    r, uri = nb_request(ctx, aei, rt=1, path=f"{ctx.base}/{ctx.unique('nothere')}")
    expect_rsc(r, 1001)
    q = expect_rsc(completed_request(ctx, aei, uri), 2000)
    expect(q.get("m2m:req/ors/rsc") == 4004, "ors.rsc 4004", q)


@case("REQ-030", "TS-0004 §7.3.2.2 (Table 7.3.2.2-1, 7.3.2.2-2), §6.3.5.4",
      "the <request> stays PENDING until its operation runs (Operation Execution Time 2.5 s "
      "ahead), then COMPLETED")
def request_pending(ctx):
    aei, _ = ae(ctx)
    r, uri = nb_request(ctx, aei, rt=1, headers={"X-M2M-OET": "2500"})
    if not supported(r, 1001):
        return
    for _ in range(2):  # right away, and a second later: still before the execution time
        q = expect_rsc(ctx.cse.retrieve(request_path(ctx, uri), originator=aei), 2000)
        expect(q.get("m2m:req/rs") == PENDING, "rs PENDING (3) before the execution time", q)
        ors = q.get("m2m:req/ors")
        if ors is not None:  # Table 7.3.2.2-2: set to ACCEPTED while pending
            expect(ors.get("rsc") in (1000, 1001), "a pending ors says ACCEPTED", q)
        time.sleep(1.0)
    q = expect_rsc(completed_request(ctx, aei, uri, timeout=6), 2000)
    expect(q.get("m2m:req/rs") == COMPLETED, "rs COMPLETED afterwards", q)


@case("REQ-031", "TS-0004 §7.3.2.2 (Table 7.3.2.2-1: labels)",
      "the <request> is labelled with the originator's ID")
def request_labels(ctx):
    aei, _ = ae(ctx)
    r, uri = nb_request(ctx, aei, rt=1)
    expect_rsc(r, 1001)
    q = expect_rsc(completed_request(ctx, aei, uri), 2000)
    expect(aei in (q.get("m2m:req/lbl") or []), "lbl holds the originator", q)


@case("REQ-032", "TS-0004 §7.3.2.2 (Table 7.3.2.2-2: metaInformation), §6.3.5.4",
      "the <request>'s metaInformation keeps the optional parameters given: vsi, ot, rqet, rp")
def request_meta_information(ctx):
    aei, _ = ae(ctx)
    r, uri = nb_request(ctx, aei, rt=1, query={"rp": "PT60S"},
                        headers={"X-M2M-VSI": "vendor-info-2", "X-M2M-OT": ts(),
                                 "X-M2M-RET": ts(60)})
    expect_rsc(r, 1001)
    q = expect_rsc(completed_request(ctx, aei, uri), 2000)
    mi = q.get("m2m:req/mi") or {}
    missing = [k for k in ("vsi", "ot", "rqet", "rp", "rvi") if k not in mi]
    expect(not missing, f"mi lacks {missing}", q)
    expect(mi.get("vsi") == "vendor-info-2", "mi.vsi is the request's Vendor Information", q)


@case("REQ-033", "TS-0004 §7.3.2.2 (Table 7.3.2.2-1: accessControlPolicyIDs)",
      "the <request> is for its originator: another AE is refused (4103), the originator may "
      "retrieve and delete it")
def request_access(ctx):
    aei, _ = ae(ctx)
    other, _ = ae(ctx)
    r, uri = nb_request(ctx, aei, rt=1)
    expect_rsc(r, 1001)
    expect_rsc(completed_request(ctx, aei, uri), 2000)
    expect_rsc(ctx.cse.retrieve(request_path(ctx, uri), originator=other), 4103)
    expect_rsc(ctx.cse.delete(request_path(ctx, uri), originator=other), 4103)
    expect_rsc(ctx.cse.delete(request_path(ctx, uri), originator=aei), 2002)
    expect_rsc(ctx.cse.retrieve(request_path(ctx, uri), originator=aei), 4004)


@case("REQ-034", "TS-0004 §7.4.12.2.1",
      "a <request> cannot be created through the API: 4005")
def request_create_refused(ctx):
    aei, _ = ae(ctx)
    expect_rsc(ctx.cse.create(ctx.base, REQ, {"m2m:req": {}}, originator=aei), 4005)


@case("REQ-035", "TS-0004 §7.4.12.2.2",
      "a <request> is read with blocking requests: a non-blocking RETRIEVE of it gets 4000")
def request_retrieve_non_blocking(ctx):
    aei, _ = ae(ctx)
    r, uri = nb_request(ctx, aei, rt=1)
    expect_rsc(r, 1001)
    expect_rsc(completed_request(ctx, aei, uri), 2000)
    expect_rsc(ctx.cse.retrieve(request_path(ctx, uri), originator=aei, query={"rt": 1}), 4000)


@case("REQ-036", "TS-0004 §7.4.12.1 (Table 7.4.12.1-3), §7.3.3.4",
      "the <request>'s own attributes cannot be updated (NP): 4000")
def request_update_refused(ctx):
    aei, _ = ae(ctx)
    r, uri = nb_request(ctx, aei, rt=1)
    expect_rsc(r, 1001)
    expect_rsc(completed_request(ctx, aei, uri), 2000)
    expect_rsc(ctx.cse.update(request_path(ctx, uri), {"m2m:req": {"rs": 2}}, originator=aei), 4000)


@case("REQ-037", "TS-0001 §8.1.2 (Result Persistence), TS-0004 §7.3.2.2 (Table 7.3.2.2-1: "
      "expirationTime)", "the <request> lasts at least the Result Persistence asked (rp=PT60S)")
def request_rp_kept(ctx):
    aei, _ = ae(ctx)
    r, uri = nb_request(ctx, aei, rt=1, query={"rp": "PT60S"})
    expect_rsc(r, 1001)
    q = expect_rsc(completed_request(ctx, aei, uri), 2000)
    et = q.get("m2m:req/et")
    expect(et is not None, "the <request> has an et", q)
    remaining = (parse_ts(et) - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    expect(remaining > 50, f"et is about rp ahead (remaining {remaining:.0f} s)", q)


@case("REQ-038", "TS-0001 §8.1.2 (Result Persistence), TS-0004 §7.3.3.5 (expiration timer)",
      "with a short Result Persistence (rp 2000 ms) the <request> is removed after it")
def request_rp_expires(ctx):
    aei, _ = ae(ctx)
    r, uri = nb_request(ctx, aei, rt=1, query={"rp": "2000"})
    expect_rsc(r, 1001)
    expect_rsc(completed_request(ctx, aei, uri), 2000)
    gone = ctx.eventually(
        lambda: ctx.cse.retrieve(request_path(ctx, uri), originator=aei).rsc == 4004, 8.0, 0.5)
    expect(gone, "the <request> is gone some seconds after its result persistence")


@case("REQ-039", "TS-0001 §8.1.2 (Result Persistence); TS-0004 §6.3.3",
      "a Result Persistence that is no time (rp=xxx) gets 4000")
def rp_invalid(ctx):
    aei, _ = ae(ctx)
    expect_rsc(ctx.cse.retrieve(ctx.base, originator=aei, query={"rt": 1, "rp": "xxx"}), 4000)


@case("REQ-040", "TS-0004 §7.3.2.2, §7.5.1.2.5; TS-0001 §8.1.2 (nonBlockingRequestAsynch)",
      "nonBlockingRequestAsynch (rt=2) is acknowledged with 1002 and the result is sent to the "
      "X-M2M-RTU target as NOTIFY {m2m:rsp}")
def nb_asynch(ctx):
    aei, _ = ae(ctx)
    n = ctx.notifications
    r = ctx.cse.retrieve(ctx.base, originator=aei, query={"rt": 2},
                         headers={"X-M2M-RI": "nba-1", "X-M2M-RTU": n.url + "/rtu-a"})
    expect_rsc(r, 1002)
    got = n.wait(1, 5.0, where=lambda x: isinstance(x.body, dict)
                 and x.body.get("m2m:rsp", {}).get("rqi") == "nba-1")
    expect(len(got) == 1, "one NOTIFY with the response arrived")
    rsp = got[0].body["m2m:rsp"]
    expect(rsp.get("rsc") == 2000, f"m2m:rsp.rsc 2000: {rsp}")
    expect("m2m:cb" in (rsp.get("pc") or {}), f"m2m:rsp.pc is the CSEBase: {rsp}")
    expect(got[0].path.endswith("/rtu-a"), f"sent to the RTU path: {got[0].path}")


@case("REQ-041", "TS-0001 §8.1.2 (nonBlockingRequestAsynch: no targets given)",
      "rt=2 without a response target sends the result to the originator (its pointOfAccess)")
def nb_asynch_originator(ctx):
    aei, _ = ae(ctx)
    n = ctx.notifications
    r = ctx.cse.retrieve(ctx.base, originator=aei, query={"rt": 2}, headers={"X-M2M-RI": "nba-2"})
    expect_rsc(r, 1002)
    got = n.wait(1, 5.0, where=lambda x: isinstance(x.body, dict)
                 and x.body.get("m2m:rsp", {}).get("rqi") == "nba-2")
    expect(len(got) == 1, "the result reached the originator's poa")
    expect(got[0].body["m2m:rsp"].get("rsc") == 2000, f"rsc 2000: {got[0].body}")


@case("REQ-042", "TS-0001 §8.1.2 (nonBlockingRequestAsynch: empty target list)",
      "rt=2 with an empty response target list sends no result at all")
def nb_asynch_empty(ctx):
    aei, _ = ae(ctx)
    n = ctx.notifications
    r = ctx.cse.retrieve(ctx.base, originator=aei, query={"rt": 2},
                         headers={"X-M2M-RI": "nba-3", "X-M2M-RTU": ""})
    expect_rsc(r, 1002)
    got = n.wait(1, 2.0, where=lambda x: isinstance(x.body, dict)
                 and x.body.get("m2m:rsp", {}).get("rqi") == "nba-3")
    expect(len(got) == 0, "no NOTIFY was sent")


@case("REQ-043", "TS-0004 §7.3.2.2, §7.5.1.2.5",
      "rt=2 for a failing operation notifies the failure (m2m:rsp.rsc 4004)")
def nb_asynch_failure(ctx):
    aei, _ = ae(ctx)
    n = ctx.notifications
    r = ctx.cse.retrieve(f"{ctx.base}/{ctx.unique('nothere')}", originator=aei,
                         query={"rt": 2}, headers={"X-M2M-RI": "nba-4", "X-M2M-RTU": n.url})
    expect_rsc(r, 1002)
    got = n.wait(1, 5.0, where=lambda x: isinstance(x.body, dict)
                 and x.body.get("m2m:rsp", {}).get("rqi") == "nba-4")
    expect(len(got) == 1, "one NOTIFY arrived")
    expect(got[0].body["m2m:rsp"].get("rsc") == 4004, f"rsc 4004: {got[0].body}")


@case("REQ-044", "TS-0004 §7.2.2.2 (Recv-2.0); TS-0001 §8.1.2 (flexBlocking)",
      "flexBlocking (rt=4) is answered blocking (2000) or non-blocking synch (1001, with a "
      "reference)")
def flex_blocking(ctx):
    aei, _ = ae(ctx)
    r = ctx.cse.retrieve(ctx.base, originator=aei, query={"rt": 4})
    expect_rsc(r, 2000, 1001)
    if r.rsc == 1001:
        expect(r.get("m2m:uri"), "a reference to a <request>", r)
    else:
        expect(r.get("m2m:cb") is not None, "the CSEBase", r)


@case("REQ-045", "TS-0004 §6.3.4.2.6 (m2m:responseType), §7.3.2.1",
      "a responseType that does not exist (rt=99) gets 4000")
def rt_invalid(ctx):
    expect_rsc(ctx.cse.retrieve(ctx.base, query={"rt": 99}), 4000)


@case("REQ-046", "TS-0004 §7.3.2.2, §7.4.12.2.4",
      "a completed <request> may be deleted by its originator, which ends it (then 4004)")
def request_delete(ctx):
    aei, _ = ae(ctx)
    r, uri = nb_request(ctx, aei, rt=1)
    expect_rsc(r, 1001)
    expect_rsc(completed_request(ctx, aei, uri), 2000)
    expect_rsc(ctx.cse.delete(request_path(ctx, uri), originator=aei), 2002)
    expect_rsc(ctx.cse.retrieve(request_path(ctx, uri), originator=aei), 4004)


@case("REQ-047", "TS-0004 §7.3.2.2, §7.3.2.5",
      "a non-blocking UPDATE runs and its <request> records 2004 with the updated resource")
def request_resource_update(ctx):
    aei, path = ae(ctx)
    rn = ctx.unique("nbUpd")
    expect_rsc(ctx.cse.create(path, CNT, {"m2m:cnt": {"rn": rn}}, originator=aei), 2001)
    r = ctx.cse.update(f"{path}/{rn}", {"m2m:cnt": {"lbl": ["nbLabel"]}}, originator=aei,
                       query={"rt": 1, "rp": "PT60S"})
    expect_rsc(r, 1001)
    q = expect_rsc(completed_request(ctx, aei, r.get("m2m:uri")), 2000)
    expect(q.get("m2m:req/op") == 3, "op UPDATE (3)", q)
    expect(q.get("m2m:req/ors/rsc") == 2004, "ors.rsc 2004", q)
    expect("nbLabel" in (q.get("m2m:req/ors/pc/m2m:cnt/lbl") or []), "ors.pc has the label", q)
    c = expect_rsc(ctx.cse.retrieve(f"{path}/{rn}", originator=aei), 2000)
    expect("nbLabel" in (c.get("m2m:cnt/lbl") or []), "the update took place", c)


@case("REQ-048", "TS-0004 §7.3.2.1; TS-0001 §8.1.2 (Request Expiration Timestamp)",
      "a non-blocking request with an already expired Request Expiration Timestamp is rejected "
      "with 4008, not acknowledged")
def nb_expired(ctx):
    aei, _ = ae(ctx)
    r, _ = nb_request(ctx, aei, rt=1, headers={"X-M2M-RET": ts(-30)})
    expect_rsc(r, 4008)
