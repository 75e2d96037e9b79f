// Fuzz target for the CBOR decoder (primitive/cbor.h). Any input either decodes or is refused
// with 4000; nothing may crash, hang on nesting, or throw. What decodes must encode and decode
// back to the same value (the encoder writes what the decoder reads).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <boost/json.hpp>

#include "primitive/cbor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trustcse;
  auto v = cbor::Decode(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!v) {
    if (v.error().code() != Rsc::kBadRequest || v.error().message().empty()) std::abort();
    return 0;
  }
  auto back = cbor::Decode(cbor::Encode(*v));
  if (!back || *back != *v) std::abort();
  return 0;
}
