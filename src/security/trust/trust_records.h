// The trust centre's records as JSON (stored bodies and admin API views are the same object,
// plus derived fields in views) and the operator's fields applied to them with validation.
// Internal to security/trust; pure functions.
#pragma once

#include <boost/json/object.hpp>

#include "common/status.h"
#include "security/trust/trust_registry.h"

namespace trustcse::security::trust::records {

Result<Provider> ProviderFrom(std::string_view id, const boost::json::object& o);
Result<Application> AppFrom(std::string_view id, const boost::json::object& o);
Result<Machine> MachineFrom(std::string_view id, const boost::json::object& o);
// The stored body (ToJson without derived fields).
boost::json::object MachineBody(const Machine& m);
// A record's history (machines, subscriptions) as stored: a list of {at, field, from, to, by,
// reason?}; read back from member "history" of `o` (absent or malformed entries: skipped).
boost::json::array HistoryToJson(const std::vector<HistoryEntry>& history);
std::vector<HistoryEntry> HistoryFrom(const boost::json::object& o);

// Applies the descriptive fields of device.add / device.update to `m`: entities, credentials,
// imei, serial, eid, iccid, imsi (+ mnc_digits), model, certification, capability,
// configuration, purpose, location, user_kyc (bool: verified now / not), binding (off | learn |
// strict; strict needs the SIM and the devices), allowed_imeis. With `creating`, also
// app, owner and provider. Unknown fields are refused (4000), so that a typo is not lost.
Status ApplyMachineFields(Machine& m, const boost::json::object& fields, bool creating);

}  // namespace trustcse::security::trust::records
