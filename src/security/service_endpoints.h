// ServiceEndpoints: the CSE's own HTTP endpoints outside the oneM2M resource tree, under
// /.well-known/trustcse/ — the CA certificate and CRL (OP-7) and device enrolment (SEC-3).
// Bindings hand such requests here instead of to the dispatcher; answers carry a oneM2M
// response status code (mapped to HTTP by the binding) and, for errors, {"m2m:dbg": …}.
//
// Paths (relative to the prefix):
//   GET  ca.pem     the CA certificate (PEM), the trust anchor for the CSE's server certificate
//   GET  crl        the current CRL (DER, application/pkix-crl); GET crl.pem the same in PEM
//   POST enrol      enrolment (security/enrolment/enrolment_service.h)
// Thread-safety: Handle may be called concurrently; `done` is called exactly once, possibly on
// another thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "primitive/request.h"

namespace trustcse::security {

inline constexpr std::string_view kServicePrefix = "/.well-known/trustcse/";

struct ServiceRequest {
  std::string method;
  std::string path;  // after kServicePrefix, without the query
  std::string content_type;
  std::string body;
  std::shared_ptr<const ChannelIdentity> channel;  // null: not a TLS channel
  // TLS keying material exported for this session with label "EXPORTER-oneM2M-Bootstrap"
  // (48 bytes, TS-0003 §10.3.1); empty when the request did not come over TLS.
  std::string channel_binding;
  std::string peer_address;
  // The request's X-M2M-* header fields (names as sent), for endpoints that take parameters in
  // headers (the upper tester's X-M2M-UTCMD).
  std::vector<std::pair<std::string, std::string>> headers;
};

struct ServiceResponse {
  Rsc rsc = Rsc::kOk;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra response header fields
  static ServiceResponse Error(const Status& s);
};

class ServiceEndpoints {
 public:
  virtual ~ServiceEndpoints() = default;
  virtual void Handle(ServiceRequest request, std::function<void(ServiceResponse)> done) = 0;
};

}  // namespace trustcse::security
