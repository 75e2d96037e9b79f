#include "primitive/filter_criteria.h"

#include <cctype>

#include "common/time.h"
#include "primitive/text.h"

namespace trustcse {
namespace {


Status Bad(std::string_view key) {
  return Status::BadRequest("invalid value for filter criterion '" + std::string(key) + "'");
}

Status TooManyConditions() {
  return Status::BadRequest("more than " + std::to_string(kMaxAttributeConditions) +
                            " attribute conditions");
}

// Filter criteria of TS-0004 Table 7.3.3.17.0-1 (and R4's geo-query) this CSE does not
// implement: NOT_IMPLEMENTED (TS-0004 §7.3.3.3), not BAD_REQUEST.
constexpr std::string_view kNotImplemented[] = {"lbq",  "arp",  "smf",  "cfs", "cfq", "gmty",
                                                "geom", "gsf",  "clbl", "palb", "chty", "pty"};


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
  if (key == "lbl" || key == "cty") {
    auto& list = key == "lbl" ? fc.lbl : fc.cty;
    auto parts = SplitListValues(value);
    if (parts.empty()) return Err(Bad(key));
    for (auto p : parts) list.emplace_back(p);
    return true;
  }
  if (key == "rn") {
    // A list, like ty and lbl (rn=a+b): one attribute condition each.
    auto parts = SplitListValues(value);
    if (parts.empty()) return Err(Bad(key));
    for (auto p : parts) {
      if (fc.atr.size() >= kMaxAttributeConditions) return Err(TooManyConditions());
      fc.atr.push_back({"rn", std::string(p)});
    }
    return true;
  }
  for (std::string_view unsupported : kNotImplemented) {
    if (key == unsupported) {
      return Err(Status::NotImplemented("filter criterion '" + std::string(key) +
                                        "' is not implemented by this CSE"));
    }
  }
  // childAttribute / parentAttribute: "c.<name>", "p.<name>" (TS-0009 §6.2.2.2).
  if (key.size() > 2 && (key.starts_with("c.") || key.starts_with("p."))) {
    return Err(Status::NotImplemented("childAttribute and parentAttribute conditions are not "
                                      "implemented by this CSE"));
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

Result<bool> ApplyAttributeCondition(FilterCriteria& fc, std::string_view key,
                                     std::string_view value) {
  // Short names start with a lower-case letter ("mni", "cr", "aei").
  if (key.empty() || key.size() > 32 || !std::islower(static_cast<unsigned char>(key[0]))) {
    return false;
  }
  for (char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  // These have conditions of their own (TS-0004 §7.3.3.17.9).
  for (std::string_view own : {"ct", "lt", "st", "et", "lbl", "ty", "cs", "cnf"}) {
    if (key == own) {
      return Err(Status::BadRequest("'" + std::string(key) +
                                    "' cannot be an attribute condition: use its own filter "
                                    "criterion"));
    }
  }
  if (value.empty()) return Err(Bad(key));
  if (fc.atr.size() >= kMaxAttributeConditions) return Err(TooManyConditions());
  fc.atr.push_back({std::string(key), std::string(value)});
  return true;
}

Status ValidateFilterCriteria(const FilterCriteria& fc) {
  if (fc.fu != 1 && fc.fu != 2) return Bad("fu");
  return Status::Ok();
}

}  // namespace trustcse
