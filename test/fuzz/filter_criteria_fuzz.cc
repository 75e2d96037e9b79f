// Fuzz target for the filterCriteria parser (primitive/filter_criteria.h). The input is a
// query-string-like list "key=value&key=value…" applied in order to one FilterCriteria, as the
// HTTP binding does after percent-decoding; then the combination is validated.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "primitive/filter_criteria.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trustcse;
  std::string_view query(reinterpret_cast<const char*>(data), size);
  FilterCriteria fc;
  bool rejected = false;
  size_t start = 0;
  while (start <= query.size()) {
    auto amp = query.find('&', start);
    std::string_view item = query.substr(start, amp == std::string_view::npos ? amp : amp - start);
    auto eq = item.find('=');
    std::string_view key = item.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
    auto r = ApplyFilterParameter(fc, key, value);
    if (!r) {
      Rsc c = r.error().code();
      if (c != Rsc::kBadRequest && c != Rsc::kNotImplemented) __builtin_trap();
      rejected = true;  // the caller discards `fc` on an error
      break;
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  if (rejected) return 0;
  // Accepted members keep their documented ranges.
  if (fc.fu < 1 || fc.fu > 2 || fc.fo < 1 || fc.fo > 2) __builtin_trap();
  if (fc.ofst && *fc.ofst == 0) __builtin_trap();
  if (fc.lvl && *fc.lvl <= 0) __builtin_trap();
  for (int t : fc.ty) {
    if (t <= 0) __builtin_trap();
  }
  (void)ValidateFilterCriteria(fc);
  return 0;
}
