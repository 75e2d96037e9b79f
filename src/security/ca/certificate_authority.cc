#include "security/ca/certificate_authority.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>

#include <boost/json.hpp>

#include "primitive/json_util.h"
#include "security/crypto/crypto.h"

namespace trustcse::security {

namespace bj = boost::json;

namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using ReqPtr = std::unique_ptr<X509_REQ, Deleter<X509_REQ, X509_REQ_free>>;
using CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL, X509_CRL_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES, GENERAL_NAMES_free>>;

constexpr std::string_view kCaKind = "ca";
constexpr std::string_view kIssuedKind = "ca-issued";
constexpr std::string_view kTlsKind = "tls";
constexpr std::string_view kCaKeyPurpose = "ca:root";
constexpr std::string_view kServerKeyPurpose = "tls:server";
constexpr auto kCrlLifetime = std::chrono::hours(24);

Status Bad(std::string m) { return Status::BadRequest(std::move(m)); }
Status Failed(std::string what) {
  spdlog::error("ca: {} failed", what);
  return Status::Internal("certificate operation failed");
}

BioPtr MemBio(std::string_view s) {
  return BioPtr(BIO_new_mem_buf(s.data(), static_cast<int>(s.size())));
}

std::string BioText(BIO* b) {
  char* p = nullptr;
  long n = BIO_get_mem_data(b, &p);
  return n > 0 ? std::string(p, static_cast<size_t>(n)) : std::string();
}

X509Ptr ReadCert(std::string_view pem) {
  auto b = MemBio(pem);
  return X509Ptr(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
}

std::string CertPem(X509* c) {
  BioPtr b(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(b.get(), c);
  return BioText(b.get());
}

PkeyPtr ReadKey(std::string_view pem) {
  auto b = MemBio(pem);
  return PkeyPtr(PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr));
}

crypto::Secret KeyPem(EVP_PKEY* k) {
  BioPtr b(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(b.get(), k, nullptr, nullptr, 0, nullptr, nullptr);
  std::string text = BioText(b.get());
  char* p = nullptr;
  long n = BIO_get_mem_data(b.get(), &p);
  if (n > 0) OPENSSL_cleanse(p, static_cast<size_t>(n));
  return crypto::Secret(std::move(text));
}

// The private key sealed for `purpose`, parsed.
Result<PkeyPtr> UnsealKey(const KeyStore& keys, std::string_view sealed, std::string_view purpose) {
  auto pem = keys.Unseal(sealed, purpose);
  if (!pem) return Err(pem.error());
  PkeyPtr key = ReadKey(pem->view());
  if (!key) return Err(Failed("reading a private key"));
  return key;
}

PkeyPtr NewP256Key() { return PkeyPtr(EVP_EC_gen("P-256")); }

std::string PublicPem(EVP_PKEY* k) {
  BioPtr b(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(b.get(), k);
  return BioText(b.get());
}

// The serial of `c` as lower-case hex of its big-endian bytes.
std::string SerialHex(const X509* c) {
  BnPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(c), nullptr));
  if (!bn) return {};
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()));
  return crypto::Hex(bytes);
}

// 128 random bits, positive, with a non-zero first byte (so the hex form is stable).
bool SetRandomSerial(X509* c) {
  auto r = crypto::RandomBytes(16);
  if (!r) return false;
  (*r)[0] = static_cast<char>((static_cast<unsigned char>((*r)[0]) & 0x7f) | 0x01);
  BnPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(r->data()), 16, nullptr));
  return bn && BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(c)) != nullptr;
}

std::string Timestamp(std::time_t t) {
  return FormatTimestamp(TimePoint(std::chrono::seconds(t)));
}

bool AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

bool AddSan(X509* cert, const std::vector<std::string>& uris, const std::vector<std::string>& dns,
            const std::vector<std::string>& ips) {
  NamesPtr names(GENERAL_NAMES_new());
  auto add_ia5 = [&](int type, const std::string& v) {
    GENERAL_NAME* g = GENERAL_NAME_new();
    ASN1_IA5STRING* s = ASN1_IA5STRING_new();
    ASN1_STRING_set(s, v.data(), static_cast<int>(v.size()));
    GENERAL_NAME_set0_value(g, type, s);
    sk_GENERAL_NAME_push(names.get(), g);
  };
  for (const auto& u : uris) add_ia5(GEN_URI, u);
  for (const auto& d : dns) add_ia5(GEN_DNS, d);
  for (const auto& ip : ips) {
    ASN1_OCTET_STRING* os = a2i_IPADDRESS(ip.c_str());
    if (os == nullptr) return false;
    GENERAL_NAME* g = GENERAL_NAME_new();
    GENERAL_NAME_set0_value(g, GEN_IPADD, os);
    sk_GENERAL_NAME_push(names.get(), g);
  }
  if (sk_GENERAL_NAME_num(names.get()) == 0) return true;
  return X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, 0) == 1;
}

// A certificate for `pubkey` named `cn`, signed by `issuer_key` (and `issuer`, or itself when
// null), with the extensions the caller adds through `extend`.
template <typename F>
X509Ptr MakeCert(const std::string& cn, EVP_PKEY* pubkey, X509* issuer, EVP_PKEY* issuer_key,
                 std::chrono::hours validity, std::optional<TimePoint> not_before, F&& extend) {
  X509Ptr c(X509_new());
  if (!c || X509_set_version(c.get(), 2) != 1 || !SetRandomSerial(c.get())) return nullptr;
  X509_NAME* name = X509_get_subject_name(c.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(c.get(), issuer ? X509_get_subject_name(issuer) : name);
  const int64_t length = std::chrono::duration_cast<std::chrono::seconds>(validity).count();
  if (not_before) {
    std::time_t start =
        std::chrono::duration_cast<std::chrono::seconds>(not_before->time_since_epoch()).count();
    ASN1_TIME_set(X509_getm_notBefore(c.get()), start);
    ASN1_TIME_set(X509_getm_notAfter(c.get()), start + length);
  } else {
    X509_gmtime_adj(X509_getm_notBefore(c.get()), -300);  // tolerate clock skew
    X509_gmtime_adj(X509_getm_notAfter(c.get()), length);
  }
  if (X509_set_pubkey(c.get(), pubkey) != 1) return nullptr;
  X509* iss = issuer ? issuer : c.get();
  if (!AddExt(c.get(), iss, NID_subject_key_identifier, "hash") ||
      !AddExt(c.get(), iss, NID_authority_key_identifier, "keyid:always") || !extend(c.get())) {
    return nullptr;
  }
  if (X509_sign(c.get(), issuer_key, EVP_sha256()) <= 0) return nullptr;
  return c;
}

std::string NotAfter(const X509* c) {
  struct tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(c), &tm) != 1) return {};
  return Timestamp(timegm(&tm));
}

bool AcceptableKey(EVP_PKEY* k);

// The public key (PEM) of a CSR whose signature verifies and whose key is acceptable.
Result<std::string> PublicKeyOfCsr(const std::string& csr_pem) {
  auto b = MemBio(csr_pem);
  ReqPtr req(PEM_read_bio_X509_REQ(b.get(), nullptr, nullptr, nullptr));
  if (!req) return Err(Bad("the certificate signing request is not a PEM CSR"));
  PkeyPtr key(X509_REQ_get_pubkey(req.get()));
  if (!key || X509_REQ_verify(req.get(), key.get()) != 1) {
    return Err(Bad("the certificate signing request's signature does not verify"));
  }
  if (!AcceptableKey(key.get())) {
    return Err(Bad("the key must be EC P-256 or RSA of at least 2048 bits"));
  }
  return PublicPem(key.get());
}

bool AcceptableKey(EVP_PKEY* k) {
  if (EVP_PKEY_is_a(k, "EC")) {
    char group[64] = {0};
    size_t len = 0;
    return EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof group, &len) == 1 &&
           std::string_view(group) == "prime256v1";
  }
  if (EVP_PKEY_is_a(k, "RSA")) return EVP_PKEY_get_bits(k) >= 2048;
  return false;
}

Status ValidateIds(const std::vector<std::string>& ids) {
  if (ids.empty()) return Bad("a certificate must certify at least one AE-ID or CSE-ID");
  for (const auto& id : ids) {
    if (id.empty() || id.size() > 200) return Bad("invalid ID to certify");
    for (char ch : id) {
      if (ch <= ' ' || ch > '~' || ch == '"' || ch == '\\') return Bad("invalid ID to certify");
    }
    if (!(id[0] == 'C' || id[0] == 'S' || id[0] == '/')) {
      return Bad("IDs to certify are AE-IDs (C…, S…) or CSE-IDs (/…)");
    }
  }
  return Status::Ok();
}

}  // namespace

struct CertificateAuthority::State {
  std::string cert_pem;
  std::string sealed_key;
  X509Ptr cert;
  std::shared_ptr<const std::string> crl_der;
  std::string crl_pem;
  TimePoint crl_time;
};

CertificateAuthority::CertificateAuthority(storage::Store& store,
                                           std::shared_ptr<CredentialRegistry> registry,
                                           CseIdentity self)
    : store_(store), registry_(std::move(registry)), self_(std::move(self)) {}

CertificateAuthority::~CertificateAuthority() = default;

std::string CertificateAuthority::UriForOriginator(std::string_view o) const {
  std::string sp = self_.sp_id.empty() ? "//trustcse.local" : self_.sp_id;
  if (o.starts_with('/')) return sp + std::string(o);           // CSE-ID
  if (o.starts_with('S')) return sp + "/" + std::string(o);     // S-type AE-ID
  return sp + self_.cse_id + "/" + std::string(o);              // C-type, registered here
}

std::string CertificateAuthority::OriginatorFromUri(std::string_view uri) const {
  std::string sp = self_.sp_id.empty() ? "//trustcse.local" : self_.sp_id;
  if (!uri.starts_with(sp) || uri.size() <= sp.size() || uri[sp.size()] != '/') return {};
  std::string_view rel = uri.substr(sp.size());  // SP-relative, "/…"
  std::string own = self_.cse_id + "/";
  if (rel.starts_with(own) && rel.size() > own.size() && rel[own.size()] == 'C') {
    return std::string(rel.substr(own.size()));
  }
  if (rel.size() > 1 && rel[1] == 'S' && rel.find('/', 1) == std::string_view::npos) {
    return std::string(rel.substr(1));
  }
  if (rel.find('/', 1) == std::string_view::npos) return std::string(rel);  // a CSE-ID
  return {};
}

Status CertificateAuthority::Load() {
  auto body = store_.GetObject(kCaKind, "root");
  if (!body) return body.error();
  std::lock_guard lock(mu_);
  if (!*body) {
    state_.reset();
    return Status::Ok();
  }
  auto v = json::Parse(**body);
  if (!v || !v->is_object()) return Failed("reading the stored CA");
  auto st = std::make_unique<State>();
  st->cert_pem = std::string(json::GetString(v->get_object(), "cert").value_or(""));
  st->sealed_key = std::string(json::GetString(v->get_object(), "key").value_or(""));
  st->cert = ReadCert(st->cert_pem);
  if (!st->cert || st->sealed_key.empty()) return Failed("reading the stored CA");
  state_ = std::move(st);
  return RegenerateCrlLocked();
}

bool CertificateAuthority::initialized() const {
  std::lock_guard lock(mu_);
  return state_ != nullptr;
}

std::string CertificateAuthority::certificate_pem() const {
  std::lock_guard lock(mu_);
  return state_ ? state_->cert_pem : std::string();
}

std::vector<SealedField> CertificateAuthority::SealedKeys() {
  return {{kCaKind, "key", [](std::string_view) { return std::string(kCaKeyPurpose); }},
          {kTlsKind, "key", [](std::string_view) { return std::string(kServerKeyPurpose); }}};
}

Status CertificateAuthority::Init(const std::string& common_name, std::chrono::hours validity) {
  std::lock_guard lock(mu_);
  if (state_) return Status::Conflict("the CA is already initialized");
  PkeyPtr key = NewP256Key();
  if (!key) return Failed("CA key generation");
  X509Ptr cert = MakeCert(common_name, key.get(), nullptr, key.get(), validity, std::nullopt,
                          [](X509* c) {
    return AddExt(c, c, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
           AddExt(c, c, NID_key_usage, "critical,keyCertSign,cRLSign");
  });
  if (!cert) return Failed("CA certificate");
  crypto::Secret pem = KeyPem(key.get());
  auto sealed = registry_->keys().Seal(pem.view(), kCaKeyPurpose);
  if (!sealed) return sealed.error();
  auto st = std::make_unique<State>();
  st->cert_pem = CertPem(cert.get());
  st->sealed_key = *sealed;
  st->cert = std::move(cert);
  bj::object o{{"cert", st->cert_pem}, {"key", st->sealed_key},
               {"created", FormatTimestamp(Now())}};
  std::string body = json::Serialize(o);
  Status s = store_.SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
    auto existing = txn.GetObject(kCaKind, "root");
    if (!existing) return existing.error();
    if (*existing) return Status::Conflict("the CA is already initialized");
    return txn.PutObject(kCaKind, "root", body);
  });
  if (!s.ok()) return s;
  state_ = std::move(st);
  spdlog::info("ca: initialized \"{}\"", common_name);
  events::Emit(registry_->events(), events::Kind::kCaOperation, "ca", "", common_name, "init");
  return RegenerateCrlLocked();
}

Result<IssuedCertificate> CertificateAuthority::Issue(const IssueRequest& r) {
  PkeyPtr generated;
  std::string public_pem;
  if (r.generate_key) {
    generated = NewP256Key();
    if (!generated) return Err(Failed("key generation"));
    public_pem = PublicPem(generated.get());
  } else {
    auto key = PublicKeyOfCsr(r.csr_pem);
    if (!key) return Err(key.error());
    public_pem = std::move(*key);
  }
  auto pending = SignPublicKey(public_pem, r.ids, r.validity, r.not_before, r.note, "", r.imei);
  if (!pending) return Err(pending.error());
  auto out = Commit(std::move(*pending));
  if (out && generated) out->key_pem = std::string(KeyPem(generated.get()).view());
  return out;
}

Result<IssuedCertificate> CertificateAuthority::Renew(const std::string& serial,
                                                      std::chrono::hours validity) {
  auto body = store_.GetObject(kIssuedKind, serial);
  if (!body) return Err(body.error());
  if (!*body) return Err(Status::NotFound("no certificate with this serial"));
  auto v = json::Parse(**body);
  if (!v || !v->is_object()) return Err(Failed("reading an issued certificate"));
  X509Ptr old = ReadCert(json::GetString(v->get_object(), "cert").value_or(""));
  if (!old) return Err(Failed("reading an issued certificate"));
  auto cred = registry_->Find("x509:" + serial);
  if (!cred) return Err(Status::NotFound("no credential for this certificate"));
  if (!cred->revoked.empty()) return Err(Bad("a revoked certificate cannot be renewed"));
  PkeyPtr key(X509_get_pubkey(old.get()));
  auto pending = SignPublicKey(PublicPem(key.get()), cred->ids, validity, std::nullopt,
                               "renewal of " + serial, "x509:" + serial, cred->imei);
  if (!pending) return Err(pending.error());
  return Commit(std::move(*pending));
}

Result<PendingCertificate> CertificateAuthority::SignRequest(const std::string& csr_pem,
                                                             const std::vector<std::string>& ids,
                                                             std::chrono::hours validity,
                                                             const std::string& note,
                                                             const std::string& replaces) {
  auto key = PublicKeyOfCsr(csr_pem);
  if (!key) return Err(key.error());
  return SignPublicKey(*key, ids, validity, std::nullopt, note, replaces);
}

Status CertificateAuthority::RecordInWrite(storage::WriteTxn& txn, const PendingCertificate& p) {
  if (Status w = txn.PutObject(kIssuedKind, p.issued.serial, p.record); !w.ok()) return w;
  return CredentialRegistry::WriteInWrite(txn, p.credential);
}

Result<IssuedCertificate> CertificateAuthority::Commit(PendingCertificate p) {
  Status s = store_.SubmitAndWait([&](storage::WriteTxn& txn) { return RecordInWrite(txn, p); });
  if (!s.ok()) return Err(s);
  registry_->Apply(std::move(p.credential));
  spdlog::info("ca: issued certificate {} for {}", p.issued.serial, fmt::join(p.issued.ids, ","));
  events::Emit(registry_->events(), events::Kind::kCaOperation, "ca",
               fmt::format("{}", fmt::join(p.issued.ids, ",")), p.issued.serial, "issue");
  return std::move(p.issued);
}

Result<PendingCertificate> CertificateAuthority::SignPublicKey(const std::string& public_pem,
                                                         const std::vector<std::string>& ids,
                                                         std::chrono::hours validity,
                                                         std::optional<TimePoint> not_before,
                                                         const std::string& note,
                                                         const std::string& replaces,
                                                         const std::string& imei) {
  if (Status s = ValidateIds(ids); !s.ok()) return Err(s);
  if (!imei.empty() && (imei.size() != 15 ||
                        imei.find_first_not_of("0123456789") != std::string::npos)) {
    return Err(Bad("an IMEI has 15 digits"));
  }
  if (validity.count() <= 0 || validity > std::chrono::hours(24 * 3650)) {
    return Err(Bad("validity must be between 1 hour and 10 years"));
  }
  auto pb = MemBio(public_pem);
  PkeyPtr subject_key(PEM_read_bio_PUBKEY(pb.get(), nullptr, nullptr, nullptr));
  if (!subject_key) return Err(Failed("reading the subject key"));
  std::vector<std::string> uris;
  for (const auto& id : ids) uris.push_back(UriForOriginator(id));
  if (!imei.empty()) {
    uris.push_back("urn:gsma:imei:" + imei.substr(0, 8) + "-" + imei.substr(8, 6) + "-" +
                   imei.substr(14));
  }

  std::lock_guard lock(mu_);
  if (!state_) return Err(Status::NotFound("the CA is not initialized (trustcse ca init)"));
  auto ca_key = UnsealKey(registry_->keys(), state_->sealed_key, kCaKeyPurpose);
  if (!ca_key) return Err(ca_key.error());
  X509* ca = state_->cert.get();
  X509Ptr cert = MakeCert(ids.front(), subject_key.get(), ca, ca_key->get(), validity, not_before,
                          [&](X509* c) {
                            return AddExt(c, ca, NID_basic_constraints, "critical,CA:FALSE") &&
                                   AddExt(c, ca, NID_key_usage,
                                          "critical,digitalSignature,keyAgreement") &&
                                   AddExt(c, ca, NID_ext_key_usage, "clientAuth") &&
                                   AddSan(c, uris, {}, {});
                          });
  if (!cert) return Err(Failed("certificate issue"));
  IssuedCertificate out;
  out.serial = SerialHex(cert.get());
  out.credential_id = "x509:" + out.serial;
  out.certificate_pem = CertPem(cert.get());
  out.not_after = NotAfter(cert.get());
  out.ids = ids;

  PendingCertificate p;
  Credential& cred = p.credential;
  cred.id = out.credential_id;
  cred.kind = CredentialKind::kCertificate;
  cred.ids = ids;
  cred.created = FormatTimestamp(Now());
  cred.expires = out.not_after;
  cred.replaces = replaces;
  cred.note = note;
  cred.imei = imei;
  bj::array arr;
  for (const auto& i : ids) arr.emplace_back(i);
  p.record = json::Serialize(bj::object{
      {"cert", out.certificate_pem}, {"ids", std::move(arr)}, {"not_after", out.not_after}});
  p.issued = std::move(out);
  return p;
}

Status CertificateAuthority::Revoke(const std::string& serial, std::string reason) {
  auto issued = store_.GetObject(kIssuedKind, serial);
  if (!issued) return issued.error();
  if (!*issued) return Status::NotFound("no certificate with this serial");
  auto r = registry_->Revoke("x509:" + serial, reason);
  if (!r) return r.error();
  events::Emit(registry_->events(), events::Kind::kCaOperation, "ca", "", serial, "revoke",
               reason);
  std::lock_guard lock(mu_);
  return RegenerateCrlLocked();
}

Status CertificateAuthority::RegenerateCrlLocked() {
  if (!state_) return Status::Ok();
  auto ca_key = UnsealKey(registry_->keys(), state_->sealed_key, kCaKeyPurpose);
  if (!ca_key) return ca_key.error();
  CrlPtr crl(X509_CRL_new());
  TimePoint now = Now();
  std::time_t t = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  ASN1_TIME* last = ASN1_TIME_set(nullptr, t);
  ASN1_TIME* next = ASN1_TIME_set(nullptr, t + std::chrono::seconds(kCrlLifetime).count());
  bool ok = crl && X509_CRL_set_version(crl.get(), 1) == 1 &&
            X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(state_->cert.get())) == 1 &&
            X509_CRL_set1_lastUpdate(crl.get(), last) == 1 &&
            X509_CRL_set1_nextUpdate(crl.get(), next) == 1;
  ASN1_TIME_free(last);
  ASN1_TIME_free(next);
  if (!ok) return Failed("CRL");
  for (const Credential& c : registry_->List()) {
    if (c.kind != CredentialKind::kCertificate || c.revoked.empty()) continue;
    auto bytes = crypto::FromHex(std::string_view(c.id).substr(5));
    if (!bytes || bytes->empty()) continue;
    BnPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes->data()),
                       static_cast<int>(bytes->size()), nullptr));
    X509_REVOKED* rev = X509_REVOKED_new();
    ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(bn.get(), nullptr);
    auto when = ParseTimestamp(c.revoked);
    ASN1_TIME* rt = ASN1_TIME_set(
        nullptr, when ? std::chrono::duration_cast<std::chrono::seconds>(when->time_since_epoch())
                            .count()
                      : t);
    X509_REVOKED_set_serialNumber(rev, serial);
    X509_REVOKED_set_revocationDate(rev, rt);
    ASN1_INTEGER_free(serial);
    ASN1_TIME_free(rt);
    X509_CRL_add0_revoked(crl.get(), rev);
  }
  // crlNumber: increases with every CRL (seconds since the epoch, in microseconds for uniqueness).
  ASN1_INTEGER* number = ASN1_INTEGER_new();
  BnPtr num(BN_new());
  BN_set_word(num.get(), static_cast<BN_ULONG>(now.time_since_epoch().count()));
  BN_to_ASN1_INTEGER(num.get(), number);
  X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number, 0, 0);
  ASN1_INTEGER_free(number);
  X509_CRL_sort(crl.get());
  if (X509_CRL_sign(crl.get(), ca_key->get(), EVP_sha256()) <= 0) return Failed("CRL signature");
  unsigned char* der = nullptr;
  int n = i2d_X509_CRL(crl.get(), &der);
  if (n <= 0) return Failed("CRL encoding");
  state_->crl_der = std::make_shared<const std::string>(reinterpret_cast<char*>(der),
                                                        static_cast<size_t>(n));
  OPENSSL_free(der);
  BioPtr b(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_CRL(b.get(), crl.get());
  state_->crl_pem = BioText(b.get());
  state_->crl_time = now;
  return Status::Ok();
}

std::shared_ptr<const std::string> CertificateAuthority::CrlDer() {
  std::lock_guard lock(mu_);
  if (!state_) return nullptr;
  if (Now() - state_->crl_time > kCrlLifetime / 2) {
    if (Status s = RegenerateCrlLocked(); !s.ok()) spdlog::warn("ca: CRL refresh failed");
  }
  return state_->crl_der;
}

std::string CertificateAuthority::CrlPem() {
  CrlDer();  // refreshes if due
  std::lock_guard lock(mu_);
  return state_ ? state_->crl_pem : std::string();
}

Result<ServerCertificate> CertificateAuthority::ServerCertificateFor(
    const std::vector<std::string>& names) {
  auto body = store_.GetObject(kTlsKind, "server");
  if (!body) return Err(body.error());
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  if (*body) {
    auto v = json::Parse(**body);
    if (v && v->is_object()) {
      const auto& o = v->get_object();
      std::vector<std::string> had;
      if (const auto* a = o.if_contains("names"); a && a->is_array()) {
        for (const auto& n : a->get_array()) {
          if (n.is_string()) had.emplace_back(n.get_string());
        }
      }
      std::string chain(json::GetString(o, "cert").value_or(""));
      X509Ptr cert = ReadCert(chain);
      bool fresh = cert && X509_cmp_time(X509_get0_notAfter(cert.get()),
                                         nullptr) > 0;  // not expired
      if (fresh) {
        std::time_t soon = std::time(nullptr) + 30 * 24 * 3600;
        fresh = X509_cmp_time(X509_get0_notAfter(cert.get()), &soon) > 0;
      }
      std::string ca_pem = certificate_pem();
      if (fresh && had == sorted && chain.find(ca_pem) != std::string::npos) {
        auto key = registry_->keys().Unseal(json::GetString(o, "key").value_or(""),
                                            kServerKeyPurpose);
        if (key) return ServerCertificate{chain, std::move(*key)};
      }
    }
  }
  std::vector<std::string> dns, ips;
  for (const auto& n : sorted) {
    ASN1_OCTET_STRING* ip = a2i_IPADDRESS(n.c_str());
    if (ip != nullptr) {
      ips.push_back(n);
      ASN1_OCTET_STRING_free(ip);
    } else {
      dns.push_back(n);
    }
  }
  PkeyPtr key = NewP256Key();
  if (!key) return Err(Failed("server key generation"));
  std::lock_guard lock(mu_);
  if (!state_) return Err(Status::NotFound("the CA is not initialized (trustcse ca init)"));
  auto ca_key = UnsealKey(registry_->keys(), state_->sealed_key, kCaKeyPurpose);
  if (!ca_key) return Err(ca_key.error());
  std::string cn = sorted.empty() ? self_.cse_id : sorted.front();
  X509Ptr cert = MakeCert(cn, key.get(), state_->cert.get(), ca_key->get(),
                          std::chrono::hours(24 * 365), std::nullopt, [&](X509* c) {
                            return AddExt(c, state_->cert.get(), NID_basic_constraints,
                                          "critical,CA:FALSE") &&
                                   AddExt(c, state_->cert.get(), NID_key_usage,
                                          "critical,digitalSignature,keyAgreement") &&
                                   AddExt(c, state_->cert.get(), NID_ext_key_usage,
                                          "serverAuth") &&
                                   AddSan(c, {UriForOriginator(self_.cse_id)}, dns, ips);
                          });
  if (!cert) return Err(Failed("server certificate"));
  std::string chain = CertPem(cert.get()) + state_->cert_pem;
  crypto::Secret key_pem = KeyPem(key.get());
  auto sealed = registry_->keys().Seal(key_pem.view(), kServerKeyPurpose);
  if (!sealed) return Err(sealed.error());
  bj::array arr;
  for (const auto& n : sorted) arr.emplace_back(n);
  std::string stored = json::Serialize(
      bj::object{{"cert", chain}, {"key", *sealed}, {"names", std::move(arr)}});
  Status s = store_.SubmitAndWait(
      [&](storage::WriteTxn& txn) { return txn.PutObject(kTlsKind, "server", stored); });
  if (!s.ok()) return Err(s);
  spdlog::info("ca: issued the CSE's TLS server certificate for {}", fmt::join(sorted, ","));
  return ServerCertificate{chain, std::move(key_pem)};
}

}  // namespace trustcse::security
