#include "security/trust/use_case_class.h"

#include <algorithm>
#include <cctype>

namespace trustcse::security::trust {
namespace {

constexpr ClassFloor kFloors[] = {
    {"", "unclassified", 1, 0, false, false, false},
    {"CQS", "critical, high QoS, sensitive", 3, 5, true, true, true},
    {"CQN", "critical, high QoS, non-sensitive", 3, 3, false, true, false},
    {"CBS", "critical, best effort, sensitive", 2, 5, true, true, true},
    {"CBN", "critical, best effort, non-sensitive", 2, 2, false, true, false},
    {"NQS", "non-critical, high QoS, sensitive", 3, 4, true, true, true},
    {"NQN", "non-critical, high QoS, non-sensitive", 3, 1, false, false, false},
    {"NBS", "non-critical, best effort, sensitive", 1, 4, true, true, true},
    {"NBN", "non-critical, best effort, non-sensitive", 1, 0, false, false, false},
};

bool Shared(const Credential& c) {
  if (std::any_of(c.ids.begin(), c.ids.end(),
                  [](const std::string& i) { return i.find('*') != std::string::npos; })) {
    return true;
  }
  return c.kind == CredentialKind::kPsk && c.ids.size() > 1;
}

}  // namespace

const ClassFloor& FloorOf(UseCaseClass c) {
  auto i = static_cast<size_t>(c);
  return kFloors[i < std::size(kFloors) ? i : 0];
}

std::string_view ClassCode(UseCaseClass c) { return FloorOf(c).code; }

std::optional<UseCaseClass> ParseUseCaseClass(std::string_view code) {
  if (code.size() != 3) return std::nullopt;
  for (size_t i = 1; i < std::size(kFloors); ++i) {
    bool same = true;
    for (size_t k = 0; k < 3; ++k) {
      same = same && std::toupper(static_cast<unsigned char>(code[k])) == kFloors[i].code[k];
    }
    if (same) return static_cast<UseCaseClass>(i);
  }
  return std::nullopt;
}

AuthLevel AuthenticationLevel(const ChannelIdentity* ch, const Credential* c) {
  using M = ChannelIdentity::Method;
  if (ch == nullptr || ch->method == M::kNone) return {0, "no authentication (plain channel)"};
  if (ch->method == M::kBroker) return {1, "an MQTT broker's login (shared trust)"};
  if (c != nullptr && (c->use == CredentialUse::kBootstrap || Shared(*c))) {
    return {1, "a shared or bootstrap credential"};
  }
  if (ch->method == M::kPsk) {
    if (c == nullptr || c->ids.empty()) {
      return {2, "a per-device PSK not yet bound to an originator"};
    }
    return {3, "a per-device PSK over TLS/DTLS bound to the originator"};
  }
  // A certificate or a pinned public key: mutual TLS/DTLS.
  if (c != nullptr && !c->attested.empty()) {
    return {5, "a hardware-protected per-device key with mutual TLS/DTLS"};
  }
  return {4, "a per-device certificate or public key with mutual TLS/DTLS"};
}

}  // namespace trustcse::security::trust
