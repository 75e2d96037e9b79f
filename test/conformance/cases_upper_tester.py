"""Upper tester interface (TS-0019 §8.3): the commands a test system sends to the CSE.

POST /__ut__ with the command in X-M2M-UTCMD; the answer is X-M2M-RSC (2000, or 4000 for a command
that cannot be done) and, where the command returns something, X-M2M-UTRSP. Covered: Status,
Reset, enableShortResourceExpiration <s> (its answer: the check interval in effect before and the
CSE's maximum expiration delta, both integer seconds, "<interval>,<delta>" — test systems parse
it so), disableShortResourceExpiration, enableShortRequestExpiration <s> /
disableShortRequestExpiration, refusal of unknown or malformed commands. The effect of a short
check interval is checked against TS-0004 §7.3.3.5 (expiration timer).
"""
import datetime

from harness import case, expect, expect_rsc
from onem2m import CNT

STATES = ("STOPPED", "STARTING", "RUNNING", "STOPPING", "RESETTING")


def ts(offset_s: float = 0.0) -> str:
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_s)
    return t.strftime("%Y%m%dT%H%M%S")


def ut(ctx, command):
    return ctx.cse.upper_tester(command)


def answer_numbers(r):
    """The two comma-separated numbers of an enableShortResourceExpiration answer (leniently
    read), or None."""
    parts = (r.header("X-M2M-UTRSP") or "").split(",")
    if len(parts) != 2:
        return None
    try:
        return float(parts[0]), float(parts[1])
    except ValueError:
        return None


def teardown(ctx):
    ut(ctx, "disableShortResourceExpiration")
    ut(ctx, "disableShortRequestExpiration")


@case("UT-001", "TS-0019 §8.3 (Status)",
      "Status answers 2000 (HTTP 200) with the CSE's state in X-M2M-UTRSP")
def status(ctx):
    r = ut(ctx, "Status")
    expect_rsc(r, 2000)
    expect(r.status == 200, "HTTP 200", r)
    expect(r.header("X-M2M-UTRSP") in STATES, f"UTRSP is one of {STATES}", r)


@case("UT-002", "TS-0019 §8.3 (Reset)",
      "Reset answers 2000 and leaves a fresh CSE: resources made before are gone, the CSEBase is "
      "there")
def reset(ctx):
    rn = ctx.unique("cntUt")
    expect_rsc(ctx.cse.create(ctx.base, CNT, {"m2m:cnt": {"rn": rn}}), 2001)
    before = ctx.cse.retrieve(ctx.base).get("m2m:cb/ct")
    r = ut(ctx, "Reset")
    expect_rsc(r, 2000)
    expect(r.status == 200, "HTTP 200", r)
    expect_rsc(ctx.cse.retrieve(f"{ctx.base}/{rn}"), 4004)
    cb = expect_rsc(ctx.cse.retrieve(ctx.base), 2000)
    expect(cb.get("m2m:cb/ct") >= before, "the CSEBase is the fresh one", cb)


@case("UT-003", "TS-0019 §8.3 (enableShortResourceExpiration)",
      "enableShortResourceExpiration 2 answers 2000 with two integers, \"<interval>,<delta>\"")
def enable_answer_format(ctx):
    r = ut(ctx, "enableShortResourceExpiration 2")
    expect_rsc(r, 2000)
    parts = (r.header("X-M2M-UTRSP") or "").split(",")
    expect(len(parts) == 2, "two comma-separated values", r)
    expect(all(p.strip().lstrip("-").isdigit() for p in parts),
           f"both are integers (test systems read them with int()): {parts}", r)


@case("UT-004", "TS-0019 §8.3 (enableShortResourceExpiration)",
      "the first value answered is the expiration check interval in effect before the command")
def enable_previous_interval(ctx):
    expect_rsc(ut(ctx, "enableShortResourceExpiration 2"), 2000)
    r = expect_rsc(ut(ctx, "enableShortResourceExpiration 3"), 2000)
    nums = answer_numbers(r)
    expect(nums is not None, "two numbers", r)
    expect(nums[0] == 2, f"the previous interval was 2 s; answered {nums[0]}", r)


@case("UT-005", "TS-0019 §8.3 (enableShortResourceExpiration)",
      "the second value answered is the CSE's maximum expiration delta: positive and not changed "
      "by the check interval")
def enable_max_delta(ctx):
    a = expect_rsc(ut(ctx, "enableShortResourceExpiration 2"), 2000)
    b = expect_rsc(ut(ctx, "enableShortResourceExpiration 5"), 2000)
    na, nb = answer_numbers(a), answer_numbers(b)
    expect(na is not None and nb is not None, "two numbers in each answer", b)
    expect(na[1] > 0, f"a positive delta: {na[1]}", a)
    expect(na[1] == nb[1], f"the same maximum delta both times: {na[1]} and {nb[1]}", b)


@case("UT-006", "TS-0019 §8.3 (disableShortResourceExpiration)",
      "disableShortResourceExpiration answers 2000 and restores the original check interval")
def disable_restores(ctx):
    expect_rsc(ut(ctx, "disableShortResourceExpiration"), 2000)
    first = answer_numbers(expect_rsc(ut(ctx, "enableShortResourceExpiration 2"), 2000))
    expect(first is not None, "two numbers")
    r = ut(ctx, "disableShortResourceExpiration")
    expect_rsc(r, 2000)
    expect(r.status == 200, "HTTP 200", r)
    again = answer_numbers(expect_rsc(ut(ctx, "enableShortResourceExpiration 3"), 2000))
    expect(again is not None and again[0] == first[0],
           f"the interval after disable is the original {first[0]}; answered {again}")
    expect_rsc(ut(ctx, "disableShortResourceExpiration"), 2000)


@case("UT-007", "TS-0019 §8.3; TS-0004 §7.3.3.5",
      "with enableShortResourceExpiration 1 an expired resource is removed within seconds")
def short_expiration_effect(ctx):
    expect_rsc(ut(ctx, "enableShortResourceExpiration 1"), 2000)
    rn = ctx.unique("cntUtExp")
    expect_rsc(ctx.cse.create(ctx.base, CNT, {"m2m:cnt": {"rn": rn, "et": ts(2)}}), 2001)
    ok = ctx.eventually(lambda: ctx.cse.retrieve(f"{ctx.base}/{rn}").rsc == 4004, 6.0, 0.25)
    expect_rsc(ut(ctx, "disableShortResourceExpiration"), 2000)
    expect(ok, "the container was removed within a few seconds of its et")


@case("UT-008", "TS-0019 §8.3",
      "enableShortRequestExpiration 5 answers 2000 with a value; disableShortRequestExpiration "
      "answers 2000")
def request_expiration_commands(ctx):
    r = expect_rsc(ut(ctx, "enableShortRequestExpiration 5"), 2000)
    expect(r.header("X-M2M-UTRSP") not in (None, ""), "X-M2M-UTRSP carries a value", r)
    expect_rsc(ut(ctx, "disableShortRequestExpiration"), 2000)


@case("UT-009", "TS-0019 §8.3",
      "an unknown command is refused with 4000 (HTTP 400)")
def unknown_command(ctx):
    r = ut(ctx, "noSuchCommand 1")
    expect_rsc(r, 4000)
    expect(r.status == 400, "HTTP 400", r)


@case("UT-010", "TS-0019 §8.3",
      "enableShortResourceExpiration without its seconds (or with a non-number) is refused: 4000")
def enable_missing_argument(ctx):
    expect_rsc(ut(ctx, "enableShortResourceExpiration"), 4000)
    expect_rsc(ut(ctx, "enableShortResourceExpiration soon"), 4000)


@case("UT-011", "TS-0019 §8.3; test-system practice",
      "command names are matched without regard to case (\"status\" as \"Status\")")
def command_case(ctx):
    r = ut(ctx, "status")
    expect_rsc(r, 2000)
    expect(r.header("X-M2M-UTRSP") in STATES, "the state", r)
