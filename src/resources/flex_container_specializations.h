// Internal to resources/: the <flexContainer> specializations whose schema this CSE has — a small
// table-driven registry of TS-0023 ModuleClasses, each with its representation key ("cod:tempe"),
// its containerDefinition ("org.onem2m.common.moduleclass.temperature") and its custom attributes
// (the DataPoints: short name, data type, mandatory or optional). TS-0004 §7.4.37.2.1: the CSE
// validates a representation against the schema its containerDefinition names; a schema it does
// not have is 4125 SPECIALIZATION_SCHEMA_NOT_FOUND, a representation that does not validate is
// 4000. Adding a specialization is adding a row.
// All data is constant; functions are pure and thread-safe.
#pragma once

#include <span>
#include <string_view>

#include "resources/attribute_policy.h"

namespace trustcse::resources {

struct FlexSpecialization {
  std::string_view key;  // the representation key, "<namespace>:<short name>"
  std::string_view cnd;  // containerDefinition
  std::span<const AttributePolicy> custom;
};

// The specialization whose containerDefinition is `cnd`, or null.
const FlexSpecialization* FindFlexByDefinition(std::string_view cnd);
// The specialization whose representation key is `key`, or null.
const FlexSpecialization* FindFlexByKey(std::string_view key);
// Every specialization this CSE knows.
std::span<const FlexSpecialization> FlexSpecializations();
// The <flexContainer> attributes (Table 7.4.37.1-2) followed by the specialization's custom ones.
std::span<const AttributePolicy> FlexPolicies(const FlexSpecialization& sp);
// The <flexContainer> attributes alone.
std::span<const AttributePolicy> FlexCommonPolicies();

}  // namespace trustcse::resources
