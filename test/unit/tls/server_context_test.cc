// The TLS server context (tls/server_context.h) for each credential model it offers — PSK (TLS
// 1.2 and 1.3), certificates of the built-in CA, pinned raw public keys, none — and what it
// refuses: bad server configuration, unknown or revoked credentials, foreign certificates,
// protocols older than TLS 1.2. Handshakes run over an in-memory BIO pair against OpenSSL's
// client API: no sockets, no threads, no timing. The server's own certificate comes from a
// throw-away PKI made at test time (egress/test_pki.h); client certificates from the built-in CA.
#include "tls/server_context.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "egress/test_pki.h"
#include "security/crypto/crypto.h"

namespace trustcse::tls {
namespace {

namespace crypto = security::crypto;
using Method = ChannelIdentity::Method;

// --- OpenSSL helpers ---

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using ClientCtx = std::unique_ptr<SSL_CTX, SslCtxFree>;
struct SessionFree {
  void operator()(SSL_SESSION* s) const { SSL_SESSION_free(s); }
};
using Session = std::unique_ptr<SSL_SESSION, SessionFree>;

X509* ReadCert(const std::string& pem) {
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* c = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  return c;
}
EVP_PKEY* ReadKey(const std::string& pem) {
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  return k;
}
std::string CertPem(X509* c) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, c);
  char* p = nullptr;
  long n = BIO_get_mem_data(b, &p);
  std::string out(p, static_cast<size_t>(n));
  BIO_free(b);
  return out;
}
std::string KeyPem(EVP_PKEY* k) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, k, nullptr, nullptr, 0, nullptr, nullptr);
  char* p = nullptr;
  long n = BIO_get_mem_data(b, &p);
  std::string out(p, static_cast<size_t>(n));
  BIO_free(b);
  return out;
}
std::string CertDer(const std::string& pem) {
  X509* c = ReadCert(pem);
  unsigned char* der = nullptr;
  int n = i2d_X509(c, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  X509_free(c);
  return out;
}

// A self-signed certificate and its key: the raw-public-key model's client credential.
struct KeyPair {
  std::string cert_pem;
  std::string key_pem;
};
KeyPair SelfSigned(const std::string& cn) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 7);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  KeyPair out{CertPem(cert), KeyPem(key)};
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

// The client's PSK for the callbacks (tests run one handshake at a time).
std::string g_psk_identity;
std::string g_psk_key;

unsigned int ClientPsk12(SSL*, const char*, char* identity, unsigned int max_identity,
                         unsigned char* psk, unsigned int max_psk) {
  if (g_psk_identity.size() + 1 > max_identity || g_psk_key.size() > max_psk) return 0;
  std::memcpy(identity, g_psk_identity.c_str(), g_psk_identity.size() + 1);
  std::memcpy(psk, g_psk_key.data(), g_psk_key.size());
  return static_cast<unsigned int>(g_psk_key.size());
}

int ClientPsk13(SSL* ssl, const EVP_MD*, const unsigned char** id, size_t* idlen,
                SSL_SESSION** sess) {
  static constexpr unsigned char kAes128GcmSha256[] = {0x13, 0x01};
  const SSL_CIPHER* cipher = SSL_CIPHER_find(ssl, kAes128GcmSha256);
  SSL_SESSION* s = SSL_SESSION_new();
  if (cipher == nullptr || s == nullptr ||
      SSL_SESSION_set1_master_key(s, reinterpret_cast<const unsigned char*>(g_psk_key.data()),
                                  g_psk_key.size()) != 1 ||
      SSL_SESSION_set_cipher(s, cipher) != 1 ||
      SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION) != 1) {
    SSL_SESSION_free(s);
    return 0;
  }
  *id = reinterpret_cast<const unsigned char*>(g_psk_identity.data());
  *idlen = g_psk_identity.size();
  *sess = s;
  return 1;
}

ClientCtx NewClient(int max_version = 0) {
  ClientCtx ctx(SSL_CTX_new(TLS_client_method()));
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);  // the server's side is under test
  if (max_version != 0) SSL_CTX_set_max_proto_version(ctx.get(), max_version);
  return ctx;
}
ClientCtx PskClient12(const std::string& identity, const std::string& key) {
  g_psk_identity = identity;
  g_psk_key = key;
  ClientCtx ctx = NewClient(TLS1_2_VERSION);
  SSL_CTX_set_cipher_list(ctx.get(), "PSK-AES128-GCM-SHA256");
  SSL_CTX_set_psk_client_callback(ctx.get(), &ClientPsk12);
  return ctx;
}
ClientCtx PskClient13(const std::string& identity, const std::string& key) {
  g_psk_identity = identity;
  g_psk_key = key;
  ClientCtx ctx = NewClient();
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION);
  SSL_CTX_set_psk_use_session_callback(ctx.get(), &ClientPsk13);
  return ctx;
}
ClientCtx CertClient(const std::string& cert_pem, const std::string& key_pem,
                     int max_version = 0) {
  ClientCtx ctx = NewClient(max_version);
  X509* c = ReadCert(cert_pem);
  EVP_PKEY* k = ReadKey(key_pem);
  EXPECT_EQ(SSL_CTX_use_certificate(ctx.get(), c), 1);
  EXPECT_EQ(SSL_CTX_use_PrivateKey(ctx.get(), k), 1);
  X509_free(c);
  EVP_PKEY_free(k);
  return ctx;
}

// One client and one server SSL joined by a memory BIO pair.
class Loopback {
 public:
  Loopback(const ServerContext& server, SSL_CTX* client, SSL_SESSION* resume = nullptr)
      : server_ctx_(server) {
    server_ = SSL_new(server.native());
    client_ = SSL_new(client);
    BIO* s = nullptr;
    BIO* c = nullptr;
    BIO_new_bio_pair(&s, 0, &c, 0);
    SSL_set_bio(server_, s, s);
    SSL_set_bio(client_, c, c);
    SSL_set_accept_state(server_);
    SSL_set_connect_state(client_);
    if (resume != nullptr) SSL_set_session(client_, resume);
  }
  ~Loopback() {
    // A connection freed without a clean shutdown makes its session unresumable: mark both
    // sides shut down (as a close_notify exchange would).
    SSL_set_shutdown(client_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_set_shutdown(server_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(client_);
    SSL_free(server_);
    ERR_clear_error();
  }

  // Runs both sides until the server completed its handshake (true) or either side failed.
  bool Handshake() {
    bool client_done = false, server_done = false;
    for (int i = 0; i < 64 && !server_done; ++i) {
      if (!client_done && !Step(client_, SSL_do_handshake(client_), client_done)) return false;
      if (!server_done && !Step(server_, SSL_do_handshake(server_), server_done)) {
        server_refused_ = true;
        return false;
      }
    }
    if (!server_done) return false;
    // The client may finish before the server refused it (TLS 1.3): exchange data both ways so
    // that a refusal reaches the client, and the client reads the session ticket.
    return Exchange(server_, client_) && Exchange(client_, server_);
  }

  // True when the handshake failed on the server's side (not because the client gave up).
  bool server_refused() const { return server_refused_; }
  ChannelIdentity identity() const { return server_ctx_.PeerIdentity(server_); }
  SSL* server() const { return server_; }
  SSL* client() const { return client_; }
  Session session() const { return Session(SSL_get1_session(client_)); }

 private:
  static bool Step(SSL* ssl, int r, bool& done) {
    if (r == 1) {
      done = true;
      return true;
    }
    int e = SSL_get_error(ssl, r);
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
  }
  static bool Exchange(SSL* from, SSL* to) {
    const char msg[] = "ping";
    if (SSL_write(from, msg, sizeof msg) != static_cast<int>(sizeof msg)) return false;
    char buf[64];
    for (int i = 0; i < 8; ++i) {
      int n = SSL_read(to, buf, sizeof buf);
      if (n == static_cast<int>(sizeof msg)) return std::memcmp(buf, msg, sizeof msg) == 0;
      int e = SSL_get_error(to, n);
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) return false;
      // Whatever `from` still has to send or read (tickets, alerts).
      SSL_read(from, buf, 0);
    }
    return false;
  }

  const ServerContext& server_ctx_;
  SSL* server_ = nullptr;
  SSL* client_ = nullptr;
  bool server_refused_ = false;
};

// The server refuses the handshake (the client, which checks nothing, would go on).
void ExpectServerRefuses(Loopback& hs) {
  EXPECT_FALSE(hs.Handshake());
  EXPECT_TRUE(hs.server_refused());
}

// --- fixture: registry, built-in CA, server certificate ---

class TlsServerContext : public ::testing::Test {
 protected:
  TlsServerContext() : store_(storage::OpenMemoryStore()) {
    keys_ = std::shared_ptr<const security::KeyStore>(
        std::move(*security::SoftwareKeyStoreWithKey(crypto::Secret(std::string(32, 'k')))));
    registry_ = std::make_shared<security::CredentialRegistry>(*store_, keys_);
    ca_ = std::make_shared<security::CertificateAuthority>(
        *store_, registry_, CseIdentity{"/id-in", "cse-in", "//t.test"});
    EXPECT_TRUE(ca_->Init("test CA", std::chrono::hours(24)).ok());
    server_cert_ = pki_.Issue("cse.test", {"localhost"}, {"127.0.0.1"}, /*server=*/true);
  }
  ~TlsServerContext() override { store_->Close(); }

  ServerContextOptions Options(unsigned client_auth) const {
    ServerContextOptions o;
    o.cert_chain_pem = server_cert_.cert_pem;
    o.key_pem = crypto::Secret(server_cert_.key_pem);
    o.client_auth = client_auth;
    return o;
  }
  std::shared_ptr<ServerContext> Server(unsigned client_auth) {
    auto made = ServerContext::Create(Options(client_auth), registry_, ca_);
    EXPECT_TRUE(made.has_value()) << (made ? "" : made.error().message());
    return made ? *made : nullptr;
  }
  void AddPsk(const std::string& id, const std::string& key, std::vector<std::string> ids = {}) {
    security::Credential c;
    c.id = id;
    c.kind = security::CredentialKind::kPsk;
    c.ids = std::move(ids);
    crypto::Secret secret(key);
    ASSERT_TRUE(registry_->Add(c, &secret).ok());
  }
  std::string AddPinned(const std::string& cert_pem) {
    auto id = PinnedKeyId(cert_pem);
    EXPECT_TRUE(id.has_value());
    security::Credential c;
    c.id = *id;
    c.kind = security::CredentialKind::kPinnedKey;
    EXPECT_TRUE(registry_->Add(c, nullptr).ok());
    return *id;
  }
  security::IssuedCertificate IssueClient(std::vector<std::string> ids) {
    security::IssueRequest r;
    r.generate_key = true;
    r.ids = std::move(ids);
    auto issued = ca_->Issue(r);
    EXPECT_TRUE(issued.has_value()) << (issued ? "" : issued.error().message());
    return issued ? *issued : security::IssuedCertificate{};
  }

  const std::string psk_key_ = std::string(32, '\x5a');
  std::unique_ptr<storage::Store> store_;
  std::shared_ptr<const security::KeyStore> keys_;
  std::shared_ptr<security::CredentialRegistry> registry_;
  std::shared_ptr<security::CertificateAuthority> ca_;
  egress::testing::TestPki pki_{"tls unit test server CA"};
  egress::testing::IssuedCertificate server_cert_;
};

constexpr unsigned kAll = kAuthCertificate | kAuthPsk | kAuthPinnedKey;

// --- configuration ---

TEST(ParseClientAuth, MapsNamesToBits) {
  auto all = ParseClientAuth({"certificate", "psk", "pinned-key", "none"});
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(*all, kAuthCertificate | kAuthPsk | kAuthPinnedKey | kAuthNone);
  auto psk = ParseClientAuth({"psk"});
  ASSERT_TRUE(psk.has_value());
  EXPECT_EQ(*psk, unsigned{kAuthPsk});
}

TEST(ParseClientAuth, RefusesUnknownNamesAndEmptyLists) {
  auto unknown = ParseClientAuth({"psk", "password"});
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code(), Rsc::kBadRequest);
  auto empty = ParseClientAuth({});
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code(), Rsc::kBadRequest);
}

TEST_F(TlsServerContext, OffersTls12AndNewerOnly) {
  auto server = Server(kAll);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(SSL_CTX_get_min_proto_version(server->native()), TLS1_2_VERSION);
  EXPECT_EQ(server->client_auth(), kAll);
}

TEST_F(TlsServerContext, RefusesAMissingKey) {
  ServerContextOptions o = Options(kAll);
  o.key_pem = crypto::Secret();
  auto made = ServerContext::Create(std::move(o), registry_, ca_);
  ASSERT_FALSE(made.has_value());
  EXPECT_EQ(made.error().code(), Rsc::kBadRequest);
}

TEST_F(TlsServerContext, RefusesAKeyThatDoesNotMatchTheCertificate) {
  auto other = pki_.Issue("other.test", {"other"}, {}, /*server=*/true);
  ServerContextOptions o = Options(kAll);
  o.key_pem = crypto::Secret(other.key_pem);
  auto made = ServerContext::Create(std::move(o), registry_, ca_);
  ASSERT_FALSE(made.has_value());
  EXPECT_EQ(made.error().code(), Rsc::kBadRequest);
}

TEST_F(TlsServerContext, RefusesACertificateThatIsNotPem) {
  ServerContextOptions o = Options(kAll);
  o.cert_chain_pem = "not a certificate";
  auto made = ServerContext::Create(std::move(o), registry_, ca_);
  ASSERT_FALSE(made.has_value());
  EXPECT_EQ(made.error().code(), Rsc::kBadRequest);
  ServerContextOptions empty = Options(kAll);
  empty.cert_chain_pem.clear();
  EXPECT_FALSE(ServerContext::Create(std::move(empty), registry_, ca_).has_value());
}

TEST_F(TlsServerContext, AcceptsAChainWithIntermediates) {
  ServerContextOptions o = Options(kAll);
  o.cert_chain_pem += pki_.ca_pem();
  EXPECT_TRUE(ServerContext::Create(std::move(o), registry_, ca_).has_value());
}

// --- handshakes: PSK ---

TEST_F(TlsServerContext, AuthenticatesATls12Psk) {
  AddPsk("dev1@t.test", psk_key_, {"Cdev1"});
  auto server = Server(kAuthPsk);
  ASSERT_NE(server, nullptr);
  ClientCtx client = PskClient12("dev1@t.test", psk_key_);
  Loopback hs(*server, client.get());
  ASSERT_TRUE(hs.Handshake());
  EXPECT_EQ(SSL_version(hs.server()), TLS1_2_VERSION);
  ChannelIdentity id = hs.identity();
  EXPECT_EQ(id.method, Method::kPsk);
  EXPECT_EQ(id.credential_id, "dev1@t.test");
  EXPECT_TRUE(id.certified_ids.empty());
}

TEST_F(TlsServerContext, AuthenticatesATls13ExternalPsk) {
  AddPsk("dev1@t.test", psk_key_);
  auto server = Server(kAll);
  ASSERT_NE(server, nullptr);
  ClientCtx client = PskClient13("dev1@t.test", psk_key_);
  Loopback hs(*server, client.get());
  ASSERT_TRUE(hs.Handshake());
  EXPECT_EQ(SSL_version(hs.server()), TLS1_3_VERSION);
  ChannelIdentity id = hs.identity();
  EXPECT_EQ(id.method, Method::kPsk);
  EXPECT_EQ(id.credential_id, "dev1@t.test");
}

TEST_F(TlsServerContext, RefusesAnUnknownOrWrongPsk) {
  AddPsk("dev1@t.test", psk_key_);
  auto server = Server(kAuthPsk);
  ASSERT_NE(server, nullptr);
  {
    ClientCtx client = PskClient12("stranger@t.test", psk_key_);
    Loopback hs(*server, client.get());
    ExpectServerRefuses(hs);
  }
  {
    ClientCtx client = PskClient12("dev1@t.test", std::string(32, '\x01'));  // wrong key
    Loopback hs(*server, client.get());
    ExpectServerRefuses(hs);
  }
}

TEST_F(TlsServerContext, RefusesARevokedPsk) {
  AddPsk("dev1@t.test", psk_key_);
  ASSERT_TRUE(registry_->Revoke("dev1@t.test", "lost").has_value());
  auto server = Server(kAuthPsk);
  ASSERT_NE(server, nullptr);
  ClientCtx client = PskClient12("dev1@t.test", psk_key_);
  Loopback hs(*server, client.get());
  ExpectServerRefuses(hs);
}

// --- handshakes: certificates of the built-in CA ---

TEST_F(TlsServerContext, AuthenticatesACertificateOfTheBuiltInCa) {
  auto issued = IssueClient({"Cdev1", "Cdev2"});
  auto server = Server(kAuthCertificate);
  ASSERT_NE(server, nullptr);
  ClientCtx client = CertClient(issued.certificate_pem, issued.key_pem);
  Loopback hs(*server, client.get());
  ASSERT_TRUE(hs.Handshake());
  ChannelIdentity id = hs.identity();
  EXPECT_EQ(id.method, Method::kCertificate);
  EXPECT_EQ(id.credential_id, "x509:" + issued.serial);
  EXPECT_EQ(id.certified_ids, (std::vector<std::string>{"Cdev1", "Cdev2"}));
}

TEST_F(TlsServerContext, RefusesACertificateOfAnotherCa) {
  auto foreign = pki_.Issue("Cdev1", {}, {}, /*server=*/false);
  auto server = Server(kAuthCertificate);
  ASSERT_NE(server, nullptr);
  ClientCtx client = CertClient(foreign.cert_pem, foreign.key_pem);
  Loopback hs(*server, client.get());
  ExpectServerRefuses(hs);
}

TEST_F(TlsServerContext, RefusesARevokedCertificate) {
  auto issued = IssueClient({"Cdev1"});
  ASSERT_TRUE(ca_->Revoke(issued.serial, "key compromise").ok());
  auto server = Server(kAuthCertificate);
  ASSERT_NE(server, nullptr);
  ClientCtx client = CertClient(issued.certificate_pem, issued.key_pem);
  Loopback hs(*server, client.get());
  ExpectServerRefuses(hs);
}

TEST_F(TlsServerContext, RequiresACertificateWhenItIsTheOnlyModel) {
  auto server = Server(kAuthCertificate);
  ASSERT_NE(server, nullptr);
  ClientCtx client = NewClient();
  Loopback hs(*server, client.get());
  ExpectServerRefuses(hs);
}

TEST_F(TlsServerContext, AdmitsAClientWithoutCredentialWhenNoneIsAllowed) {
  auto server = Server(kAuthCertificate | kAuthNone);
  ASSERT_NE(server, nullptr);
  ClientCtx client = NewClient();
  Loopback hs(*server, client.get());
  ASSERT_TRUE(hs.Handshake());
  ChannelIdentity id = hs.identity();
  EXPECT_EQ(id.method, Method::kNone);
  EXPECT_FALSE(id.authenticated());
  EXPECT_TRUE(id.credential_id.empty());
}

TEST_F(TlsServerContext, RefusesClientsOlderThanTls12) {
  auto issued = IssueClient({"Cdev1"});
  auto server = Server(kAuthCertificate | kAuthNone);
  ASSERT_NE(server, nullptr);
  ClientCtx client = CertClient(issued.certificate_pem, issued.key_pem, TLS1_1_VERSION);
  SSL_CTX_set_security_level(client.get(), 0);  // the client would offer TLS 1.1
  SSL_CTX_set_min_proto_version(client.get(), TLS1_VERSION);
  Loopback hs(*server, client.get());
  ExpectServerRefuses(hs);
}

TEST_F(TlsServerContext, ResumesACertificateSessionWithItsIdentityUntilRevoked) {
  auto issued = IssueClient({"Cdev1"});
  auto server = Server(kAuthCertificate);
  ASSERT_NE(server, nullptr);
  ClientCtx client = CertClient(issued.certificate_pem, issued.key_pem);
  Session ticket;
  {
    Loopback first(*server, client.get());
    ASSERT_TRUE(first.Handshake());
    ticket = first.session();
    ASSERT_NE(ticket, nullptr);
  }
  {
    Loopback resumed(*server, client.get(), ticket.get());
    ASSERT_TRUE(resumed.Handshake());
    EXPECT_EQ(SSL_session_reused(resumed.server()), 1);
    ChannelIdentity id = resumed.identity();
    EXPECT_EQ(id.method, Method::kCertificate);
    EXPECT_EQ(id.credential_id, "x509:" + issued.serial);
    EXPECT_EQ(id.certified_ids, std::vector<std::string>{"Cdev1"});
  }
  // Once the credential is revoked its ticket is not honoured, and the full handshake that
  // follows refuses the certificate.
  ASSERT_TRUE(ca_->Revoke(issued.serial, "key compromise").ok());
  Loopback after(*server, client.get(), ticket.get());
  ExpectServerRefuses(after);
}

// A reload's new context takes over the ticket keys: a session of the old one resumes on it.
TEST_F(TlsServerContext, AReplacementContextResumesTheSessionsOfThePreviousOne) {
  auto issued = IssueClient({"Cdev2"});
  auto old_ctx = Server(kAuthCertificate);
  ASSERT_NE(old_ctx, nullptr);
  ClientCtx client = CertClient(issued.certificate_pem, issued.key_pem);
  Session ticket;
  {
    Loopback first(*old_ctx, client.get());
    ASSERT_TRUE(first.Handshake());
    ticket = first.session();
    ASSERT_NE(ticket, nullptr);
  }
  auto unrelated = Server(kAuthCertificate);
  ASSERT_NE(unrelated, nullptr);
  {
    Loopback resumed(*unrelated, client.get(), ticket.get());
    ASSERT_TRUE(resumed.Handshake());
    EXPECT_EQ(SSL_session_reused(resumed.server()), 0);  // its own keys: a full handshake
  }
  auto replacement = Server(kAuthCertificate);
  ASSERT_NE(replacement, nullptr);
  EXPECT_TRUE(replacement->AdoptTicketKeys(*old_ctx));
  {
    Loopback resumed(*replacement, client.get(), ticket.get());
    ASSERT_TRUE(resumed.Handshake());
    EXPECT_EQ(SSL_session_reused(resumed.server()), 1);
    EXPECT_EQ(resumed.identity().credential_id, "x509:" + issued.serial);
  }
  // A listener whose client authentication changed starts afresh.
  auto other_auth = Server(kAuthCertificate | kAuthPsk);
  ASSERT_NE(other_auth, nullptr);
  EXPECT_FALSE(other_auth->AdoptTicketKeys(*old_ctx));
}

// --- handshakes: pinned keys ---

TEST_F(TlsServerContext, AuthenticatesAPinnedPublicKey) {
  KeyPair device = SelfSigned("device 7");
  const std::string pinned = AddPinned(device.cert_pem);
  EXPECT_TRUE(pinned.starts_with("ni:///sha-256;"));
  auto server = Server(kAll);
  ASSERT_NE(server, nullptr);
  ClientCtx client = CertClient(device.cert_pem, device.key_pem);
  Loopback hs(*server, client.get());
  ASSERT_TRUE(hs.Handshake());
  ChannelIdentity id = hs.identity();
  EXPECT_EQ(id.method, Method::kPinnedKey);
  EXPECT_EQ(id.credential_id, pinned);
  EXPECT_TRUE(id.certified_ids.empty());
}

TEST_F(TlsServerContext, RefusesAKeyThatIsNotPinned) {
  KeyPair device = SelfSigned("device 8");
  auto server = Server(kAll);
  ASSERT_NE(server, nullptr);
  ClientCtx client = CertClient(device.cert_pem, device.key_pem);
  Loopback hs(*server, client.get());
  ExpectServerRefuses(hs);
}

TEST_F(TlsServerContext, RefusesAPinnedKeyWhenTheListenerDoesNotOfferThatModel) {
  KeyPair device = SelfSigned("device 9");
  AddPinned(device.cert_pem);
  auto server = Server(kAuthCertificate | kAuthPsk);
  ASSERT_NE(server, nullptr);
  ClientCtx client = CertClient(device.cert_pem, device.key_pem);
  Loopback hs(*server, client.get());
  ExpectServerRefuses(hs);
}

// --- keying material, certificate facts, pinned-key IDs ---

TEST_F(TlsServerContext, ExportsTheSameKeyingMaterialAsTheClient) {
  AddPsk("dev1@t.test", psk_key_);
  auto server = Server(kAuthPsk);
  ASSERT_NE(server, nullptr);
  ClientCtx client = PskClient13("dev1@t.test", psk_key_);
  Loopback hs(*server, client.get());
  ASSERT_TRUE(hs.Handshake());
  auto exported = ServerContext::ExportKeyingMaterial(hs.server(), "EXPORTER-oneM2M-Bootstrap", 32);
  ASSERT_TRUE(exported.has_value());
  ASSERT_EQ(exported->size(), 32u);
  std::string theirs(32, '\0');
  const std::string label = "EXPORTER-oneM2M-Bootstrap";
  ASSERT_EQ(SSL_export_keying_material(hs.client(), reinterpret_cast<unsigned char*>(theirs.data()),
                                       theirs.size(), label.c_str(), label.size(), nullptr, 0, 0),
            1);
  EXPECT_EQ(*exported, theirs);
}

TEST_F(TlsServerContext, InspectsCertificatesOfTheCaAndSelfSignedOnes) {
  auto issued = IssueClient({"Cdev1"});
  CertificateFacts facts = InspectCertificate(CertDer(issued.certificate_pem), ca_.get());
  EXPECT_TRUE(facts.parsed);
  EXPECT_FALSE(facts.self_signed);
  EXPECT_EQ(facts.credential_id, "x509:" + issued.serial);
  EXPECT_EQ(facts.certified_ids, std::vector<std::string>{"Cdev1"});
  // Without the CA, the certified IDs are not read.
  EXPECT_TRUE(InspectCertificate(CertDer(issued.certificate_pem), nullptr).certified_ids.empty());

  KeyPair device = SelfSigned("device 7");
  CertificateFacts pinned = InspectCertificate(CertDer(device.cert_pem), ca_.get());
  EXPECT_TRUE(pinned.parsed);
  EXPECT_TRUE(pinned.self_signed);
  EXPECT_EQ(pinned.credential_id, *PinnedKeyId(device.cert_pem));

  EXPECT_FALSE(InspectCertificate("not DER", ca_.get()).parsed);
}

TEST(PinnedKeyId, IsTheSameForACertificateAndItsPublicKey) {
  KeyPair device = SelfSigned("device");
  auto from_cert = PinnedKeyId(device.cert_pem);
  ASSERT_TRUE(from_cert.has_value());
  EVP_PKEY* key = ReadKey(device.key_pem);
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(b, key);
  char* p = nullptr;
  long n = BIO_get_mem_data(b, &p);
  std::string public_pem(p, static_cast<size_t>(n));
  BIO_free(b);
  EVP_PKEY_free(key);
  auto from_key = PinnedKeyId(public_pem);
  ASSERT_TRUE(from_key.has_value());
  EXPECT_EQ(*from_cert, *from_key);
  EXPECT_TRUE(from_cert->starts_with("ni:///sha-256;"));
  // Another key, another ID.
  EXPECT_NE(*PinnedKeyId(SelfSigned("other").cert_pem), *from_cert);
}

TEST(PinnedKeyId, RefusesTextThatIsNeitherCertificateNorKey) {
  auto bad = PinnedKeyId("-----BEGIN NOTHING-----\nAAAA\n-----END NOTHING-----\n");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), Rsc::kBadRequest);
}

}  // namespace
}  // namespace trustcse::tls
