// TEC use-case classes (TC-3) and the authentication levels 0–5 that their floors name.
//
// Class code = criticality + QoS + sensitivity (C/N, Q/B, S/N); each class has a floor: an
// authentication level, whether transport encryption, machine KYC and user KYC are mandatory,
// and an availability priority (storm protection admits higher priorities first). Table from
// TEC's "Recommendations in IoT/M2M Security" (../shared/tec-classes.md).
//
// Authentication levels (TEC names the levels but does not define them; trustcse's definition,
// docs/trust-centre.md), derived per request from the channel it arrived on and the credential
// that channel authenticated:
//   0  nothing authenticated: plain HTTP/CoAP/MQTT/WebSocket; the originator is only claimed
//   1  a shared credential: an MQTT broker's login (its topic ACL vouches for the originator),
//      a bootstrap credential, a PSK bound to several originators or to a wildcard
//   2  a per-device PSK over TLS/DTLS not yet bound to an originator (the registration that
//      binds it, under `ae_id_registration = "any-free"`)
//   3  a per-device PSK over TLS/DTLS bound to the originator (SEC-2 checked it)
//   4  a per-device certificate or pinned raw public key, mutual TLS/DTLS, bound
//   5  level 4 with a key the operator attested to be hardware-protected (secure element,
//      SIM, TPM: `trustcse credential attest`)
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "primitive/request.h"
#include "security/credentials/credential_registry.h"

namespace trustcse::security::trust {

// 0 = unclassified (an application the registry does not know); the values travel in
// Obligations::use_case_class, where a higher value is not "stricter": read them by name.
enum class UseCaseClass : uint8_t { kNone = 0, kCQS, kCQN, kCBS, kCBN, kNQS, kNQN, kNBS, kNBN };

struct ClassFloor {
  std::string_view code;     // "CQS"
  std::string_view meaning;  // "critical, high QoS, sensitive"
  int availability;          // 3 high, 2 medium, 1 low
  int level;                 // minimum authentication level
  bool encryption;           // transport-layer encryption (TLS/DTLS) mandatory
  bool machine_kyc;          // a complete machine KYC record mandatory
  bool user_kyc;             // the owner's KYC verified
};

// The floor of `c` (kNone: no floor at all).
const ClassFloor& FloorOf(UseCaseClass c);
std::string_view ClassCode(UseCaseClass c);
// "CQS" … "NBN", case-insensitive; nullopt otherwise.
std::optional<UseCaseClass> ParseUseCaseClass(std::string_view code);
// Mission-critical classes (C…): suspending them needs an explicit override (OP-2).
inline bool IsCritical(UseCaseClass c) {
  return c == UseCaseClass::kCQS || c == UseCaseClass::kCQN || c == UseCaseClass::kCBS ||
         c == UseCaseClass::kCBN;
}

struct AuthLevel {
  int level = 0;
  std::string_view how;  // what earned it, for messages ("per-device PSK over TLS/DTLS")
};
// The level of a request that arrived on `channel` (null: plain) whose channel authenticated
// `credential` (null: unknown to the registry, or none).
AuthLevel AuthenticationLevel(const ChannelIdentity* channel, const Credential* credential);

}  // namespace trustcse::security::trust
