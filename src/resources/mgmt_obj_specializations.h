// Internal to resources/: the <mgmtObj> specializations this CSE implements, as data — TS-0004
// Annex D.2–D.11 (firmware … eventLog), the CMDH policy resources of Annex D.12 (cmdhPolicy
// … cmdhBuffer) and the TS-0022 device configuration objects of mgmt_obj_device_config.h
// (dataCollection, myCertFileCred, wifiClient, credentials, SIM, mobileNetwork) — each with its
// representation key (Table 8.2.4-1), mgmtDefinition value (Table 6.3.4.2.22-1), attribute
// table and the trigger rules mgmt_obj.cc applies. Also which standard mgmtDefinition values
// name a specialization this CSE does not implement: a CREATE of one is 5001, not 4000.
// All data is constant; functions are pure and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include <boost/json/object.hpp>

#include "common/status.h"
#include "resources/attribute_policy.h"

namespace trustcse::resources {

struct MgmtSpecialization {
  int mgd;
  std::string_view key;  // "m2m:fwr"
  std::span<const AttributePolicy> own;
  // Opposite triggers: both true in one request is 4000.
  std::array<std::pair<std::string_view, std::string_view>, 2> opposite{};
  // Triggers that always read back as true.
  std::array<std::string_view, 2> always_true{};
  // m2m:actionStatus attributes the CSE initializes on create, and checks on update.
  std::array<std::string_view, 2> status{};
  // A default for boolean triggers absent on create.
  std::array<std::string_view, 4> default_false{};
  // Value rules the table cannot say (enumerations inside lists, m2m:mgmtLinkRef), applied to
  // the attributes a request gives; null: none.
  Status (*check)(const boost::json::object& given) = nullptr;
  // Pairs of attributes the resource never holds both of (an interval and a schedule that say
  // the same thing two ways); checked on the resource as a request leaves it: 4000.
  std::array<std::pair<std::string_view, std::string_view>, 2> exclusive{};
  // A second representation key a client may use for the same specialization; a resource is
  // answered under the key it was created with.
  std::string_view alias{};
};

// The specialization whose representation key (or alias) is `key`, or null.
const MgmtSpecialization* FindMgmtSpecialization(std::string_view key);
// Every specialization this CSE implements.
std::span<const MgmtSpecialization> MgmtSpecializations();
// The attributes every <mgmtObj> has (Table 7.4.15.1-2).
std::span<const AttributePolicy> MgmtCommonPolicies();
// The common attributes followed by the specialization's own.
std::span<const AttributePolicy> MgmtPolicies(const MgmtSpecialization& sp);
// True for a value of m2m:mgmtDefinition whose specialization this CSE does not implement:
// 0 (self-defined, with an mgmtSchema) and the TS-0022 objects whose attribute table it lacks.
bool IsUnimplementedMgmtDefinition(int64_t mgd);

}  // namespace trustcse::resources
