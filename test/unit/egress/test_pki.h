// A throw-away PKI for the outbound client's tests, made at test time with the OpenSSL API: a CA
// (P-256, SHA-256) and leaf certificates it issues for given DNS names and IP addresses, for
// servers or for clients. PEM text and files in a scratch directory removed with the object.
// Test code: failures abort the test (gtest ASSERT in the constructor's callers).
#pragma once

#include <string>
#include <vector>

namespace trustcse::egress::testing {

struct IssuedCertificate {
  std::string cert_pem;
  std::string key_pem;
  std::string cert_file;
  std::string key_file;
};

class TestPki {
 public:
  // A fresh CA named `name`, its files under a new directory in /tmp.
  explicit TestPki(const std::string& name);
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  const std::string& ca_pem() const { return ca_.cert_pem; }
  const std::string& ca_file() const { return ca_.cert_file; }
  // A certificate for `cn` with subjectAltName `dns` and `ips`; serverAuth or clientAuth.
  IssuedCertificate Issue(const std::string& cn, const std::vector<std::string>& dns,
                          const std::vector<std::string>& ips, bool server);

 private:
  std::string dir_;
  IssuedCertificate ca_;
  void* ca_key_ = nullptr;   // EVP_PKEY*
  void* ca_cert_ = nullptr;  // X509*
  int serial_ = 1;
};

}  // namespace trustcse::egress::testing
