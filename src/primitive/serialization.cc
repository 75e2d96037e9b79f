#include "primitive/serialization.h"

#include "primitive/cbor.h"
#include "primitive/json_util.h"

namespace trustcse {

Result<boost::json::value> DecodeContent(std::string_view bytes, Serialization s) {
  return s == Serialization::kCbor ? cbor::Decode(bytes) : json::ParseUntrusted(bytes);
}

std::string EncodeContent(std::string_view json_text, Serialization s) {
  if (s == Serialization::kJson || json_text.empty()) return std::string(json_text);
  auto v = json::Parse(json_text);
  return v ? cbor::Encode(*v) : std::string();
}

std::string EncodeContent(const boost::json::value& v, Serialization s) {
  return s == Serialization::kCbor ? cbor::Encode(v) : json::Serialize(v);
}

}  // namespace trustcse
