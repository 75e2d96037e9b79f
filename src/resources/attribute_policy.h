// Attribute policies as data: for each attribute of a resource type, its short name, value type
// and whether it is Mandatory / Optional / Not Permitted on CREATE and on UPDATE
// (TS-0001 §9.6 tables, digest §1.2–1.3). ValidateContent() applies a type's table to a request's
// content, so resource files declare tables instead of writing checks.
// Tables are constexpr arrays; all functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <boost/json/object.hpp>

#include "common/status.h"

namespace trustcse::resources {

enum class AttrType : uint8_t {
  kString,
  kNonNegInt,
  kPosInt,
  kInt,
  kBool,
  kTimestamp,
  kStringList,
  // m2m:listOfM2MID / m2m:listOfURIs: strings, at least one (TS-0004 Table 6.3.3-1); an empty
  // list is a value of no such type.
  kNonEmptyStringList,
  kIntList,
  kObject,
  kList,
  kAny,
  kEnum,  // a non-negative integer; the type's own hook checks the range
  kNumber,  // xs:float / xs:double: any JSON number (an integer too)
};

enum class Presence : uint8_t { kMandatory, kOptional, kNotPresent };

struct AttributePolicy {
  std::string_view sn;
  AttrType type;
  Presence create;
  Presence update;
  // For integer types: the allowed range [min, max] (an enumeration's values); both 0 = any.
  int32_t min = 0;
  int32_t max = 0;
  constexpr bool ranged() const { return min != 0 || max != 0; }
};

enum class ContentOp : uint8_t { kCreate, kUpdate };

struct ValidateOptions {
  bool has_acpi = true;          // whether acpi is an attribute of the type
  bool has_expiration = true;    // et (false for the CSEBase)
  bool allow_custom = false;     // flexContainer: unknown attributes are custom attributes
};

// Checks `content` (the object inside "m2m:xxx") against the universal/common attributes and
// `table`: unknown attributes, NP attributes, missing mandatory attributes, wrong value types and
// integers outside a policy's range give 4000 with a message naming the attribute. On UPDATE a
// JSON null asks for the attribute to be removed and is accepted for optional attributes only.
// Labels (lbl) and the announcement lists (at, aa) of one resource: at most this many entries of
// at most this many characters each (4000 beyond). Labels are indexed for discovery: a resource
// with 10,000 of them would cost every listing that filters by label.
inline constexpr size_t kMaxLabels = 64;
inline constexpr size_t kMaxLabelLength = 256;

Status ValidateContent(const boost::json::object& content, std::span<const AttributePolicy> table,
                       ContentOp op, const ValidateOptions& options);

// True if `v` is a value of type `t` (a JSON null is never).
bool HasType(const boost::json::value& v, AttrType t);

}  // namespace trustcse::resources
