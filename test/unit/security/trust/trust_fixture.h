// Test helper for the trust centre's tests: provider SP000001 ("Acme") with one application of
// class `use_case`, App-ID RSP000001-1 (the first one issued).
#pragma once

#include <gtest/gtest.h>

#include "security/trust/trust_registry.h"

namespace trustcse::security::trust {

inline constexpr const char* kFirstApp = "RSP000001-1";

inline void AddProviderAndApp(TrustRegistry& registry, UseCaseClass use_case) {
  Provider p;
  p.company = "Acme";
  p.contact = "ops@acme.example";
  EXPECT_TRUE(registry.AddProvider(p).has_value());
  Application a;
  a.provider = "SP000001";
  a.name = "tracker";
  a.use_case = use_case;
  a.practice_statement = "cps";
  EXPECT_TRUE(registry.AddApp(a).has_value());
}

}  // namespace trustcse::security::trust
