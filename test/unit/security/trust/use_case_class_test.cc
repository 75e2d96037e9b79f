// Tests of the TEC use-case classes (TC-3): parsing the class codes, the floor of each class as
// TEC's table gives it (../shared/tec-classes.md), which classes are mission-critical, and the
// authentication level 0–5 a request earns from its channel and credential.
#include "security/trust/use_case_class.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trustcse::security::trust {
namespace {

using Method = ChannelIdentity::Method;

ChannelIdentity Channel(Method method, std::string credential_id = "cred", bool secure = true) {
  ChannelIdentity ch;
  ch.method = method;
  ch.credential_id = std::move(credential_id);
  ch.secure = secure;
  return ch;
}

Credential Cred(CredentialKind kind, std::vector<std::string> ids,
                CredentialUse use = CredentialUse::kOperational) {
  Credential c;
  c.id = "cred";
  c.kind = kind;
  c.ids = std::move(ids);
  c.use = use;
  return c;
}

TEST(UseCaseClassTest, ParsesTheEightCodesInAnyCase) {
  EXPECT_EQ(ParseUseCaseClass("CQS"), UseCaseClass::kCQS);
  EXPECT_EQ(ParseUseCaseClass("CQN"), UseCaseClass::kCQN);
  EXPECT_EQ(ParseUseCaseClass("CBS"), UseCaseClass::kCBS);
  EXPECT_EQ(ParseUseCaseClass("CBN"), UseCaseClass::kCBN);
  EXPECT_EQ(ParseUseCaseClass("NQS"), UseCaseClass::kNQS);
  EXPECT_EQ(ParseUseCaseClass("NQN"), UseCaseClass::kNQN);
  EXPECT_EQ(ParseUseCaseClass("NBS"), UseCaseClass::kNBS);
  EXPECT_EQ(ParseUseCaseClass("NBN"), UseCaseClass::kNBN);
  EXPECT_EQ(ParseUseCaseClass("nbs"), UseCaseClass::kNBS);
  EXPECT_EQ(ParseUseCaseClass("cQn"), UseCaseClass::kCQN);
}

TEST(UseCaseClassTest, UnknownCodesAreNotParsed) {
  for (const char* bad : {"", "C", "CQ", "CQSX", "XQS", "CXS", "CQX", "NNN", " CQS", "CQS "}) {
    EXPECT_EQ(ParseUseCaseClass(bad), std::nullopt) << "'" << bad << "'";
  }
}

TEST(UseCaseClassTest, CodesRoundTrip) {
  for (uint8_t i = 1; i <= 8; ++i) {
    auto c = static_cast<UseCaseClass>(i);
    EXPECT_EQ(ParseUseCaseClass(ClassCode(c)), c) << int(i);
  }
  EXPECT_EQ(ClassCode(UseCaseClass::kNone), "");
  EXPECT_EQ(ClassCode(UseCaseClass::kNBS), "NBS");
}

struct Row {
  UseCaseClass c;
  const char* code;
  int availability, level;
  bool encryption, machine_kyc, user_kyc;
};

// TEC's table: availability high 3 / medium 2 / low 1; "mandatory" → true, "–"/"optional" →
// false.
constexpr Row kTable[] = {
    {UseCaseClass::kCQS, "CQS", 3, 5, true, true, true},
    {UseCaseClass::kCQN, "CQN", 3, 3, false, true, false},
    {UseCaseClass::kCBS, "CBS", 2, 5, true, true, true},
    {UseCaseClass::kCBN, "CBN", 2, 2, false, true, false},
    {UseCaseClass::kNQS, "NQS", 3, 4, true, true, true},
    {UseCaseClass::kNQN, "NQN", 3, 1, false, false, false},
    {UseCaseClass::kNBS, "NBS", 1, 4, true, true, true},
    {UseCaseClass::kNBN, "NBN", 1, 0, false, false, false},
};

TEST(UseCaseClassTest, FloorsFollowTheTecTable) {
  for (const Row& r : kTable) {
    const ClassFloor& f = FloorOf(r.c);
    EXPECT_EQ(f.code, r.code);
    EXPECT_EQ(f.availability, r.availability) << r.code;
    EXPECT_EQ(f.level, r.level) << r.code;
    EXPECT_EQ(f.encryption, r.encryption) << r.code;
    EXPECT_EQ(f.machine_kyc, r.machine_kyc) << r.code;
    EXPECT_EQ(f.user_kyc, r.user_kyc) << r.code;
  }
  EXPECT_EQ(FloorOf(UseCaseClass::kCQS).meaning, "critical, high QoS, sensitive");
  EXPECT_EQ(FloorOf(UseCaseClass::kNBN).meaning, "non-critical, best effort, non-sensitive");
}

TEST(UseCaseClassTest, UnclassifiedHasNoFloor) {
  const ClassFloor& none = FloorOf(UseCaseClass::kNone);
  EXPECT_EQ(none.code, "");
  EXPECT_EQ(none.level, 0);
  EXPECT_FALSE(none.encryption);
  EXPECT_FALSE(none.machine_kyc);
  EXPECT_FALSE(none.user_kyc);
  // Out-of-range values read as unclassified.
  EXPECT_EQ(&FloorOf(static_cast<UseCaseClass>(9)), &none);
  EXPECT_EQ(&FloorOf(static_cast<UseCaseClass>(255)), &none);
}

TEST(UseCaseClassTest, OnlyTheCClassesAreCritical) {
  EXPECT_TRUE(IsCritical(UseCaseClass::kCQS));
  EXPECT_TRUE(IsCritical(UseCaseClass::kCQN));
  EXPECT_TRUE(IsCritical(UseCaseClass::kCBS));
  EXPECT_TRUE(IsCritical(UseCaseClass::kCBN));
  EXPECT_FALSE(IsCritical(UseCaseClass::kNQS));
  EXPECT_FALSE(IsCritical(UseCaseClass::kNQN));
  EXPECT_FALSE(IsCritical(UseCaseClass::kNBS));
  EXPECT_FALSE(IsCritical(UseCaseClass::kNBN));
  EXPECT_FALSE(IsCritical(UseCaseClass::kNone));
}

TEST(UseCaseAuthLevelTest, NothingAuthenticatedIsLevel0) {
  EXPECT_EQ(AuthenticationLevel(nullptr, nullptr).level, 0);
  Credential c = Cred(CredentialKind::kCertificate, {"Cmeter1"});
  c.attested = "2024-01-01T00:00:00";
  EXPECT_EQ(AuthenticationLevel(nullptr, &c).level, 0) << "a credential without a channel";
  ChannelIdentity plain = Channel(Method::kNone, "", /*secure=*/true);
  EXPECT_EQ(AuthenticationLevel(&plain, nullptr).level, 0) << "TLS without a client credential";
  EXPECT_EQ(AuthenticationLevel(&plain, &c).level, 0);
  EXPECT_EQ(AuthenticationLevel(&plain, nullptr).how, "no authentication (plain channel)");
}

TEST(UseCaseAuthLevelTest, SharedTrustIsLevel1) {
  ChannelIdentity broker = Channel(Method::kBroker, "", /*secure=*/false);
  EXPECT_EQ(AuthenticationLevel(&broker, nullptr).level, 1);
  EXPECT_EQ(AuthenticationLevel(&broker, nullptr).how, "an MQTT broker's login (shared trust)");

  ChannelIdentity psk = Channel(Method::kPsk);
  Credential boot = Cred(CredentialKind::kPsk, {"Cmeter1"}, CredentialUse::kBootstrap);
  EXPECT_EQ(AuthenticationLevel(&psk, &boot).level, 1) << "bootstrap";
  EXPECT_EQ(AuthenticationLevel(&psk, &boot).how, "a shared or bootstrap credential");
  Credential two = Cred(CredentialKind::kPsk, {"Cmeter1", "Cmeter2"});
  EXPECT_EQ(AuthenticationLevel(&psk, &two).level, 1) << "a PSK of two originators";
  Credential wildcard = Cred(CredentialKind::kPsk, {"Cmeter*"});
  EXPECT_EQ(AuthenticationLevel(&psk, &wildcard).level, 1) << "a PSK of a wildcard";

  // A wildcard or bootstrap certificate is shared trust too.
  ChannelIdentity cert = Channel(Method::kCertificate);
  Credential wild_cert = Cred(CredentialKind::kCertificate, {"C*"});
  EXPECT_EQ(AuthenticationLevel(&cert, &wild_cert).level, 1);
  Credential boot_cert = Cred(CredentialKind::kCertificate, {}, CredentialUse::kBootstrap);
  EXPECT_EQ(AuthenticationLevel(&cert, &boot_cert).level, 1);
}

TEST(UseCaseAuthLevelTest, PerDevicePskIsLevel2Unbound3Bound) {
  ChannelIdentity psk = Channel(Method::kPsk);
  Credential fresh = Cred(CredentialKind::kPsk, {});
  EXPECT_EQ(AuthenticationLevel(&psk, &fresh).level, 2);
  EXPECT_EQ(AuthenticationLevel(&psk, &fresh).how,
            "a per-device PSK not yet bound to an originator");
  EXPECT_EQ(AuthenticationLevel(&psk, nullptr).level, 2) << "credential not in the registry";
  Credential bound = Cred(CredentialKind::kPsk, {"Cmeter1"});
  EXPECT_EQ(AuthenticationLevel(&psk, &bound).level, 3);
  EXPECT_EQ(AuthenticationLevel(&psk, &bound).how,
            "a per-device PSK over TLS/DTLS bound to the originator");
  // A PSK is never hardware-protected: an attestation does not raise it.
  bound.attested = "2024-01-01T00:00:00";
  EXPECT_EQ(AuthenticationLevel(&psk, &bound).level, 3);
}

TEST(UseCaseAuthLevelTest, CertificatesAndPinnedKeysAreLevel4AttestedKeys5) {
  ChannelIdentity cert = Channel(Method::kCertificate, "x509:0a");
  Credential c = Cred(CredentialKind::kCertificate, {"Cmeter1"});
  EXPECT_EQ(AuthenticationLevel(&cert, &c).level, 4);
  EXPECT_EQ(AuthenticationLevel(&cert, &c).how,
            "a per-device certificate or public key with mutual TLS/DTLS");
  Credential two_ids = Cred(CredentialKind::kCertificate, {"Cmeter1", "Cmeter2"});
  EXPECT_EQ(AuthenticationLevel(&cert, &two_ids).level, 4) << "only a PSK of many is shared";

  ChannelIdentity pinned = Channel(Method::kPinnedKey, "ni:///sha-256;abc");
  Credential key = Cred(CredentialKind::kPinnedKey, {"Cmeter1"});
  EXPECT_EQ(AuthenticationLevel(&pinned, &key).level, 4);
  EXPECT_EQ(AuthenticationLevel(&pinned, nullptr).level, 4);

  c.attested = "2024-01-01T00:00:00";
  c.evidence = "secure element";
  EXPECT_EQ(AuthenticationLevel(&cert, &c).level, 5);
  EXPECT_EQ(AuthenticationLevel(&cert, &c).how,
            "a hardware-protected per-device key with mutual TLS/DTLS");
  key.attested = "2024-01-01T00:00:00";
  EXPECT_EQ(AuthenticationLevel(&pinned, &key).level, 5);
}

}  // namespace
}  // namespace trustcse::security::trust
