#include "bindings/mqtt/mqtt_mapping.h"

#include <boost/json.hpp>

#include "primitive/json_util.h"
#include "primitive/request_parameters.h"

namespace trustcse::mqtt {

namespace bj = boost::json;

namespace {

constexpr std::string_view kRoot = "/oneM2M/";

// A parameter value as the text a query string would carry.
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

}  // namespace

std::string TopicId(std::string_view id) {
  if (id.starts_with("//")) {  // absolute: ":sp:cse"
    std::string out(id.substr(1));
    for (char& c : out) c = c == '/' ? ':' : c;
    return out;
  }
  std::string out(id.starts_with('/') ? id.substr(1) : id);
  for (char& c : out) c = c == '/' ? ':' : c;
  return out;
}

std::string IdFromTopic(std::string_view seg) {
  std::string out;
  if (seg.starts_with(':')) {
    out = "/" + std::string(seg);
  } else if ((seg.starts_with('C') || seg.starts_with('S')) &&
             seg.find(':') == std::string_view::npos) {
    return std::string(seg);  // an AE-ID-Stem
  } else {
    out = "/" + std::string(seg);
  }
  for (char& c : out) c = c == ':' ? '/' : c;
  return out;
}

std::optional<Topic> ParseTopic(std::string_view topic, std::string_view prefix) {
  if (!topic.starts_with(prefix)) return std::nullopt;
  topic.remove_prefix(prefix.size());
  if (!topic.starts_with(kRoot)) return std::nullopt;
  topic.remove_prefix(kRoot.size());
  std::string_view parts[4];
  for (int i = 0; i < 4; ++i) {
    size_t slash = topic.find('/');
    if (i < 3 && slash == std::string_view::npos) return std::nullopt;
    parts[i] = topic.substr(0, i < 3 ? slash : std::string_view::npos);
    if (i < 3) topic.remove_prefix(slash + 1);
  }
  if (parts[3].find('/') != std::string_view::npos) return std::nullopt;
  Topic t;
  if (parts[0] == "req") t.request = true;
  else if (parts[0] == "resp") t.request = false;
  else return std::nullopt;
  if (parts[1].empty() || parts[2].empty()) return std::nullopt;
  t.originator = std::string(parts[1]);
  t.receiver = std::string(parts[2]);
  if (parts[3] == "json") t.serialization = Serialization::kJson;
  else if (parts[3] == "cbor") t.serialization = Serialization::kCbor;
  else return std::nullopt;
  return t;
}

std::string TopicFor(const Topic& t, std::string_view prefix) {
  return std::string(prefix) + std::string(kRoot) + (t.request ? "req/" : "resp/") +
         t.originator + "/" + t.receiver + "/" +
         (t.serialization == Serialization::kCbor ? "cbor" : "json");
}

Result<RequestPrimitive> ToPrimitive(std::string_view payload, Serialization s) {
  auto v = DecodeContent(payload, s);
  if (!v) return Err(v.error());
  if (!v->is_object()) return Err(Status::BadRequest("the request primitive must be an object"));
  const bj::object& o = v->get_object();
  RequestPrimitive req;
  RequestParameters params(/*bare_attributes=*/false);
  auto op = json::GetInt(o, "op");
  if (!op || *op < 1 || *op > 5) return Err(Status::BadRequest("missing or invalid op"));
  req.op = static_cast<Operation>(*op);
  auto str = [&](std::string_view k) -> Result<std::string> {
    const bj::value* x = o.if_contains(k);
    if (x == nullptr) return std::string();
    if (!x->is_string()) return Err(Status::BadRequest(std::string(k) + " must be a string"));
    return std::string(x->get_string());
  };
  bool has_fr = o.contains("fr");
  for (auto [key, field] : {std::pair<std::string_view, std::string*>{"to", &req.to},
                            {"fr", &req.fr}, {"rqi", &req.rqi}, {"rvi", &req.rvi}}) {
    auto x = str(key);
    if (!x) return Err(x.error());
    *field = std::move(*x);
  }
  if (req.to.empty()) return Err(Status::BadRequest("missing to"));
  if (req.rqi.empty()) return Err(Status::BadRequest("missing rqi"));
  if (const bj::value* ty = o.if_contains("ty")) {
    auto t = json::AsInt(*ty);
    if (!t || *t <= 0 || *t > 0xffff) return Err(Status::BadRequest("invalid ty"));
    if (req.op != Operation::kCreate) return Err(Status::BadRequest("ty on a non-create"));
    req.ty = static_cast<int>(*t);
  } else if (req.op == Operation::kCreate) {
    return Err(Status::BadRequest("missing or invalid resource type"));
  }
  if (!has_fr && !(req.op == Operation::kCreate && req.ty == 2)) {
    return Err(Status::BadRequest("missing fr"));
  }
  for (std::string_view k : {"rqet", "rset", "oet"}) {
    auto x = str(k);
    if (!x) return Err(x.error());
    if (x->empty()) continue;
    auto t = ParseExpiration(*x);
    if (!t) return Err(Status::BadRequest("invalid " + std::string(k)));
    (k == "rqet" ? req.rqet : k == "rset" ? req.rset : req.oet) = t;
  }
  for (std::string_view k : {"ot", "vsi"}) {
    auto x = str(k);
    if (!x) return Err(x.error());
    (k == "ot" ? req.ot : req.vsi) = std::string(*x);
  }
  for (const auto& [k, x] : o) {
    if (k == "rcn" || k == "drt" || k == "tkns" || k == "rids" || k == "atrl" || k == "rp") {
      if (auto st = ApplyParameter(params, req, k, x); !st.ok()) return Err(st);
    } else if (k == "rt") {
      const bj::value* rtv = x.is_object() ? x.get_object().if_contains("rtv") : &x;
      if (rtv == nullptr) return Err(Status::BadRequest("invalid rt"));
      if (auto st = ApplyParameter(params, req, "rt", *rtv); !st.ok()) return Err(st);
      if (x.is_object()) {
        if (const bj::value* nu = x.get_object().if_contains("nu"); nu && nu->is_array()) {
          req.rtu_given = true;
          for (const auto& u : nu->get_array()) {
            if (u.is_string()) req.rtu.emplace_back(u.get_string());
          }
        }
      }
    } else if (k == "fc") {
      if (!x.is_object()) return Err(Status::BadRequest("fc must be an object"));
      for (const auto& [fk, fv] : x.get_object()) {
        if (fk == "atr") {
          // Attribute conditions: [{"nm": name, "val": value}, …] (TS-0004 §6.3.5.8).
          if (!fv.is_array()) return Err(Status::BadRequest("fc.atr must be a list"));
          for (const auto& c : fv.get_array()) {
            const bj::object* co = c.is_object() ? &c.get_object() : nullptr;
            const bj::value* nm = co ? co->if_contains("nm") : nullptr;
            const bj::value* val = co ? co->if_contains("val") : nullptr;
            auto text = val ? AsText(*val) : std::nullopt;
            if (!nm || !nm->is_string() || !text) {
              return Err(Status::BadRequest("fc.atr entries are {nm, val}"));
            }
            if (auto st = params.ApplyAttribute(nm->get_string(), *text); !st.ok()) return Err(st);
          }
          continue;
        }
        if (auto st = ApplyParameter(params, req, fk, fv); !st.ok()) return Err(st);
      }
    }
  }
  if (auto st = params.Finish(req); !st.ok()) return Err(st);
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

std::string EncodeRequest(const RequestPrimitive& req, Serialization s) {
  bj::object o{{"op", static_cast<int>(req.op)}, {"to", req.to}, {"fr", req.fr},
               {"rqi", req.rqi}, {"rvi", req.rvi.empty() ? "3" : req.rvi}};
  if (req.ty > 0) o["ty"] = req.ty;
  if (req.rqet) o["rqet"] = FormatTimestamp(*req.rqet);
  if (!req.pc.is_null()) o["pc"] = req.pc;
  return EncodeContent(bj::value(std::move(o)), s);
}

std::string EncodeResponse(const ResponsePrimitive& rsp, Serialization s) {
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

Result<ResponsePrimitive> DecodeResponse(std::string_view payload, Serialization s) {
  auto v = DecodeContent(payload, s);
  if (!v) return Err(v.error());
  if (!v->is_object()) return Err(Status::BadRequest("the response primitive must be an object"));
  const bj::object& o = v->get_object();
  ResponsePrimitive rsp;
  auto rsc = json::GetInt(o, "rsc");
  if (!rsc || !IsKnownRsc(static_cast<int>(*rsc))) return Err(Status::BadRequest("invalid rsc"));
  rsp.rsc = RscFromInt(static_cast<int>(*rsc));
  rsp.rqi = std::string(json::GetString(o, "rqi").value_or(""));
  if (const bj::value* pc = o.if_contains("pc")) rsp.pc = json::Serialize(*pc);
  return rsp;
}

}  // namespace trustcse::mqtt
