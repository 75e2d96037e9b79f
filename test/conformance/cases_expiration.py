"""Resource expiration (expirationTime).

Covers TS-0004 §7.3.3.3 (CREATE: an expirationTime in the past 4000; the Hosting CSE sets one
when none is given, never later than the parent's, and may cut back one beyond its own limits),
§7.3.3.4 (UPDATE: a past expirationTime 4000; one earlier than a child's 4000), §7.3.3.5 and
§7.3.3.7 (the expiration timer deletes the resource as a DELETE would; an update re-starts it),
§7.3.3.7 (NULL for an attribute of multiplicity 1, as expirationTime is: 4000), §7.3.3.8
(deleting updates the parent's counters and deletes the children), §7.5.1.2.2 / §7.5.1.2.4
(notifications for the deletion and the subscription deletion notice); TS-0001 §9.6.1.3
(expirationTime), §9.6.6 (maxInstanceAge). The checks run with the upper tester's
enableShortResourceExpiration (TS-0019 §8.3) so that expirations are seen within seconds.
"""
import datetime
import time

from harness import case, expect, expect_rsc
from onem2m import AE, CIN, CNT, SUB


def ts(offset_s: float = 0.0) -> str:
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_s)
    return t.strftime("%Y%m%dT%H%M%S")


def parse_ts(value: str) -> datetime.datetime:
    base, _, frac = value.replace(".", ",").partition(",")
    t = datetime.datetime.strptime(base, "%Y%m%dT%H%M%S").replace(tzinfo=datetime.timezone.utc)
    if frac:
        t += datetime.timedelta(microseconds=int((frac + "000000")[:6]))
    return t


def seconds_left(et: str) -> float:
    return (parse_ts(et) - datetime.datetime.now(datetime.timezone.utc)).total_seconds()


def setup(ctx):
    ctx.state["max_delta"] = None
    if ctx.cse.has_upper_tester:
        r = ctx.cse.upper_tester("enableShortResourceExpiration 1")
        answer = (r.header("X-M2M-UTRSP") or "").split(",")
        if len(answer) == 2:
            try:
                ctx.state["max_delta"] = float(answer[1])
            except ValueError:
                pass


def teardown(ctx):
    if ctx.cse.has_upper_tester:
        ctx.cse.upper_tester("disableShortResourceExpiration")


def gone(ctx, path, originator=None, timeout=8.0) -> bool:
    return ctx.eventually(lambda: ctx.cse.retrieve(path, originator=originator).rsc == 4004,
                          timeout, 0.25)


def ae_and_container(ctx, cnt_attrs=None):
    aei, path = ctx.register_ae(poa=False, rr=False)
    rn = ctx.unique("cntExp")
    body = {"rn": rn}
    body.update(cnt_attrs or {})
    r = ctx.cse.create(path, CNT, {"m2m:cnt": body}, originator=aei)
    return aei, path, f"{path}/{rn}", r


@case("EXP-001", "TS-0004 §7.3.3.3",
      "a CREATE with an expirationTime in the past gets 4000")
def create_past(ctx):
    _, _, _, r = ae_and_container(ctx, {"et": ts(-60)})
    expect_rsc(r, 4000)


@case("EXP-002", "TS-0004 §7.3.3.4",
      "an UPDATE setting an expirationTime in the past gets 4000 (and changes nothing)")
def update_past(ctx):
    aei, _, cnt, r = ae_and_container(ctx)
    expect_rsc(r, 2001)
    expect_rsc(ctx.cse.update(cnt, {"m2m:cnt": {"et": ts(-60)}}, originator=aei), 4000)
    expect_rsc(ctx.cse.retrieve(cnt, originator=aei), 2000)


@case("EXP-003", "TS-0004 §7.3.3.3, §7.3.3.5; TS-0001 §9.6.1.3.1",
      "without an expirationTime in the CREATE the CSE gives the resource one, in the future")
def create_default(ctx):
    _, _, _, r = ae_and_container(ctx)
    expect_rsc(r, 2001)
    et = r.get("m2m:cnt/et")
    expect(et is not None, "et is set", r)
    expect(et > r.get("m2m:cnt/ct"), "et is after ct", r)


@case("EXP-004", "TS-0004 §7.3.3.3",
      "an expirationTime later than the parent's is cut back to at most the parent's, and the "
      "response says so")
def create_beyond_parent(ctx):
    aei, path = ctx.register_ae(poa=False, rr=False, extra={"et": ts(3600)})
    ae_et = ctx.cse.retrieve(path, originator=aei).get("m2m:ae/et")
    r = expect_rsc(ctx.cse.create(path, CNT, {"m2m:cnt": {"rn": "c", "et": ts(7200)}},
                                  originator=aei), 2001)
    et = r.get("m2m:cnt/et")
    expect(et is not None and parse_ts(et) <= parse_ts(ae_et),
           f"the container's et {et} is not after its AE's {ae_et}", r)


@case("EXP-005", "TS-0004 §7.3.3.5 (expiration timer), §7.3.3.8",
      "a resource is deleted once its expirationTime has passed")
def expires(ctx):
    aei, _, cnt, r = ae_and_container(ctx, {"et": ts(2)})
    expect_rsc(r, 2001)
    expect_rsc(ctx.cse.retrieve(cnt, originator=aei), 2000)
    expect(gone(ctx, cnt, aei), "the container is gone some seconds after its et")


@case("EXP-006", "TS-0004 §7.3.3.8",
      "an expired resource takes its children with it")
def expires_with_children(ctx):
    aei, _, cnt, r = ae_and_container(ctx, {"et": ts(2)})
    expect_rsc(r, 2001)
    c = expect_rsc(ctx.cse.create(cnt, CIN, {"m2m:cin": {"con": "x"}}, originator=aei), 2001)
    cin = f"{cnt}/{c.get('m2m:cin/rn')}"
    expect(gone(ctx, cnt, aei), "the container expired")
    expect_rsc(ctx.cse.retrieve(cin, originator=aei), 4004)


@case("EXP-007", "TS-0004 §7.3.3.8 (parent attributes updated)",
      "an expired contentInstance is removed from its container's cni and cbs")
def cin_expires_counters(ctx):
    aei, _, cnt, r = ae_and_container(ctx)
    expect_rsc(r, 2001)
    expect_rsc(ctx.cse.create(cnt, CIN, {"m2m:cin": {"con": "stays"}}, originator=aei), 2001)
    expect_rsc(ctx.cse.create(cnt, CIN, {"m2m:cin": {"con": "goes", "et": ts(2)}},
                              originator=aei), 2001)
    c = expect_rsc(ctx.cse.retrieve(cnt, originator=aei), 2000)
    expect(c.get("m2m:cnt/cni") == 2, "two instances at first", c)
    ok = ctx.eventually(
        lambda: ctx.cse.retrieve(cnt, originator=aei).get("m2m:cnt/cni") == 1, 8.0, 0.25)
    c = ctx.cse.retrieve(cnt, originator=aei)
    expect(ok, "cni is 1 once the second instance expired", c)
    expect(c.get("m2m:cnt/cbs") == len("stays"), "cbs counts the remaining instance only", c)


@case("EXP-008", "TS-0004 §7.3.3.4",
      "an UPDATE making the expirationTime earlier than a child's expirationTime gets 4000")
def update_before_child(ctx):
    aei, _, cnt, r = ae_and_container(ctx, {"et": ts(7200)})
    expect_rsc(r, 2001)
    expect_rsc(ctx.cse.create(cnt, CNT, {"m2m:cnt": {"rn": "child", "et": ts(3600)}},
                              originator=aei), 2001)
    expect_rsc(ctx.cse.update(cnt, {"m2m:cnt": {"et": ts(1800)}}, originator=aei), 4000)


@case("EXP-009", "TS-0004 §7.3.3.7 (expiration timer re-started)",
      "a later expirationTime set by UPDATE keeps the resource past its former expiry")
def update_extends(ctx):
    aei, _, cnt, r = ae_and_container(ctx, {"et": ts(2)})
    expect_rsc(r, 2001)
    expect_rsc(ctx.cse.update(cnt, {"m2m:cnt": {"et": ts(600)}}, originator=aei), 2004)
    time.sleep(4)
    expect_rsc(ctx.cse.retrieve(cnt, originator=aei), 2000)


@case("EXP-010", "TS-0004 §7.3.3.7 (NULL for an attribute of multiplicity 1); TS-0001 §9.6.1.3.1",
      "expirationTime cannot be removed: an UPDATE setting it to null gets 4000")
def update_null(ctx):
    aei, _, cnt, r = ae_and_container(ctx)
    expect_rsc(r, 2001)
    expect_rsc(ctx.cse.update(cnt, {"m2m:cnt": {"et": None}}, originator=aei), 4000)
    c = expect_rsc(ctx.cse.retrieve(cnt, originator=aei), 2000)
    expect(c.get("m2m:cnt/et") is not None, "et is still there", c)


@case("EXP-011", "TS-0004 §7.3.3.3 (Hosting CSE requirements); TS-0019 §8.3",
      "an expirationTime beyond the CSE's maximum lifetime (as its upper tester reports it) is "
      "cut back to within it")
def create_beyond_maximum(ctx):
    delta = ctx.state.get("max_delta")
    expect(delta is not None and delta > 0,
           "enableShortResourceExpiration reported a maximum expiration delta")
    far = min(2 * delta, 5000 * 365 * 86400)
    rn = ctx.unique("cntFar")
    r = expect_rsc(ctx.cse.create(ctx.base, CNT, {"m2m:cnt": {"rn": rn, "et": ts(far)}}), 2001)
    ctx.cse.delete(f"{ctx.base}/{rn}")
    et = r.get("m2m:cnt/et")
    expect(et is not None and seconds_left(et) <= delta + 60,
           f"et {et} lies within the maximum delta of {delta:.0f} s", r)


@case("EXP-012", "TS-0004 §7.3.3.5, §7.5.1.2.4",
      "when a resource expires, its subscriptions go with it and their subscribers get the "
      "deletion notice (sud)")
def expiry_deletion_notice(ctx):
    aei, _, cnt, r = ae_and_container(ctx, {"et": ts(3)})
    expect_rsc(r, 2001)
    n = ctx.notifications
    tag = ctx.unique("/exp-sud")
    expect_rsc(ctx.cse.create(cnt, SUB, {"m2m:sub": {
        "rn": "sub", "nu": [n.url + tag], "su": n.url + tag, "enc": {"net": [1]}}},
        originator=aei), 2001)
    got = n.wait(1, 10.0, where=lambda x: x.path == tag and isinstance(x.body, dict)
                 and x.body.get("m2m:sgn", {}).get("sud") is True)
    expect(len(got) == 1, "a deletion notice (sud true) reached the subscriber")


@case("EXP-013", "TS-0004 §7.3.3.5 (deleted as by DELETE), §7.5.1.2.2",
      "an expiry is a deletion for subscribers: a delete-direct-child subscription (net 4) on "
      "the parent is notified")
def expiry_notifies_parent_subscription(ctx):
    aei, path = ctx.register_ae(poa=False, rr=False)
    n = ctx.notifications
    tag = ctx.unique("/exp-net4")
    expect_rsc(ctx.cse.create(path, SUB, {"m2m:sub": {
        "rn": "subParent", "nu": [n.url + tag], "enc": {"net": [4]}}}, originator=aei), 2001)
    rn = ctx.unique("cntGone")
    expect_rsc(ctx.cse.create(path, CNT, {"m2m:cnt": {"rn": rn, "et": ts(2)}}, originator=aei),
               2001)
    got = n.wait(1, 10.0, where=lambda x: x.path == tag and isinstance(x.body, dict)
                 and (x.body.get("m2m:sgn", {}).get("nev") or {}).get("net") == 4)
    expect(len(got) == 1, "a delete-direct-child notification arrived")


@case("EXP-014", "TS-0001 §9.6.6 (maxInstanceAge); TS-0004 §7.4.6.1 (Table 7.4.6.1-3)",
      "contentInstances older than the container's maxInstanceAge (2 s) are removed")
def max_instance_age(ctx):
    aei, _, cnt, r = ae_and_container(ctx, {"mia": 2})
    expect_rsc(r, 2001)
    for i in range(3):
        expect_rsc(ctx.cse.create(cnt, CIN, {"m2m:cin": {"con": f"v{i}"}}, originator=aei), 2001)
    ok = ctx.eventually(
        lambda: ctx.cse.retrieve(cnt, originator=aei).get("m2m:cnt/cni") == 0, 8.0, 0.25)
    expect(ok, "cni is 0 some seconds after maxInstanceAge",
           ctx.cse.retrieve(cnt, originator=aei))


@case("EXP-015", "TS-0004 §7.3.3.5; TS-0001 §9.6.5",
      "an <AE> whose expirationTime passes is removed (deregistered)")
def ae_expires(ctx):
    rn = ctx.unique("aeExp")
    r = ctx.cse.create(ctx.base, AE, {"m2m:ae": {"rn": rn, "api": "Nexp", "rr": False,
                                                "srv": [ctx.cse.rvi], "et": ts(2)}},
                       originator="C")
    expect_rsc(r, 2001)
    expect(gone(ctx, f"{ctx.base}/{rn}"), "the AE is gone after its et")


@case("EXP-016", "TS-0004 §7.3.3.8, §7.4.27 (<latest>)",
      "once a container's only contentInstance has expired, its latest (la) is 4004")
def latest_after_expiry(ctx):
    aei, _, cnt, r = ae_and_container(ctx)
    expect_rsc(r, 2001)
    expect_rsc(ctx.cse.create(cnt, CIN, {"m2m:cin": {"con": "brief", "et": ts(2)}},
                              originator=aei), 2001)
    expect_rsc(ctx.cse.retrieve(f"{cnt}/la", originator=aei), 2000)
    expect(gone(ctx, f"{cnt}/la", aei), "la is 4004 after the instance expired")


@case("EXP-017", "TS-0004 §7.3.3.3, §6.3.3 (m2m:timestamp)",
      "an expirationTime that is not a timestamp gets 4000")
def create_malformed(ctx):
    _, _, _, r = ae_and_container(ctx, {"et": "tomorrow"})
    expect_rsc(r, 4000)


@case("EXP-018", "TS-0004 §7.3.3.3, §7.3.3.5",
      "an expirationTime given in the CREATE (in the future, within the parent's) is kept")
def create_kept(ctx):
    et = ts(1800)
    _, _, _, r = ae_and_container(ctx, {"et": et})
    expect_rsc(r, 2001)
    got = r.get("m2m:cnt/et")
    expect(got is not None and abs((parse_ts(got) - parse_ts(et)).total_seconds()) < 1,
           f"et {got} is the requested {et}", r)
