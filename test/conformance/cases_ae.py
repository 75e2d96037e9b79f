"""AE registration and the <AE> resource (TS-0004 §7.4.5, TS-0001 §9.6.5 and §10.2.2.2).

Covers: registration with originator C, C<stem>, S and none (AE-ID-Stem assignment, resourceID =
AE-ID-Stem), 4117 for an AE-ID already registered (§7.4.5.2.1), 4105 for a duplicate
resourceName (§7.3.3.5), App-ID rules (§7.4.5.2.1), mandatory api/rr/srv and the data types of
srv and csz (Table 7.4.5.1-3, Table 6.3.3-1), NP attributes on create and update (§7.3.3.3/.4),
updates of poa/rr/srv, retrieve and deregistration by the AE itself, requests from an AE-ID
that is not registered (§7.3.2.1), and AE-specific common attribute checks (et, unknown
attributes, content/ty mismatch, resourceName syntax, child type).
"""
import time
from datetime import datetime, timedelta, timezone

from harness import case, expect, expect_rsc
from onem2m import AE, CNT


def _body(ctx, rn=None, **attrs):
    b = {"rn": rn or ctx.unique("ae"), "api": "Nconformance", "rr": False, "srv": [ctx.cse.rvi]}
    b.update(attrs)
    return {"m2m:ae": {k: v for k, v in b.items() if v is not _DROP}}


_DROP = object()  # _body(ctx, api=_DROP) leaves api out


def _register(ctx, originator="C", **attrs):
    body = _body(ctx, **attrs)
    r = ctx.cse.create(ctx.base, AE, body, originator=originator)
    return r, f"{ctx.base}/{body['m2m:ae']['rn']}"


def _ts(delta: timedelta) -> str:
    return (datetime.now(timezone.utc) + delta).strftime("%Y%m%dT%H%M%S")


@case("AE-001", "TS-0001 §10.2.2.2 case c), TS-0004 §7.4.5.2.1",
      "an AE registering with originator \"C\" gets a CSE-assigned AE-ID starting with C")
def register_c(ctx):
    r, _ = _register(ctx, "C")
    expect_rsc(r, 2001)
    aei = r.get("m2m:ae/aei")
    expect(isinstance(aei, str) and aei.startswith("C") and len(aei) > 1, "aei is C<stem>", r)
    expect(r.get("m2m:ae/ty") == AE, "ty is 2", r)


@case("AE-002", "TS-0001 §10.2.2.2 step 008/case c)",
      "the resourceID of a registered AE is its AE-ID-Stem")
def ri_is_stem(ctx):
    r, path = _register(ctx, "C")
    expect_rsc(r, 2001)
    aei = r.get("m2m:ae/aei")
    expect(r.get("m2m:ae/ri") == aei, "ri equals the AE-ID-Stem", r)
    expect_rsc(ctx.cse.retrieve(aei, originator=aei), 2000)  # unstructured address = stem


@case("AE-003", "TS-0001 §10.2.2.2 case d)",
      "an AE registering with its own C-stem as originator gets exactly that AE-ID")
def register_own_stem(ctx):
    stem = ctx.unique("Cconf")
    r, _ = _register(ctx, stem)
    expect_rsc(r, 2001)
    expect(r.get("m2m:ae/aei") == stem, "aei is the originator's stem", r)


@case("AE-004", "TS-0001 §10.2.2.2 case a)",
      "an AE registering with originator \"S\" gets an AE-ID starting with S")
def register_s(ctx):
    r, _ = _register(ctx, "S")
    expect_rsc(r, 2001)
    aei = r.get("m2m:ae/aei")
    expect(isinstance(aei, str) and aei.startswith("S") and len(aei) > 1, "aei is S<stem>", r)


@case("AE-005", "TS-0004 §7.3.2.1, TS-0001 §10.2.2.2 step 004",
      "an AE registration without a From parameter is accepted and gets an assigned AE-ID")
def register_no_from(ctx):
    r, _ = _register(ctx, None)
    expect_rsc(r, 2001)
    aei = r.get("m2m:ae/aei")
    expect(isinstance(aei, str) and aei[:1] in ("C", "S") and len(aei) > 1, "aei is assigned", r)


@case("AE-006", "TS-0001 §10.2.2.2 case c)", "two registrations with originator \"C\" get different AE-IDs")
def distinct_aeis(ctx):
    r1, _ = _register(ctx, "C")
    r2, _ = _register(ctx, "C")
    expect_rsc(r1, 2001)
    expect_rsc(r2, 2001)
    expect(r1.get("m2m:ae/aei") != r2.get("m2m:ae/aei"), "the AE-IDs differ", r2)


@case("AE-007", "TS-0004 §7.4.5.2.1",
      "registering again with an AE-ID that is still registered is refused with 4117")
def reregister_in_use(ctx):
    r, _ = _register(ctx, "C")
    expect_rsc(r, 2001)
    aei = r.get("m2m:ae/aei")
    again, path = _register(ctx, aei)  # another resourceName, the same AE-ID
    expect_rsc(again, 4117)
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("AE-008", "TS-0004 §7.3.3.5", "registering an AE with a resourceName already used is refused with 4105")
def duplicate_rn(ctx):
    rn = ctx.unique("ae")
    expect_rsc(_register(ctx, "C", rn=rn)[0], 2001)
    expect_rsc(_register(ctx, "C", rn=rn)[0], 4105)


@case("AE-009", "TS-0004 §7.3.3.8, TS-0001 §10.2.2.2 step 004",
      "a deregistered AE-ID can be registered again")
def reregister_after_delete(ctx):
    stem = ctx.unique("Cconf")
    r, path = _register(ctx, stem)
    expect_rsc(r, 2001)
    expect_rsc(ctx.cse.delete(path, originator=stem), 2002)
    again, _ = _register(ctx, stem)
    expect_rsc(again, 2001)
    expect(again.get("m2m:ae/aei") == stem, "the same AE-ID is assigned", again)


@case("AE-010", "TS-0004 Table 7.4.5.1-3, §7.3.3.3", "an AE registration without App-ID (api) is refused with 4000")
def missing_api(ctx):
    expect_rsc(_register(ctx, "C", api=_DROP)[0], 4000)


@case("AE-011", "TS-0004 §7.4.5.2.1", "an App-ID starting with anything but R or N is refused with 4000")
def bad_api_prefix(ctx):
    expect_rsc(_register(ctx, "C", api="Xwrong")[0], 4000)
    expect_rsc(_register(ctx, "C", api="nlower")[0], 4000)


@case("AE-012", "TS-0004 §7.4.5.2.1", "App-IDs starting with R (registered) and N (non-registered) are accepted")
def good_api_prefixes(ctx):
    expect_rsc(_register(ctx, "C", api="Rorg.example.conformance")[0], 2001)
    expect_rsc(_register(ctx, "C", api="Nconformance")[0], 2001)


@case("AE-013", "TS-0004 §7.4.5.2.1 (Release 3 text)",
      "with release 3, an App-ID starting with lower-case r is accepted")
def lowercase_r_release3(ctx):
    body = _body(ctx, api="rorg.example.conformance", srv=["3"])
    r = ctx.cse.create(ctx.base, AE, body, originator="C", rvi="3")
    expect_rsc(r, 2001)


@case("AE-014", "TS-0004 Table 7.4.5.1-3, §7.3.3.3",
      "an AE registration without requestReachability (rr) is refused with 4000")
def missing_rr(ctx):
    expect_rsc(_register(ctx, "C", rr=_DROP)[0], 4000)


@case("AE-015", "TS-0004 Table 7.4.5.1-3, §7.3.3.3",
      "an AE registration without supportedReleaseVersions (srv) is refused with 4000")
def missing_srv(ctx):
    expect_rsc(_register(ctx, "C", srv=_DROP)[0], 4000)


@case("AE-016", "TS-0004 Table 6.3.3-1 (m2m:supportedReleaseVersions)",
      "srv that is not a non-empty list of release versions is refused with 4000")
def bad_srv(ctx):
    expect_rsc(_register(ctx, "C", srv=[])[0], 4000)
    expect_rsc(_register(ctx, "C", srv="3")[0], 4000)


@case("AE-017", "TS-0004 Table 6.3.3-1 (m2m:supportedReleaseVersions), §7.3.3.3",
      "srv naming a release version that does not exist is refused with 4000")
def unknown_srv(ctx):
    expect_rsc(_register(ctx, "C", srv=["99"])[0], 4000)


@case("AE-018", "TS-0004 Table 7.4.5.1-3, Table 6.3.3-1 (m2m:serializations)",
      "an AE registration with a contentSerialization that is no serialization is refused with 4000")
def bad_csz(ctx):
    expect_rsc(_register(ctx, "C", csz=["wrong"])[0], 4000)


@case("AE-019", "TS-0004 Table 7.4.5.1-3, Table 6.3.3-1 (m2m:serializations)",
      "an AE registration with a valid contentSerialization keeps it")
def good_csz(ctx):
    # Either spelling of a serialization (json or application/json) is a valid value.
    results = []
    for csz in (["application/json", "application/cbor"], ["json", "cbor"]):
        r, _ = _register(ctx, "C", csz=csz)
        results.append(r)
        if r.rsc == 2001:
            expect(r.get("m2m:ae/csz") == csz, "csz is stored as given", r)
            return
    expect(False, "a valid csz is accepted in one of its spellings", results[-1])


@case("AE-020", "TS-0004 Table 7.4.5.1-3, §7.3.3.3",
      "an AE registration that sets the AE-ID (aei, NP) is refused with 4000")
def aei_np_on_create(ctx):
    expect_rsc(_register(ctx, "C", aei=ctx.unique("Cfake"))[0], 4000)


@case("AE-021", "TS-0004 Table 7.4.5.1-3, §7.3.3.4", "an UPDATE of the App-ID (api, NP on update) is refused with 4000")
def update_api(ctx):
    aei, path = ctx.register_ae(poa=False)
    expect_rsc(ctx.cse.update(path, {"m2m:ae": {"api": "Nother"}}, originator=aei), 4000)
    r = expect_rsc(ctx.cse.retrieve(path, originator=aei), 2000)
    expect(r.get("m2m:ae/api") == "Nconformance", "api is unchanged", r)


@case("AE-022", "TS-0004 Table 7.4.5.1-3, §7.3.3.4", "an UPDATE of the AE-ID (aei, NP) is refused with 4000")
def update_aei(ctx):
    aei, path = ctx.register_ae(poa=False)
    expect_rsc(ctx.cse.update(path, {"m2m:ae": {"aei": ctx.unique("Cother")}}, originator=aei), 4000)


@case("AE-023", "TS-0004 Table 7.4.5.1-2, §7.3.3.4",
      "an UPDATE of universal attributes (ty, ri, pi, ct, rn) is refused with 4000")
def update_universal(ctx):
    aei, path = ctx.register_ae(poa=False)
    for attr, value in (("ty", 5), ("ri", "x"), ("pi", "x"), ("ct", "20200101T000000"), ("rn", "x")):
        expect_rsc(ctx.cse.update(path, {"m2m:ae": {attr: value}}, originator=aei), 4000)


@case("AE-024", "TS-0004 §7.3.3.4", "an UPDATE with an attribute the AE does not have is refused with 4000")
def update_unknown_attr(ctx):
    aei, path = ctx.register_ae(poa=False)
    expect_rsc(ctx.cse.update(path, {"m2m:ae": {"unknown": "x"}}, originator=aei), 4000)


@case("AE-025", "TS-0004 Table 7.4.5.1-3, §7.3.3.7",
      "the AE can update its pointOfAccess; the new value is kept and lt advances")
def update_poa(ctx):
    aei, path = ctx.register_ae(poa=False)
    before = expect_rsc(ctx.cse.retrieve(path, originator=aei), 2000)
    time.sleep(1.05)  # lt may have a resolution of one second
    poa = ["http://127.0.0.1:9/a", "mqtt://127.0.0.1:1883"]
    r = expect_rsc(ctx.cse.update(path, {"m2m:ae": {"poa": poa}}, originator=aei), 2004)
    expect(r.get("m2m:ae/poa") == poa, "the response carries the new poa", r)
    after = expect_rsc(ctx.cse.retrieve(path, originator=aei), 2000)
    expect(after.get("m2m:ae/poa") == poa, "poa is updated", after)
    expect(after.get("m2m:ae/lt") > before.get("m2m:ae/lt"), "lt advanced", after)


@case("AE-026", "TS-0004 Table 7.4.5.1-3", "the AE can update rr and srv (optional on update)")
def update_rr_srv(ctx):
    aei, path = ctx.register_ae(poa=False)
    r = ctx.cse.update(path, {"m2m:ae": {"rr": True, "srv": ["3", "4"]}}, originator=aei)
    expect_rsc(r, 2004)
    after = expect_rsc(ctx.cse.retrieve(path, originator=aei), 2000)
    expect(after.get("m2m:ae/rr") is True and after.get("m2m:ae/srv") == ["3", "4"], "rr/srv updated", after)


@case("AE-027", "TS-0004 §7.3.3.7", "an UPDATE setting rr (multiplicity 1) to null is refused with 4000")
def update_rr_null(ctx):
    aei, path = ctx.register_ae(poa=False)
    expect_rsc(ctx.cse.update(path, {"m2m:ae": {"rr": None}}, originator=aei), 4000)


@case("AE-028", "TS-0004 §7.3.3.7", "an UPDATE setting an optional 0..1 attribute (apn) to null removes it")
def update_apn_null(ctx):
    aei, path = ctx.register_ae(poa=False, extra={"apn": "conformance"})
    expect_rsc(ctx.cse.update(path, {"m2m:ae": {"apn": None}}, originator=aei), 2004)
    r = expect_rsc(ctx.cse.retrieve(path, originator=aei), 2000)
    expect(r.get("m2m:ae/apn") is None, "apn is removed", r)


@case("AE-029", "TS-0004 §7.4.5.2.2, Table 7.4.5.1-2/-3",
      "the AE can retrieve itself; the representation has its registration attributes")
def retrieve_self(ctx):
    aei, path = ctx.register_ae(poa=False)
    r = expect_rsc(ctx.cse.retrieve(path, originator=aei), 2000)
    cb = expect_rsc(ctx.cse.retrieve(ctx.base), 2000)
    a = r.get("m2m:ae")
    expect(a.get("ty") == AE and a.get("aei") == aei and a.get("api") == "Nconformance", "ty/aei/api", r)
    expect(a.get("rr") is False and a.get("srv") == [ctx.cse.rvi], "rr/srv as registered", r)
    expect(a.get("pi") == cb.get("m2m:cb/ri"), "pi is the CSEBase's ri", r)
    expect(a.get("ct") and a.get("lt") and a["ct"] <= a["lt"], "ct <= lt", r)
    expect(a.get("et") and a["et"] > a["ct"], "an expirationTime after ct is set", r)


@case("AE-030", "TS-0004 §7.3.2.1",
      "a request from an AE-ID that is not registered (outside a security association) gets 4106")
def unregistered_originator(ctx):
    _, path = ctx.register_ae(poa=False)
    stranger = ctx.unique("Cnotregistered")
    expect_rsc(ctx.cse.retrieve(path, originator=stranger), 4106)
    expect_rsc(ctx.cse.create(path, CNT, {"m2m:cnt": {}}, originator=stranger), 4106)


@case("AE-031", "TS-0004 §7.2.2.2, §7.3.3.8",
      "the AE can deregister itself; afterwards the <AE> and its children are gone")
def deregister(ctx):
    aei, path = ctx.register_ae(poa=False)
    cnt = ctx.unique("cnt")
    expect_rsc(ctx.cse.create(path, CNT, {"m2m:cnt": {"rn": cnt}}, originator=aei), 2001)
    expect_rsc(ctx.cse.delete(path, originator=aei), 2002)
    expect_rsc(ctx.cse.retrieve(path), 4004)
    expect_rsc(ctx.cse.retrieve(f"{path}/{cnt}"), 4004)


@case("AE-032", "TS-0004 Table 7.4.5.1-4, §7.3.3.3",
      "an <AE> cannot be created under an <AE> (4108)")
def ae_under_ae(ctx):
    aei, path = ctx.register_ae(poa=False)
    r = ctx.cse.create(path, AE, _body(ctx), originator="C")
    expect_rsc(r, 4108)


@case("AE-033", "TS-0004 §7.3.3.3", "an AE registration with an expirationTime in the past is refused with 4000")
def et_in_past(ctx):
    expect_rsc(_register(ctx, "C", et="20000101T000000")[0], 4000)


@case("AE-034", "TS-0004 §7.3.3.3",
      "an AE registration whose content is not an m2m:ae (ty=2 with m2m:cnt) is refused with 4000")
def content_type_mismatch(ctx):
    r = ctx.cse.create(ctx.base, AE, {"m2m:cnt": {"rn": ctx.unique("x")}}, originator="C")
    expect_rsc(r, 4000)


@case("AE-035", "TS-0004 §7.3.3.3", "an AE registration with an attribute the AE does not have is refused with 4000")
def create_unknown_attr(ctx):
    expect_rsc(_register(ctx, "C", mni=3)[0], 4000)
    expect_rsc(_register(ctx, "C", cr=None)[0], 4000)  # AE has no creator attribute


@case("AE-036", "TS-0004 Table 6.3.3-1 (m2m:resourceName), §7.3.3.3",
      "a resourceName with characters outside the unreserved set is refused with 4000")
def bad_resource_name(ctx):
    expect_rsc(_register(ctx, "C", rn="bad?name")[0], 4000)
    expect_rsc(_register(ctx, "C", rn="bad name")[0], 4000)


@case("AE-037", "TS-0004 §7.3.3.3", "an AE registration with a future expirationTime keeps it")
def et_future(ctx):
    et = _ts(timedelta(hours=1))
    r, _ = _register(ctx, "C", et=et)
    expect_rsc(r, 2001)
    expect(r.get("m2m:ae/et", "")[:15] <= et, "et is the given one (or earlier by policy)", r)


@case("AE-038", "TS-0004 Table 6.3.3-1 (m2m:labels), §7.3.3.3",
      "labels that are not a list of tokens are refused with 4000")
def bad_labels(ctx):
    expect_rsc(_register(ctx, "C", lbl="notalist")[0], 4000)
    expect_rsc(_register(ctx, "C", lbl=["tab\tinside"])[0], 4000)


@case("AE-039", "TS-0004 §7.3.3.6",
      "a partial retrieve of the AE returns the listed attributes only")
def partial_retrieve(ctx):
    aei, path = ctx.register_ae(poa=False)
    r = expect_rsc(ctx.cse.retrieve(path, originator=aei, query={"atrl": "api+aei"}), 2000)
    expect(r.get("m2m:ae") == {"api": "Nconformance", "aei": aei}, "only api and aei", r)
