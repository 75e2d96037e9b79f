// Fuzz target for the MQTT binding's parsers (bindings/mqtt/mqtt_mapping.h): the first byte
// picks JSON or CBOR and whether the input is read as a topic or a request primitive; the rest
// is the topic or payload. Nothing may crash or throw; a refused primitive carries an error code
// and a message; an accepted one has its target and request ID, and its response encodes and decodes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bindings/mqtt/mqtt_mapping.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trustcse;
  using namespace trustcse::mqtt;
  if (size == 0) return 0;
  const Serialization s = (data[0] & 1) ? Serialization::kCbor : Serialization::kJson;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 2) {
    if (auto t = ParseTopic(in, (data[0] & 4) ? "/p" : "")) {
      if (t->originator.empty() || t->receiver.empty()) std::abort();
      if (!ParseTopic(TopicFor(*t, "/x"), "/x")) std::abort();
      (void)IdFromTopic(t->originator);
    }
    return 0;
  }
  auto r = ToPrimitive(in, s);
  if (!r) {
    // 4000 for malformed input; 5001 for filter features the CSE does not implement.
    if (static_cast<int>(r.error().code()) < 4000 || r.error().message().empty()) std::abort();
    return 0;
  }
  if (r->to.empty() || r->rqi.empty()) std::abort();
  ResponsePrimitive rsp;
  rsp.rsc = Rsc::kOk;
  rsp.rqi = r->rqi;
  rsp.pc = R"({"m2m:dbg":"ok"})";
  auto back = DecodeResponse(EncodeResponse(rsp, s), s);
  if (!back || back->rqi != r->rqi) std::abort();
  return 0;
}
