// filterCriteria (TS-0004 §6.3.5.8): the conditions of a discovery (fu=1) or a conditional
// retrieve/update/delete (fu=2), parsed from a binding's query parameters. Parsing validates
// types and ranges; anything malformed is a 4000 with a message naming the parameter.
// Value type, thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace trustcse {

struct FilterCriteria {
  int fu = 2;  // 1 discovery, 2 conditional retrieve (default)
  std::vector<int> ty;
  std::vector<std::string> lbl;
  std::vector<std::string> rn;
  std::vector<std::string> cty;
  std::optional<std::string> crb, cra, ms, us, exb, exa;  // normalized timestamps
  std::optional<uint64_t> sts, stb, sza, szb;
  std::optional<size_t> lim;
  std::optional<size_t> ofst;  // 1 = the first matching resource
  std::optional<int> lvl;      // 1 = direct children
  int fo = 1;                  // 1 AND, 2 OR
};

// Consumes one query parameter if it is a filterCriteria member. Returns:
//   true  — it was a filter parameter and was stored in `fc`;
//   false — not a filter parameter (the caller handles or rejects it);
//   an error Status (4000) — a filter parameter with a malformed value.
Result<bool> ApplyFilterParameter(FilterCriteria& fc, std::string_view key, std::string_view value);

// Checks combinations after all parameters were applied (e.g. fu range).
Status ValidateFilterCriteria(const FilterCriteria& fc);

}  // namespace trustcse
