// Internal to resources/: the <mgmtObj> specializations of TS-0022 (Field Device Configuration)
// this CSE implements, as MgmtSpecialization data for mgmt_obj_specializations.cc to list beside
// the TS-0004 Annex D ones:
//   1021 [dataCollection] dcfg:datc, 1023 [myCertFileCred] dcfg:nycfc (alias m2m:nycfc),
//   1028 [wifiClient] dcfg:wific, 1029 [credentials] dcfg:crds, 1030 [SIM] dcfg:sim,
//   1031 [mobileNetwork] dcfg:mnwk.
// Each has its attribute table (M/O/NP on CREATE and UPDATE, value types, enumeration ranges) and
// a check for the values a table cannot say: schedules (m2m:scheduleEntries), m2m:suid lists,
// dcfg:wifiCredentials, IMSI/ICCID forms, m2m:ipAddress lists.
//
// The CSE stores these objects; configuring the device from them is the management adapter's
// work (TS-0022 §8), as for the Annex D objects. All data is constant (constant-initialized, so
// usable from other static initializers); the functions are pure and thread-safe.
#pragma once

#include <span>

#include "resources/mgmt_obj_specializations.h"

namespace trustcse::resources {

std::span<const MgmtSpecialization> DeviceConfigSpecializations();

}  // namespace trustcse::resources
