#include "primitive/primitive_message.h"

#include <boost/json.hpp>

#include "primitive/json_util.h"
#include "primitive/request_parameters.h"

namespace trustcse {

namespace bj = boost::json;

namespace {

// A parameter value as the text a query string would carry (request_parameters.h parses that).
std::optional<std::string> AsText(const bj::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_bool()) return std::string(v.get_bool() ? "true" : "false");
  return std::nullopt;
}

Status ApplyParameter(RequestParameters& params, RequestPrimitive& req, std::string_view key,
                      const bj::value& v) {
  if (v.is_array()) {
    for (const auto& e : v.get_array()) {
      auto t = AsText(e);
      if (!t) return Status::BadRequest("invalid value of " + std::string(key));
      if (auto s = params.Apply(req, key, *t); !s.ok()) return s;
    }
    return Status::Ok();
  }
  auto t = AsText(v);
  if (!t) return Status::BadRequest("invalid value of " + std::string(key));
  return params.Apply(req, key, *t);
}

// to, fr, rqi, rvi: strings when present.
Status ReadIdentifiers(const bj::object& o, RequestPrimitive& req) {
  for (auto [key, field] : {std::pair<std::string_view, std::string*>{"to", &req.to},
                            {"fr", &req.fr}, {"rqi", &req.rqi}, {"rvi", &req.rvi}}) {
    const bj::value* x = o.if_contains(key);
    if (x == nullptr) continue;
    if (!x->is_string()) return Status::BadRequest(std::string(key) + " must be a string");
    *field = std::string(x->get_string());
  }
  if (req.to.empty()) return Status::BadRequest("missing to");
  if (req.rqi.empty()) return Status::BadRequest("missing rqi");
  return Status::Ok();
}

Status ReadExpirations(const bj::object& o, RequestPrimitive& req) {
  for (std::string_view k : {"rqet", "rset", "oet"}) {
    const bj::value* x = o.if_contains(k);
    if (x == nullptr) continue;
    if (!x->is_string()) return Status::BadRequest(std::string(k) + " must be a string");
    if (x->get_string().empty()) continue;
    auto t = ParseExpiration(x->get_string());
    if (!t) return Status::BadRequest("invalid " + std::string(k));
    (k == "rqet" ? req.rqet : k == "rset" ? req.rset : req.oet) = t;
  }
  // The originating timestamp and vendor information, kept as given.
  for (std::string_view k : {"ot", "vsi"}) {
    const bj::value* x = o.if_contains(k);
    if (x == nullptr) continue;
    if (!x->is_string()) return Status::BadRequest(std::string(k) + " must be a string");
    (k == "ot" ? req.ot : req.vsi) = std::string(x->get_string());
  }
  return Status::Ok();
}

// rcn, drt, rt, fc, … through the parser the query strings of the other bindings use.
Status ReadParameters(const bj::object& o, RequestPrimitive& req) {
  // Attribute conditions come as fc.atr, never as bare keys (TS-0004 §6.3.5.8).
  RequestParameters params(/*bare_attributes=*/false);
  for (const auto& [k, x] : o) {
    if (k == "rcn" || k == "drt" || k == "tkns" || k == "rids" || k == "atrl" || k == "rp") {
      if (auto st = ApplyParameter(params, req, k, x); !st.ok()) return st;
    } else if (k == "rt") {
      const bj::value* rtv = x.is_object() ? x.get_object().if_contains("rtv") : &x;
      if (rtv == nullptr) return Status::BadRequest("invalid rt");
      if (auto st = ApplyParameter(params, req, "rt", *rtv); !st.ok()) return st;
      if (x.is_object()) {
        if (const bj::value* nu = x.get_object().if_contains("nu"); nu && nu->is_array()) {
          req.rtu_given = true;
          for (const auto& u : nu->get_array()) {
            if (u.is_string()) req.rtu.emplace_back(u.get_string());
          }
        }
      }
    } else if (k == "fc") {
      if (!x.is_object()) return Status::BadRequest("fc must be an object");
      for (const auto& [fk, fv] : x.get_object()) {
        if (fk == "atr") {
          // Attribute conditions: [{"nm": name, "val": value}, …] (TS-0004 §6.3.5.8).
          if (!fv.is_array()) return Status::BadRequest("fc.atr must be a list");
          for (const auto& c : fv.get_array()) {
            const bj::object* co = c.is_object() ? &c.get_object() : nullptr;
            const bj::value* nm = co ? co->if_contains("nm") : nullptr;
            const bj::value* val = co ? co->if_contains("val") : nullptr;
            auto text = val ? AsText(*val) : std::nullopt;
            if (!nm || !nm->is_string() || !text) {
              return Status::BadRequest("fc.atr entries are {nm, val}");
            }
            if (auto st = params.ApplyAttribute(nm->get_string(), *text); !st.ok()) return st;
          }
          continue;
        }
        if (auto st = ApplyParameter(params, req, fk, fv); !st.ok()) return st;
      }
    }
  }
  return params.Finish(req);
}

}  // namespace

Result<PrimitiveMessage> DecodePrimitiveMessage(std::string_view bytes, Serialization s) {
  auto v = DecodeContent(bytes, s);
  if (!v) return Err(v.error());
  if (!v->is_object()) return Err(Status::BadRequest("a primitive must be an object"));
  PrimitiveMessage m;
  bj::object& o = v->get_object();
  if (o.size() == 1) {
    for (std::string_view wrapper : {"m2m:rqp", "m2m:rsp"}) {
      bj::value* inner = o.if_contains(wrapper);
      if (inner == nullptr) continue;
      if (!inner->is_object()) return Err(Status::BadRequest(std::string(wrapper) + " must be an object"));
      bj::object unwrapped = std::move(inner->get_object());
      o = std::move(unwrapped);
      break;
    }
  }
  const bool op = o.contains("op"), rsc = o.contains("rsc");
  if (op == rsc) {
    return Err(Status::BadRequest(op ? "a primitive has op or rsc, not both"
                                     : "neither a request (op) nor a response (rsc) primitive"));
  }
  m.kind = op ? MessageKind::kRequest : MessageKind::kResponse;
  m.primitive = std::move(o);
  return m;
}

Result<RequestPrimitive> RequestFromObject(const bj::object& o) {
  RequestPrimitive req;
  auto op = json::GetInt(o, "op");
  if (!op || *op < 1 || *op > 5) return Err(Status::BadRequest("missing or invalid op"));
  req.op = static_cast<Operation>(*op);
  if (auto st = ReadIdentifiers(o, req); !st.ok()) return Err(st);
  if (const bj::value* ty = o.if_contains("ty")) {
    auto t = json::AsInt(*ty);
    if (!t || *t <= 0 || *t > 0xffff) return Err(Status::BadRequest("invalid ty"));
    if (req.op != Operation::kCreate) return Err(Status::BadRequest("ty on a non-create"));
    req.ty = static_cast<int>(*t);
  } else if (req.op == Operation::kCreate) {
    return Err(Status::BadRequest("missing or invalid resource type"));
  }
  // Only an AE registration may come without an originator (the CSE assigns one).
  if (!o.contains("fr") && !(req.op == Operation::kCreate && req.ty == 2)) {
    return Err(Status::BadRequest("missing fr"));
  }
  if (auto st = ReadExpirations(o, req); !st.ok()) return Err(st);
  if (auto st = ReadParameters(o, req); !st.ok()) return Err(st);
  if (const bj::value* pc = o.if_contains("pc")) {
    if (req.op == Operation::kRetrieve || req.op == Operation::kDelete) {
      return Err(Status::BadRequest("this operation takes no content"));
    }
    req.pc = *pc;
  } else if (req.op == Operation::kCreate || req.op == Operation::kUpdate ||
             req.op == Operation::kNotify) {
    return Err(Status::BadRequest("missing content"));
  }
  return req;
}

Result<ResponsePrimitive> ResponseFromObject(const bj::object& o) {
  ResponsePrimitive rsp;
  auto rsc = json::GetInt(o, "rsc");
  if (!rsc || !IsKnownRsc(static_cast<int>(*rsc))) return Err(Status::BadRequest("invalid rsc"));
  rsp.rsc = RscFromInt(static_cast<int>(*rsc));
  rsp.rqi = RequestIdOf(o);
  rsp.rvi = std::string(json::GetString(o, "rvi").value_or(""));
  if (const bj::value* pc = o.if_contains("pc")) rsp.pc = json::Serialize(*pc);
  return rsp;
}

std::string RequestIdOf(const bj::object& o) {
  return std::string(json::GetString(o, "rqi").value_or(""));
}

bj::object RequestObject(const RequestPrimitive& req) {
  bj::object o{{"op", static_cast<int>(req.op)}, {"to", req.to}, {"fr", req.fr},
               {"rqi", req.rqi}, {"rvi", req.rvi.empty() ? "3" : req.rvi}};
  if (req.ty > 0) o["ty"] = req.ty;
  if (req.rqet) o["rqet"] = FormatTimestamp(*req.rqet);
  o["ot"] = FormatTimestamp(Now());
  if (!req.pc.is_null()) o["pc"] = req.pc;
  return o;
}

std::string EncodeRequestMessage(const RequestPrimitive& req, Serialization s) {
  return EncodeContent(bj::value(RequestObject(req)), s);
}

std::string EncodeResponseMessage(const ResponsePrimitive& rsp, Serialization s) {
  bj::object o{{"rsc", static_cast<int>(rsp.rsc)}, {"rqi", rsp.rqi}};
  if (!rsp.rvi.empty()) o["rvi"] = rsp.rvi;
  if (!rsp.ot.empty()) o["ot"] = rsp.ot;
  if (!rsp.rset.empty()) o["rset"] = rsp.rset;
  if (!rsp.vsi.empty()) o["vsi"] = rsp.vsi;
  if (rsp.cnst != 0) {
    o["cnst"] = rsp.cnst;
    if (rsp.cnot != 0) o["cnot"] = rsp.cnot;
  }
  if (!rsp.pc.empty()) {
    if (auto pc = json::Parse(rsp.pc)) o["pc"] = std::move(*pc);
  }
  return EncodeContent(bj::value(std::move(o)), s);
}

}  // namespace trustcse
