// The SIM↔device binding (TC-2): what a request shows of the device and the SIM it comes from,
// and whether that agrees with the machine's record.
//
// Where the identities come from (read on every request of a machine whose binding is on):
//   credential  the channel: the attributes of the credential the TLS/DTLS handshake
//               authenticated — the IMEI a certificate of the built-in CA certifies
//               (subjectAltName urn:gsma:imei:…, RFC 7254; `trustcse ca issue --imei`), and
//               the SIM (IMSI, ICCID) or device (IMEI) an attested key is held in
//               (`trustcse credential attest --imsi …`, e.g. a GSMA IoT SAFE key in the SIM).
//   deviceInfo  the device's report: a CREATE or UPDATE of a [deviceInfo] <mgmtObj> (m2m:dvi)
//               whose deviceLabel is an IMEI ("353456789012348", "IMEI:35…",
//               "urn:gsma:imei:35345678-901234-8").
//   SIM         the device's report: a CREATE or UPDATE of a TS-0022 [SIM] <mgmtObj>
//               (dcfg:sim): imsi, icid.
// Values that are not valid identities are not observations (the resource's own validation
// answers them). Two sources that disagree on one identity are a mismatch themselves.
//
// The check (binding "learn" or "strict"; off: nothing is read):
//   IMEI   strict: one of allowed_imeis (the record's imei when that list is empty);
//          learn: the record's imei, or learned when the record has none.
//   IMSI, ICCID: the record's; learned when the record has none (learn), ignored when the
//          record has none (strict: the SIM is named by the other one).
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "primitive/request.h"
#include "security/credentials/credential_registry.h"
#include "security/trust/trust_registry.h"

namespace trustcse::security::trust {

struct Observed {
  std::string imei, imsi, iccid;
  std::string imei_source, imsi_source, iccid_source;  // "credential", "deviceInfo", "SIM"
  std::string conflict;  // two sources disagreeing, said in words; "" if none
  // True when the request is a deviceInfo or SIM report (an answer to an identity query,
  // identity_query.h), with the configuration a deviceInfo report gives: model (mod),
  // firmware (fwv) and software (swv) versions.
  bool report = false;
  std::string model, firmware, software;
  bool empty() const { return imei.empty() && imsi.empty() && iccid.empty() && conflict.empty(); }
};

// What `req` (its content) and `cred` (may be null) show. Cheap when there is nothing: a
// request that is not a CREATE/UPDATE of deviceInfo or SIM reads only the credential.
Observed ObservedIdentities(const RequestPrimitive* req, const Credential* cred);

// The IMEI in a deviceLabel or an RFC 7254 URN, normalised (15 digits); "" if it is none.
std::string ImeiOfLabel(std::string_view label);

struct BindingVerdict {
  enum class Kind { kMatch, kLearn, kMismatch };
  Kind kind = Kind::kMatch;
  std::string what;  // kMismatch: what disagrees, in words
  // kLearn: what to bind ("" = nothing of that kind).
  std::string learn_imei, learn_imsi, learn_iccid;
};

// `m` against `o`. kMatch when the binding is off or nothing is observed.
BindingVerdict CheckBinding(const Machine& m, const Observed& o);

}  // namespace trustcse::security::trust
