#include "resources/attribute_policy.h"

#include <string>

#include "common/time.h"
#include "primitive/json_util.h"

namespace trustcse::resources {
namespace {

namespace bj = boost::json;
constexpr auto M = Presence::kMandatory;
constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;

// Universal and common attributes (digest §1.2). rn, et, lbl, acpi, cr are handled here for all
// types; ri, pi, ty, ct, lt, st and the computed attributes are read-only everywhere.
constexpr AttributePolicy kCommon[] = {
    {"ty", AttrType::kNonNegInt, NP, NP},     {"ri", AttrType::kString, NP, NP},
    {"pi", AttrType::kString, NP, NP},        {"ct", AttrType::kTimestamp, NP, NP},
    {"lt", AttrType::kTimestamp, NP, NP},     {"st", AttrType::kNonNegInt, NP, NP},
    {"rn", AttrType::kString, O, NP},         {"et", AttrType::kTimestamp, O, O},
    {"lbl", AttrType::kStringList, O, O},     {"at", AttrType::kStringList, O, O},
    {"aa", AttrType::kStringList, O, O},      {"daci", AttrType::kStringList, O, O},
    {"cstn", AttrType::kString, O, O},
};

const AttributePolicy* Lookup(std::span<const AttributePolicy> t, std::string_view sn) {
  for (const auto& p : t) {
    if (p.sn == sn) return &p;
  }
  return nullptr;
}

bool IsStringList(const bj::value& v) {
  if (!v.is_array()) return false;
  for (const auto& e : v.get_array()) {
    if (!e.is_string()) return false;
  }
  return true;
}

bool WithinLabelBounds(const bj::array& list) {
  if (list.size() > kMaxLabels) return false;
  for (const auto& e : list) {
    if (e.get_string().size() > kMaxLabelLength) return false;
  }
  return true;
}

Status Bad(std::string_view what, std::string_view sn) {
  return Status::BadRequest(std::string(what) + " attribute '" + std::string(sn) + "'");
}

}  // namespace

bool HasType(const bj::value& v, AttrType t) {
  switch (t) {
    case AttrType::kString:
      return v.is_string();
    case AttrType::kNonNegInt:
    case AttrType::kEnum: {
      auto i = json::AsInt(v);
      return i && *i >= 0;
    }
    case AttrType::kPosInt: {
      auto i = json::AsInt(v);
      return i && *i > 0;
    }
    case AttrType::kInt:
      return json::AsInt(v).has_value();
    case AttrType::kBool:
      return v.is_bool();
    case AttrType::kTimestamp:
      return v.is_string() && ParseTimestamp(v.get_string()).has_value();
    case AttrType::kStringList:
      return IsStringList(v);
    case AttrType::kNonEmptyStringList:
      return IsStringList(v) && !v.get_array().empty();
    case AttrType::kIntList:
      if (!v.is_array()) return false;
      for (const auto& e : v.get_array()) {
        if (!json::AsInt(e)) return false;
      }
      return true;
    case AttrType::kObject:
      return v.is_object();
    case AttrType::kList:
      return v.is_array();
    case AttrType::kAny:
      return !v.is_null();
    case AttrType::kNumber:
      return v.is_number();
  }
  return false;
}

Status ValidateContent(const bj::object& content, std::span<const AttributePolicy> table,
                       ContentOp op, const ValidateOptions& options) {
  const bool create = op == ContentOp::kCreate;
  for (const auto& [key, value] : content) {
    std::string_view sn(key.data(), key.size());
    // creator: on CREATE only the value null is allowed ("store the originator"); never on UPDATE.
    if (sn == "cr") {
      const AttributePolicy* p = Lookup(table, "cr");
      if (!p) return Bad("unknown", sn);
      if (!create || !value.is_null()) return Bad("invalid", sn);
      continue;
    }
    const AttributePolicy* p = nullptr;
    if (sn == "acpi") {
      static constexpr AttributePolicy kAcpi{"acpi", AttrType::kStringList, O, O};
      if (options.has_acpi) p = &kAcpi;
    } else if (sn == "et" && !options.has_expiration) {
      p = nullptr;
    } else {
      p = Lookup(kCommon, sn);
      if (!p) p = Lookup(table, sn);
    }
    if (!p) {
      if (options.allow_custom) continue;
      return Bad("unknown", sn);
    }
    Presence presence = create ? p->create : p->update;
    if (presence == NP) return Bad("not permitted", sn);
    if (value.is_null()) {
      // null deletes an attribute; one that is mandatory at creation must always be there.
      if (create || presence == M || p->create == M) return Bad("null value for", sn);
      continue;
    }
    if (!HasType(value, p->type)) return Bad("wrong type for", sn);
    if ((sn == "lbl" || sn == "at" || sn == "aa") && !WithinLabelBounds(value.get_array())) {
      return Status::BadRequest("too many or too long entries in '" + std::string(sn) + "' (at most " +
                                std::to_string(kMaxLabels) + " of " +
                                std::to_string(kMaxLabelLength) + " characters)");
    }
    if (p->ranged()) {
      auto i = json::AsInt(value);
      if (!i || *i < p->min || *i > p->max) return Bad("value out of range for", sn);
    }
  }
  if (create) {
    for (const auto& p : table) {
      if (p.create == M && !content.contains(p.sn)) return Bad("missing mandatory", p.sn);
    }
  }
  return Status::Ok();
}

}  // namespace trustcse::resources
