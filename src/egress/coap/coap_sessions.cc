// The CoAP client's sessions: one per scheme://host:port, opened on first use (name resolution,
// the destination policy on every address, plain UDP or DTLS with a PSK or certificates),
// reused while they live, released when idle or failed; the DTLS set-up shared by all of them
// (trust anchors, client certificate) and the server certificate's host check.
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "egress/coap/coap_client_impl.h"

namespace trustcse::egress::coap {
namespace {

std::optional<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// How many certificates the PEM text holds.
int CountCertificates(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return 0;
  int n = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_free(cert);
    ++n;
  }
  BIO_free(bio);
  ERR_clear_error();
  return n;
}

Status CheckClientCertificate(const std::string& cert_file, const std::string& key_file) {
  SSL_CTX* ctx = SSL_CTX_new(DTLS_client_method());
  if (ctx == nullptr) return Status::Internal("coap client: OpenSSL");
  Status s = Status::Ok();
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    s = Status::BadRequest("cannot load the client certificate " + cert_file);
  } else if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    s = Status::BadRequest("cannot load the client key " + key_file);
  } else if (SSL_CTX_check_private_key(ctx) != 1) {
    s = Status::BadRequest("the client key " + key_file + " does not match " + cert_file);
  }
  SSL_CTX_free(ctx);
  ERR_clear_error();
  return s;
}

}  // namespace

Status CoapClient::PrepareDtls() {
  const TlsClientOptions& tls = options_.tls;
  if (options_.psk_identity.empty() != options_.psk_key.empty()) {
    return Status::BadRequest("a CoAP PSK identity and its key go together");
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return Status::BadRequest("a client certificate and its key go together");
  }
  if (!tls.cert_file.empty()) {
    if (auto s = CheckClientCertificate(tls.cert_file, tls.key_file); !s.ok()) return s;
  }
  // libcoap (OpenSSL) reads trust anchors from one PEM file: every configured one goes into an
  // anonymous memory file that lives as long as the client.
  std::string anchors;
  for (const std::string& file : tls.ca_files) {
    auto pem = ReadAll(file);
    if (!pem || CountCertificates(*pem) == 0) {
      return Status::BadRequest("cannot load trust anchors from " + file);
    }
    anchors += *pem + "\n";
  }
  for (const std::string& pem : tls.ca_pems) {
    if (CountCertificates(pem) == 0) {
      return Status::BadRequest("a configured trust anchor holds no certificate");
    }
    anchors += pem + "\n";
  }
  if (anchors.empty()) return Status::Ok();
  anchors_fd_ = ::memfd_create("trustcse-coap-anchors", MFD_CLOEXEC);
  if (anchors_fd_ < 0) return Status::Internal("coap client: memfd_create failed");
  if (::write(anchors_fd_, anchors.data(), anchors.size()) !=
      static_cast<ssize_t>(anchors.size())) {
    return Status::Internal("coap client: cannot hold the trust anchors");
  }
  anchors_path_ = "/proc/self/fd/" + std::to_string(anchors_fd_);
  return Status::Ok();
}

SessionEntry* CoapClient::SessionFor(const CoapTarget& target, std::string* why) {
  const auto now = SteadyClock::now();
  if (auto it = sessions_.find(target.key); it != sessions_.end()) {
    it->second->last_used = now;
    return it->second.get();
  }
  if (sessions_.size() >= options_.max_sessions) {
    SessionEntry* lru = nullptr;
    for (auto& [key, e] : sessions_) {
      if (e->in_flight == 0 && (lru == nullptr || e->last_used < lru->last_used)) lru = e.get();
    }
    if (lru == nullptr) {
      *why = "too many CoAP sessions";
      return nullptr;
    }
    DropSession(lru, "");
  }
  // Resolution on this thread: a CoAP target is normally an address, and a session is opened
  // once and then reused.
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (::getaddrinfo(target.host.c_str(), target.port.c_str(), &hints, &found) != 0 ||
      found == nullptr) {
    *why = "the target's name does not resolve";
    return nullptr;
  }
  std::optional<coap_address_t> chosen;
  for (addrinfo* a = found; a != nullptr && !chosen; a = a->ai_next) {
    bool permitted = false;
    if (a->ai_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(a->ai_addr);
      permitted = options_.destinations.Permits(
          reinterpret_cast<const uint8_t*>(&sin->sin_addr), 4);
    } else if (a->ai_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(a->ai_addr);
      permitted = options_.destinations.Permits(
          reinterpret_cast<const uint8_t*>(&sin6->sin6_addr), 16);
    }
    if (!permitted || a->ai_addrlen > sizeof(coap_address_t::addr)) continue;
    coap_address_t addr;
    coap_address_init(&addr);
    std::memcpy(&addr.addr, a->ai_addr, a->ai_addrlen);
    addr.size = a->ai_addrlen;
    chosen = addr;
  }
  ::freeaddrinfo(found);
  if (!chosen) {
    *why = "the target's network is not permitted";
    return nullptr;
  }
  pending_host_ = target.host;
  coap_session_t* s = OpenSession(target, *chosen);
  pending_host_.clear();
  if (s == nullptr) {
    *why = "cannot open a CoAP session to the target";
    return nullptr;
  }
  auto entry = std::make_unique<SessionEntry>();
  entry->key = target.key;
  entry->host = target.host;
  entry->session = s;
  entry->last_used = now;
  coap_session_set_app_data(s, entry.get());
  SessionEntry* out = entry.get();
  sessions_[target.key] = std::move(entry);
  return out;
}

coap_session_t* CoapClient::OpenSession(const CoapTarget& target, const coap_address_t& address) {
  if (!target.dtls) return coap_new_client_session(ctx_, nullptr, &address, COAP_PROTO_UDP);
  // SNI for names only (RFC 6066); libcoap copies it during the call.
  std::string sni;
  in6_addr ignored;
  if (::inet_pton(AF_INET, target.host.c_str(), &ignored) != 1 &&
      ::inet_pton(AF_INET6, target.host.c_str(), &ignored) != 1) {
    sni = target.host;
  }
  if (!options_.psk_identity.empty()) {
    coap_dtls_cpsk_t psk{};
    psk.version = COAP_DTLS_CPSK_SETUP_VERSION;
    psk.client_sni = sni.empty() ? nullptr : sni.data();
    psk.psk_info.identity = {options_.psk_identity.size(),
                             reinterpret_cast<const uint8_t*>(options_.psk_identity.data())};
    psk.psk_info.key = {options_.psk_key.size(),
                        reinterpret_cast<const uint8_t*>(options_.psk_key.data())};
    return coap_new_client_session_psk2(ctx_, nullptr, &address, COAP_PROTO_DTLS, &psk);
  }
  if (anchors_path_.empty()) {
    spdlog::warn("egress: coaps:// target {} without a PSK or trust anchors ([egress] ca_files)",
                 target.safe);
    return nullptr;
  }
  coap_dtls_pki_t pki{};
  pki.version = COAP_DTLS_PKI_SETUP_VERSION;
  pki.verify_peer_cert = 1;
  pki.check_common_ca = 1;
  pki.allow_self_signed = 0;
  pki.cert_chain_validation = 1;
  pki.cert_chain_verify_depth = 4;
  pki.validate_cn_call_back = &CoapClient::OnCertificate;
  pki.cn_call_back_arg = this;
  pki.client_sni = sni.empty() ? nullptr : sni.data();
  pki.pki_key.key_type = COAP_PKI_KEY_PEM;
  const TlsClientOptions& tls = options_.tls;
  pki.pki_key.key.pem.ca_file = anchors_path_.c_str();
  pki.pki_key.key.pem.public_cert = tls.cert_file.empty() ? nullptr : tls.cert_file.c_str();
  pki.pki_key.key.pem.private_key = tls.key_file.empty() ? nullptr : tls.key_file.c_str();
  return coap_new_client_session_pki(ctx_, nullptr, &address, COAP_PROTO_DTLS, &pki);
}

int CoapClient::OnCertificate(const char*, const uint8_t* der, size_t len, coap_session_t* s,
                              unsigned int depth, int validated, void* arg) {
  auto* self = static_cast<CoapClient*>(arg);
  if (!validated) return 0;     // libcoap's chain check against the anchors failed
  if (depth > 0) return 1;      // a CA above the server's certificate
  auto* entry = static_cast<SessionEntry*>(coap_session_get_app_data(s));
  const std::string& host = entry != nullptr ? entry->host : self->pending_host_;
  const unsigned char* p = der;
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(len));
  if (cert == nullptr) return 0;
  in6_addr ignored;
  const bool ip = ::inet_pton(AF_INET, host.c_str(), &ignored) == 1 ||
                  ::inet_pton(AF_INET6, host.c_str(), &ignored) == 1;
  const int ok = ip ? X509_check_ip_asc(cert, host.c_str(), 0)
                    : X509_check_host(cert, host.data(), host.size(),
                                      X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr);
  X509_free(cert);
  if (ok != 1) {
    spdlog::warn("egress: the CoAP target's certificate does not name {}", host);
    return 0;
  }
  return 1;
}

void CoapClient::DropSession(SessionEntry* entry, const std::string& why) {
  auto it = sessions_.find(entry->key);
  if (it == sessions_.end() || it->second.get() != entry) return;
  std::vector<uint64_t> bound;
  for (const auto& [token, ex] : exchanges_) {
    if (ex.session == entry) bound.push_back(token);
  }
  const std::string reason = why.empty() ? "the CoAP session was closed" : why;
  for (uint64_t t : bound) Finish(t, Status(Rsc::kTargetNotReachable, reason));
  coap_session_set_app_data(entry->session, nullptr);
  dropped_.push_back(entry->session);
  sessions_.erase(it);
}

void CoapClient::ReleaseIdle(SteadyClock::time_point now) {
  std::vector<SessionEntry*> idle;
  for (auto& [key, e] : sessions_) {
    if (e->in_flight == 0 && now - e->last_used >= options_.idle_timeout) idle.push_back(e.get());
  }
  for (SessionEntry* e : idle) DropSession(e, "");
}

void CoapClient::ReleaseDropped() {
  std::vector<coap_session_t*> dropped;
  dropped.swap(dropped_);
  for (coap_session_t* s : dropped) coap_session_release(s);
}

}  // namespace trustcse::egress::coap
