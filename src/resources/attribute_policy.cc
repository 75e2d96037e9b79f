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

// xs:token (the entries of m2m:labels): no tab, CR or LF, no leading or trailing space, no two
// spaces in a row.
bool IsToken(std::string_view s) {
  if (s.empty()) return true;
  if (s.front() == ' ' || s.back() == ' ') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\t' || s[i] == '\r' || s[i] == '\n') return false;
    if (s[i] == ' ' && i + 1 < s.size() && s[i + 1] == ' ') return false;
  }
  return true;
}

// A GeoJSON position (RFC 7946 §3.1.1): two or three numbers.
bool IsPosition(const bj::value& v) {
  if (!v.is_array()) return false;
  const auto& a = v.get_array();
  if (a.size() < 2 || a.size() > 3) return false;
  for (const auto& n : a) {
    if (!n.is_number()) return false;
  }
  return true;
}

bool IsPositions(const bj::value& v, size_t at_least) {
  if (!v.is_array() || v.get_array().size() < at_least) return false;
  for (const auto& p : v.get_array()) {
    if (!IsPosition(p)) return false;
  }
  return true;
}

// A linear ring: at least four positions, the last one the first (RFC 7946 §3.1.6).
bool IsRing(const bj::value& v) {
  return IsPositions(v, 4) && v.get_array().front() == v.get_array().back();
}

// A polygon's coordinates: one ring, or a list of rings as GeoJSON writes them.
bool IsPolygon(const bj::value& v) {
  if (IsRing(v)) return true;
  if (!v.is_array() || v.get_array().empty()) return false;
  for (const auto& r : v.get_array()) {
    if (!IsRing(r)) return false;
  }
  return true;
}

template <typename F>
bool IsListOf(const bj::value& v, F&& each) {
  if (!v.is_array() || v.get_array().empty()) return false;
  for (const auto& e : v.get_array()) {
    if (!each(e)) return false;
  }
  return true;
}

// m2m:geoCoordinates: {typ: 1 Point … 6 MultiPolygon, crd: the geometry's coordinates, as a
// JSON string or as JSON}.
bool IsGeoCoordinates(const bj::value& v) {
  if (!v.is_object()) return false;
  const bj::object& o = v.get_object();
  auto typ = json::GetInt(o, "typ");
  const bj::value* crd = o.if_contains("crd");
  if (!typ || crd == nullptr) return false;
  bj::value parsed;
  if (crd->is_string()) {
    auto p = json::Parse(crd->get_string());
    if (!p) return false;
    parsed = std::move(*p);
    crd = &parsed;
  }
  switch (*typ) {
    case 1: return IsPosition(*crd);                                    // Point
    case 2: return IsPositions(*crd, 2);                                // LineString
    case 3: return IsPolygon(*crd);                                     // Polygon
    case 4: return IsPositions(*crd, 1);                                // MultiPoint
    case 5: return IsListOf(*crd, [](const bj::value& l) { return IsPositions(l, 2); });
    case 6: return IsListOf(*crd, [](const bj::value& p) { return IsPolygon(p); });
    default: return false;
  }
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
    if (sn == "lbl") {
      for (const auto& e : value.get_array()) {
        if (!IsToken(e.get_string())) {
          return Status::BadRequest("a label is not a token (no tab or line break, no leading, "
                                    "trailing or double space)");
        }
      }
    }
    if (sn == "loc" && p->type == AttrType::kAny && !IsGeoCoordinates(value)) {
      return Status::BadRequest("'loc' is not a geoCoordinates {typ, crd} whose coordinates fit "
                                "its geometry type");
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
