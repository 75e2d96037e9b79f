#include "egress/coap/coap_wire.h"

#include <boost/url/parse.hpp>

#include "common/time.h"
#include "egress/coap/coap_options.h"

namespace trustcse::egress::coap {

std::optional<CoapTarget> ParseCoapTarget(const std::string& url, std::string* why) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    *why = "the target is not a valid URI";
    return std::nullopt;
  }
  const boost::urls::url_view& u = *parsed;
  CoapTarget t;
  const std::string scheme(u.scheme());
  if (scheme == "coaps") {
    t.dtls = true;
  } else if (scheme != "coap") {
    *why = "the target's scheme is neither coap nor coaps";
    return std::nullopt;
  }
  const auto host_type = u.host_type();
  if (host_type != boost::urls::host_type::name && host_type != boost::urls::host_type::ipv4 &&
      host_type != boost::urls::host_type::ipv6) {
    *why = "the target has no usable host";
    return std::nullopt;
  }
  t.host = u.host_address();
  if (t.host.empty()) {
    *why = "the target has no usable host";
    return std::nullopt;
  }
  t.port = u.has_port() && !u.port().empty() ? std::string(u.port())
                                             : std::string(t.dtls ? "5684" : "5683");
  // Each decoded segment is one Uri-Path option (RFC 7252 §6.4); "/" alone is no option.
  for (auto seg : u.segments()) {
    if (seg.empty() && u.segments().size() == 1) break;
    t.uri.push_back({kUriPath, std::string(seg)});
  }
  for (auto param : u.params()) {
    std::string q = param.key;
    if (param.has_value) q += "=" + param.value;
    t.uri.push_back({kUriQuery, std::move(q)});
  }
  t.safe = scheme + "://" + std::string(u.encoded_host_and_port()) + std::string(u.encoded_path());
  t.key = scheme + "://" + t.host + ":" + t.port;
  return t;
}

uint8_t MethodOf(Operation op) {
  switch (op) {
    case Operation::kRetrieve:
      return 1;
    case Operation::kUpdate:
      return 3;
    case Operation::kDelete:
      return 4;
    case Operation::kCreate:
    case Operation::kNotify:
      break;
  }
  return 2;
}

std::string EncodeUint(uint64_t v) {
  std::string out;
  while (v > 0) {
    out.insert(out.begin(), static_cast<char>(v & 0xff));
    v >>= 8;
  }
  return out;
}

std::optional<uint64_t> DecodeUint(std::string_view bytes) {
  if (bytes.size() > 8) return std::nullopt;
  uint64_t v = 0;
  for (unsigned char c : bytes) v = v << 8 | c;
  return v;
}

uint16_t ContentFormatOf(std::string_view type) {
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  if (type == "application/cbor") return kFormatCbor;
  if (type == "application/vnd.onem2m-res+json") return kFormatResJson;
  if (type == "application/vnd.onem2m-ntfy+json") return kFormatNtfyJson;
  if (type == "application/vnd.onem2m-res+cbor") return kFormatResCbor;
  if (type == "application/vnd.onem2m-ntfy+cbor") return kFormatNtfyCbor;
  if (type == "text/plain") return kFormatText;
  return kFormatJson;
}

std::string MediaTypeOf(uint16_t format) {
  switch (format) {
    case kFormatText: return "text/plain";
    case kFormatJson: return "application/json";
    case kFormatCbor: return "application/cbor";
    case kFormatResJson: return "application/vnd.onem2m-res+json";
    case kFormatNtfyJson: return "application/vnd.onem2m-ntfy+json";
    case kFormatResCbor: return "application/vnd.onem2m-res+cbor";
    case kFormatNtfyCbor: return "application/vnd.onem2m-ntfy+cbor";
    default: return "application/octet-stream";
  }
}

std::vector<WireOption> RequestOptions(const OutboundRequest& r) {
  std::vector<WireOption> out;
  if (!r.originator.empty()) out.push_back({kFr, r.originator});
  out.push_back({kRqi, r.rqi});
  if (!r.rvi.empty()) out.push_back({kRvi, r.rvi});
  if (r.ty && r.op == Operation::kCreate) {
    out.push_back({kTy, EncodeUint(static_cast<uint64_t>(*r.ty))});
  }
  if (r.rqet) out.push_back({kRqet, FormatTimestamp(*r.rqet)});
  if (r.ec && *r.ec >= 0) out.push_back({kEc, EncodeUint(static_cast<uint64_t>(*r.ec))});
  const bool has_body = r.op != Operation::kRetrieve && r.op != Operation::kDelete;
  if (has_body && !r.body.empty()) {
    out.push_back({kContentFormat, EncodeUint(ContentFormatOf(r.content_type))});
  }
  return out;
}

OutboundResponse ResponseFrom(uint8_t code, const std::vector<WireOption>& options,
                              std::string body) {
  OutboundResponse out;
  out.status = (code >> 5) * 100 + (code & 0x1f);
  std::string location;
  for (const WireOption& o : options) {
    switch (o.number) {
      case kRsc:
        if (auto v = DecodeUint(o.value); v && *v <= 9999) {
          out.rsc = static_cast<int>(*v);
          out.headers.emplace_back("X-M2M-RSC", std::to_string(out.rsc));
        }
        break;
      case kRqi:
        out.headers.emplace_back("X-M2M-RI", o.value);
        break;
      case kRvi:
        out.headers.emplace_back("X-M2M-RVI", o.value);
        break;
      case kLocationPath:
        if (!location.empty()) location += '/';
        location += o.value;
        break;
      case kContentFormat:
        if (auto v = DecodeUint(o.value); v && *v <= 0xffff) {
          out.headers.emplace_back("Content-Type", MediaTypeOf(static_cast<uint16_t>(*v)));
        }
        break;
      default:
        break;
    }
  }
  if (!location.empty()) out.headers.emplace_back("Content-Location", std::move(location));
  out.body = std::move(body);
  return out;
}

}  // namespace trustcse::egress::coap
