#include "bindings/http/http_mapping.h"

#include <cctype>
#include <charconv>

#include "primitive/json_util.h"
#include "primitive/request_parameters.h"
#include "primitive/text.h"

namespace trustcse::http {
namespace {

struct MediaType {
  bool json = false;
  bool cbor = false;
  int ty = -1;  // -1: no ty parameter
  bool bad_ty = false;
};

MediaType ParseContentType(std::string_view ct) {
  MediaType m;
  auto semi = ct.find(';');
  std::string_view type = TrimSpace(ct.substr(0, semi));
  m.json = IEquals(type, "application/json") || IEquals(type, "application/vnd.onem2m-res+json");
  m.cbor = IEquals(type, "application/cbor") || IEquals(type, "application/vnd.onem2m-res+cbor");
  while (semi != std::string_view::npos) {
    auto next = ct.find(';', semi + 1);
    std::string_view param = TrimSpace(ct.substr(semi + 1, next - semi - 1));
    auto eq = param.find('=');
    if (eq != std::string_view::npos && IEquals(TrimSpace(param.substr(0, eq)), "ty")) {
      int ty = 0;
      if (ParseNumber(TrimSpace(param.substr(eq + 1)), &ty) && ty > 0) {
        m.ty = ty;
      } else {
        m.bad_ty = true;
      }
    }
    semi = next;
  }
  return m;
}

// The serialization an Accept header item names, if one of ours.
std::optional<Serialization> Named(std::string_view item) {
  if (item == "*/*" || IEquals(item, "application/*") || IEquals(item, "application/json") ||
      IEquals(item, "application/vnd.onem2m-res+json")) {
    return Serialization::kJson;
  }
  if (IEquals(item, "application/cbor") || IEquals(item, "application/vnd.onem2m-res+cbor")) {
    return Serialization::kCbor;
  }
  return std::nullopt;
}

Status ApplyQuery(RequestPrimitive& req, std::string_view query) {
  RequestParameters params;
  size_t start = 0;
  while (start < query.size()) {
    auto amp = query.find('&', start);
    std::string_view item = query.substr(start, amp - start);
    start = amp == std::string_view::npos ? query.size() : amp + 1;
    if (item.empty()) continue;
    auto eq = item.find('=');
    auto key = PercentDecode(item.substr(0, eq));
    auto value = PercentDecode(eq == std::string_view::npos ? "" : item.substr(eq + 1));
    if (!key || !value) return Status::BadRequest("malformed query string");
    if (auto s = params.Apply(req, *key, *value); !s.ok()) return s;
  }
  return params.Finish(req);
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '%') {
      out.push_back(c);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    auto hex = [](char h) -> int {
      if (h >= '0' && h <= '9') return h - '0';
      if (h >= 'a' && h <= 'f') return h - 'a' + 10;
      if (h >= 'A' && h <= 'F') return h - 'A' + 10;
      return -1;
    };
    int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    char d = static_cast<char>(hi * 16 + lo);
    if (d == '\0') return std::nullopt;
    out.push_back(d);
    i += 2;
  }
  return out;
}

Result<RequestPrimitive> ToPrimitive(const HttpRequestParts& in) {
  RequestPrimitive req;
  req.rqi = std::string(in.request_id);
  req.rvi = std::string(in.rvi);
  req.fr = std::string(in.origin);
  req.peer_address = std::string(in.peer_address);
  auto fail = [&](Status s) { return Err(std::move(s)); };

  MediaType media = ParseContentType(in.content_type);
  if (in.method == "GET") {
    req.op = Operation::kRetrieve;
  } else if (in.method == "POST") {
    req.op = media.ty > 0 || media.bad_ty ? Operation::kCreate : Operation::kNotify;
    if (media.bad_ty) return fail(Status::BadRequest("invalid resource type in Content-Type"));
    req.ty = media.ty > 0 ? media.ty : 0;
  } else if (in.method == "PUT") {
    req.op = Operation::kUpdate;
  } else if (in.method == "DELETE") {
    req.op = Operation::kDelete;
  } else {
    return fail(Status::NotAllowed("HTTP method not supported"));
  }
  if (!in.has_origin && !(req.op == Operation::kCreate && req.ty == 2)) {
    return fail(Status::BadRequest("missing X-M2M-Origin header"));
  }
  if (in.request_id.empty()) return fail(Status::BadRequest("missing X-M2M-RI header"));
  if (!ResponseSerialization(in.accept, in.content_type)) {
    return fail(Status(Rsc::kNotAcceptable, "responses are JSON or CBOR"));
  }

  // Path → To.
  std::string_view target = in.target;
  auto qmark = target.find('?');
  std::string_view raw_path = target.substr(0, qmark);
  std::string_view query = qmark == std::string_view::npos ? "" : target.substr(qmark + 1);
  auto path = PercentDecode(raw_path);
  if (!path || path->empty() || path->front() != '/') {
    return fail(Status::BadRequest("malformed request target"));
  }
  if (path->starts_with("/~/")) {
    req.to = path->substr(2);  // "/id-in/…"
  } else if (path->starts_with("/_/")) {
    req.to = "/" + path->substr(2);  // "//sp/id-in/…"
  } else {
    req.to = path->substr(1);
  }
  if (req.to.empty()) return fail(Status::BadRequest("missing target resource"));
  if (auto s = ApplyQuery(req, query); !s.ok()) return fail(s);

  req.via = std::string(in.via);
  req.rtu_given = in.has_rtu;
  if (!in.rtu.empty()) {
    size_t s = 0;
    while (s <= in.rtu.size()) {
      auto amp = in.rtu.find('&', s);
      auto u = in.rtu.substr(s, amp - s);
      if (!u.empty()) req.rtu.emplace_back(u);
      if (amp == std::string_view::npos) break;
      s = amp + 1;
    }
  }
  if (in.authorization.size() > 7 && in.authorization.substr(0, 7) == "Bearer ") {
    auto list = in.authorization.substr(7);
    for (size_t s = 0; s <= list.size();) {
      auto plus = list.find('+', s);
      auto t = list.substr(s, plus - s);
      if (!t.empty()) req.tokens.emplace_back(t);
      if (plus == std::string_view::npos) break;
      s = plus + 1;
    }
  }
  if (!in.rqet.empty()) {
    req.rqet = ParseExpiration(in.rqet);
    if (!req.rqet) return fail(Status::BadRequest("invalid X-M2M-RET header"));
  }
  if (!in.rset.empty()) {
    req.rset = ParseExpiration(in.rset);
    if (!req.rset) return fail(Status::BadRequest("invalid X-M2M-RST header"));
  }
  if (!in.oet.empty()) {
    req.oet = ParseExpiration(in.oet);
    if (!req.oet) return fail(Status::BadRequest("invalid X-M2M-OET header"));
  }
  req.ot = std::string(in.ot);
  req.vsi = std::string(in.vsi);

  // Content.
  const bool needs_body = req.op == Operation::kCreate || req.op == Operation::kUpdate ||
                          req.op == Operation::kNotify;
  if (!in.body.empty()) {
    if (req.op == Operation::kRetrieve || req.op == Operation::kDelete) {
      return fail(Status::BadRequest("this operation takes no content"));
    }
    if (!media.cbor && !media.json) {
      return fail(Status(Rsc::kUnsupportedMediaType, "unsupported Content-Type"));
    }
    auto v = DecodeContent(in.body, media.cbor ? Serialization::kCbor : Serialization::kJson);
    if (!v) return fail(v.error());
    req.pc = std::move(*v);
  } else if (needs_body) {
    return fail(Status::BadRequest("missing content"));
  }
  return req;
}

std::optional<Serialization> ResponseSerialization(std::string_view accept,
                                                   std::string_view content_type) {
  if (accept.empty()) {
    return ParseContentType(content_type).cbor ? Serialization::kCbor : Serialization::kJson;
  }
  size_t start = 0;
  while (start <= accept.size()) {
    auto comma = accept.find(',', start);
    std::string_view item = TrimSpace(accept.substr(start, comma - start));
    if (auto s = Named(TrimSpace(item.substr(0, item.find(';'))))) return s;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return std::nullopt;
}

HttpResponseParts FromPrimitive(const ResponsePrimitive& rsp, Serialization serialization) {
  HttpResponseParts out;
  out.status = HttpStatusFor(rsp.rsc);
  out.headers.emplace_back("X-M2M-RSC", std::to_string(static_cast<int>(rsp.rsc)));
  if (!rsp.rqi.empty()) out.headers.emplace_back("X-M2M-RI", rsp.rqi);
  if (!rsp.rvi.empty()) out.headers.emplace_back("X-M2M-RVI", rsp.rvi);
  if (!rsp.ot.empty()) out.headers.emplace_back("X-M2M-OT", rsp.ot);
  if (!rsp.rset.empty()) out.headers.emplace_back("X-M2M-RST", rsp.rset);
  if (!rsp.vsi.empty()) out.headers.emplace_back("X-M2M-VSI", rsp.vsi);
  if (!rsp.content_location.empty()) {
    out.headers.emplace_back("Content-Location", rsp.content_location);
  }
  if (rsp.cnst != 0) {
    out.headers.emplace_back("X-M2M-CTS", std::to_string(rsp.cnst));
    if (rsp.cnot != 0) out.headers.emplace_back("X-M2M-CTO", std::to_string(rsp.cnot));
  }
  if (!rsp.pc.empty()) {
    out.headers.emplace_back("Content-Type", serialization == Serialization::kCbor
                                                 ? "application/cbor"
                                                 : "application/json");
  }
  out.body = EncodeContent(rsp.pc, serialization);
  return out;
}

}  // namespace trustcse::http
