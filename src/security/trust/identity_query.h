// Identity and configuration on demand (TC-7): the operator asks a machine to report what it is,
// and the answer is compared with its Machine-KYC record.
//
//   1. `trustcse device query --id M` (admin operation device.query) records a pending query on
//      M (a query ID, when) and sends a NOTIFY to each of M's AE-IDs — through the AE's point
//      of access, or its polling channel when it is not request-reachable — whose content is
//        {"trustcse:identityQuery": {"query": "<ID>", "machine": "M",
//                                    "report": ["m2m:dvi", "dcfg:sim"]}}
//      (a trustcse extension: an AE that does not know it answers with an error, and the query
//      stays pending).
//   2. The device answers the oneM2M way: it creates or updates its [deviceInfo] (m2m:dvi) and
//      [SIM] (dcfg:sim) <mgmtObj> resources. The trust gate reads the report (sim_binding.h:
//      IMEI, IMSI, ICCID; model, firmware and software versions) from the request itself.
//   3. The report is compared with the record — each identity the record has, and the model —
//      and kept as the machine's answer; a mismatch raises a trust event (operation
//      "query.mismatch", the alert; in the audit log). The SIM binding, when on, locks the
//      machine as for any report.
// Pure functions here; the registry's side is in TrustRegistry (trust_registry.h).
#pragma once

#include <string>

#include "security/trust/sim_binding.h"
#include "security/trust/trust_registry.h"

namespace trustcse::security::trust {

// The NOTIFY content of the query (serialized JSON).
std::string IdentityQueryBody(const Machine& m);

// What of report `o` disagrees with `m`'s record ("IMEI 35…, recorded 49…; model T-9,
// recorded T-1"); "" when everything the record and the report both have agrees.
std::string CompareWithRecord(const Machine& m, const Observed& o);

}  // namespace trustcse::security::trust
