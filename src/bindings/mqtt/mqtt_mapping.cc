#include "bindings/mqtt/mqtt_mapping.h"

#include "primitive/primitive_message.h"

namespace trustcse::mqtt {

namespace {

constexpr std::string_view kRoot = "/oneM2M/";

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
  return RequestFromObject(v->get_object());
}

std::string EncodeRequest(const RequestPrimitive& req, Serialization s) {
  return EncodeRequestMessage(req, s);
}

std::string EncodeResponse(const ResponsePrimitive& rsp, Serialization s) {
  return EncodeResponseMessage(rsp, s);
}

Result<ResponsePrimitive> DecodeResponse(std::string_view payload, Serialization s) {
  auto v = DecodeContent(payload, s);
  if (!v) return Err(v.error());
  if (!v->is_object()) return Err(Status::BadRequest("the response primitive must be an object"));
  return ResponseFromObject(v->get_object());
}

}  // namespace trustcse::mqtt
