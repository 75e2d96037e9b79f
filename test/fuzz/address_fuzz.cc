// Fuzz target for ParseAddress (primitive/address.h): any `to` parameter either resolves to a
// well-formed local or remote address or is a 4000; never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "primitive/address.h"

namespace {

// Checks the documented shape of a result; traps on a violation so libFuzzer reports it.
void CheckShape(const trustcse::LocalAddress& a, const trustcse::CseIdentity& self) {
  using Kind = trustcse::LocalAddress::Kind;
  switch (a.kind) {
    case Kind::kStructured:
      if (a.path != self.cse_name && !a.path.starts_with(self.cse_name + "/")) __builtin_trap();
      if (a.path.find("//") != std::string_view::npos || a.path.ends_with('/')) __builtin_trap();
      break;
    case Kind::kUnstructured:
      if (a.ri.empty() || a.ri.find('/') != std::string_view::npos) __builtin_trap();
      if (a.path.starts_with('/') || a.path.ends_with('/')) __builtin_trap();
      break;
    case Kind::kRemote:
      if (a.ri.empty() || a.ri.front() != '/') __builtin_trap();
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trustcse;
  static const CseIdentity kWithSp{"/id-in", "cse-in", "//trustcse.local"};
  static const CseIdentity kWithoutSp{"/id-in", "cse-in", ""};
  std::string_view to(reinterpret_cast<const char*>(data), size);
  for (const CseIdentity* self : {&kWithSp, &kWithoutSp}) {
    auto a = ParseAddress(to, *self);
    if (a) {
      CheckShape(*a, *self);
    } else if (a.error().code() != Rsc::kBadRequest) {
      __builtin_trap();
    }
  }
  return 0;
}
