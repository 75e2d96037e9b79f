"""Addressing (TS-0001 §7.2, §9.3; TS-0004 §6.2.3, §6.2.4, §6.8, §7.3.2.1, §7.3.2.6, §7.3.3.1;
TS-0009 §6.2 To parameter mapping).

Covers: structured and unstructured resource identifiers in CSE-relative, SP-relative
(/~/<CSE-ID>/…) and absolute (/_/<SP-ID>/<CSE-ID>/…) form, "-" for the CSEBase's resourceName, an
unstructured first segment followed by resource names, every operation through each form,
hierarchical addresses of virtual resources (la, ol, fopt, pcu), case sensitivity, identifiers in
responses in CSE-relative form, NOT_FOUND for resources that do not exist and for an unknown CSE
on the IN-CSE, and BAD_REQUEST for a request without From (X-M2M-Origin).
"""
from harness import case, expect, expect_rsc
from onem2m import AE, CIN, CNT, GRP, RETRIEVE, CREATE

PCH = 15


def setup(ctx):
    """One AE with a container holding two instances, shared by the read-only cases."""
    r = ctx.cse.upper_tester("GetConfig cse.sp_id") if ctx.cse.has_upper_tester else None
    sp = (r.header("X-M2M-UTRSP") if r is not None and r.rsc == 2000 else None) or ""
    ctx.state["sp"] = sp.lstrip("/")
    aei, ae_path = ctx.register_ae(rn=ctx.unique("adrae"), poa=False)
    ae = expect_rsc(ctx.cse.retrieve(ae_path, originator=aei), 2000)
    cnt_rn = ctx.unique("cnt")
    c = expect_rsc(ctx.cse.create(ae_path, CNT, {"m2m:cnt": {"rn": cnt_rn}}, originator=aei), 2001)
    first = expect_rsc(ctx.cse.create(f"{ae_path}/{cnt_rn}", CIN, {"m2m:cin": {"con": "first"}},
                                      originator=aei), 2001)
    last = expect_rsc(ctx.cse.create(f"{ae_path}/{cnt_rn}", CIN, {"m2m:cin": {"con": "last"}},
                                     originator=aei), 2001)
    ctx.state.update(aei=aei, ae_path=ae_path, ae_rn=ae_path.split("/", 1)[1],
                     ae_ri=ae.get("m2m:ae/ri"), cnt_rn=cnt_rn, cnt_path=f"{ae_path}/{cnt_rn}",
                     cnt_ri=c.get("m2m:cnt/ri"), first_ri=first.get("m2m:cin/ri"),
                     last_ri=last.get("m2m:cin/ri"))


def get(ctx, to, code=2000):
    return expect_rsc(ctx.cse.retrieve(to, originator=ctx.state["aei"]), code)


def is_cnt(ctx, r):
    expect(r.get("m2m:cnt/ri") == ctx.state["cnt_ri"], "the container is returned", r)


def sp_rel(ctx, rest):
    return f"~{ctx.cse.cse_id}/{rest}"


def absolute(ctx, rest):
    expect(bool(ctx.state["sp"]), "the CSE's SP-ID is known (upper tester GetConfig cse.sp_id)")
    return f"_/{ctx.state['sp']}{ctx.cse.cse_id}/{rest}"


def fresh_container(ctx):
    rn = ctx.unique("cnt")
    r = expect_rsc(ctx.cse.create(ctx.state["ae_path"], CNT, {"m2m:cnt": {"rn": rn}},
                                  originator=ctx.state["aei"]), 2001)
    return r.get("m2m:cnt/ri"), f"{ctx.state['ae_path']}/{rn}"


# --- the three forms, structured and unstructured ---------------------------------------------------

@case("ADR-001", "TS-0004 §6.2.4; TS-0009 §6.2",
      "a CSE-relative structured identifier (<CSEBase name>/<names…>) addresses the resource")
def cse_relative_structured(ctx):
    is_cnt(ctx, get(ctx, ctx.state["cnt_path"]))


@case("ADR-002", "TS-0004 §6.2.4; TS-0009 §6.2",
      "a CSE-relative unstructured identifier (the resourceID) addresses the resource")
def cse_relative_unstructured(ctx):
    is_cnt(ctx, get(ctx, ctx.state["cnt_ri"]))


@case("ADR-003", "TS-0004 §6.2.4; TS-0009 §6.2",
      "an SP-relative structured identifier (/~/<CSE-ID>/<CSEBase name>/…) addresses the resource")
def sp_relative_structured(ctx):
    is_cnt(ctx, get(ctx, sp_rel(ctx, ctx.state["cnt_path"])))


@case("ADR-004", "TS-0004 §6.2.4; TS-0009 §6.2",
      "an SP-relative unstructured identifier (/~/<CSE-ID>/<resourceID>) addresses the resource")
def sp_relative_unstructured(ctx):
    is_cnt(ctx, get(ctx, sp_rel(ctx, ctx.state["cnt_ri"])))


@case("ADR-005", "TS-0004 §6.2.3, §6.2.4; TS-0009 §6.2",
      "an absolute structured identifier (/_/<SP-ID>/<CSE-ID>/<CSEBase name>/…) addresses the resource")
def absolute_structured(ctx):
    is_cnt(ctx, get(ctx, absolute(ctx, ctx.state["cnt_path"])))


@case("ADR-006", "TS-0004 §6.2.3, §6.2.4; TS-0009 §6.2",
      "an absolute unstructured identifier (/_/<SP-ID>/<CSE-ID>/<resourceID>) addresses the resource")
def absolute_unstructured(ctx):
    is_cnt(ctx, get(ctx, absolute(ctx, ctx.state["cnt_ri"])))


@case("ADR-007", "TS-0004 §6.2.4",
      "\"-\" stands for the CSEBase's resourceName in CSE-relative, SP-relative and absolute structured identifiers")
def dash_alias(ctx):
    rest = ctx.state["cnt_path"].split("/", 1)[1]
    is_cnt(ctx, get(ctx, f"-/{rest}"))
    is_cnt(ctx, get(ctx, sp_rel(ctx, f"-/{rest}")))
    is_cnt(ctx, get(ctx, absolute(ctx, f"-/{rest}")))


@case("ADR-008", "TS-0004 §6.2.4",
      "the CSEBase is addressed by its resourceName, by \"-\" and by its resourceID, in every form")
def cse_base(ctx):
    name = ctx.cse.cse_rn
    ri = get(ctx, name).get("m2m:cb/ri")
    for to in (name, "-", ri, sp_rel(ctx, name), sp_rel(ctx, "-"), absolute(ctx, name)):
        r = get(ctx, to)
        expect(r.get("m2m:cb/ri") == ri, f"{to} addresses the CSEBase", r)


@case("ADR-009", "TS-0004 §6.2.4",
      "a structured identifier may start with a resourceID followed by resource names (<ri>/<name>)")
def unstructured_first_segment(ctx):
    is_cnt(ctx, get(ctx, f"{ctx.state['ae_ri']}/{ctx.state['cnt_rn']}"))
    is_cnt(ctx, get(ctx, sp_rel(ctx, f"{ctx.state['ae_ri']}/{ctx.state['cnt_rn']}")))


@case("ADR-010", "TS-0004 §6.2.4; TS-0001 §9.3.1",
      "CREATE, UPDATE and DELETE work through SP-relative and absolute structured and unstructured identifiers")
def operations_each_form(ctx):
    aei = ctx.state["aei"]
    for parent in (sp_rel(ctx, ctx.state["ae_path"]), sp_rel(ctx, ctx.state["ae_ri"]),
                   absolute(ctx, ctx.state["ae_path"]), absolute(ctx, ctx.state["ae_ri"])):
        rn = ctx.unique("cnt")
        c = expect_rsc(ctx.cse.create(parent, CNT, {"m2m:cnt": {"rn": rn}}, originator=aei), 2001)
        ri = c.get("m2m:cnt/ri")
        expect(get(ctx, f"{ctx.state['ae_path']}/{rn}").get("m2m:cnt/ri") == ri,
               f"created through {parent} at its structured path", c)
        u = expect_rsc(ctx.cse.update(sp_rel(ctx, ri), {"m2m:cnt": {"lbl": ["u"]}}, originator=aei), 2004)
        expect(u.get("m2m:cnt/lbl") == ["u"], "updated through the SP-relative resourceID", u)
        expect_rsc(ctx.cse.delete(absolute(ctx, f"{ctx.state['ae_path']}/{rn}"), originator=aei), 2002)
        get(ctx, ri, 4004)


@case("ADR-011", "TS-0004 §6.2.4",
      "resource identifiers are case sensitive: a name with other capitalisation is not found (4004)")
def case_sensitive(ctx):
    path = ctx.state["cnt_path"]
    head, tail = path.rsplit("/", 1)
    get(ctx, f"{head}/{tail.upper()}", 4004)
    get(ctx, ctx.state["cnt_ri"].upper() if ctx.state["cnt_ri"] != ctx.state["cnt_ri"].upper()
        else ctx.state["cnt_ri"].lower(), 4004)


@case("ADR-012", "TS-0004 §6.2.4, §7.5.2",
      "identifiers in response content are CSE-relative: ri and pi carry no CSE-ID or SP-ID")
def ids_in_content(ctx):
    r = get(ctx, sp_rel(ctx, ctx.state["cnt_path"]))
    for a in ("ri", "pi"):
        v = r.get(f"m2m:cnt/{a}") or ""
        expect(v and not v.startswith("/") and not v.startswith(ctx.cse.cse_id.lstrip("/") + "/"),
               f"{a} is CSE-relative", r)
    expect(r.get("m2m:cnt/pi") == ctx.state["ae_ri"], "pi is the parent's resourceID", r)


# --- virtual resources ---------------------------------------------------------------------------

@case("ADR-013", "TS-0004 §6.8, §7.4.27, §7.4.28",
      "<container>/la and /ol address the latest and oldest instance, through structured and unstructured parents")
def la_ol(ctx):
    for base in (ctx.state["cnt_path"], ctx.state["cnt_ri"], sp_rel(ctx, ctx.state["cnt_path"]),
                 f"{ctx.state['ae_ri']}/{ctx.state['cnt_rn']}"):
        la = get(ctx, f"{base}/la")
        expect(la.get("m2m:cin/ri") == ctx.state["last_ri"], f"{base}/la is the latest instance", la)
        ol = get(ctx, f"{base}/ol")
        expect(ol.get("m2m:cin/ri") == ctx.state["first_ri"], f"{base}/ol is the oldest instance", ol)


@case("ADR-014", "TS-0004 §7.4.27.2.2, §7.3.3.1",
      "<container>/la of a container without instances is not found (4004)")
def la_empty(ctx):
    _, path = fresh_container(ctx)
    get(ctx, f"{path}/la", 4004)
    get(ctx, f"{path}/ol", 4004)


@case("ADR-015", "TS-0004 §7.4.14.1",
      "<group>/fopt is addressed through the group's structured or unstructured identifier")
def fopt_address(ctx):
    aei = ctx.state["aei"]
    rn = ctx.unique("grp")
    g = expect_rsc(ctx.cse.create(ctx.state["ae_path"], GRP,
                                  {"m2m:grp": {"rn": rn, "mnm": 2, "mid": [ctx.state["cnt_ri"]]}},
                                  originator=aei), 2001)
    for to in (f"{ctx.state['ae_path']}/{rn}/fopt", f"{g.get('m2m:grp/ri')}/fopt",
               sp_rel(ctx, f"{g.get('m2m:grp/ri')}/fopt")):
        r = get(ctx, to)
        expect(r.get("m2m:agr") is not None, f"{to} answers with an aggregated response", r)


@case("ADR-016", "TS-0004 §6.8; TS-0001 §9.6.22",
      "<pollingChannel>/pcu is addressable: a long poll is answered (a request or a timeout), not 4004")
def pcu_address(ctx):
    aei, ae_path = ctx.register_ae(rn=ctx.unique("adrae"), poa=False, rr=False)
    rn = ctx.unique("pch")
    p = expect_rsc(ctx.cse.create(ae_path, PCH, {"m2m:pch": {"rn": rn}}, originator=aei), 2001)
    for to in (f"{ae_path}/{rn}/pcu", f"{p.get('m2m:pch/ri')}/pcu"):
        r = ctx.cse.retrieve(to, originator=aei, headers={"X-M2M-RET": "1500"})
        expect(r.rsc in (2000, 4008), f"{to} is the polling channel's URI", r)


@case("ADR-017", "TS-0004 §7.3.3.1",
      "a path below a virtual resource that leads nowhere is not found (4004)")
def below_virtual(ctx):
    get(ctx, f"{ctx.state['cnt_path']}/la/nothing", 4004)


# --- errors --------------------------------------------------------------------------------------

@case("ADR-018", "TS-0004 §7.3.3.1",
      "a resource that does not exist is NOT_FOUND (4004) in every addressing form")
def not_found(ctx):
    missing = f"{ctx.state['ae_path']}/nosuch{ctx.unique('x')}"
    for to in (missing, "nosuchresource0815", sp_rel(ctx, missing), sp_rel(ctx, "nosuchresource0815"),
               absolute(ctx, missing), f"{ctx.state['ae_ri']}/nosuch"):
        get(ctx, to, 4004)


@case("ADR-019", "TS-0004 §7.3.3.1",
      "UPDATE, DELETE and CREATE below a resource that does not exist are NOT_FOUND (4004)")
def not_found_operations(ctx):
    aei = ctx.state["aei"]
    missing = f"{ctx.state['ae_path']}/nosuch{ctx.unique('x')}"
    expect_rsc(ctx.cse.update(missing, {"m2m:cnt": {"lbl": ["x"]}}, originator=aei), 4004)
    expect_rsc(ctx.cse.delete(missing, originator=aei), 4004)
    expect_rsc(ctx.cse.create(missing, CNT, {"m2m:cnt": {"rn": "x"}}, originator=aei), 4004)


@case("ADR-020", "TS-0004 §7.3.2.6",
      "an SP-relative identifier naming a CSE the IN-CSE does not know is NOT_FOUND (4004)")
def unknown_cse(ctx):
    get(ctx, f"~/unknowncse{ctx.unique('x')}/{ctx.cse.cse_rn}/x", 4004)


@case("ADR-021", "TS-0004 §7.3.2.1; TS-0009 §6.4.1",
      "a request without From (no X-M2M-Origin) is rejected with BAD_REQUEST (4000)")
def missing_from(ctx):
    r = ctx.cse.request(RETRIEVE, ctx.state["cnt_path"], None)
    expect_rsc(r, 4000)
    r = ctx.cse.request(CREATE, ctx.state["ae_path"], None, ty=CNT,
                        pc={"m2m:cnt": {"rn": ctx.unique("cnt")}})
    expect_rsc(r, 4000)


@case("ADR-022", "TS-0004 §7.3.2.1",
      "an AE registration without From is not rejected for the missing From")
def registration_without_from(ctx):
    body = {"m2m:ae": {"rn": ctx.unique("adrae"), "api": "Nconformance", "rr": False,
                       "srv": [ctx.cse.rvi]}}
    r = ctx.cse.request(CREATE, ctx.base, None, ty=AE, pc=body)
    expect(r.rsc != 4000, "no BAD_REQUEST for the missing From", r)
    expect(r.rsc in (2001, 4126), "registered, or refused by registration policy", r)
