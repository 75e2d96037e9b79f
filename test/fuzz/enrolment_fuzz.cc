// Fuzz target for the enrolment endpoint (security/enrolment/enrolment_service.h), whose body
// comes from clients that need no credential. The first input byte picks the channel (TLS or
// not; no credential, a bootstrap PSK, an operational PSK or an unknown one) and whether the CA
// exists; the rest is the request body. Each run starts from a fresh in-memory store. Nothing may
// crash or throw; the answer comes exactly once, carries one of the codes the service documents
// and a JSON object body; an enrolment that succeeds yields an active credential.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "primitive/json_util.h"
#include "security/enrolment/enrolment_service.h"

namespace {

using namespace trustcse;
using namespace trustcse::security;

std::shared_ptr<const KeyStore> Keys() {
  static std::shared_ptr<const KeyStore> keys(
      std::move(*SoftwareKeyStoreWithKey(crypto::Secret(std::string(32, 'f')))));
  return keys;
}

bool Expected(Rsc r) {
  switch (r) {
    case Rsc::kCreated:
    case Rsc::kBadRequest:
    case Rsc::kOperationNotAllowed:
    case Rsc::kNotFound:
    case Rsc::kOriginatorNotAuthenticated:
    case Rsc::kSecurityAssociationRequired:
      return true;
    default:
      return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);

  auto store = storage::OpenMemoryStore();
  auto registry = std::make_shared<CredentialRegistry>(*store, Keys());
  auto ca = std::make_shared<CertificateAuthority>(*store, registry,
                                                   CseIdentity{"/id-in", "cse-in", "//f.test"});
  if (mode & 0x10) {
    if (!ca->Init("fuzz CA", std::chrono::hours(24)).ok()) std::abort();
  }
  crypto::Secret key(std::string(32, 'k'));
  Credential boot;
  boot.id = "boot";
  boot.use = CredentialUse::kBootstrap;
  boot.ids = {"Cb"};
  Credential op;
  op.id = "op";
  op.ids = {"Co"};
  if (!registry->Add(boot, &key).ok() || !registry->Add(op, &key).ok()) std::abort();
  EnrolmentService service(*store, registry, ca, EnrolmentOptions{});
  if (mode & 0x20) {
    // A real token, reachable when the body names it ("token":"fuzz-token-…" never matches).
    if (!service.CreateToken({"Ct"}, std::chrono::hours(1), "").has_value()) std::abort();
  }

  ServiceRequest req;
  req.method = (mode & 0x40) ? "GET" : "POST";
  req.path = "enrol";
  req.body = std::move(body);
  if ((mode & 0x80) == 0) req.channel_binding = std::string(48, '\x5a');
  switch (mode & 0x3) {
    case 1:
    case 2:
    case 3: {
      auto ch = std::make_shared<ChannelIdentity>();
      ch->method = ChannelIdentity::Method::kPsk;
      ch->credential_id = (mode & 0x3) == 1 ? "boot" : (mode & 0x3) == 2 ? "op" : "unknown";
      req.channel = std::move(ch);
      break;
    }
    default:
      break;
  }
  int calls = 0;
  ServiceResponse got;
  service.Handle(std::move(req), [&](ServiceResponse r) {
    ++calls;
    got = std::move(r);
  });
  if (calls != 1 || !Expected(got.rsc)) std::abort();
  auto v = json::Parse(got.body);
  if (!v || !v->is_object()) std::abort();
  if (got.rsc == Rsc::kCreated) {
    auto id = json::GetString(v->get_object(), "credential");
    if (!id) std::abort();
    auto c = registry->Find(*id);
    if (!c || !c->Active(Now())) std::abort();
  }
  return 0;
}
