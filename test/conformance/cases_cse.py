"""CSEBase (TS-0004 §7.4.3, TS-0001 §9.6.3).

Covers: retrieve and the CSEBase attributes (Table 7.4.3.1-2/-3, R4 currentTime `ctm`), the
data types of its list attributes (Table 6.3.3-1), partial retrieve of its attributes
(§7.3.3.6), and the refusal of CREATE/UPDATE/DELETE of a CSEBase (§7.4.3.2.1/.3/.4, §7.3.3.3).
"""
import time

from harness import case, expect, expect_rsc
from onem2m import CSEBASE

# m2m:serializations (TS-0004 Table 6.3.3-1) names json/xml/cbor; the XSD and several CSEs
# spell them as media types. Either spelling is a valid serialization.
_SERIALIZATIONS = {"json", "xml", "cbor", "application/json", "application/xml", "application/cbor"}


def _ts_ok(value) -> bool:
    """m2m:timestamp: ISO 8601 basic format YYYYMMDDThhmmss with optional fraction."""
    if not isinstance(value, str) or len(value) < 15 or value[8] != "T":
        return False
    head = value[:15]
    return head[:8].isdigit() and head[9:15].isdigit() and (len(value) == 15 or value[15] in ",.")


@case("CSE-001", "TS-0004 §7.4.3.2.2", "the CSEBase can be retrieved by its resourceName")
def retrieve_cse(ctx):
    r = expect_rsc(ctx.cse.retrieve(ctx.base), 2000)
    expect(r.get("m2m:cb/ty") == CSEBASE, "ty is 5", r)
    expect(r.get("m2m:cb/csi") == ctx.cse.cse_id, "csi is the CSE-ID", r)
    expect(r.get("m2m:cb/rn") == ctx.base, "rn is the CSEBase's name", r)


@case("CSE-002", "TS-0004 §7.4.3.2.2", "a CSEBase carries srt, srv, poa and ctm")
def cse_attributes(ctx):
    r = expect_rsc(ctx.cse.retrieve(ctx.base), 2000)
    for a in ("srt", "srv", "poa", "ctm", "cst", "ri", "ct", "lt"):
        expect(r.get(f"m2m:cb/{a}") is not None, f"{a} is present", r)


@case("CSE-003", "TS-0004 §7.4.3.1", "the parentID of the CSEBase is the empty string")
def cse_parent_id(ctx):
    r = expect_rsc(ctx.cse.retrieve(ctx.base), 2000)
    expect(r.get("m2m:cb/pi") == "", "pi is \"\"", r)


@case("CSE-004", "TS-0004 Table 7.4.3.1-2", "a CSEBase has no expirationTime")
def cse_no_et(ctx):
    r = expect_rsc(ctx.cse.retrieve(ctx.base), 2000)
    expect(r.get("m2m:cb/et") is None, "et is not an attribute of the CSEBase", r)


@case("CSE-005", "TS-0004 Table 6.3.4.2.2-1", "cseType is a valid m2m:cseTypeID (1 IN, 2 MN, 3 ASN)")
def cse_type(ctx):
    r = expect_rsc(ctx.cse.retrieve(ctx.base), 2000)
    expect(r.get("m2m:cb/cst") in (1, 2, 3), "cst is 1, 2 or 3", r)


@case("CSE-006", "TS-0004 Table 7.4.3.1-3",
      "supportedResourceType lists the types the CSE serves, among them AE, container, contentInstance")
def cse_srt(ctx):
    r = expect_rsc(ctx.cse.retrieve(ctx.base), 2000)
    srt = r.get("m2m:cb/srt")
    expect(isinstance(srt, list) and all(isinstance(t, int) for t in srt), "srt is a list of integers", r)
    for t in (2, 3, 4):
        expect(t in srt, f"srt contains {t}", r)


@case("CSE-007", "TS-0004 §7.3.2.1, Table 7.4.3.1-3",
      "supportedReleaseVersions lists the release the CSE answers with")
def cse_srv(ctx):
    r = expect_rsc(ctx.cse.retrieve(ctx.base), 2000)
    srv = r.get("m2m:cb/srv")
    expect(isinstance(srv, list) and srv, "srv is a non-empty list", r)
    rvi = r.header("X-M2M-RVI")
    expect(rvi is not None and rvi in srv, f"the response's rvi ({rvi}) is one of srv", r)
    expect(ctx.cse.rvi in srv, f"srv contains the release of the request ({ctx.cse.rvi})", r)


@case("CSE-008", "TS-0004 Table 6.3.3-1 (m2m:serializations)",
      "contentSerialization of the CSEBase names only valid serializations")
def cse_csz(ctx):
    r = expect_rsc(ctx.cse.retrieve(ctx.base), 2000)
    csz = r.get("m2m:cb/csz")
    if csz is None:  # 0..1: may be absent
        return
    expect(isinstance(csz, list) and csz, "csz is a non-empty list", r)
    expect(all(c in _SERIALIZATIONS for c in csz), "every csz entry is json, xml or cbor", r)


@case("CSE-009", "TS-0004 Table 6.3.3-1 (m2m:poaList)",
      "pointOfAccess is a non-empty list of URIs that name their transport protocol")
def cse_poa(ctx):
    r = expect_rsc(ctx.cse.retrieve(ctx.base), 2000)
    poa = r.get("m2m:cb/poa")
    expect(isinstance(poa, list) and poa, "poa is a non-empty list", r)
    expect(all(isinstance(p, str) and "://" in p and " " not in p for p in poa),
           "each poa is a URI with a scheme and no whitespace", r)


@case("CSE-010", "TS-0004 Table 6.3.3-1 (m2m:acpType)",
      "list-valued attributes of the CSEBase are never empty lists")
def cse_no_empty_lists(ctx):
    # acpType, poaList, resourceTypeList, serializations, supportedReleaseVersions: "the list
    # shall contain at least one member"; an attribute without members is left out.
    r = expect_rsc(ctx.cse.retrieve(ctx.base), 2000)
    for a in ("acpi", "poa", "srt", "csz", "srv", "lbl"):
        v = r.get(f"m2m:cb/{a}")
        expect(v is None or (isinstance(v, list) and len(v) > 0), f"{a} is absent or non-empty", r)


@case("CSE-011", "TS-0004 Table 7.4.3.1-3 (R4 currentTime)",
      "currentTime (ctm) is an m2m:timestamp that follows the CSE's clock")
def cse_ctm(ctx):
    r1 = expect_rsc(ctx.cse.retrieve(ctx.base), 2000)
    ctm1 = r1.get("m2m:cb/ctm")
    expect(_ts_ok(ctm1), "ctm is a timestamp YYYYMMDDThhmmss", r1)
    expect(ctm1 >= r1.get("m2m:cb/ct", ""), "ctm is not before the CSEBase's creation", r1)
    time.sleep(1.1)
    r2 = expect_rsc(ctx.cse.retrieve(ctx.base), 2000)
    ctm2 = r2.get("m2m:cb/ctm")
    expect(_ts_ok(ctm2) and ctm2[:15] > ctm1[:15], "ctm advances with time (not a stored value)", r2)


@case("CSE-012", "TS-0004 §7.3.3.6", "a partial retrieve of the CSEBase returns only the listed attributes")
def cse_partial_retrieve(ctx):
    r = expect_rsc(ctx.cse.retrieve(ctx.base, query={"atrl": "csi+srv"}), 2000)
    body = r.get("m2m:cb")
    expect(isinstance(body, dict), "the answer is an m2m:cb", r)
    expect(set(body) == {"csi", "srv"}, "only csi and srv are returned", r)
    expect(body["csi"] == ctx.cse.cse_id, "csi has its value", r)


@case("CSE-013", "TS-0004 §7.4.3.2.3", "an UPDATE of the CSEBase is refused with 4005")
def cse_update_refused(ctx):
    r = ctx.cse.update(ctx.base, {"m2m:cb": {"lbl": ["aTag"]}})
    expect_rsc(r, 4005)
    after = expect_rsc(ctx.cse.retrieve(ctx.base), 2000)
    expect(after.get("m2m:cb/lbl") is None, "the CSEBase is unchanged", after)


@case("CSE-014", "TS-0004 §7.4.3.2.4", "a DELETE of the CSEBase is refused with 4005")
def cse_delete_refused(ctx):
    expect_rsc(ctx.cse.delete(ctx.base), 4005)
    expect_rsc(ctx.cse.retrieve(ctx.base), 2000)


@case("CSE-015", "TS-0004 §7.4.3.2.1, §7.3.3.3",
      "a CREATE of a CSEBase is refused (not a child type of any resource: 4108, or 4005)")
def cse_create_refused(ctx):
    name = ctx.unique("cb")
    r = ctx.cse.create(ctx.base, CSEBASE, {"m2m:cb": {"rn": name, "csi": "/other", "cst": 2}})
    expect_rsc(r, 4108, 4005)
    expect_rsc(ctx.cse.retrieve(f"{ctx.base}/{name}"), 4004)

