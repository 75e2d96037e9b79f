// Tests of the built-in CA: what it issues verifies against it (OpenSSL's own chain
// verification, CRL checking on), certifies exactly the IDs asked, is refused once revoked,
// survives a restart, and bad requests get 4000.
#include "security/ca/certificate_authority.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

namespace trustcse::security {
namespace {

std::shared_ptr<const KeyStore> Keys() {
  return std::shared_ptr<const KeyStore>(
      std::move(*SoftwareKeyStoreWithKey(crypto::Secret(std::string(32, 'k')))));
}

X509* Cert(const std::string& pem) {
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* c = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  return c;
}

// Verifies `leaf_pem` against `ca_pem` with `crl_der` (if any) the way a TLS peer would.
int Verify(const std::string& leaf_pem, const std::string& ca_pem, const std::string* crl_der) {
  X509* leaf = Cert(leaf_pem);
  X509* ca = Cert(ca_pem);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  if (crl_der) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(crl_der->data());
    X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(crl_der->size()));
    X509_STORE_add_crl(store, crl);
    X509_CRL_free(crl);
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  }
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
  int ok = X509_verify_cert(ctx);
  int err = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  X509_free(ca);
  X509_free(leaf);
  return err;
}

std::vector<std::string> SanUris(const std::string& pem) {
  X509* c = Cert(pem);
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(c, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    if (g->type == GEN_URI) {
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.uniformResourceIdentifier)),
                       ASN1_STRING_length(g->d.uniformResourceIdentifier));
    }
  }
  GENERAL_NAMES_free(names);
  X509_free(c);
  return out;
}

std::string MakeCsr(int nid_or_rsa_bits = 0) {
  EVP_PKEY* k = nid_or_rsa_bits > 0 ? EVP_RSA_gen(nid_or_rsa_bits) : EVP_EC_gen("P-256");
  X509_REQ* req = X509_REQ_new();
  X509_REQ_set_pubkey(req, k);
  X509_NAME* n = X509_REQ_get_subject_name(req);
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("dev"), -1, -1, 0);
  X509_REQ_sign(req, k, EVP_sha256());
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_REQ(b, req);
  char* p = nullptr;
  long len = BIO_get_mem_data(b, &p);
  std::string out(p, static_cast<size_t>(len));
  BIO_free(b);
  X509_REQ_free(req);
  EVP_PKEY_free(k);
  return out;
}

class CertificateAuthorityTest : public testing::Test {
 protected:
  CertificateAuthorityTest()
      : store_(storage::OpenMemoryStore()),
        registry_(std::make_shared<CredentialRegistry>(*store_, Keys())),
        self_{"/id-in", "cse-in", "//trustcse.test"},
        ca_(*store_, registry_, self_) {
    EXPECT_TRUE(ca_.Load().ok());
    EXPECT_TRUE(ca_.Init("trustcse test CA", std::chrono::hours(24 * 365)).ok());
  }

  std::unique_ptr<storage::Store> store_;
  std::shared_ptr<CredentialRegistry> registry_;
  CseIdentity self_;
  CertificateAuthority ca_;
};

TEST_F(CertificateAuthorityTest, IssuesFromACsrWhatVerifiesAndCertifiesTheIds) {
  IssueRequest r;
  r.csr_pem = MakeCsr();
  r.ids = {"Cmeter1", "Sapp", "/id-mn"};
  auto issued = ca_.Issue(r);
  ASSERT_TRUE(issued.has_value()) << issued.error().message();
  EXPECT_TRUE(issued->key_pem.empty());
  EXPECT_EQ(Verify(issued->certificate_pem, ca_.certificate_pem(), ca_.CrlDer().get()), X509_V_OK);
  EXPECT_EQ(SanUris(issued->certificate_pem),
            (std::vector<std::string>{"//trustcse.test/id-in/Cmeter1", "//trustcse.test/Sapp",
                                      "//trustcse.test/id-mn"}));
  for (const auto& uri : SanUris(issued->certificate_pem)) {
    EXPECT_NE(ca_.OriginatorFromUri(uri), "");
  }
  EXPECT_EQ(ca_.OriginatorFromUri("//trustcse.test/id-in/Cmeter1"), "Cmeter1");
  EXPECT_EQ(ca_.OriginatorFromUri("//trustcse.test/Sapp"), "Sapp");
  EXPECT_EQ(ca_.OriginatorFromUri("//trustcse.test/id-mn"), "/id-mn");
  EXPECT_EQ(ca_.OriginatorFromUri("//other.sp/id-in/Cmeter1"), "");
  auto cred = registry_->Find(issued->credential_id);
  ASSERT_NE(cred, nullptr);
  EXPECT_EQ(cred->kind, CredentialKind::kCertificate);
  EXPECT_TRUE(cred->MayActAs("Cmeter1"));
  EXPECT_EQ(issued->credential_id, "x509:" + issued->serial);
}

TEST_F(CertificateAuthorityTest, GeneratedKeysComeBackOnceAndMatchTheCertificate) {
  IssueRequest r;
  r.generate_key = true;
  r.ids = {"Cgen"};
  auto issued = ca_.Issue(r);
  ASSERT_TRUE(issued.has_value());
  ASSERT_FALSE(issued->key_pem.empty());
  BIO* b = BIO_new_mem_buf(issued->key_pem.data(), static_cast<int>(issued->key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  X509* c = Cert(issued->certificate_pem);
  EXPECT_EQ(X509_check_private_key(c, key), 1);
  X509_free(c);
  EVP_PKEY_free(key);
  // The generated key is not kept anywhere.
  auto body = store_->GetObject("ca-issued", issued->serial);
  ASSERT_TRUE(body && *body);
  EXPECT_EQ((*body)->find("PRIVATE KEY"), std::string::npos);
}

TEST_F(CertificateAuthorityTest, RevokedCertificatesAreInTheCrlAndFailVerification) {
  IssueRequest r;
  r.generate_key = true;
  r.ids = {"Crev"};
  auto issued = ca_.Issue(r);
  ASSERT_TRUE(issued.has_value());
  ASSERT_TRUE(ca_.Revoke(issued->serial, "stolen").ok());
  EXPECT_EQ(Verify(issued->certificate_pem, ca_.certificate_pem(), ca_.CrlDer().get()),
            X509_V_ERR_CERT_REVOKED);
  EXPECT_FALSE(registry_->Find(issued->credential_id)->Active(Now()));
  EXPECT_NE(ca_.CrlPem().find("BEGIN X509 CRL"), std::string::npos);
  EXPECT_EQ(ca_.Revoke("00ff", "").code(), Rsc::kNotFound);
  EXPECT_EQ(ca_.Renew(issued->serial, std::chrono::hours(24)).error().code(), Rsc::kBadRequest);
}

TEST_F(CertificateAuthorityTest, RenewalKeepsKeyAndIdsUnderANewSerial) {
  IssueRequest r;
  r.csr_pem = MakeCsr();
  r.ids = {"Cren"};
  auto first = ca_.Issue(r);
  ASSERT_TRUE(first.has_value());
  auto second = ca_.Renew(first->serial, std::chrono::hours(48));
  ASSERT_TRUE(second.has_value()) << second.error().message();
  EXPECT_NE(second->serial, first->serial);
  EXPECT_EQ(second->ids, first->ids);
  X509* a = Cert(first->certificate_pem);
  X509* b = Cert(second->certificate_pem);
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(a), X509_get0_pubkey(b)), 1);
  X509_free(a);
  X509_free(b);
  EXPECT_EQ(registry_->Find(second->credential_id)->replaces, first->credential_id);
}

TEST_F(CertificateAuthorityTest, BadRequestsAreRefusedWith4000) {
  IssueRequest r;
  r.ids = {"Cx"};
  r.csr_pem = "not a csr";
  EXPECT_EQ(ca_.Issue(r).error().code(), Rsc::kBadRequest);
  std::string csr = MakeCsr();
  std::string tampered = csr;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  r.csr_pem = tampered;
  EXPECT_EQ(ca_.Issue(r).error().code(), Rsc::kBadRequest);
  r.csr_pem = MakeCsr(1024);
  EXPECT_EQ(ca_.Issue(r).error().code(), Rsc::kBadRequest) << "weak RSA key";
  r.csr_pem = csr;
  r.ids = {};
  EXPECT_EQ(ca_.Issue(r).error().code(), Rsc::kBadRequest);
  r.ids = {"has space"};
  EXPECT_EQ(ca_.Issue(r).error().code(), Rsc::kBadRequest);
  r.ids = {"Cok"};
  r.validity = std::chrono::hours(0);
  EXPECT_EQ(ca_.Issue(r).error().code(), Rsc::kBadRequest);
  EXPECT_EQ(ca_.Init("again", std::chrono::hours(1)).code(), Rsc::kConflict);
}

TEST_F(CertificateAuthorityTest, StateSurvivesARestartAndTheServerCertificateIsReused) {
  auto server = ca_.ServerCertificateFor({"localhost", "127.0.0.1"});
  ASSERT_TRUE(server.has_value()) << server.error().message();
  EXPECT_NE(server->key_pem.view().find("PRIVATE KEY"), std::string::npos);
  auto body = store_->GetObject("tls", "server");
  ASSERT_TRUE(body && *body);
  EXPECT_EQ((*body)->find("PRIVATE KEY"), std::string::npos) << "server key stored in clear";

  CertificateAuthority again(*store_, registry_, self_);
  ASSERT_TRUE(again.Load().ok());
  ASSERT_TRUE(again.initialized());
  EXPECT_EQ(again.certificate_pem(), ca_.certificate_pem());
  auto reused = again.ServerCertificateFor({"127.0.0.1", "localhost"});
  ASSERT_TRUE(reused.has_value());
  EXPECT_EQ(reused->chain_pem, server->chain_pem);
  auto renamed = again.ServerCertificateFor({"cse.example"});
  ASSERT_TRUE(renamed.has_value());
  EXPECT_NE(renamed->chain_pem, server->chain_pem);
  X509* leaf = Cert(renamed->chain_pem);
  EXPECT_EQ(X509_check_host(leaf, "cse.example", 0, 0, nullptr), 1);
  X509_free(leaf);
}

TEST(CertificateAuthorityUninitialized, RefusesToIssue) {
  auto store = storage::OpenMemoryStore();
  auto registry = std::make_shared<CredentialRegistry>(*store, Keys());
  CertificateAuthority ca(*store, registry, CseIdentity{"/id-in", "cse-in", ""});
  ASSERT_TRUE(ca.Load().ok());
  EXPECT_FALSE(ca.initialized());
  IssueRequest r;
  r.generate_key = true;
  r.ids = {"Cx"};
  EXPECT_EQ(ca.Issue(r).error().code(), Rsc::kNotFound);
  EXPECT_EQ(ca.CrlDer(), nullptr);
}

}  // namespace
}  // namespace trustcse::security
