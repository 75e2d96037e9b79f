#include "test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace trustcse::egress::testing {
namespace {

EVP_PKEY* NewKey() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) throw std::runtime_error("test pki: no key");
  return key;
}

std::string Pem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

std::string Pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  ::chmod(path.c_str(), 0600);
}

void AddExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) throw std::runtime_error("test pki: bad extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// An unsigned certificate for `key`'s public half, issued by `issuer` (itself when null).
X509* NewCertificate(const std::string& cn, EVP_PKEY* key, X509* issuer, int serial) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, issuer != nullptr ? X509_get_subject_name(issuer) : name);
  return cert;
}

}  // namespace

TestPki::TestPki(const std::string& name) {
  char tmpl[] = "/tmp/trustcse-egress-pki-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("test pki: no directory");
  dir_ = tmpl;
  EVP_PKEY* key = NewKey();
  X509* cert = NewCertificate(name, key, nullptr, serial_++);
  AddExt(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
  AddExt(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExt(cert, cert, NID_subject_key_identifier, "hash");
  X509_sign(cert, key, EVP_sha256());
  ca_key_ = key;
  ca_cert_ = cert;
  ca_.cert_pem = Pem(cert);
  ca_.key_pem = Pem(key);
  ca_.cert_file = dir_ + "/ca.pem";
  ca_.key_file = dir_ + "/ca.key";
  Write(ca_.cert_file, ca_.cert_pem);
  Write(ca_.key_file, ca_.key_pem);
}

TestPki::~TestPki() {
  X509_free(static_cast<X509*>(ca_cert_));
  EVP_PKEY_free(static_cast<EVP_PKEY*>(ca_key_));
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

IssuedCertificate TestPki::Issue(const std::string& cn, const std::vector<std::string>& dns,
                                 const std::vector<std::string>& ips, bool server) {
  auto* ca_cert = static_cast<X509*>(ca_cert_);
  auto* ca_key = static_cast<EVP_PKEY*>(ca_key_);
  EVP_PKEY* key = NewKey();
  X509* cert = NewCertificate(cn, key, ca_cert, serial_++);
  AddExt(cert, ca_cert, NID_basic_constraints, "critical,CA:FALSE");
  AddExt(cert, ca_cert, NID_key_usage, "critical,digitalSignature");
  AddExt(cert, ca_cert, NID_ext_key_usage, server ? "serverAuth" : "clientAuth");
  std::string san;
  for (const auto& d : dns) san += (san.empty() ? "DNS:" : ",DNS:") + d;
  for (const auto& i : ips) san += (san.empty() ? "IP:" : ",IP:") + i;
  if (!san.empty()) AddExt(cert, ca_cert, NID_subject_alt_name, san);
  X509_sign(cert, ca_key, EVP_sha256());
  IssuedCertificate out;
  out.cert_pem = Pem(cert);
  out.key_pem = Pem(key);
  const std::string base = dir_ + "/" + std::to_string(serial_) + "-" + cn;
  out.cert_file = base + ".pem";
  out.key_file = base + ".key";
  Write(out.cert_file, out.cert_pem);
  Write(out.key_file, out.key_pem);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

}  // namespace trustcse::egress::testing
