// The libcoap side of CoapServer: one context per endpoint (plain, DTLS-PSK, DTLS-certificate),
// the DTLS credential callbacks that turn a handshake into a ChannelIdentity, session events.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bindings/coap/coap_server_impl.h"
#include "common/printable.h"

namespace trustcse::coap {

std::mutex g_servers_mu;
std::unordered_map<coap_context_t*, CoapServer::Impl*> g_servers;

namespace {

// A free UDP port on `address` (for port 0; libcoap does not tell which port it bound).
uint16_t FreeUdpPort(const std::string& address) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, address.c_str(), &a.sin_addr);
  socklen_t len = sizeof a;
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace

std::shared_ptr<const ChannelIdentity> CoapServer::Impl::ChannelOf(coap_session_t* s) {
  if (coap_session_get_proto(s) != COAP_PROTO_DTLS) return nullptr;  // plain CoAP
  SessionState& st = sessions[s];
  if (st.channel) return st.channel;
  auto id = std::make_shared<ChannelIdentity>();
  id->secure = true;
  const coap_bin_const_t* psk = coap_session_get_psk_identity(s);
  if (psk != nullptr && psk->length > 0) {
    id->method = ChannelIdentity::Method::kPsk;
    id->credential_id.assign(reinterpret_cast<const char*>(psk->s), psk->length);
  } else if (st.certificate_ok) {
    id->method = st.certificate.self_signed ? ChannelIdentity::Method::kPinnedKey
                                            : ChannelIdentity::Method::kCertificate;
    id->credential_id = st.certificate.credential_id;
    id->certified_ids = st.certificate.certified_ids;
  }
  st.channel = id;
  return st.channel;
}

const coap_bin_const_t* CoapServer::Impl::OnPsk(coap_bin_const_t* identity, coap_session_t* s,
                                                void* arg) {
  Impl* self = static_cast<Endpoint*>(arg)->server;
  if (identity == nullptr || identity->length == 0) return nullptr;
  std::string id(reinterpret_cast<const char*>(identity->s), identity->length);
  auto key = self->opt.registry->Psk(id, Now());
  if (!key) {
    self->sessions[s].failure =
        "unknown PSK identity \"" + Printable(id, 64) + "\" (or inactive)";
    return nullptr;
  }
  SessionState& st = self->sessions[s];
  st.psk = std::move(*key);
  st.psk_view.s = reinterpret_cast<const uint8_t*>(st.psk.view().data());
  st.psk_view.length = st.psk.size();
  return &st.psk_view;
}

int CoapServer::Impl::OnCertificate(const char*, const uint8_t* der, size_t len, coap_session_t* s,
                                    unsigned int depth, int validated, void* arg) {
  const Endpoint& ep = *static_cast<Endpoint*>(arg);
  Impl* self = ep.server;
  if (depth > 0) return validated;  // the CA above a device certificate
  tls::CertificateFacts facts = tls::InspectCertificate(
      std::string_view(reinterpret_cast<const char*>(der), len), self->opt.ca.get());
  if (!facts.parsed) return 0;
  auto cred = self->opt.registry->Find(facts.credential_id);
  bool ok;
  if (facts.self_signed) {
    ok = (ep.client_auth & tls::kAuthPinnedKey) && cred &&
         cred->kind == security::CredentialKind::kPinnedKey && cred->Active(Now());
  } else {
    ok = (ep.client_auth & tls::kAuthCertificate) && validated && cred &&
         cred->kind == security::CredentialKind::kCertificate && cred->Active(Now());
  }
  if (!ok) {
    self->sessions[s].failure =
        facts.self_signed ? "key not pinned (a self-signed client certificate)"
        : !validated      ? "foreign certificate (not issued by this CSE's CA)"
                          : "revoked or inactive certificate " + facts.credential_id;
    return 0;
  }
  SessionState& st = self->sessions[s];
  st.certificate = std::move(facts);
  st.certificate_ok = true;
  return 1;
}

int CoapServer::Impl::OnEvent(coap_session_t* s, coap_event_t event) {
  if (event != COAP_EVENT_SERVER_SESSION_DEL && event != COAP_EVENT_DTLS_CLOSED &&
      event != COAP_EVENT_DTLS_ERROR && event != COAP_EVENT_DTLS_CONNECTED) {
    return 0;
  }
  Impl* self = nullptr;
  {
    std::lock_guard lock(g_servers_mu);
    auto it = g_servers.find(coap_session_get_context(s));
    if (it != g_servers.end()) self = it->second;
  }
  if (self && event == COAP_EVENT_DTLS_ERROR) {
    // Logged (at warn, with the peer, rate-limited) and counted by the event stream's sinks.
    std::string reason = "protocol error: DTLS handshake failed";
    if (auto it = self->sessions.find(s); it != self->sessions.end() && !it->second.failure.empty()) {
      reason = it->second.failure;
    } else if (it != self->sessions.end() && !it->second.psk.empty()) {
      reason = "bad key for PSK identity (the DTLS handshake failed after it)";
    }
    events::Emit(self->opt.events.get(), events::Kind::kHandshakeFailure, "dtls", "", "",
                 "handshake", reason, 0, detail::PeerAddress(s));
  }
  if (self && event == COAP_EVENT_DTLS_CONNECTED) {
    if (auto ch = self->ChannelOf(s); ch && ch->authenticated()) {
      events::Emit(self->opt.events.get(), events::Kind::kCredentialUsed, "dtls",
                   ch->credential_id, "", "handshake", ChannelMethodName(ch->method), 0,
                   detail::PeerAddress(s));
    }
    return 0;
  }
  if (self && event != COAP_EVENT_DTLS_ERROR) {
    self->sessions.erase(s);
    if (event == COAP_EVENT_SERVER_SESSION_DEL) self->block1.DropSession(s);
  }
  return 0;
}

Status CoapServer::Impl::Open(Endpoint& e) {
  e.ctx = coap_new_context(nullptr);
  if (e.ctx == nullptr) return Status::Internal("coap: cannot create a context");
  if (coap_context_get_coap_fd(e.ctx) < 0) return Status::Internal("coap: libcoap without epoll");
  {
    std::lock_guard lock(g_servers_mu);
    g_servers[e.ctx] = this;
  }
  // The oneM2M options are critical; libcoap learns them through the marker (option_filter.cc).
  coap_register_option(e.ctx, kKnownOptionsMarker);
  // Block2 by libcoap; Block1 bodies are reassembled (and bounded) by TakeBlock: without
  // COAP_BLOCK_SINGLE_BODY libcoap hands every block to the handler and keeps no body itself.
  coap_context_set_block_mode(e.ctx, COAP_BLOCK_USE_LIBCOAP);
  coap_context_set_max_idle_sessions(e.ctx, 10000);
  coap_register_event_handler(e.ctx, &Impl::OnEvent);
  const bool dtls = e.client_auth != 0;
  if (e.client_auth & tls::kAuthPsk) {
    coap_dtls_spsk_t psk{};
    psk.version = COAP_DTLS_SPSK_SETUP_VERSION;
    psk.validate_id_call_back = &Impl::OnPsk;
    psk.id_call_back_arg = &e;
    if (!coap_context_set_psk2(e.ctx, &psk)) return Status::Internal("coap: PSK set-up failed");
  } else if (dtls) {
    if (opt.cert_chain_pem.empty()) return Status::Internal("coap: no DTLS server certificate");
    coap_dtls_pki_t pki{};
    pki.version = COAP_DTLS_PKI_SETUP_VERSION;
    pki.verify_peer_cert = 1;
    // Pinned keys are self-signed: the common-CA requirement would refuse them before the
    // callback decides; the callback requires a verified chain for everything else.
    pki.check_common_ca = (e.client_auth & tls::kAuthPinnedKey) == 0;
    pki.allow_self_signed = (e.client_auth & tls::kAuthPinnedKey) != 0;
    pki.cert_chain_validation = 1;
    pki.cert_chain_verify_depth = 3;
    pki.validate_cn_call_back = &Impl::OnCertificate;
    pki.cn_call_back_arg = &e;
    pki.pki_key.key_type = COAP_PKI_KEY_PEM_BUF;
    auto& pem = pki.pki_key.key.pem_buf;
    pem.public_cert = reinterpret_cast<const uint8_t*>(opt.cert_chain_pem.data());
    pem.public_cert_len = opt.cert_chain_pem.size() + 1;  // libcoap counts the NUL
    pem.private_key = reinterpret_cast<const uint8_t*>(opt.key_pem.view().data());
    pem.private_key_len = opt.key_pem.size() + 1;
    if (!ca_pem.empty()) {
      pem.ca_cert = reinterpret_cast<const uint8_t*>(ca_pem.data());
      pem.ca_cert_len = ca_pem.size() + 1;
    }
    if (!coap_context_set_pki(e.ctx, &pki)) return Status::Internal("coap: PKI set-up failed");
  }
  if (e.port == 0) e.port = FreeUdpPort(opt.address);
  coap_address_t addr;
  coap_address_init(&addr);
  addr.addr.sin.sin_family = AF_INET;
  addr.addr.sin.sin_port = htons(e.port);
  if (::inet_pton(AF_INET, opt.address.c_str(), &addr.addr.sin.sin_addr) != 1) {
    return Status::Internal("coap: invalid listen address " + opt.address);
  }
  addr.size = sizeof(struct sockaddr_in);
  if (coap_new_endpoint(e.ctx, &addr, dtls ? COAP_PROTO_DTLS : COAP_PROTO_UDP) == nullptr) {
    return Status::Internal("coap: cannot listen on " + opt.address + ":" + std::to_string(e.port));
  }
  coap_resource_t* any = coap_resource_unknown_init2(&Impl::OnRequest, 0);
  for (coap_request_t method : {COAP_REQUEST_GET, COAP_REQUEST_POST, COAP_REQUEST_DELETE}) {
    coap_register_request_handler(any, method, &Impl::OnRequest);
  }
  coap_resource_set_userdata(any, this);
  coap_add_resource(e.ctx, any);
  return Status::Ok();
}

}  // namespace trustcse::coap
