// Access tokens for indirect dynamic authorization (SEC-5; TS-0003 §7.3): short-lived, signed,
// audience-bound grants that an authorization server issues and the CSE verifies locally, without
// a round trip.
//
// Form: a JWS in compact serialization, HMAC-SHA256 (alg "HS256"), over a JSON payload:
//   {"iss":…, "hldr":"<AE-ID>", "aud":["<CSE-ID>"], "nbf":<s>, "exp":<s>, "jti":"<id>",
//    "res":["<structured path>", …], "pv":{"acr":[…]}}
// hldr is the only originator that may present it; res lists the subtrees it covers; pv are the
// privileges it grants there, in ACP rule form (contexts included).
// The signing key is the operator's token key (a secret of at least 32 bytes; never logged).
// Signatures are compared in constant time.
// Verification is pure and thread-safe; TokenIssuer is the minimal authorization server role
// (used by `trustcse token issue`).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "security/authz/compiled_acp.h"

namespace trustcse::security {

struct VerifiedToken {
  std::string id;
  std::string holder;
  std::vector<std::string> resources;
  std::shared_ptr<const CompiledPrivileges> privileges;
};

class TokenVerifier {
 public:
  // `key` must hold at least 32 bytes.
  TokenVerifier(std::string key, std::string audience);
  // The token's claims if its signature, time window (nbf ≤ now < exp) and audience hold;
  // otherwise 4103 with a reason meant for the security log.
  Result<VerifiedToken> Verify(std::string_view jws, TimePoint now) const;

 private:
  std::string key_;
  std::string audience_;
};

struct TokenRequest {
  std::string holder;
  std::vector<std::string> audience;
  std::vector<std::string> resources;
  std::string privileges_json;  // {"acr":[…]}
  std::chrono::seconds lifetime{300};
};

class TokenIssuer {
 public:
  TokenIssuer(std::string key, std::string issuer);
  Result<std::string> Issue(const TokenRequest& request, TimePoint now) const;

 private:
  std::string key_;
  std::string issuer_;
};

// Reads a token key file (raw bytes, at least 32; the file owner-only, 4000 otherwise).
// Start-up only.
Result<std::string> ReadTokenKey(const std::string& path);

}  // namespace trustcse::security
