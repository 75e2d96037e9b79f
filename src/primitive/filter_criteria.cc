#include "primitive/filter_criteria.h"

#include "common/time.h"
#include "primitive/text.h"

namespace trustcse {
namespace {


Status Bad(std::string_view key) {
  return Status::BadRequest("invalid value for filter criterion '" + std::string(key) + "'");
}


Result<bool> Timestamp(std::optional<std::string>& field, std::string_view key,
                       std::string_view value) {
  auto t = ParseTimestamp(value);
  if (!t) return Err(Bad(key));
  field = FormatTimestamp(*t);
  return true;
}

template <typename T>
Result<bool> Number(std::optional<T>& field, std::string_view key, std::string_view value) {
  T v{};
  if (!ParseNumber(value, &v)) return Err(Bad(key));
  field = v;
  return true;
}

}  // namespace

Result<bool> ApplyFilterParameter(FilterCriteria& fc, std::string_view key,
                                  std::string_view value) {
  if (key == "fu") {
    int v = 0;
    if (!ParseNumber(value, &v) || v < 1 || v > 2) {
      return Err(v >= 3 && v <= 4 ? Status::NotImplemented("filterUsage " + std::string(value) +
                                                           " is not supported")
                                  : Bad(key));
    }
    fc.fu = v;
    return true;
  }
  if (key == "ty") {
    auto parts = SplitListValues(value);
    if (parts.empty()) return Err(Bad(key));
    for (auto p : parts) {
      int v = 0;
      if (!ParseNumber(p, &v) || v <= 0) return Err(Bad(key));
      fc.ty.push_back(v);
    }
    return true;
  }
  if (key == "lbl" || key == "rn" || key == "cty") {
    auto& list = key == "lbl" ? fc.lbl : key == "rn" ? fc.rn : fc.cty;
    auto parts = SplitListValues(value);
    if (parts.empty()) return Err(Bad(key));
    for (auto p : parts) list.emplace_back(p);
    return true;
  }
  if (key == "crb") return Timestamp(fc.crb, key, value);
  if (key == "cra") return Timestamp(fc.cra, key, value);
  if (key == "ms") return Timestamp(fc.ms, key, value);
  if (key == "us") return Timestamp(fc.us, key, value);
  if (key == "exb") return Timestamp(fc.exb, key, value);
  if (key == "exa") return Timestamp(fc.exa, key, value);
  if (key == "sts") return Number(fc.sts, key, value);
  if (key == "stb") return Number(fc.stb, key, value);
  if (key == "sza") return Number(fc.sza, key, value);
  if (key == "szb") return Number(fc.szb, key, value);
  if (key == "lim") return Number(fc.lim, key, value);
  if (key == "ofst") {
    auto r = Number(fc.ofst, key, value);
    if (r && *fc.ofst == 0) return Err(Bad(key));
    return r;
  }
  if (key == "lvl") {
    auto r = Number(fc.lvl, key, value);
    if (r && *fc.lvl == 0) return Err(Bad(key));
    return r;
  }
  if (key == "fo") {
    int v = 0;
    if (!ParseNumber(value, &v) || v < 1 || v > 2) return Err(Bad(key));
    fc.fo = v;
    return true;
  }
  return false;
}

Status ValidateFilterCriteria(const FilterCriteria& fc) {
  if (fc.fu != 1 && fc.fu != 2) return Bad("fu");
  return Status::Ok();
}

}  // namespace trustcse
