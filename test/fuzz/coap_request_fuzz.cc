// Fuzz target for the CoAP binding's mapping (bindings/coap/coap_mapping.h). The input is read
// as a CoAP message's method byte and a list of options (number delta, length, value, as in
// RFC 7252 §3.1 but simplified) followed by the payload. Nothing may crash or throw; a refusal
// carries a 4xxx/5xxx code and a message; an accepted request has a target and maps back into
// a well-formed response.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bindings/coap/coap_mapping.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trustcse;
  using namespace trustcse::coap;
  if (size < 2) return 0;
  CoapRequestParts parts;
  parts.method = data[0] & 0x7;
  size_t count = data[1] % 16;
  size_t i = 2;
  uint16_t number = 0;
  for (size_t k = 0; k < count && i + 2 <= size; ++k) {
    number = static_cast<uint16_t>(number + data[i]);  // deltas: options ascend
    // Bias towards the options the mapping reads.
    static const uint16_t kKnown[] = {kUriPath, kUriQuery, kContentFormat, kAccept, kTy, kFr,
                                      kRqi, kRvi, kRqet, kRset, kRturi};
    uint16_t n = (data[i] & 0x80) ? kKnown[data[i] % (sizeof kKnown / sizeof kKnown[0])] : number;
    size_t len = data[i + 1] % 32;
    i += 2;
    if (i + len > size) len = size - i;
    parts.options.push_back({n, std::string(reinterpret_cast<const char*>(data + i), len)});
    i += len;
  }
  parts.payload = std::string_view(reinterpret_cast<const char*>(data + i), size - i);
  Serialization s;
  auto r = ToPrimitive(parts, &s);
  if (!r) {
    int c = static_cast<int>(r.error().code());
    if (c < 4000 || r.error().message().empty()) std::abort();
    return 0;
  }
  if (r->to.empty() || r->rqi.empty()) std::abort();
  ResponsePrimitive rsp;
  rsp.rsc = Rsc::kOk;
  rsp.rqi = r->rqi;
  rsp.pc = R"({"m2m:dbg":"ok"})";
  CoapResponseParts out = FromPrimitive(rsp, r->op, s);
  // A NOTIFY's 2.04 carries nothing; otherwise the content reaches the client in the
  // serialization it asked for, never lost on the way.
  if (r->op == Operation::kNotify) {
    if (!out.payload.empty()) std::abort();
    return 0;
  }
  if (out.payload.empty()) std::abort();
  auto back = DecodeContent(out.payload, s);
  if (!back || !back->is_object() || !back->get_object().contains("m2m:dbg")) std::abort();
  return 0;
}
