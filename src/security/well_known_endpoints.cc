#include "security/well_known_endpoints.h"

namespace trustcse::security {

void WellKnownEndpoints::Handle(ServiceRequest req, std::function<void(ServiceResponse)> done) {
  if (req.path == "enrol" && enrolment_) return enrolment_->Handle(std::move(req), std::move(done));
  const bool pki = req.path == "ca.pem" || req.path == "crl" || req.path == "crl.pem";
  if (!pki || !ca_ || !ca_->initialized()) {
    return done(ServiceResponse::Error(Status::NotFound("no such endpoint")));
  }
  if (req.method != "GET") {
    return done(ServiceResponse::Error(Status::NotAllowed("only GET is allowed here")));
  }
  ServiceResponse r;
  if (req.path == "ca.pem") {
    r.content_type = "application/x-pem-file";
    r.body = ca_->certificate_pem();
  } else if (req.path == "crl.pem") {
    r.content_type = "application/x-pem-file";
    r.body = ca_->CrlPem();
  } else {
    r.content_type = "application/pkix-crl";
    auto der = ca_->CrlDer();
    if (der) r.body = *der;
  }
  done(std::move(r));
}

}  // namespace trustcse::security
