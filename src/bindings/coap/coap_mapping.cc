#include "bindings/coap/coap_mapping.h"

#include <algorithm>

#include "primitive/request_parameters.h"

namespace trustcse::coap {

namespace {

std::optional<Serialization> SerializationOf(uint64_t format) {
  switch (format) {
    case kFormatJson:
    case kFormatResJson:
    case kFormatNtfyJson:
      return Serialization::kJson;
    case kFormatCbor:
    case kFormatResCbor:
    case kFormatNtfyCbor:
      return Serialization::kCbor;
    default:
      return std::nullopt;
  }
}

bool Printable(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

bool IsRepeatable(uint16_t number) {
  switch (number) {
    case 1:    // If-Match
    case 4:    // ETag
    case kLocationPath:
    case kUriPath:
    case kUriQuery:
    case 20:   // Location-Query
    case 292:  // Request-Tag
    case kRturi:
      return true;
    default:
      return false;
  }
}

std::optional<uint16_t> RepeatedCriticalOption(const std::vector<CoapOption>& options) {
  // Options come in ascending order off the wire, but the check must not depend on it.
  std::vector<uint16_t> numbers;
  for (const CoapOption& o : options) {
    if (IsCritical(o.number) && !IsRepeatable(o.number)) numbers.push_back(o.number);
  }
  std::sort(numbers.begin(), numbers.end());
  auto twice = std::adjacent_find(numbers.begin(), numbers.end());
  if (twice == numbers.end()) return std::nullopt;
  return *twice;
}

Result<RequestPrimitive> ToPrimitive(const CoapRequestParts& in, Serialization* response) {
  *response = Serialization::kJson;
  RequestPrimitive req;
  req.peer_address = std::string(in.peer_address);
  std::vector<std::string_view> path;
  RequestParameters params;
  std::optional<Serialization> content;
  std::optional<Serialization> accept;
  bool has_fr = false, has_content_format = false, has_accept = false;
  int ty = -1;
  if (auto n = RepeatedCriticalOption(in.options)) {
    return Err(Status::BadRequest("option " + std::to_string(*n) + " is not repeatable"));
  }
  for (const CoapOption& o : in.options) {
    const std::string& v = o.value;
    auto text = [&](const char* what) -> Status {
      if (!Printable(v)) return Status::BadRequest(std::string("malformed ") + what + " option");
      return Status::Ok();
    };
    switch (o.number) {
      case kUriPath:
        path.push_back(v);
        break;
      case kUriQuery: {
        if (!Printable(v)) return Err(Status::BadRequest("malformed Uri-Query option"));
        auto eq = v.find('=');
        std::string_view key = std::string_view(v).substr(0, eq);
        std::string_view value =
            eq == std::string::npos ? std::string_view() : std::string_view(v).substr(eq + 1);
        if (auto s = params.Apply(req, key, value); !s.ok()) return Err(s);
        break;
      }
      case kContentFormat: {
        if (has_content_format) break;  // elective: a repetition is ignored
        auto f = DecodeUint(v);
        has_content_format = true;
        content = f ? SerializationOf(*f) : std::nullopt;
        break;
      }
      case kAccept: {
        auto f = DecodeUint(v);
        has_accept = true;
        accept = f ? SerializationOf(*f) : std::nullopt;
        break;
      }
      case kFr:
        if (auto s = text("oneM2M-FR"); !s.ok()) return Err(s);
        req.fr = v;
        has_fr = true;
        break;
      case kRqi:
        if (auto s = text("oneM2M-RQI"); !s.ok()) return Err(s);
        req.rqi = v;
        break;
      case kRvi:
        if (auto s = text("oneM2M-RVI"); !s.ok()) return Err(s);
        req.rvi = v;
        break;
      case kTy: {
        auto t = DecodeUint(v);
        if (!t || *t == 0 || *t > 0xffff) return Err(Status::BadRequest("invalid oneM2M-TY option"));
        ty = static_cast<int>(*t);
        break;
      }
      case kRqet:
      case kRset:
      case kOet: {
        if (auto s = text("timestamp"); !s.ok()) return Err(s);
        auto t = ParseExpiration(v);
        if (!t) return Err(Status::BadRequest("invalid timestamp option"));
        (o.number == kRqet ? req.rqet : o.number == kRset ? req.rset : req.oet) = t;
        break;
      }
      case kOt:
        if (auto s = text("oneM2M-OT"); !s.ok()) return Err(s);
        req.ot = v;
        break;
      case kVsi:
        if (auto s = text("oneM2M-VSI"); !s.ok()) return Err(s);
        req.vsi = v;
        break;
      case kRturi:
        if (auto s = text("oneM2M-RTURI"); !s.ok()) return Err(s);
        req.rtu_given = true;
        if (!v.empty()) req.rtu.push_back(v);
        break;
      default:
        break;  // other options (EC, ETag, Block…) carry nothing this CSE acts on
    }
  }
  if (has_accept) {
    if (!accept) return Err(Status(Rsc::kNotAcceptable, "responses are JSON or CBOR"));
    *response = *accept;
  } else if (content) {
    *response = *content;
  }
  switch (in.method) {
    case 1: req.op = Operation::kRetrieve; break;
    case 2: req.op = ty > 0 ? Operation::kCreate : Operation::kNotify; break;
    case 3: req.op = Operation::kUpdate; break;
    case 4: req.op = Operation::kDelete; break;
    default: return Err(Status::NotAllowed("CoAP method not supported"));
  }
  if (ty > 0) {
    if (req.op != Operation::kCreate) return Err(Status::BadRequest("oneM2M-TY on a non-create"));
    req.ty = ty;
  }
  if (!has_fr && !(req.op == Operation::kCreate && req.ty == 2)) {
    return Err(Status::BadRequest("missing oneM2M-FR option"));
  }
  if (req.rqi.empty()) return Err(Status::BadRequest("missing oneM2M-RQI option"));

  // Uri-Path → To.
  if (path.empty()) return Err(Status::BadRequest("missing target resource"));
  size_t first = 0;
  std::string to;
  if (path[0] == "~") {
    to = "/";
    first = 1;
  } else if (path[0] == "_") {
    to = "//";
    first = 1;
  }
  for (size_t i = first; i < path.size(); ++i) {
    if (path[i].empty() || !Printable(path[i]) || path[i].find('/') != std::string_view::npos) {
      return Err(Status::BadRequest("malformed Uri-Path"));
    }
    if (i > first) to += '/';
    to.append(path[i]);
  }
  if (first == path.size()) return Err(Status::BadRequest("missing target resource"));
  req.to = std::move(to);
  if (auto s = params.Finish(req); !s.ok()) return Err(s);

  // Content.
  const bool needs_body = req.op == Operation::kCreate || req.op == Operation::kUpdate ||
                          req.op == Operation::kNotify;
  if (!in.payload.empty()) {
    if (req.op == Operation::kRetrieve || req.op == Operation::kDelete) {
      return Err(Status::BadRequest("this operation takes no content"));
    }
    if (has_content_format && !content) {
      return Err(Status(Rsc::kUnsupportedMediaType, "unsupported Content-Format"));
    }
    auto v = DecodeContent(in.payload, content.value_or(Serialization::kJson));
    if (!v) return Err(v.error());
    req.pc = std::move(*v);
  } else if (needs_body) {
    return Err(Status::BadRequest("missing content"));
  }
  return req;
}

std::pair<uint8_t, uint8_t> CoapCodeFor(Rsc rsc, Operation op) {
  // Successes have CoAP codes of their own; errors follow the HTTP status of the same code
  // (common/status.cc, TS-0009), written c.dd, except where TS-0008 differs: CoAP has no 409,
  // and two semantic errors are 4.02.
  switch (static_cast<int>(rsc)) {
    case 1000: return {2, 4};  // noResponse: accepted, nothing to return
    case 1001: return {2, 1};
    case 1002: return {2, 4};
    case 2000: return op == Operation::kNotify ? std::pair<uint8_t, uint8_t>{2, 4}
                                               : std::pair<uint8_t, uint8_t>{2, 5};
    case 2001: return {2, 1};
    case 2002: return {2, 2};
    case 2004: return {2, 4};
    case 4105: return {4, 3};  // CONFLICT
    case 4120: case 4122: return {4, 2};
    default: break;
  }
  const int http = HttpStatusFor(rsc);
  if (http == 409) return {4, 0};
  return {static_cast<uint8_t>(http / 100), static_cast<uint8_t>(http % 100)};
}

CoapResponseParts FromPrimitive(const ResponsePrimitive& rsp, Operation op,
                                Serialization serialization) {
  CoapResponseParts out;
  auto [cls, detail] = CoapCodeFor(rsp.rsc, op);
  out.code_class = cls;
  out.code_detail = detail;
  if (!rsp.content_location.empty()) out.options.push_back({kLocationPath, rsp.content_location});
  const bool empty = op == Operation::kNotify && rsp.rsc == Rsc::kOk;
  if (!rsp.pc.empty() && !empty) {
    out.content_format = serialization == Serialization::kCbor ? kFormatCbor : kFormatJson;
    out.payload = EncodeContent(rsp.pc, serialization);
  }
  // In ascending option number, as the wire needs them.
  if (!rsp.ot.empty()) out.options.push_back({kOt, rsp.ot});
  if (!rsp.rvi.empty()) out.options.push_back({kRvi, rsp.rvi});
  if (!rsp.rqi.empty()) out.options.push_back({kRqi, rsp.rqi});
  if (!rsp.rset.empty()) out.options.push_back({kRset, rsp.rset});
  out.options.push_back({kRsc, EncodeUint(static_cast<uint64_t>(rsp.rsc))});
  if (rsp.cnst != 0) {
    if (rsp.cnot != 0) out.options.push_back({kCto, EncodeUint(rsp.cnot)});
    out.options.push_back({kCts, EncodeUint(static_cast<uint64_t>(rsp.cnst))});
  }
  if (!rsp.vsi.empty()) out.options.push_back({kVsi, rsp.vsi});
  return out;
}

}  // namespace trustcse::coap
