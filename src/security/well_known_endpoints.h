// WellKnownEndpoints: routes the service endpoints (service_endpoints.h) to the services that
// answer them — the CA for ca.pem / crl / crl.pem, the enrolment service for enrol. A service
// that is not configured answers 4004 for its paths. Thread-safe.
#pragma once

#include <memory>

#include "security/ca/certificate_authority.h"
#include "security/service_endpoints.h"

namespace trustcse::security {

class WellKnownEndpoints final : public ServiceEndpoints {
 public:
  WellKnownEndpoints(std::shared_ptr<CertificateAuthority> ca,
                     std::shared_ptr<ServiceEndpoints> enrolment)
      : ca_(std::move(ca)), enrolment_(std::move(enrolment)) {}
  void Handle(ServiceRequest request, std::function<void(ServiceResponse)> done) override;

 private:
  std::shared_ptr<CertificateAuthority> ca_;
  std::shared_ptr<ServiceEndpoints> enrolment_;
};

}  // namespace trustcse::security
