"""mgmtObj (TS-0004 §7.4.15, Annex D; TS-0001 Annex D).

Covers the common <mgmtObj> attributes (Table 7.4.15.1-2: mgmtDefinition M/NP, objectIDs and
objectPaths O/NP, description O/O), each specialization of TS-0004 Annex D with its mandatory
attributes and value ranges ([firmware] … [eventLog], D.2–D.11), the opposite-trigger rules
(install/uninstall, activate/deactivate, enable/disable, reboot/factoryReset, logStart/logStop:
both true in one request is 4000), the [areaNwkDeviceInfo] ↔ [areaNwkInfo] listOfDevices upkeep
(D.6.2.1, D.6.2.4), the CMDH specializations of D.12 (created, or 5001 from a CSE that does not
implement them: §7.3.3.3, an M attribute whose value names an unsupported feature), the
short names of Table 8.2.4-1, and the TS-0022 device configuration objects (clause 7.2):
[dataCollection], [myCertFileCred], [wifiClient], [credentials], [SIM], [mobileNetwork] in the
dcfg namespace, each created and read back and refused (4000) when it breaks its table.
"""
from harness import case, expect, expect_rsc
from onem2m import MGMTOBJ, SUB

# A valid body for each Annex D specialization (D.2–D.11): its mandatory attributes only.
VALID = {
    "m2m:fwr": {"mgd": 1001, "vr": "1.0", "fwn": "fw", "url": "http://example.com/fw", "ud": False},
    "m2m:swr": {"mgd": 1002, "vr": "1.0", "swn": "sw", "url": "http://example.com/sw"},
    "m2m:mem": {"mgd": 1003, "mma": 1024, "mmt": 4096},
    "m2m:ani": {"mgd": 1004, "ant": "802.15.4"},
    "m2m:andi": {"mgd": 1005, "dvd": "dev1", "dvt": "sensor", "awi": "unknown-area-network"},
    "m2m:bat": {"mgd": 1006, "btl": 80, "bts": 1},
    "m2m:dvi": {"mgd": 1007, "dlb": "label", "man": "ACME", "mod": "M1", "dty": "thermometer"},
    "m2m:dvc": {"mgd": 1008, "can": "camera", "att": True, "cas": {"acn": "enable", "sus": 0},
                "cus": False},
    "m2m:rbo": {"mgd": 1009},
    "m2m:evl": {"mgd": 1010, "lgt": 1, "lgd": "log data", "lgst": 1},
}
NAMES = {"m2m:fwr": "[firmware] D.2", "m2m:swr": "[software] D.3", "m2m:mem": "[memory] D.4",
         "m2m:ani": "[areaNwkInfo] D.5", "m2m:andi": "[areaNwkDeviceInfo] D.6",
         "m2m:bat": "[battery] D.7", "m2m:dvi": "[deviceInfo] D.8",
         "m2m:dvc": "[deviceCapability] D.9", "m2m:rbo": "[reboot] D.10",
         "m2m:evl": "[eventLog] D.11"}


def setup(ctx):
    rn = ctx.unique("mgoNode")
    r = ctx.cse.create(ctx.base, 14, {"m2m:nod": {"rn": rn, "ni": "urn:dev:ops:mgo-node"}})
    expect_rsc(r, 2001)
    ctx.state["node"] = f"{ctx.base}/{rn}"
    ctx.state["node_ri"] = r.get("m2m:nod/ri")


def _create(ctx, key, body, rn=None, parent=None):
    rn = rn or ctx.unique(key.split(":")[1])
    content = dict(body)
    content["rn"] = rn
    r = ctx.cse.create(parent or ctx.state["node"], MGMTOBJ, {key: content})
    return r, f"{parent or ctx.state['node']}/{rn}"


def _new(ctx, key, extra=None):
    body = dict(VALID[key])
    body.update(extra or {})
    r, path = _create(ctx, key, body)
    expect_rsc(r, 2001)
    return r, path


def _valid_case(key, n):
    mgd = VALID[key]["mgd"]

    @case(f"MGO-{n:03d}", f"TS-0004 Annex {NAMES[key].split()[1]}, §7.4.15.2.2",
          f"a {NAMES[key].split()[0]} mgmtObj with its mandatory attributes is created "
          f"({key}, mgd {mgd})")
    def fn(ctx):
        r, path = _create(ctx, key, VALID[key])
        expect_rsc(r, 2001)
        expect(r.get(f"{key}/ty") == MGMTOBJ, "ty is 13", r)
        expect(r.get(f"{key}/mgd") == mgd, f"mgd is {mgd}", r)
        got = expect_rsc(ctx.cse.retrieve(path), 2000)
        expect(isinstance(got.get(key), dict), f"the resource is represented as {key}", got)
        for a, v in VALID[key].items():
            expect(got.get(f"{key}/{a}") == v, f"{a} is kept as given", got)
        expect(got.get(f"{key}/pi") == ctx.state["node_ri"], "its parent is the node", got)
    return fn


def _missing_case(key, n):
    mandatory = [a for a in VALID[key] if a != "mgd"]

    @case(f"MGO-{n:03d}", f"TS-0004 Annex {NAMES[key].split()[1]}, §7.3.3.3",
          f"a {NAMES[key].split()[0]} mgmtObj missing any one mandatory attribute "
          f"({', '.join(mandatory)}) is refused with 4000")
    def fn(ctx):
        for a in mandatory:
            body = {k: v for k, v in VALID[key].items() if k != a}
            r, path = _create(ctx, key, body)
            expect(r.rsc == 4000, f"without {a}: 4000", r)
            expect_rsc(ctx.cse.retrieve(path), 4004)
    return fn


_n = 1
for _key in VALID:
    _valid_case(_key, _n)
    _n += 1
for _key in VALID:
    if len(VALID[_key]) > 1:
        _missing_case(_key, _n)
        _n += 1
# _n is now 20: the cases below are numbered from MGO-020 on.


@case("MGO-020", "TS-0004 Table 7.4.15.1-2, §7.3.3.3",
      "a mgmtObj without mgmtDefinition is refused with 4000")
def missing_mgd(ctx):
    body = {k: v for k, v in VALID["m2m:bat"].items() if k != "mgd"}
    r, path = _create(ctx, "m2m:bat", body)
    expect_rsc(r, 4000)
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("MGO-021", "TS-0004 §7.3.3.3, Table 6.3.4.2.22-1",
      "a mgmtDefinition that does not match the specialization ([battery] with 1001) is refused with 4000")
def mgd_mismatch(ctx):
    body = dict(VALID["m2m:bat"], mgd=1001)
    r, path = _create(ctx, "m2m:bat", body)
    expect_rsc(r, 4000)
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("MGO-022", "TS-0004 Table 7.4.15.1-2, §7.3.3.4",
      "mgmtDefinition cannot be updated (NP): 4000")
def update_mgd(ctx):
    _, path = _new(ctx, "m2m:bat")
    expect_rsc(ctx.cse.update(path, {"m2m:bat": {"mgd": 1006}}), 4000)


@case("MGO-023", "TS-0004 Table 7.4.15.1-2, §7.3.3.4",
      "objectIDs and objectPaths are write-once: given at creation, refused in an UPDATE (4000)")
def object_ids(ctx):
    r, path = _new(ctx, "m2m:mem", {"obis": ["urn:oma:lwm2m:oma:3:1.0"], "obps": ["/3/0"]})
    got = expect_rsc(ctx.cse.retrieve(path), 2000)
    expect(got.get("m2m:mem/obis") == ["urn:oma:lwm2m:oma:3:1.0"], "obis is kept", got)
    expect(got.get("m2m:mem/obps") == ["/3/0"], "obps is kept", got)
    expect_rsc(ctx.cse.update(path, {"m2m:mem": {"obis": ["urn:x"]}}), 4000)
    expect_rsc(ctx.cse.update(path, {"m2m:mem": {"obps": ["/9"]}}), 4000)


@case("MGO-024", "TS-0004 Table 7.4.15.1-2", "description may be given at creation and updated")
def description(ctx):
    _, path = _new(ctx, "m2m:mem", {"dc": "first"})
    r = expect_rsc(ctx.cse.update(path, {"m2m:mem": {"dc": "second"}}), 2004)
    expect(r.get("m2m:mem/dc") == "second", "dc is updated", r)


@case("MGO-025", "TS-0004 Annex D.4, §7.4.15.2.4",
      "an attribute of the specialization can be updated (memAvailable) and lastModifiedTime advances")
def update_object_attribute(ctx):
    r0, path = _new(ctx, "m2m:mem")
    r = expect_rsc(ctx.cse.update(path, {"m2m:mem": {"mma": 2048}}), 2004)
    expect(r.get("m2m:mem/mma") == 2048, "mma is updated", r)
    expect(r.get("m2m:mem/lt") >= r0.get("m2m:mem/lt"), "lt does not go back", r)


@case("MGO-026", "TS-0004 §7.3.3.3", "an attribute the specialization does not define is refused with 4000")
def unknown_attribute(ctx):
    r, path = _create(ctx, "m2m:fwr", dict(VALID["m2m:fwr"], foo="bar"))
    expect_rsc(r, 4000)
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("MGO-027", "TS-0004 Annex D.2, §7.3.3.3",
      "[firmware] updateStatus is not permitted at creation (NP): 4000")
def firmware_uds_np(ctx):
    r, path = _create(ctx, "m2m:fwr", dict(VALID["m2m:fwr"], uds={"acn": "x", "sus": 0}))
    expect_rsc(r, 4000)
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("MGO-028", "TS-0004 Annex D.2", "[firmware] update may be set to true by an UPDATE")
def firmware_update_trigger(ctx):
    _, path = _new(ctx, "m2m:fwr")
    r = expect_rsc(ctx.cse.update(path, {"m2m:fwr": {"ud": True}}), 2004)
    expect(r.get("m2m:fwr/ud") is True, "ud is true", r)


@case("MGO-029", "TS-0004 Annex D.3, §7.3.3.3",
      "[software] install/uninstall/activate/deactivate are not permitted at creation (NP): 4000")
def software_triggers_np(ctx):
    for a in ("in", "un", "act", "dea"):
        r, path = _create(ctx, "m2m:swr", dict(VALID["m2m:swr"], **{a: True}))
        expect(r.rsc == 4000, f"{a} at creation: 4000", r)
        expect_rsc(ctx.cse.retrieve(path), 4004)


@case("MGO-030", "TS-0004 Annex D.3.2.2",
      "[software] install and uninstall both true in one UPDATE is refused with 4000")
def software_install_uninstall(ctx):
    _, path = _new(ctx, "m2m:swr")
    expect_rsc(ctx.cse.update(path, {"m2m:swr": {"in": True, "un": True}}), 4000)


@case("MGO-031", "TS-0004 Annex D.3.2.2",
      "[software] activate and deactivate both true in one UPDATE is refused with 4000")
def software_activate_deactivate(ctx):
    _, path = _new(ctx, "m2m:swr")
    expect_rsc(ctx.cse.update(path, {"m2m:swr": {"act": True, "dea": True}}), 4000)


@case("MGO-032", "TS-0004 Annex D.3.2.2", "[software] install alone is accepted (2004)")
def software_install(ctx):
    _, path = _new(ctx, "m2m:swr")
    expect_rsc(ctx.cse.update(path, {"m2m:swr": {"in": True}}), 2004)


@case("MGO-033", "TS-0004 Annex D.7, Table 6.3.4.2.21-1",
      "[battery] batteryLevel outside 0–100 or batteryStatus outside 1–7 is refused with 4000")
def battery_ranges(ctx):
    for extra in ({"btl": 101}, {"bts": 8}, {"bts": 0}):
        r, path = _create(ctx, "m2m:bat", dict(VALID["m2m:bat"], **extra))
        expect(r.rsc == 4000, f"{extra}: 4000", r)
        expect_rsc(ctx.cse.retrieve(path), 4004)


@case("MGO-034", "TS-0004 Annex D.8, §7.3.3.4",
      "[deviceInfo] manufacturer, model, subModel, hwVersion, country are write-once: UPDATE is 4000")
def device_info_write_once(ctx):
    _, path = _new(ctx, "m2m:dvi")
    for a, v in (("man", "Other"), ("mod", "M2"), ("smod", "S"), ("hwv", "2"), ("cnty", "FR")):
        r = ctx.cse.update(path, {"m2m:dvi": {a: v}})
        expect(r.rsc == 4000, f"update of {a}: 4000", r)


@case("MGO-035", "TS-0004 Annex D.8", "[deviceInfo] deviceLabel and fwVersion may be updated")
def device_info_update(ctx):
    _, path = _new(ctx, "m2m:dvi")
    r = expect_rsc(ctx.cse.update(path, {"m2m:dvi": {"dlb": "new", "fwv": "2.0"}}), 2004)
    expect(r.get("m2m:dvi/dlb") == "new" and r.get("m2m:dvi/fwv") == "2.0", "both are updated", r)


@case("MGO-036", "TS-0004 Annex D.9.2.3",
      "[deviceCapability] enable and disable both true in one UPDATE is refused with 4000")
def capability_enable_disable(ctx):
    _, path = _new(ctx, "m2m:dvc")
    expect_rsc(ctx.cse.update(path, {"m2m:dvc": {"ena": True, "dis": True}}), 4000)


@case("MGO-037", "TS-0004 Annex D.9 (Table D.9.1-2)",
      "[deviceCapability] enable alone is accepted and reads back true (its value is always true)")
def capability_enable(ctx):
    _, path = _new(ctx, "m2m:dvc")
    expect_rsc(ctx.cse.update(path, {"m2m:dvc": {"ena": True}}), 2004)
    got = expect_rsc(ctx.cse.retrieve(path), 2000)
    expect(got.get("m2m:dvc/ena") is True, "ena reads true", got)


@case("MGO-038", "TS-0004 Annex D.10.2.2",
      "[reboot] reboot and factoryReset both true in one UPDATE is refused with 4000")
def reboot_both(ctx):
    _, path = _new(ctx, "m2m:rbo")
    expect_rsc(ctx.cse.update(path, {"m2m:rbo": {"rbo": True, "far": True}}), 4000)


@case("MGO-039", "TS-0004 Annex D.10.2.2", "[reboot] reboot alone is accepted (2004)")
def reboot_alone(ctx):
    _, path = _new(ctx, "m2m:rbo")
    expect_rsc(ctx.cse.update(path, {"m2m:rbo": {"rbo": True}}), 2004)


@case("MGO-040", "TS-0004 Annex D.11.2.2",
      "[eventLog] logStart and logStop both true in one UPDATE is refused with 4000")
def eventlog_both(ctx):
    _, path = _new(ctx, "m2m:evl")
    expect_rsc(ctx.cse.update(path, {"m2m:evl": {"lga": True, "lgo": True}}), 4000)


@case("MGO-041", "TS-0004 Annex D.11, Tables 6.3.4.2.23-1 and 6.3.4.2.24-1",
      "[eventLog] a logTypeId or logStatus outside its enumeration is refused with 4000")
def eventlog_ranges(ctx):
    for extra in ({"lgt": 6}, {"lgst": 9}):
        r, path = _create(ctx, "m2m:evl", dict(VALID["m2m:evl"], **extra))
        expect(r.rsc == 4000, f"{extra}: 4000", r)
        expect_rsc(ctx.cse.retrieve(path), 4004)


@case("MGO-042", "TS-0004 Annex D.6.2.1",
      "creating an [areaNwkDeviceInfo] adds its resourceID to the listOfDevices of the [areaNwkInfo] it names")
def andi_links(ctx):
    ani, ani_path = _new(ctx, "m2m:ani")
    andi, _ = _new(ctx, "m2m:andi", {"awi": ani.get("m2m:ani/ri")})
    got = expect_rsc(ctx.cse.retrieve(ani_path), 2000)
    expect(andi.get("m2m:andi/ri") in (got.get("m2m:ani/ldv") or []), "ldv lists the device", got)


@case("MGO-043", "TS-0004 Annex D.6.2.4, Table 6.3.3-1 (m2m:listOfURIs)",
      "deleting the [areaNwkDeviceInfo] removes it from listOfDevices (no empty list is left)")
def andi_unlinks(ctx):
    ani, ani_path = _new(ctx, "m2m:ani")
    andi, andi_path = _new(ctx, "m2m:andi", {"awi": ani.get("m2m:ani/ri")})
    expect_rsc(ctx.cse.delete(andi_path), 2002)
    got = expect_rsc(ctx.cse.retrieve(ani_path), 2000)
    ldv = got.get("m2m:ani/ldv")
    expect(andi.get("m2m:andi/ri") not in (ldv or []), "ldv no longer lists the device", got)
    expect(ldv is None or len(ldv) > 0, "ldv is removed rather than left empty", got)


@case("MGO-044", "TS-0004 Table 7.4.5.1-4, §7.3.3.3",
      "a mgmtObj under an <AE> is refused with 4108 (not a child type of <AE>)")
def mgmtobj_under_ae(ctx):
    _, ae_path = ctx.register_ae()
    r, path = _create(ctx, "m2m:bat", VALID["m2m:bat"], parent=ae_path)
    expect_rsc(r, 4108)
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("MGO-045", "TS-0004 Table 7.4.15.1-3, §7.5.1.2.2",
      "a <subscription> under a mgmtObj is notified when the mgmtObj is updated")
def subscription_on_mgmtobj(ctx):
    _, path = _new(ctx, "m2m:bat")
    sub_rn = ctx.unique("sub")
    s = ctx.cse.create(path, SUB, {"m2m:sub": {"rn": sub_rn, "nu": [ctx.notifications.url],
                                               "enc": {"net": [1]}}})
    expect_rsc(s, 2001)
    sub_ri = s.get("m2m:sub/ri")
    expect_rsc(ctx.cse.update(path, {"m2m:bat": {"btl": 42}}), 2004)

    def mine(rec):
        sgn = rec.body.get("m2m:sgn") if isinstance(rec.body, dict) else None
        return bool(sgn) and not sgn.get("vrq") and str(sgn.get("sur", "")).endswith(
            (sub_ri, sub_rn)) and sgn.get("nev") is not None
    got = ctx.notifications.wait(1, 5.0, mine)
    expect(got, "a notification for the update arrives")
    rep = got[-1].body["m2m:sgn"]["nev"].get("rep") or {}
    expect(rep.get("m2m:bat", {}).get("btl") == 42, f"it carries the updated [battery]; got {rep}")


@case("MGO-046", "TS-0004 §7.3.3.3, Table 7.4.15.1-2",
      "the content key must match the resource type: an m2m:bat body with ty 14 is refused with 4000")
def key_type_mismatch(ctx):
    rn = ctx.unique("bat")
    r = ctx.cse.create(ctx.base, 14, {"m2m:bat": dict(VALID["m2m:bat"], rn=rn)})
    expect_rsc(r, 4000)
    expect_rsc(ctx.cse.retrieve(f"{ctx.base}/{rn}"), 4004)


# CMDH specializations (D.12): a CSE implements them (2001) or answers 5001 NOT_IMPLEMENTED
# (§7.3.3.3: a mandatory attribute whose value relates to an unsupported feature). Not 4000:
# the request is valid. Bodies carry the mandatory attributes of Tables D.12.x-2.
CMDH = [
    ("m2m:acmp", "[activeCmdhPolicy] D.12.2", {"mgd": 1012, "acmlk": "cmdhPolicy1"}),
    ("m2m:cmdv", "[cmdhDefEcValue] D.12.4", {"mgd": 1014, "od": 1, "dev": 3, "ror": ["Cae1"]}),
    ("m2m:cmnr", "[cmdhNetworkAccessRules] D.12.7", {"mgd": 1017, "aecs": [0]}),
    ("m2m:cmbf", "[cmdhBuffer] D.12.9", {"mgd": 1019, "aec": [0], "mbfs": 1000, "sgp": 5}),
]


def _cmdh_case(n, key, name, body):
    @case(f"MGO-{n:03d}", f"TS-0004 Annex {name.split()[1]}, §7.3.3.3, Table 8.2.4-1",
          f"a valid {name.split()[0]} mgmtObj ({key}) is created, or refused with 5001 if not "
          f"implemented (not 4000)")
    def fn(ctx):
        r, path = _create(ctx, key, body)
        expect_rsc(r, 2001, 5001)
        if r.rsc == 2001:
            expect(r.get(f"{key}/mgd") == body["mgd"], f"mgd is {body['mgd']}", r)
    return fn


for _i, (_k, _nm, _b) in enumerate(CMDH):
    _cmdh_case(47 + _i, _k, _nm, _b)


@case("MGO-051", "TS-0004 Table 6.3.4.2.22-1, §7.3.3.3",
      "a mgmtDefinition value outside m2m:mgmtDefinition (e.g. 4711) is refused with 4000")
def mgd_not_defined(ctx):
    r, path = _create(ctx, "m2m:bat", dict(VALID["m2m:bat"], mgd=4711))
    expect_rsc(r, 4000)
    expect_rsc(ctx.cse.retrieve(path), 4004)


# More of the CMDH specializations of D.12 (this CSE implements all nine), and the 5001 a CSE
# answers for a standard specialization it does not implement (§7.3.3.3).

@case("MGO-052", "TS-0004 Annex D.12.9, Table D.12.9-2, §7.3.3.3",
      "[cmdhBuffer] storagePriority outside 1..10 is refused with 4000")
def cmbf_priority_range(ctx):
    r, path = _create(ctx, "m2m:cmbf", {"mgd": 1019, "aec": [0], "mbfs": 1000, "sgp": 11})
    expect_rsc(r, 4000)
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("MGO-053", "TS-0004 Annex D.12.4, Tables D.12.4-2 and 6.3.3-1 (m2m:listOfM2MID)",
      "[cmdhDefEcValue] with an empty requestOrigin or without defEcValue is refused with 4000")
def cmdv_invalid(ctx):
    for body in ({"mgd": 1014, "od": 1, "dev": 3, "ror": []},
                 {"mgd": 1014, "od": 1, "ror": ["Cae1"]}):
        r, path = _create(ctx, "m2m:cmdv", body)
        expect(r.rsc == 4000, f"{body}: 4000", r)
        expect_rsc(ctx.cse.retrieve(path), 4004)


@case("MGO-054", "TS-0004 Annex D.12.5, Table D.12.5-2",
      "[cmdhEcDefParamValues] (m2m:cmpv, mgd 1015) with its mandatory attributes is created")
def cmpv_create(ctx):
    body = {"mgd": 1015, "aec": [0], "dqet": -1, "dset": 10000, "doet": -1, "drp": 0,
            "dda": False}
    r, path = _create(ctx, "m2m:cmpv", body)
    expect_rsc(r, 2001)
    got = expect_rsc(ctx.cse.retrieve(path), 2000)
    for a, v in body.items():
        expect(got.get(f"m2m:cmpv/{a}") == v, f"{a} is kept", got)


@case("MGO-055", "TS-0004 Annex D.12.6, Table D.12.6-2",
      "[cmdhLimits] (m2m:cml, mgd 1016) is created; an UPDATE of its limits is kept")
def cml_create_update(ctx):
    body = {"mgd": 1016, "od": 1, "ror": ["Cae1"], "lec": [2, 3], "lqet": [0, 60000],
            "lset": [0, 60000], "loet": [0, 60000], "lrp": [0, 60000], "lda": [False, True]}
    r, path = _create(ctx, "m2m:cml", body)
    expect_rsc(r, 2001)
    u = expect_rsc(ctx.cse.update(path, {"m2m:cml": {"lqet": [10, 100]}}), 2004)
    expect(u.get("m2m:cml/lqet") == [10, 100], "lqet is updated", u)


@case("MGO-056", "TS-0004 Annex D.12.1, Tables D.12.1-2 and 6.3.5.24-1, §8.4.2",
      "[cmdhPolicy] takes its mgmtLink as m2m:mgmtLinkRef objects (val, nm, typ); a bare string is 4000")
def cmp_links(ctx):
    links = [{"val": f"{ctx.state['node']}/defaults", "nm": "defaults", "typ": 1013}]
    r, _ = _create(ctx, "m2m:cmp", {"mgd": 1011, "cpn": "policy1", "cmlk": links})
    expect_rsc(r, 2001)
    expect(r.get("m2m:cmp/cmlk") == links, "cmlk is kept", r)
    r2, path2 = _create(ctx, "m2m:cmp", {"mgd": 1011, "cpn": "policy2", "cmlk": "defaults"})
    expect_rsc(r2, 4000)
    expect_rsc(ctx.cse.retrieve(path2), 4004)


@case("MGO-057", "TS-0004 Table 6.3.4.2.22-1 (mgd 1020, TS-0022 [registration]), §7.3.3.3",
      "a standard specialization the CSE does not implement ([registration], mgd 1020) is 5001, not 4000")
def unimplemented_specialization(ctx):
    # The dcfg namespace of TS-0022; the mgmtDefinition, not the key, says which object it is.
    r, path = _create(ctx, "dcfg:reg", {"mgd": 1020})
    expect_rsc(r, 5001)
    expect_rsc(ctx.cse.retrieve(path), 4004)


@case("MGO-058", "TS-0004 Table 6.3.4.2.22-1, §7.3.3.3",
      "an unknown representation key with an mgd outside m2m:mgmtDefinition is refused with 4000")
def unknown_key(ctx):
    r, path = _create(ctx, "m2m:notAnMgmtObj", {"mgd": 4711})
    expect_rsc(r, 4000)
    expect_rsc(ctx.cse.retrieve(path), 4004)


# TS-0022 (Field Device Configuration) clause 7.2: the <mgmtObj> specializations of the dcfg
# namespace. A valid body with each one's mandatory attributes (and a few optional ones), and an
# invalid variant: a missing mandatory attribute or a value outside its type.
DCFG = [
    ("dcfg:datc", "[dataCollection] 7.2 (mgd 1021)",
     {"mgd": 1021, "cntp": "cse-in/ae/readings", "rpil": 60000,
      "mesc": [{"sce": ["0 */5 * * * * *"]}]},
     {"mgd": 1021, "rpil": 60000}),
    ("dcfg:nycfc", "[myCertFileCred] 7.2 (mgd 1023)",
     {"mgd": 1023, "suids": [42], "mcff": "application/pkcs7-mime", "mcfc": "MIIBsecret"},
     {"mgd": 1023, "suids": [99], "mcff": "application/pkcs7-mime", "mcfc": "MIIBsecret"}),
    ("dcfg:wific", "[wifiClient] 7.2 (mgd 1028)",
     {"mgd": 1028, "ssid": "field-net", "wcrds": {"enct": 4, "wpap": "pre-shared"}},
     {"mgd": 1028, "ssid": "field-net", "wcrds": {"enct": 2, "unm": "user", "pwd": "pwd"}}),
    ("dcfg:crds", "[credentials] 7.2 (mgd 1029)",
     {"mgd": 1029, "pur": "mqtt", "crid": "device-7", "crse": "s3cret"},
     {"mgd": 1029, "crid": 7}),
    ("dcfg:sim", "[SIM] 7.2 (mgd 1030)",
     {"mgd": 1030, "icid": "8949010000000000001", "imsi": "262011234567890", "sist": 1,
      "sity": 0},
     {"mgd": 1030, "imsi": "262011234567890", "sist": 1}),
    ("dcfg:mnwk", "[mobileNetwork] 7.2 (mgd 1031)",
     {"mgd": 1031, "cnb": 7, "rss": -90, "ipad": [{"ip4": "10.0.0.2"}], "smcc": 262,
      "smnc": 1},
     {"mgd": 1031, "cnb": 8}),
]


def _dcfg_valid(n, key, name, body):
    @case(f"MGO-{n:03d}", f"TS-0022 {name.split(' (')[0]}, TS-0004 §7.4.15.2.2",
          f"a {name.split()[0]} mgmtObj ({key}, {name.split('(')[1][:-1]}) is created and read back "
          f"with its attributes")
    def fn(ctx):
        r, path = _create(ctx, key, body)
        expect_rsc(r, 2001)
        expect(r.get(f"{key}/ty") == MGMTOBJ, "ty is 13", r)
        got = expect_rsc(ctx.cse.retrieve(path), 2000)
        expect(isinstance(got.get(key), dict), f"the resource is represented as {key}", got)
        for a, v in body.items():
            expect(got.get(f"{key}/{a}") == v, f"{a} is kept as given", got)
        expect(got.get(f"{key}/pi") == ctx.state["node_ri"], "its parent is the node", got)
    return fn


def _dcfg_invalid(n, key, name, body):
    @case(f"MGO-{n:03d}", f"TS-0022 {name.split(' (')[0]}, TS-0004 §7.3.3.3",
          f"a {name.split()[0]} mgmtObj that breaks its attribute table ({sorted(body)}) is "
          f"refused with 4000")
    def fn(ctx):
        r, path = _create(ctx, key, body)
        expect_rsc(r, 4000)
        expect_rsc(ctx.cse.retrieve(path), 4004)
    return fn


for _i, (_k, _nm, _ok, _bad) in enumerate(DCFG):
    _dcfg_valid(59 + 2 * _i, _k, _nm, _ok)
    _dcfg_invalid(60 + 2 * _i, _k, _nm, _bad)
# MGO-059 … MGO-070; the cases below go on from MGO-071.


@case("MGO-071", "TS-0022 [dataCollection] 7.2, §8.4",
      "[dataCollection] holds a reporting schedule or a reporting interval, not both: an UPDATE adding "
      "rpil beside rpsc is 4000; removing rpsc and setting rpil in one UPDATE is 2004")
def datc_schedule_or_interval(ctx):
    r, path = _create(ctx, "dcfg:datc", {"mgd": 1021, "cntp": "cse-in/ae/readings",
                                          "rpsc": [{"sce": ["0 0 * * * * *"]}]})
    expect_rsc(r, 2001)
    expect_rsc(ctx.cse.update(path, {"dcfg:datc": {"rpil": 10000}}), 4000)
    u = expect_rsc(ctx.cse.update(path, {"dcfg:datc": {"rpsc": None, "rpil": 10000}}), 2004)
    expect(u.get("dcfg:datc/rpsc") is None, "rpsc is removed", u)
    expect(u.get("dcfg:datc/rpil") == 10000, "rpil is set", u)
    expect_rsc(ctx.cse.update(path, {"dcfg:datc": {"rpsc": [{"sce": ["10 * * * *"]}]}}), 4000)


@case("MGO-072", "TS-0022 [myCertFileCred] 7.2",
      "[myCertFileCred] certificate format and content are fixed once created (NP on UPDATE: 4000); "
      "the key m2m:nycfc is accepted as well")
def nycfc_fixed(ctx):
    body = {"mgd": 1023, "suids": [40], "mcff": "application/pkix-cert", "mcfc": "MIIB"}
    r, path = _create(ctx, "m2m:nycfc", body)
    expect_rsc(r, 2001)
    expect(r.get("m2m:nycfc/mgd") == 1023, "answered under the key it was created with", r)
    expect_rsc(ctx.cse.update(path, {"m2m:nycfc": {"mcfc": "other"}}), 4000)
    expect_rsc(ctx.cse.update(path, {"m2m:nycfc": {"suids": [10, 41]}}), 2004)


@case("MGO-073", "TS-0022 [wifiClient] 7.2",
      "[wifiClient] scan, update, toggleRadioStatus and radioStatus start false; a scan trigger and "
      "its result can be written")
def wific_triggers(ctx):
    r, path = _create(ctx, "dcfg:wific", {"mgd": 1028, "ssid": "field-net"})
    expect_rsc(r, 2001)
    for a in ("scan", "ud", "trdst", "rdst"):
        expect(r.get(f"dcfg:wific/{a}") is False, f"{a} starts false", r)
    u = expect_rsc(ctx.cse.update(path, {"dcfg:wific": {"scan": True, "scanr": ["a", "b"],
                                                         "cons": 4}}), 2004)
    expect(u.get("dcfg:wific/scanr") == ["a", "b"], "scanResult is kept", u)
    expect_rsc(ctx.cse.update(path, {"dcfg:wific": {"cons": 7}}), 4000)


@case("MGO-074", "TS-0004 Table 6.3.4.2.22-1, §7.3.3.3",
      "an implemented mgmtDefinition under a key that is no specialization (m2m:datc, mgd 1021) is "
      "refused with 4000")
def dcfg_wrong_namespace(ctx):
    r, path = _create(ctx, "m2m:datc", {"mgd": 1021, "cntp": "cse-in/ae/readings"})
    expect_rsc(r, 4000)
    expect_rsc(ctx.cse.retrieve(path), 4004)
