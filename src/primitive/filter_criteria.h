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

// One attribute condition (TS-0004 §7.3.3.17.9): `name` = `value`, where in a discovery (fu=1)
// the value may hold the wildcard '*' (0 or more characters).
struct AttributeCondition {
  std::string name;
  std::string value;
};

struct FilterCriteria {
  int fu = 2;  // 1 discovery, 2 conditional retrieve (default)
  std::vector<int> ty;
  std::vector<std::string> lbl;
  std::vector<std::string> cty;
  // Attribute conditions, rn among them (one condition tag: OR'ed among themselves). Any query
  // parameter that is no other parameter is taken for one; whether its name is an attribute at
  // all is for the layer that knows the resource types to say.
  std::vector<AttributeCondition> atr;
  std::optional<std::string> crb, cra, ms, us, exb, exa;  // normalized timestamps
  std::optional<uint64_t> sts, stb, sza, szb;
  std::optional<size_t> lim;
  std::optional<size_t> ofst;  // 1 = the first matching resource
  std::optional<int> lvl;      // 1 = direct children
  int fo = 1;                  // 1 AND, 2 OR
};

// The most attribute conditions one request may carry (each is a condition the store evaluates
// per candidate): more → 4000.
inline constexpr size_t kMaxAttributeConditions = 16;

// Consumes one query parameter if it is a filterCriteria member. Returns:
//   true  — it was a filter parameter and was stored in `fc`;
//   false — not a filter parameter (the caller handles or rejects it);
//   an error Status — 4000 for a malformed value; 5001 for a filter criterion this CSE does
//   not implement (labelsQuery, applyRelativePath, semantic and content filters, geo-query,
//   child/parent conditions).
Result<bool> ApplyFilterParameter(FilterCriteria& fc, std::string_view key, std::string_view value);

// Consumes a parameter no other rule took as an attribute condition, if its key has the form of
// an attribute's short name (a lower-case letter, then letters and digits, at most 32) — true if
// taken; 4000 for an empty value, and
// for ct, lt, st, et, cs and cnf, which have conditions of their own. A name no resource has
// simply matches nothing (the condition applies to representations that have the attribute).
Result<bool> ApplyAttributeCondition(FilterCriteria& fc, std::string_view key,
                                     std::string_view value);

// Checks combinations after all parameters were applied (e.g. fu range).
Status ValidateFilterCriteria(const FilterCriteria& fc);

}  // namespace trustcse
