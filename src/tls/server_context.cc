#include "tls/server_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <mutex>

#include "common/printable.h"
#include "security/crypto/crypto.h"

namespace trustcse::tls {

namespace crypto = security::crypto;

namespace {

// TLS 1.2 suites in the server's order of preference. PSK suites come first: a client offers
// them only when it holds a PSK, and then the PSK is what it means to authenticate with.
// Forward-secret AEADs before the CBC suites TS-0003 makes mandatory for interoperability.
constexpr const char* kTls12Ciphers =
    "ECDHE-PSK-CHACHA20-POLY1305:PSK-AES128-GCM-SHA256:PSK-AES256-GCM-SHA384:"
    "PSK-CHACHA20-POLY1305:ECDHE-PSK-AES128-CBC-SHA256:PSK-AES128-CBC-SHA256:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-SHA256";
// TLS 1.3: SHA-256 suites first, so that an external PSK (bound to SHA-256) is usable.
constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384";
constexpr unsigned char kSessionIdContext[] = "trustcse";
constexpr unsigned char kTls13Aes128GcmSha256[] = {0x13, 0x01};

// Per-connection facts gathered during the handshake.
struct HandshakeState {
  std::string psk_identity;  // offered and known; used only if the handshake chose the PSK
  std::string pinned_id;
  bool ticket_used = false;  // resumed from a session ticket (its identity is in the ticket)
  std::string failure;       // why a callback refused (FailureReason), first one wins
};

void Refuse(HandshakeState& st, std::string why) {
  if (st.failure.empty()) st.failure = std::move(why);
}

// A client-chosen identity as a log can show it: printable ASCII, at most 64 characters.
std::string Printable(std::string_view id) { return trustcse::Printable(id, 64); }

int g_state_index = -1;
std::once_flag g_state_once;

void FreeState(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<HandshakeState*>(ptr);
}

int StateIndex() {
  std::call_once(g_state_once, [] {
    g_state_index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, FreeState);
  });
  return g_state_index;
}

HandshakeState& State(SSL* ssl) {
  auto* st = static_cast<HandshakeState*>(SSL_get_ex_data(ssl, StateIndex()));
  if (st == nullptr) {
    st = new HandshakeState();
    SSL_set_ex_data(ssl, StateIndex(), st);
  }
  return *st;
}

const HandshakeState* FindState(const SSL* ssl) {
  return static_cast<const HandshakeState*>(SSL_get_ex_data(ssl, StateIndex()));
}

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

std::string PinnedId(X509* cert) {
  unsigned char* der = nullptr;
  int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (n <= 0) return {};
  std::string spki(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  return "ni:///sha-256;" + crypto::Base64Url(crypto::Sha256(spki));
}

std::string SerialHex(const X509* c) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c), nullptr);
  if (bn == nullptr) return {};
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return crypto::Hex(bytes);
}

bool SelfSigned(X509* c) { return X509_check_issued(c, c) == X509_V_OK; }

CertificateFacts FactsOf(X509* cert, const security::CertificateAuthority* ca) {
  CertificateFacts f;
  f.parsed = true;
  f.self_signed = SelfSigned(cert);
  if (f.self_signed) {
    f.credential_id = PinnedId(cert);
    return f;
  }
  f.credential_id = "x509:" + SerialHex(cert);
  if (ca == nullptr) return f;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    if (g->type != GEN_URI) continue;
    std::string_view uri(
        reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.uniformResourceIdentifier)),
        static_cast<size_t>(ASN1_STRING_length(g->d.uniformResourceIdentifier)));
    if (std::string o = ca->OriginatorFromUri(uri); !o.empty()) f.certified_ids.push_back(o);
  }
  GENERAL_NAMES_free(names);
  return f;
}

// Identity <-> ticket appdata: "method\ncredential\nid1\nid2…".
std::string EncodeIdentity(const ChannelIdentity& id) {
  std::string out = ChannelMethodName(id.method);
  out += '\n';
  out += id.credential_id;
  for (const auto& c : id.certified_ids) out += '\n' + c;
  return out;
}

ChannelIdentity DecodeIdentity(std::string_view s) {
  ChannelIdentity id;
  std::vector<std::string_view> parts;
  while (true) {
    size_t nl = s.find('\n');
    parts.push_back(s.substr(0, nl));
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  if (parts.size() < 2) return id;
  if (parts[0] == "psk") id.method = ChannelIdentity::Method::kPsk;
  else if (parts[0] == "certificate") id.method = ChannelIdentity::Method::kCertificate;
  else if (parts[0] == "pinned-key") id.method = ChannelIdentity::Method::kPinnedKey;
  else return ChannelIdentity{};
  id.credential_id = std::string(parts[1]);
  for (size_t i = 2; i < parts.size(); ++i) id.certified_ids.emplace_back(parts[i]);
  return id;
}

}  // namespace

// The current CRL of the built-in CA, parsed once per change.
struct ServerContext::CrlCache {
  std::mutex mu;
  std::shared_ptr<const std::string> der;  // guarded by mu
  X509_CRL* crl = nullptr;                 // guarded by mu; parsed `der`
  ~CrlCache() { X509_CRL_free(crl); }
};

struct ServerContext::Callbacks {
  static ServerContext* Self(SSL* ssl) {
    return static_cast<ServerContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  }

  // Certificates: CA chain + CRL as OpenSSL verified it, plus the registry; pinned keys: a
  // self-signed leaf whose key is registered, whatever OpenSSL thought of it.
  static int Verify(int preverify_ok, X509_STORE_CTX* x) {
    SSL* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx()));
    ServerContext* self = Self(ssl);
    X509* leaf = X509_STORE_CTX_get0_cert(x);
    if (leaf != nullptr && SelfSigned(leaf)) {
      if ((self->client_auth_ & kAuthPinnedKey) == 0) return 0;
      HandshakeState& st = State(ssl);
      if (st.pinned_id.empty()) {
        std::string id = PinnedId(leaf);
        auto cred = self->registry_->Find(id);
        if (!cred || cred->kind != security::CredentialKind::kPinnedKey || !cred->Active(Now())) {
          Refuse(st, "key not pinned (a self-signed client certificate whose key is not an "
                     "active pinned key)");
          return 0;
        }
        st.pinned_id = std::move(id);
      }
      return 1;
    }
    if (!preverify_ok || (self->client_auth_ & kAuthCertificate) == 0) {
      const int err = X509_STORE_CTX_get_error(x);
      if ((self->client_auth_ & kAuthCertificate) == 0) {
        Refuse(State(ssl), "foreign certificate (this listener accepts no CA certificates)");
      } else if (err == X509_V_ERR_CERT_REVOKED) {
        Refuse(State(ssl), "revoked or inactive certificate (in the CRL)");
      } else {
        Refuse(State(ssl), std::string("foreign certificate (") +
                               X509_verify_cert_error_string(err) + ")");
      }
      return 0;
    }
    if (X509_STORE_CTX_get_error_depth(x) == 0) {
      std::string id = "x509:" + SerialHex(X509_STORE_CTX_get_current_cert(x));
      auto cred = self->registry_->Find(id);
      if (!cred || !cred->Active(Now())) {
        Refuse(State(ssl), "revoked or inactive certificate " + id);
        X509_STORE_CTX_set_error(x, X509_V_ERR_CERT_REVOKED);
        return 0;
      }
    }
    return 1;
  }

  static STACK_OF(X509_CRL)* LookupCrls(const X509_STORE_CTX* x, const X509_NAME* issuer) {
    SSL* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(
        const_cast<X509_STORE_CTX*>(x), SSL_get_ex_data_X509_STORE_CTX_idx()));
    ServerContext* self = Self(ssl);
    if (!self->ca_) return nullptr;
    auto der = self->ca_->CrlDer();
    if (!der) return nullptr;
    CrlCache& cache = *self->crl_;
    std::lock_guard lock(cache.mu);
    if (cache.der != der) {
      const auto* p = reinterpret_cast<const unsigned char*>(der->data());
      X509_CRL* parsed = d2i_X509_CRL(nullptr, &p, static_cast<long>(der->size()));
      if (parsed == nullptr) return nullptr;
      X509_CRL_free(cache.crl);
      cache.crl = parsed;
      cache.der = der;
    }
    if (X509_NAME_cmp(X509_CRL_get_issuer(cache.crl), issuer) != 0) return nullptr;
    STACK_OF(X509_CRL)* out = sk_X509_CRL_new_null();
    X509_CRL_up_ref(cache.crl);
    sk_X509_CRL_push(out, cache.crl);
    return out;
  }

  // TLS 1.2 PSK.
  static unsigned int Psk12(SSL* ssl, const char* identity, unsigned char* psk,
                            unsigned int max_len) {
    if (identity == nullptr) return 0;
    auto key = Self(ssl)->registry_->Psk(identity, Now());
    if (!key || key->size() > max_len) {
      Refuse(State(ssl), "unknown PSK identity \"" + Printable(identity) + "\" (or inactive)");
      return 0;
    }
    std::memcpy(psk, key->view().data(), key->size());
    State(ssl).psk_identity = identity;
    return static_cast<unsigned int>(key->size());
  }

  // TLS 1.3 external PSK: a session whose resumption secret is the key.
  static int Psk13(SSL* ssl, const unsigned char* identity, size_t len, SSL_SESSION** sess) {
    *sess = nullptr;
    std::string id(reinterpret_cast<const char*>(identity), len);
    auto key = Self(ssl)->registry_->Psk(id, Now());
    if (!key) {
      // Unknown identity: continue without a PSK (and fail if nothing else).
      Refuse(State(ssl), "unknown PSK identity \"" + Printable(id) + "\" (or inactive)");
      return 1;
    }
    const SSL_CIPHER* cipher = SSL_CIPHER_find(ssl, kTls13Aes128GcmSha256);
    SSL_SESSION* s = SSL_SESSION_new();
    if (cipher == nullptr || s == nullptr ||
        SSL_SESSION_set1_master_key(s, reinterpret_cast<const unsigned char*>(key->view().data()),
                                    key->size()) != 1 ||
        SSL_SESSION_set_cipher(s, cipher) != 1 ||
        SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION) != 1) {
      SSL_SESSION_free(s);
      return 0;
    }
    State(ssl).psk_identity = std::move(id);
    *sess = s;
    return 1;
  }

  static int GenerateTicket(SSL* ssl, void*) {
    // A renewed ticket of a resumed session carries the identity of the ticket it replaces.
    ChannelIdentity id = Self(ssl)->PeerIdentity(ssl);
    if (!id.authenticated()) return 1;
    std::string data = EncodeIdentity(id);
    return SSL_SESSION_set1_ticket_appdata(SSL_get0_session(ssl), data.data(), data.size());
  }

  static SSL_TICKET_RETURN DecryptTicket(SSL* ssl, SSL_SESSION* ss, const unsigned char*, size_t,
                                         SSL_TICKET_STATUS status, void*) {
    switch (status) {
      case SSL_TICKET_SUCCESS:
      case SSL_TICKET_SUCCESS_RENEW: {
        void* data = nullptr;
        size_t len = 0;
        if (SSL_SESSION_get0_ticket_appdata(ss, &data, &len) != 1 || data == nullptr) {
          return SSL_TICKET_RETURN_IGNORE_RENEW;
        }
        ChannelIdentity id = DecodeIdentity(std::string_view(static_cast<char*>(data), len));
        auto cred = Self(ssl)->registry_->Find(id.credential_id);
        if (!id.authenticated() || !cred || !cred->Active(Now())) {
          return SSL_TICKET_RETURN_IGNORE_RENEW;  // a full handshake decides again
        }
        State(ssl).ticket_used = true;
        return status == SSL_TICKET_SUCCESS ? SSL_TICKET_RETURN_USE : SSL_TICKET_RETURN_USE_RENEW;
      }
      case SSL_TICKET_EMPTY:
      case SSL_TICKET_NO_DECRYPT:
        return SSL_TICKET_RETURN_IGNORE_RENEW;
      default:
        return SSL_TICKET_RETURN_ABORT;
    }
  }
};

Result<unsigned> ParseClientAuth(const std::vector<std::string>& names) {
  unsigned bits = 0;
  for (const auto& n : names) {
    if (n == "certificate") bits |= kAuthCertificate;
    else if (n == "psk") bits |= kAuthPsk;
    else if (n == "pinned-key") bits |= kAuthPinnedKey;
    else if (n == "none") bits |= kAuthNone;
    else return Err(Status::BadRequest("unknown client authentication \"" + n +
                                       "\" (certificate, psk, pinned-key, none)"));
  }
  if (bits == 0) return Err(Status::BadRequest("client authentication must name at least one mode"));
  return bits;
}

Result<std::shared_ptr<ServerContext>> ServerContext::Create(
    ServerContextOptions o, std::shared_ptr<const security::CredentialRegistry> registry,
    std::shared_ptr<security::CertificateAuthority> ca) {
  std::shared_ptr<ServerContext> self(new ServerContext());
  self->client_auth_ = o.client_auth;
  self->registry_ = std::move(registry);
  self->ca_ = std::move(ca);
  self->crl_ = std::make_unique<CrlCache>();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return Err(Status::Internal("tls: " + OpenSslError()));
  self->ctx_ = ctx;
  auto fail = [&](std::string what) {
    return Err(Status::Internal("tls: " + what + ": " + OpenSslError()));
  };
  SSL_CTX_set_app_data(ctx, self.get());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) return fail("cipher list");
  if (SSL_CTX_set_ciphersuites(ctx, kTls13Suites) != 1) return fail("TLS 1.3 suites");

  // Server certificate and key.
  BIO* cb = BIO_new_mem_buf(o.cert_chain_pem.data(), static_cast<int>(o.cert_chain_pem.size()));
  X509* leaf = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
  bool ok = leaf != nullptr && SSL_CTX_use_certificate(ctx, leaf) == 1;
  X509_free(leaf);
  while (ok) {
    X509* extra = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    if (extra == nullptr) break;
    if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {
      X509_free(extra);
      ok = false;
    }
  }
  BIO_free(cb);
  ERR_clear_error();  // the end of the chain reads as an error
  if (!ok) return Err(Status::BadRequest("tls: the server certificate is not PEM"));
  BIO* kb = BIO_new_mem_buf(o.key_pem.view().data(), static_cast<int>(o.key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
  BIO_free(kb);
  ok = key != nullptr && SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
  EVP_PKEY_free(key);
  if (!ok) return Err(Status::BadRequest("tls: the server key does not match its certificate"));

  // Client authentication.
  const unsigned auth = o.client_auth;
  if (auth & (kAuthCertificate | kAuthPinnedKey)) {
    int mode = SSL_VERIFY_PEER;
    if ((auth & (kAuthPsk | kAuthNone)) == 0) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx, mode, &Callbacks::Verify);
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    if ((auth & kAuthCertificate) && self->ca_ && self->ca_->initialized()) {
      std::string ca_pem = self->ca_->certificate_pem();
      BIO* b = BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size()));
      X509* anchor = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
      BIO_free(b);
      if (anchor == nullptr || X509_STORE_add_cert(store, anchor) != 1) {
        X509_free(anchor);
        return fail("CA certificate");
      }
      STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
      sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(anchor)));
      SSL_CTX_set_client_CA_list(ctx, names);
      X509_free(anchor);
      X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
      X509_STORE_set_lookup_crls(store, &Callbacks::LookupCrls);
    } else if (auth & kAuthCertificate) {
      spdlog::warn("tls: certificate client authentication is configured but the built-in CA is "
                   "not initialized (trustcse ca init); no certificate will verify");
    }
  }
  if (auth & kAuthPsk) {
    SSL_CTX_set_psk_server_callback(ctx, &Callbacks::Psk12);
    SSL_CTX_set_psk_find_session_callback(ctx, &Callbacks::Psk13);
  }

  // Resumption by tickets only; each ticket carries its identity (checked again on use).
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof kSessionIdContext - 1);
  SSL_CTX_set_num_tickets(ctx, 1);
  SSL_CTX_set_session_ticket_cb(ctx, &Callbacks::GenerateTicket, &Callbacks::DecryptTicket, nullptr);
  return self;
}

ServerContext::~ServerContext() { SSL_CTX_free(ctx_); }

bool ServerContext::AdoptTicketKeys(const ServerContext& previous) {
  if (previous.client_auth_ != client_auth_) return false;
  unsigned char keys[80];  // key name, HMAC secret, AES key (OpenSSL's layout)
  bool ok = SSL_CTX_get_tlsext_ticket_keys(previous.ctx_, keys, sizeof keys) == 1 &&
            SSL_CTX_set_tlsext_ticket_keys(ctx_, keys, sizeof keys) == 1;
  OPENSSL_cleanse(keys, sizeof keys);
  ERR_clear_error();
  return ok;
}

ChannelIdentity ServerContext::FreshIdentity(ssl_st* ssl) const {
  ChannelIdentity id;
  const HandshakeState* st = FindState(ssl);
  // A PSK authenticated the peer only if the handshake chose it: in TLS 1.3 the session then
  // counts as resumed (from the external PSK), in TLS 1.2 the suite is a PSK suite.
  const bool psk_used =
      st && !st->psk_identity.empty() &&
      (SSL_version(ssl) == TLS1_3_VERSION
           ? SSL_session_reused(ssl) == 1
           : SSL_CIPHER_get_auth_nid(SSL_get_current_cipher(ssl)) == NID_auth_psk);
  if (psk_used) {
    id.method = ChannelIdentity::Method::kPsk;
    id.credential_id = st->psk_identity;
    return id;
  }
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (peer == nullptr) return id;
  if (st && !st->pinned_id.empty()) {
    id.method = ChannelIdentity::Method::kPinnedKey;
    id.credential_id = st->pinned_id;
    return id;
  }
  if (SSL_get_verify_result(ssl) != X509_V_OK || !ca_) return id;
  CertificateFacts facts = FactsOf(peer, ca_.get());
  id.method = ChannelIdentity::Method::kCertificate;
  id.credential_id = std::move(facts.credential_id);
  id.certified_ids = std::move(facts.certified_ids);
  return id;
}

CertificateFacts InspectCertificate(std::string_view der, const security::CertificateAuthority* ca) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (cert == nullptr) {
    ERR_clear_error();
    return {};
  }
  CertificateFacts facts = FactsOf(cert, ca);
  X509_free(cert);
  return facts;
}

std::string ServerContext::FailureReason(ssl_st* ssl, std::string_view fallback) {
  if (ssl == nullptr) return std::string(fallback);
  auto* st = static_cast<HandshakeState*>(SSL_get_ex_data(ssl, StateIndex()));
  if (st != nullptr && !st->failure.empty()) return st->failure;
  if (st != nullptr && !st->psk_identity.empty()) {
    // The identity was known, and the handshake failed after it: the keys differ.
    return "bad key for PSK identity \"" + Printable(st->psk_identity) + "\"";
  }
  return "protocol error: " + std::string(fallback);
}

ChannelIdentity ServerContext::PeerIdentity(ssl_st* ssl) const {
  const HandshakeState* st = FindState(ssl);
  if (st && st->ticket_used) {
    void* data = nullptr;
    size_t len = 0;
    if (!st->psk_identity.empty() ||  // offered a ticket and an external PSK: ambiguous
        SSL_SESSION_get0_ticket_appdata(SSL_get0_session(ssl), &data, &len) != 1 || !data) {
      return ChannelIdentity{};
    }
    return DecodeIdentity(std::string_view(static_cast<char*>(data), len));
  }
  return FreshIdentity(ssl);
}

Result<std::string> ServerContext::ExportKeyingMaterial(ssl_st* ssl, std::string_view label,
                                                        size_t n) {
  std::string out(n, '\0');
  std::string l(label);
  if (SSL_export_keying_material(ssl, reinterpret_cast<unsigned char*>(out.data()), n, l.c_str(),
                                 l.size(), nullptr, 0, 0) != 1) {
    return Err(Status::Internal("tls: keying material export failed"));
  }
  return out;
}

Result<std::string> PinnedKeyId(std::string_view pem) {
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
  std::string id;
  if (cert != nullptr) {
    id = PinnedId(cert);
    X509_free(cert);
  } else {
    BIO_reset(b);
    EVP_PKEY* key = PEM_read_bio_PUBKEY(b, nullptr, nullptr, nullptr);
    if (key != nullptr) {
      unsigned char* der = nullptr;
      int n = i2d_PUBKEY(key, &der);
      if (n > 0) {
        id = "ni:///sha-256;" +
             crypto::Base64Url(crypto::Sha256(std::string(reinterpret_cast<char*>(der), n)));
        OPENSSL_free(der);
      }
      EVP_PKEY_free(key);
    }
  }
  BIO_free(b);
  ERR_clear_error();
  if (id.empty()) return Err(Status::BadRequest("not a PEM certificate or public key"));
  return id;
}

}  // namespace trustcse::tls
