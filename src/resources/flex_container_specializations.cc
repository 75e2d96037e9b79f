// The ModuleClasses of TS-0023 (Release 4, domain org.onem2m.common) this CSE validates. Each
// DataPoint is a custom attribute under its SDT short name; a DataPoint that every instance has
// (cardinality 1) is mandatory at creation, all may be updated. dataGenerationTime (dgt) is an
// optional DataPoint of every ModuleClass.
#include "resources/flex_container_specializations.h"

#include <vector>

namespace trustcse::resources {
namespace {

constexpr auto M = Presence::kMandatory;
constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;
constexpr auto F = AttrType::kNumber;  // xs:float
constexpr auto T = AttrType::kTimestamp;

// Table 7.4.37.1-2, with the Release 4 instance attributes (flex_container_instance.h).
constexpr AttributePolicy kCommon[] = {
    {"cnd", AttrType::kString, M, NP},     {"or", AttrType::kString, O, O},
    {"nl", AttrType::kString, O, O},       {"cs", AttrType::kNonNegInt, NP, NP},
    {"cr", AttrType::kString, O, NP},      {"__tag", AttrType::kString, NP, NP},
    {"mni", AttrType::kNonNegInt, O, O},   {"mbs", AttrType::kNonNegInt, O, O},
    {"mia", AttrType::kNonNegInt, O, O},   {"cni", AttrType::kNonNegInt, NP, NP},
    {"cbs", AttrType::kNonNegInt, NP, NP}, {"fcied", AttrType::kBool, O, O},
};

// ModuleClass temperature.
constexpr AttributePolicy kTemperature[] = {
    {"dgt", T, O, O},  {"curT0", F, M, O}, {"tarTe", F, O, O},
    {"unit", AttrType::kNonNegInt, O, O},  {"minVe", F, O, O},
    {"maxVe", F, O, O}, {"steVe", F, O, O},
};
// ModuleClass temperatureAlarm.
constexpr AttributePolicy kTemperatureAlarm[] = {
    {"dgt", T, O, O},  {"alarm", AttrType::kBool, M, O}, {"unit", AttrType::kNonNegInt, O, O},
    {"tempe", F, O, O}, {"temT0", AttrType::kInt, O, O},
};
// ModuleClass textMessage.
constexpr AttributePolicy kTextMessage[] = {
    {"dgt", T, O, O},
    {"texMe", AttrType::kString, M, O},
    {"suMVs", AttrType::kList, O, O},
    {"minLh", AttrType::kInt, O, O},
    {"maxLh", AttrType::kInt, O, O},
    {"mesEg", AttrType::kString, O, O},
    {"defVe", AttrType::kString, O, O},
};

const FlexSpecialization kSpecializations[] = {
    {"cod:tempe", "org.onem2m.common.moduleclass.temperature", kTemperature},
    {"cod:temAm", "org.onem2m.common.moduleclass.temperatureAlarm", kTemperatureAlarm},
    {"cod:texMe", "org.onem2m.common.moduleclass.textMessage", kTextMessage},
};

struct Tables {
  std::vector<AttributePolicy> by_index[std::size(kSpecializations)];
  Tables() {
    for (size_t i = 0; i < std::size(kSpecializations); ++i) {
      by_index[i].assign(std::begin(kCommon), std::end(kCommon));
      by_index[i].insert(by_index[i].end(), kSpecializations[i].custom.begin(),
                         kSpecializations[i].custom.end());
    }
  }
};

const Tables& AllTables() {
  static const Tables kTables;
  return kTables;
}

}  // namespace

const FlexSpecialization* FindFlexByDefinition(std::string_view cnd) {
  for (const auto& s : kSpecializations) {
    if (s.cnd == cnd) return &s;
  }
  return nullptr;
}

std::span<const FlexSpecialization> FlexSpecializations() { return kSpecializations; }

const FlexSpecialization* FindFlexByKey(std::string_view key) {
  for (const auto& s : kSpecializations) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

std::span<const AttributePolicy> FlexPolicies(const FlexSpecialization& sp) {
  return AllTables().by_index[&sp - kSpecializations];
}

std::span<const AttributePolicy> FlexCommonPolicies() { return kCommon; }

}  // namespace trustcse::resources
