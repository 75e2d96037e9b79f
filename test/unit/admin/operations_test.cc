// The operator's operations (admin/operations.h) against real services on the in-memory store
// (and one SQLite store in a scratch directory): what each operation returns and changes, the
// errors it answers, and that secrets appear only in the result that creates them — never in a
// listing, a later result or an admin event.
#include "admin/operations.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "security/crypto/crypto.h"
#include "tls/server_context.h"
#include "events/event_log.h"

namespace trustcse::admin {
namespace {

namespace bj = boost::json;
namespace crypto = security::crypto;

constexpr const char* kPskHex = "00112233445566778899aabbccddeeff0123456789abcdef";

std::shared_ptr<const security::KeyStore> Keys() {
  return std::shared_ptr<const security::KeyStore>(
      std::move(*security::SoftwareKeyStoreWithKey(crypto::Secret(std::string(32, 'k')))));
}

// A fresh P-256 public key, PEM.
std::string PublicKeyPem() {
  EVP_PKEY* k = EVP_EC_gen("P-256");
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(b, k);
  char* p = nullptr;
  long n = BIO_get_mem_data(b, &p);
  std::string pem(p, static_cast<size_t>(n));
  BIO_free(b);
  EVP_PKEY_free(k);
  return pem;
}

using events::EventLog;

bj::object Args(std::string_view json) { return bj::parse(json).as_object(); }

// Every credential of a credential.list result, by ID.
const bj::object* Listed(const bj::object& list, std::string_view id) {
  for (const auto& c : list.at("credentials").as_array()) {
    if (c.as_object().at("id").as_string() == id) return &c.as_object();
  }
  return nullptr;
}

class AdminOperations : public ::testing::Test {
 protected:
  AdminOperations() : store_(storage::OpenMemoryStore()) {
    registry_ = std::make_shared<security::CredentialRegistry>(*store_, Keys());
    events_->Subscribe(log_, {events::kAllKinds, 10000, false, "test"});
    registry_->SetEventStream(events_);
    ca_ = std::make_shared<security::CertificateAuthority>(
        *store_, registry_, CseIdentity{"/id-in", "cse-in", "//t.test"});
    security::EnrolmentOptions eo;
    eo.psk_issuer = "t.test";
    enrolment_ = std::make_shared<security::EnrolmentService>(*store_, registry_, ca_, eo);
    ops_ = std::make_unique<Operations>(registry_, ca_, enrolment_);
  }
  ~AdminOperations() override {
    events_->Stop();
    store_->Close();
  }

  Result<bj::object> Run(std::string_view op, std::string_view args = "{}") {
    return ops_->Run(op, Args(args), "uid:1000");
  }
  bj::object Ok(std::string_view op, std::string_view args = "{}") {
    auto r = Run(op, args);
    EXPECT_TRUE(r.has_value()) << op << ": " << (r ? "" : r.error().message());
    return r ? *r : bj::object{};
  }
  Rsc Code(std::string_view op, std::string_view args = "{}") {
    auto r = Run(op, args);
    return r ? Rsc::kOk : r.error().code();
  }
  // The serialized listing of every credential.
  std::string ListText() { return bj::serialize(Ok("credential.list")); }
  // Every admin event so far (after the sink's queue drained).
  std::vector<events::Event> AdminEvents() {
    events_->Stop();
    std::lock_guard lock(log_->mu);
    std::vector<events::Event> out;
    for (const auto& e : log_->seen) {
      if (e.kind == events::Kind::kAdminOperation) out.push_back(e);
    }
    return out;
  }

  std::unique_ptr<storage::Store> store_;
  std::shared_ptr<events::EventStream> events_ = std::make_shared<events::EventStream>();
  std::shared_ptr<EventLog> log_ = std::make_shared<EventLog>();
  std::shared_ptr<security::CredentialRegistry> registry_;
  std::shared_ptr<security::CertificateAuthority> ca_;
  std::shared_ptr<security::EnrolmentService> enrolment_;
  std::unique_ptr<Operations> ops_;
};

// --- credentials ---

TEST_F(AdminOperations, AddsAPskCredentialThatTheRegistryServes) {
  auto out = Ok("credential.add", std::string(R"({"id":"dev1@t.test","kind":"psk","ids":["Cdev1"],)"
                                              R"("note":"serial 42","psk":")") + kPskHex + R"("})");
  EXPECT_FALSE(out.contains("psk"));  // given, not generated: not echoed
  const auto& c = out.at("credential").as_object();
  EXPECT_EQ(c.at("id").as_string(), "dev1@t.test");
  EXPECT_EQ(c.at("kind").as_string(), "psk");
  EXPECT_EQ(c.at("use").as_string(), "operational");
  EXPECT_EQ(c.at("ids").as_array().size(), 1u);
  EXPECT_EQ(c.at("ids").as_array()[0].as_string(), "Cdev1");
  EXPECT_TRUE(c.at("active").as_bool());
  EXPECT_EQ(c.at("note").as_string(), "serial 42");
  // The key is the one given, and the originator is bound to the credential.
  auto key = registry_->Psk("dev1@t.test", Now());
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(crypto::Hex(std::string(key->view())), kPskHex);
  EXPECT_EQ(registry_->BoundTo("Cdev1"), "dev1@t.test");
}

TEST_F(AdminOperations, ListsCredentialsWithoutTheirSecrets) {
  Ok("credential.add",
     std::string(R"({"id":"dev1@t.test","kind":"psk","psk":")") + kPskHex + R"("})");
  auto generated = Ok("credential.add", R"({"id":"dev2@t.test","kind":"psk","generate":true})");
  const std::string generated_hex(generated.at("psk").as_string());
  auto list = Ok("credential.list");
  ASSERT_NE(Listed(list, "dev1@t.test"), nullptr);
  ASSERT_NE(Listed(list, "dev2@t.test"), nullptr);
  const std::string text = bj::serialize(list);
  EXPECT_EQ(text.find(kPskHex), std::string::npos);
  EXPECT_EQ(text.find(generated_hex), std::string::npos);
  auto sealed = registry_->Find("dev1@t.test")->sealed_secret;
  ASSERT_FALSE(sealed.empty());
  EXPECT_EQ(text.find(sealed), std::string::npos);  // not even sealed
  EXPECT_EQ(text.find("sealed"), std::string::npos);
}

TEST_F(AdminOperations, AGeneratedPskIsShownOnceAndIsTheServedKey) {
  auto out = Ok("credential.add", R"({"id":"dev2@t.test","kind":"psk","generate":true})");
  ASSERT_TRUE(out.contains("psk"));
  const std::string hex(out.at("psk").as_string());
  EXPECT_EQ(hex.size(), 64u);  // 32 random bytes
  auto key = registry_->Psk("dev2@t.test", Now());
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(crypto::Hex(std::string(key->view())), hex);
  // Two generated keys differ.
  auto other = Ok("credential.add", R"({"id":"dev3@t.test","kind":"psk","generate":true})");
  EXPECT_NE(other.at("psk").as_string(), hex);
}

TEST_F(AdminOperations, MarksBootstrapAndExpiringCredentials) {
  auto out = Ok("credential.add", std::string(R"({"id":"boot@t.test","kind":"psk","bootstrap":true,)"
                                              R"("expires_days":30,"psk":")") + kPskHex + R"("})");
  const auto& c = out.at("credential").as_object();
  EXPECT_EQ(c.at("use").as_string(), "bootstrap");
  ASSERT_TRUE(c.contains("expires"));
  auto expires = ParseTimestamp(c.at("expires").as_string());
  ASSERT_TRUE(expires.has_value());
  EXPECT_GT(*expires, Now() + std::chrono::hours(24 * 29));
  EXPECT_LT(*expires, Now() + std::chrono::hours(24 * 31));
}

TEST_F(AdminOperations, RefusesBadCredentialArguments) {
  EXPECT_EQ(Code("credential.add", R"({"id":"x@t.test","kind":"password"})"), Rsc::kBadRequest);
  EXPECT_EQ(Code("credential.add", R"({"id":"x@t.test","kind":"psk","psk":"not hex"})"),
            Rsc::kBadRequest);
  EXPECT_EQ(Code("credential.add", R"({"id":"x@t.test","kind":"psk","psk":"0011"})"),
            Rsc::kBadRequest);  // too short to be a key
  EXPECT_EQ(Code("credential.add", R"({"id":"has space","kind":"psk","generate":true})"),
            Rsc::kBadRequest);
  EXPECT_EQ(Code("credential.add", R"({"id":"x@t.test","kind":"psk","generate":true,"ids":"Cx"})"),
            Rsc::kBadRequest);
  EXPECT_EQ(Code("credential.add",
                 R"({"id":"x@t.test","kind":"psk","generate":true,"expires_days":0})"),
            Rsc::kBadRequest);
  EXPECT_EQ(Code("credential.add", R"({"kind":"pinned-key","public_key":"not a key"})"),
            Rsc::kBadRequest);
  // Nothing of these was kept.
  EXPECT_TRUE(Ok("credential.list").at("credentials").as_array().empty());
}

TEST_F(AdminOperations, RefusesADuplicateCredentialId) {
  Ok("credential.add", R"({"id":"dev1@t.test","kind":"psk","generate":true})");
  EXPECT_EQ(Code("credential.add", R"({"id":"dev1@t.test","kind":"psk","generate":true})"),
            Rsc::kConflict);
}

TEST_F(AdminOperations, AddsAPinnedKeyUnderItsKeysHash) {
  const std::string pem = PublicKeyPem();
  auto expected = tls::PinnedKeyId(pem);
  ASSERT_TRUE(expected.has_value());
  bj::object args{{"kind", "pinned-key"}, {"public_key", pem}, {"ids", bj::array{"Cpinned"}}};
  auto out = ops_->Run("credential.add", args);
  ASSERT_TRUE(out.has_value()) << out.error().message();
  const auto& c = out->at("credential").as_object();
  EXPECT_EQ(c.at("id").as_string(), *expected);
  EXPECT_EQ(c.at("kind").as_string(), "pinned-key");
  ASSERT_NE(registry_->Find(*expected), nullptr);
  // An ID that is not the key's hash is refused.
  args["public_key"] = PublicKeyPem();
  args["id"] = "my-key";
  auto wrong = ops_->Run("credential.add", args);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code(), Rsc::kBadRequest);
}

TEST_F(AdminOperations, RevokesACredential) {
  Ok("credential.add", R"({"id":"dev1@t.test","kind":"psk","generate":true,"ids":["Cdev1"]})");
  auto out = Ok("credential.revoke", R"({"id":"dev1@t.test","reason":"lost"})");
  const auto& c = out.at("credential").as_object();
  EXPECT_FALSE(c.at("active").as_bool());
  EXPECT_TRUE(c.contains("revoked"));
  EXPECT_EQ(c.at("reason").as_string(), "lost");
  // The key is no longer served, and the listing says so.
  EXPECT_FALSE(registry_->Psk("dev1@t.test", Now()).has_value());
  auto list = Ok("credential.list");
  ASSERT_NE(Listed(list, "dev1@t.test"), nullptr);
  EXPECT_FALSE(Listed(list, "dev1@t.test")->at("active").as_bool());
  EXPECT_EQ(Code("credential.revoke", R"({"id":"nobody@t.test"})"), Rsc::kNotFound);
}

// --- the CA ---

TEST_F(AdminOperations, CaOperationsNeedAnInitializedCa) {
  EXPECT_EQ(Code("ca.cert"), Rsc::kNotFound);
  EXPECT_EQ(Code("ca.crl"), Rsc::kNotFound);
  EXPECT_EQ(Code("ca.issue", R"({"ids":["Cdev"],"generate":true})"), Rsc::kNotFound);
  auto init = Ok("ca.init", R"({"cn":"test CA","days":30})");
  const std::string pem(init.at("certificate").as_string());
  EXPECT_NE(pem.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_EQ(Ok("ca.cert").at("certificate").as_string(), pem);
  EXPECT_EQ(Code("ca.init"), Rsc::kConflict);  // once only
  EXPECT_EQ(Ok("ca.cert").at("certificate").as_string(), pem);
}

TEST_F(AdminOperations, RefusesBadCaArguments) {
  EXPECT_EQ(Code("ca.init", R"({"days":0})"), Rsc::kBadRequest);
  EXPECT_EQ(Code("ca.init", R"({"days":"ten"})"), Rsc::kBadRequest);
  Ok("ca.init");
  EXPECT_EQ(Code("ca.issue", R"({"ids":["Cdev"]})"), Rsc::kBadRequest);  // neither csr nor generate
  EXPECT_EQ(Code("ca.issue", R"({"ids":["Cdev"],"generate":true,"csr":"x"})"), Rsc::kBadRequest);
  EXPECT_EQ(Code("ca.issue", R"({"ids":["Cdev"],"generate":true,"days":4000})"), Rsc::kBadRequest);
  EXPECT_EQ(Code("ca.issue", R"({"ids":["Cdev"],"generate":true,"not_before":"yesterday"})"),
            Rsc::kBadRequest);
  EXPECT_EQ(Code("ca.renew", R"({"serial":"ffff"})"), Rsc::kNotFound);
  EXPECT_EQ(Code("ca.revoke", R"({"serial":"ffff"})"), Rsc::kNotFound);
}

TEST_F(AdminOperations, IssuesACertificateCredentialAndHandsItsKeyOutOnce) {
  Ok("ca.init");
  auto out = Ok("ca.issue", R"({"ids":["Cdev1"],"generate":true,"note":"meter"})");
  const std::string serial(out.at("serial").as_string());
  EXPECT_EQ(out.at("credential").as_string(), "x509:" + serial);
  EXPECT_NE(out.at("certificate").as_string().find("BEGIN CERTIFICATE"), std::string::npos);
  ASSERT_TRUE(out.contains("key"));
  const std::string key(out.at("key").as_string());
  EXPECT_NE(key.find("PRIVATE KEY"), std::string::npos);
  EXPECT_TRUE(out.contains("not_after"));
  // The certificate is an active credential bound to the certified ID; the key is nowhere.
  auto c = registry_->Find("x509:" + serial);
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->Active(Now()));
  EXPECT_TRUE(c->MayActAs("Cdev1"));
  const std::string text = ListText();
  EXPECT_NE(text.find("x509:" + serial), std::string::npos);
  EXPECT_EQ(text.find("PRIVATE KEY"), std::string::npos);
  // Renewing gives a new serial for the same IDs, without a key (the holder has it).
  auto renewed = Ok("ca.renew", std::string(R"({"serial":")") + serial + R"("})");
  EXPECT_NE(renewed.at("serial").as_string(), serial);
  EXPECT_FALSE(renewed.contains("key"));
  auto rc = registry_->Find(std::string(renewed.at("credential").as_string()));
  ASSERT_NE(rc, nullptr);
  EXPECT_TRUE(rc->MayActAs("Cdev1"));
}

TEST_F(AdminOperations, RevokingACertificateRevokesItsCredentialAndUpdatesTheCrl) {
  Ok("ca.init");
  const std::string crl_before(Ok("ca.crl").at("crl").as_string());
  EXPECT_NE(crl_before.find("BEGIN X509 CRL"), std::string::npos);
  const std::string a(Ok("ca.issue", R"({"ids":["Ca"],"generate":true})").at("serial").as_string());
  const std::string b(Ok("ca.issue", R"({"ids":["Cb"],"generate":true})").at("serial").as_string());
  auto out = Ok("ca.revoke", std::string(R"({"serial":")") + a + R"(","reason":"stolen"})");
  EXPECT_EQ(out.at("serial").as_string(), a);
  EXPECT_FALSE(out.at("revoked").as_string().empty());
  EXPECT_FALSE(registry_->Find("x509:" + a)->Active(Now()));
  EXPECT_NE(Ok("ca.crl").at("crl").as_string(), crl_before);
  // credential.revoke of a certificate goes through the CA as well.
  const std::string crl_mid(Ok("ca.crl").at("crl").as_string());
  auto via_credentials = Ok("credential.revoke", std::string(R"({"id":"x509:)") + b + R"("})");
  EXPECT_FALSE(via_credentials.at("credential").as_object().at("active").as_bool());
  EXPECT_NE(Ok("ca.crl").at("crl").as_string(), crl_mid);
}

// --- enrolment tokens ---

TEST_F(AdminOperations, EnrolmentTokensAreShownOnceAndListedByHash) {
  auto out = Ok("enrol-token.create", R"({"ids":["Cnew"],"ttl_seconds":600,"note":"box 7"})");
  const std::string token(out.at("token").as_string());
  EXPECT_FALSE(token.empty());
  EXPECT_TRUE(out.contains("expires"));
  auto list = Ok("enrol-token.list");
  const auto& tokens = list.at("tokens").as_array();
  ASSERT_EQ(tokens.size(), 1u);
  const auto& t = tokens[0].as_object();
  EXPECT_EQ(t.at("hash").as_string().size(), 16u);
  EXPECT_EQ(t.at("ids").as_array()[0].as_string(), "Cnew");
  EXPECT_EQ(bj::serialize(list).find(token), std::string::npos);
  // The token's ID is reserved for its device.
  EXPECT_FALSE(registry_->BoundTo("Cnew").empty());
}

TEST_F(AdminOperations, AnswersUnknownOperationsAndMissingServicesWith4004) {
  EXPECT_EQ(Code("credential.frobnicate"), Rsc::kNotFound);
  Operations bare(registry_, nullptr, nullptr);
  auto ca = bare.Run("ca.init", bj::object{});
  ASSERT_FALSE(ca.has_value());
  EXPECT_EQ(ca.error().code(), Rsc::kNotFound);
  auto token = bare.Run("enrol-token.create", bj::object{});
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().code(), Rsc::kNotFound);
  // Credentials work without a CA.
  EXPECT_TRUE(bare.Run("credential.add", Args(R"({"id":"d@t.test","kind":"psk","generate":true})"))
                  .has_value());
}

// --- events ---

TEST_F(AdminOperations, PublishesEveryOperationWithoutItsSecrets) {
  auto generated = Ok("credential.add", R"({"id":"dev2@t.test","kind":"psk","generate":true})");
  const std::string generated_hex(generated.at("psk").as_string());
  Ok("credential.add", std::string(R"({"id":"dev1@t.test","kind":"psk","psk":")") + kPskHex + R"("})");
  EXPECT_EQ(Code("credential.revoke", R"({"id":"nobody@t.test"})"), Rsc::kNotFound);
  auto events = AdminEvents();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].operation, "credential.add");
  EXPECT_EQ(events[0].originator, "uid:1000");  // the actor
  EXPECT_EQ(events[0].target, "dev2@t.test");
  EXPECT_EQ(events[0].status, 2000);
  EXPECT_EQ(events[2].operation, "credential.revoke");
  EXPECT_EQ(events[2].status, 4004);
  for (const auto& e : events) {
    for (const std::string* field : {&e.source, &e.originator, &e.target, &e.operation, &e.reason}) {
      EXPECT_EQ(field->find(kPskHex), std::string::npos) << *field;
      EXPECT_EQ(field->find(generated_hex), std::string::npos) << *field;
    }
  }
}

TEST_F(AdminOperations, ABulkBatchIsOnRecordBeforeItIsApplied) {
  auto trust = std::make_shared<security::trust::TrustRegistry>(*store_);
  auto subs = std::make_shared<security::trust::SubscriptionRegistry>(*store_, trust);
  ops_->SetTrust(trust, std::make_shared<security::trust::TrustLists>(*store_), subs);
  auto sp = Ok("provider.add", R"({"company":"Acme","contact":"ops@acme.example"})");
  Ok("app.add",
     R"({"provider":"SP000001","name":"m","class":"NBN","practice_statement":"cps"})");
  EXPECT_EQ(Code("bulk.show", R"({"job":"j1"})"), Rsc::kNotFound);
  auto job = Ok("device.import", R"({"job":"j1","total":3,"offset":0,"devices":[
      {"id":"m1","app":"RSP000001-1"},{"id":"m2","app":"RSP000001-1"}]})");
  EXPECT_EQ(job.at("job").at("done").to_number<int64_t>(), 2);
  // The same batch again: where the job stands is not where it starts.
  EXPECT_EQ(Code("device.import", R"({"job":"j1","total":3,"offset":0,"devices":[
      {"id":"m1","app":"RSP000001-1"}]})"), Rsc::kConflict);
  EXPECT_EQ(Code("device.import", R"({"job":"j1","total":3,"offset":2})"), Rsc::kBadRequest);
  EXPECT_EQ(Ok("bulk.show", R"({"job":"j1"})").at("job").at("done").to_number<int64_t>(), 2);
  auto events = AdminEvents();
  std::vector<std::pair<std::string, int>> batches;
  for (const auto& e : events) {
    if (e.operation == "device.import") batches.emplace_back(e.target, e.status);
  }
  // Accepted (1000) on record first, then the outcome; a refused batch is on record too.
  ASSERT_EQ(batches.size(), 5u);
  EXPECT_EQ(batches[0].second, 1000);
  EXPECT_EQ(batches[1].second, 2000);
  EXPECT_EQ(batches[0].first, batches[1].first);
  EXPECT_TRUE(batches[0].first.starts_with("job j1 items 1-2 sha256:")) << batches[0].first;
  EXPECT_EQ(batches[3].second, 4105);
  EXPECT_EQ(batches[4].second, 4000);  // no items: malformed, refused before it is accepted
  EXPECT_EQ(batches[4].first, "job (malformed)");
  for (const auto& e : events) EXPECT_NE(e.operation, "bulk.show");  // a read
}

// --- persistence ---

TEST(AdminOperationsOnSqlite, CredentialsAndTheCaSurviveARestart) {
  char tmpl[] = "/tmp/trustcse-admin-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::filesystem::path dir(tmpl);
  const auto keys = Keys();
  const CseIdentity self{"/id-in", "cse-in", "//t.test"};
  std::string ca_pem;
  {
    auto store = storage::OpenSqliteStore({(dir / "cse.db").string()});
    ASSERT_TRUE(store.has_value()) << store.error().message();
    auto registry = std::make_shared<security::CredentialRegistry>(**store, keys);
    auto ca = std::make_shared<security::CertificateAuthority>(**store, registry, self);
    Operations ops(registry, ca, nullptr);
    ASSERT_TRUE(ops.Run("credential.add", Args(std::string(R"({"id":"dev1@t.test","kind":"psk",)"
                                                           R"("ids":["Cdev1"],"psk":")") +
                                               kPskHex + R"("})"))
                    .has_value());
    auto init = ops.Run("ca.init", bj::object{});
    ASSERT_TRUE(init.has_value()) << init.error().message();
    ca_pem = std::string(init->at("certificate").as_string());
    (*store)->Close();
  }
  {
    auto store = storage::OpenSqliteStore({(dir / "cse.db").string()});
    ASSERT_TRUE(store.has_value());
    auto registry = std::make_shared<security::CredentialRegistry>(**store, keys);
    ASSERT_TRUE(registry->Load().ok());
    auto ca = std::make_shared<security::CertificateAuthority>(**store, registry, self);
    ASSERT_TRUE(ca->Load().ok());
    Operations ops(registry, ca, nullptr);
    auto list = ops.Run("credential.list", bj::object{});
    ASSERT_TRUE(list.has_value());
    ASSERT_NE(Listed(*list, "dev1@t.test"), nullptr);
    EXPECT_EQ(bj::serialize(*list).find(kPskHex), std::string::npos);
    auto key = registry->Psk("dev1@t.test", Now());
    ASSERT_TRUE(key.has_value());
    EXPECT_EQ(crypto::Hex(std::string(key->view())), kPskHex);
    auto cert = ops.Run("ca.cert", bj::object{});
    ASSERT_TRUE(cert.has_value());
    EXPECT_EQ(cert->at("certificate").as_string(), ca_pem);
    (*store)->Close();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace trustcse::admin
