#include "bindings/coap/coap_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <coap3/coap.h>

#include "bindings/coap/coap_mapping.h"

namespace trustcse::coap {

namespace {

// What the loop thread knows of one DTLS session.
struct SessionState {
  std::shared_ptr<const ChannelIdentity> channel;  // set when the handshake is understood
  tls::CertificateFacts certificate;               // from the certificate callback
  bool certificate_ok = false;
  security::crypto::Secret psk;                    // the key handed to libcoap, kept alive
  coap_bin_const_t psk_view{0, nullptr};
  bool revoked = false;                            // CloseSessionsOf: refuse from now on
};

// A response that completed on another thread, waiting to be sent by the loop.
struct Completed {
  coap_session_t* session;  // referenced until sent
  std::string token;
  ResponsePrimitive rsp;
  Operation op;
  Serialization serialization;
};

struct Ready {
  ResponsePrimitive rsp;
  Operation op;
  Serialization serialization;
};

// One request's meeting point between the handler and the dispatcher's completion.
struct Call {
  std::mutex mu;
  bool in_handler = true;
  bool done = false;
  ResponsePrimitive rsp;
};

std::string Token(const coap_pdu_t* pdu) {
  coap_bin_const_t t = coap_pdu_get_token(pdu);
  return std::string(reinterpret_cast<const char*>(t.s), t.length);
}

std::string PeerAddress(coap_session_t* s) {
  const coap_address_t* a = coap_session_get_addr_remote(s);
  char buf[INET6_ADDRSTRLEN] = {0};
  if (a->addr.sa.sa_family == AF_INET) {
    inet_ntop(AF_INET, &a->addr.sin.sin_addr, buf, sizeof buf);
  } else if (a->addr.sa.sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &a->addr.sin6.sin6_addr, buf, sizeof buf);
  }
  return buf;
}

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

void FreeLarge(coap_session_t*, void* data) { delete static_cast<std::string*>(data); }

}  // namespace

struct CoapServer::Impl {
  explicit Impl(CoapServerOptions o) : opt(std::move(o)) {}

  // Loop thread only.
  void Loop();
  void Drain();
  static void OnRequest(coap_resource_t* r, coap_session_t* s, const coap_pdu_t* req,
                        const coap_string_t* query, coap_pdu_t* rsp);
  void Respond(coap_resource_t* r, coap_session_t* s, const coap_pdu_t* req,
               const coap_string_t* query, coap_pdu_t* pdu, const ResponsePrimitive& rsp,
               Operation op, Serialization serialization);
  std::shared_ptr<const ChannelIdentity> ChannelOf(coap_session_t* s);
  static const coap_bin_const_t* OnPsk(coap_bin_const_t* identity, coap_session_t* s, void* arg);
  static int OnCertificate(const char* cn, const uint8_t* der, size_t len, coap_session_t* s,
                           unsigned int depth, int validated, void* arg);
  static int OnEvent(coap_session_t* s, coap_event_t event);
  void Wake() {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(event_fd, &one, sizeof one);
  }

  // One libcoap context per endpoint: each has its own DTLS set-up.
  struct Endpoint {
    Impl* server;
    coap_context_t* ctx = nullptr;
    unsigned client_auth = 0;  // 0: plain CoAP
    uint16_t port = 0;
  };
  Status Open(Endpoint& e);

  CoapServerOptions opt;
  dispatcher::Dispatcher* dispatcher = nullptr;
  std::vector<std::unique_ptr<Endpoint>> endpoints;
  int event_fd = -1;
  std::thread thread;
  std::atomic<bool> stop{false};
  std::string ca_pem;  // buffers libcoap reads during handshakes
  std::unordered_map<coap_session_t*, SessionState> sessions;  // loop thread
  std::map<std::pair<coap_session_t*, std::string>, Ready> ready;  // loop thread
  std::mutex mu;
  std::vector<Completed> completed;  // guarded by mu
  std::vector<std::string> revoked;  // guarded by mu: credentials whose sessions to refuse
};

namespace {
// libcoap's event handler takes no argument: contexts map to their servers.
std::mutex g_servers_mu;
std::unordered_map<coap_context_t*, CoapServer::Impl*> g_servers;
}  // namespace

std::shared_ptr<const ChannelIdentity> CoapServer::Impl::ChannelOf(coap_session_t* s) {
  if (coap_session_get_proto(s) != COAP_PROTO_DTLS) return nullptr;  // plain CoAP
  SessionState& st = sessions[s];
  if (st.channel) return st.channel;
  auto id = std::make_shared<ChannelIdentity>();
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
    spdlog::warn("coap: DTLS handshake with unknown or inactive PSK identity");
    return nullptr;
  }
  SessionState& st = self->sessions[s];
  st.psk = std::move(*key);
  st.psk_view.s = reinterpret_cast<const uint8_t*>(st.psk.view().data());
  st.psk_view.length = st.psk.size();
  return &st.psk_view;
}

int CoapServer::Impl::OnCertificate(const char*, const uint8_t* der, size_t len,
                                    coap_session_t* s, unsigned int depth, int validated,
                                    void* arg) {
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
    spdlog::warn("coap: refused a DTLS client certificate ({})",
                 facts.self_signed ? "self-signed key not pinned" : "not an active CA credential");
    return 0;
  }
  SessionState& st = self->sessions[s];
  st.certificate = std::move(facts);
  st.certificate_ok = true;
  return 1;
}

int CoapServer::Impl::OnEvent(coap_session_t* s, coap_event_t event) {
  if (event != COAP_EVENT_SERVER_SESSION_DEL && event != COAP_EVENT_DTLS_CLOSED) return 0;
  Impl* self = nullptr;
  {
    std::lock_guard lock(g_servers_mu);
    auto it = g_servers.find(coap_session_get_context(s));
    if (it != g_servers.end()) self = it->second;
  }
  if (self) self->sessions.erase(s);
  return 0;
}

void CoapServer::Impl::Respond(coap_resource_t* r, coap_session_t* s, const coap_pdu_t* req,
                               const coap_string_t* query, coap_pdu_t* pdu,
                               const ResponsePrimitive& rsp, Operation op,
                               Serialization serialization) {
  CoapResponseParts parts = FromPrimitive(rsp, op, serialization);
  coap_pdu_set_code(pdu, static_cast<coap_pdu_code_t>(parts.code_class << 5 | parts.code_detail));
  for (const CoapOption& o : parts.options) {
    coap_add_option(pdu, o.number, o.value.size(),
                    reinterpret_cast<const uint8_t*>(o.value.data()));
  }
  if (!parts.payload.empty()) {
    auto* body = new std::string(std::move(parts.payload));
    coap_add_data_large_response(r, s, req, pdu, query, parts.content_format.value_or(kFormatJson),
                                 -1, 0, body->size(),
                                 reinterpret_cast<const uint8_t*>(body->data()), FreeLarge, body);
  }
}

void CoapServer::Impl::OnRequest(coap_resource_t* r, coap_session_t* s, const coap_pdu_t* req,
                                 const coap_string_t* query, coap_pdu_t* pdu) {
  auto* self = static_cast<Impl*>(coap_resource_get_userdata(r));
  std::string token = Token(req);
  // The second call, after a completion triggered the separate response.
  if (auto it = self->ready.find({s, token}); it != self->ready.end()) {
    Ready done = std::move(it->second);
    self->ready.erase(it);
    return self->Respond(r, s, req, query, pdu, done.rsp, done.op, done.serialization);
  }

  CoapRequestParts parts;
  parts.method = static_cast<uint8_t>(coap_pdu_get_code(req) & 0x1f);
  coap_opt_iterator_t it;
  coap_option_iterator_init(req, &it, COAP_OPT_ALL);
  while (coap_opt_t* o = coap_option_next(&it)) {
    parts.options.push_back(
        {it.number, std::string(reinterpret_cast<const char*>(coap_opt_value(o)), coap_opt_length(o))});
  }
  size_t len = 0, offset = 0, total = 0;
  const uint8_t* data = nullptr;
  if (coap_get_data_large(req, &len, &data, &offset, &total) && data != nullptr) {
    parts.payload = std::string_view(reinterpret_cast<const char*>(data), len);
  }
  std::string peer = PeerAddress(s);
  parts.peer_address = peer;
  Serialization serialization = Serialization::kJson;
  auto fail = [&](const Status& st, Operation op) {
    ResponsePrimitive rsp = ErrorResponse(RequestPrimitive{}, st);
    for (const auto& o : parts.options) {
      if (o.number == kRqi) rsp.rqi = o.value;
    }
    self->Respond(r, s, req, query, pdu, rsp, op, serialization);
  };
  if (total > self->opt.body_limit) {
    return fail(Status::BadRequest("request body too large"), Operation::kCreate);
  }
  auto prim = ToPrimitive(parts, &serialization);
  if (!prim) return fail(prim.error(), Operation::kRetrieve);
  const Operation op = prim->op;
  if (coap_session_get_proto(s) == COAP_PROTO_DTLS) {
    SessionState& st = self->sessions[s];
    auto channel = self->ChannelOf(s);
    if (st.revoked) return fail(Status(Rsc::kOriginatorNotAuthenticated, "credential is not valid"), op);
    if (!channel->authenticated()) {
      return fail(Status(Rsc::kSecurityAssociationRequired,
                         "a security association is required: authenticate with a credential"),
                  op);
    }
    prim->channel = std::move(channel);
  }

  auto call = std::make_shared<Call>();
  coap_session_reference(s);  // held until the response is sent or dropped
  self->dispatcher->Handle(std::move(*prim), [self, call, s, token, op,
                                              serialization](ResponsePrimitive rsp) {
    std::lock_guard lock(call->mu);
    if (call->in_handler) {
      call->rsp = std::move(rsp);
      call->done = true;
      return;
    }
    {
      std::lock_guard q(self->mu);
      self->completed.push_back({s, token, std::move(rsp), op, serialization});
    }
    self->Wake();
  });
  bool done;
  {
    std::lock_guard lock(call->mu);
    call->in_handler = false;
    done = call->done;
  }
  if (done) {
    coap_session_release(s);
    return self->Respond(r, s, req, query, pdu, call->rsp, op, serialization);
  }
  // A separate response: libcoap acknowledges now and calls this handler again when triggered.
  coap_register_async(s, req, 0);
}

void CoapServer::Impl::Drain() {
  uint64_t n;
  [[maybe_unused]] auto r = ::read(event_fd, &n, sizeof n);
  std::vector<Completed> batch;
  std::vector<std::string> drop;
  {
    std::lock_guard lock(mu);
    batch.swap(completed);
    drop.swap(revoked);
  }
  for (const auto& id : drop) {
    for (auto& [s, st] : sessions) {
      if (st.channel && st.channel->credential_id == id) st.revoked = true;
      if (st.certificate_ok && st.certificate.credential_id == id) st.revoked = true;
    }
  }
  for (Completed& c : batch) {
    coap_bin_const_t tok{c.token.size(), reinterpret_cast<const uint8_t*>(c.token.data())};
    if (coap_async_t* a = coap_find_async(c.session, tok)) {
      ready[{c.session, c.token}] = Ready{std::move(c.rsp), c.op, c.serialization};
      coap_async_trigger(a);
    }
    coap_session_release(c.session);
  }
}

void CoapServer::Impl::Loop() {
  // Each context (libcoap with epoll) has a descriptor to wait on; so has the eventfd.
  std::vector<pollfd> fds;
  for (const auto& e : endpoints) fds.push_back({coap_context_get_coap_fd(e->ctx), POLLIN, 0});
  fds.push_back({event_fd, POLLIN, 0});
  while (!stop.load()) {
    coap_tick_t now;
    coap_ticks(&now);
    int timeout = 1000;
    for (const auto& e : endpoints) {
      unsigned int next = coap_io_prepare_epoll(e->ctx, now);
      if (next != 0 && static_cast<int>(next) < timeout) timeout = static_cast<int>(next);
    }
    for (auto& f : fds) f.revents = 0;
    int n = ::poll(fds.data(), fds.size(), timeout);
    for (size_t i = 0; i < endpoints.size(); ++i) {
      // Events, or a timer that is due (retransmissions, DTLS timeouts): let libcoap work.
      if (n == 0 || fds[i].revents != 0) coap_io_process(endpoints[i]->ctx, COAP_IO_NO_WAIT);
    }
    if (fds.back().revents & POLLIN) Drain();
  }
}

CoapServer::CoapServer(CoapServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

CoapServer::~CoapServer() { Stop(); }

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
  coap_context_set_block_mode(e.ctx, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
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

Status CoapServer::Listen() {
  Impl& m = *impl_;
  static std::once_flag startup;
  std::call_once(startup, [] {
    coap_startup();
    coap_set_log_level(getenv("TRUSTCSE_COAP_DEBUG") ? LOG_DEBUG : LOG_ERR);
    coap_dtls_set_log_level(getenv("TRUSTCSE_COAP_DEBUG") ? LOG_DEBUG : LOG_ERR);
  });
  if (!coap_async_is_supported()) return Status::Internal("libcoap lacks separate responses");
  if (!m.opt.dtls.empty() && !coap_dtls_is_supported()) {
    return Status::Internal("libcoap was built without DTLS");
  }
  if (m.opt.ca && m.opt.ca->initialized()) m.ca_pem = m.opt.ca->certificate_pem();
  if (m.opt.plain) {
    m.endpoints.push_back(std::make_unique<Impl::Endpoint>(Impl::Endpoint{&m, nullptr, 0, m.opt.port}));
  }
  for (const DtlsEndpoint& d : m.opt.dtls) {
    const bool psk = d.client_auth & tls::kAuthPsk;
    const bool certs = d.client_auth & (tls::kAuthCertificate | tls::kAuthPinnedKey);
    if (psk == certs) {
      return Status::BadRequest(
          "coap: a DTLS endpoint serves psk, or certificate and/or pinned-key (not both)");
    }
    m.endpoints.push_back(
        std::make_unique<Impl::Endpoint>(Impl::Endpoint{&m, nullptr, d.client_auth, d.port}));
  }
  for (auto& e : m.endpoints) {
    if (auto s = m.Open(*e); !s.ok()) return s;
  }
  m.event_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (m.event_fd < 0) return Status::Internal("coap: eventfd failed");
  return Status::Ok();
}

void CoapServer::Serve(dispatcher::Dispatcher& dispatcher) {
  Impl& m = *impl_;
  m.dispatcher = &dispatcher;
  m.thread = std::thread([&m] {
    pthread_setname_np(pthread_self(), "tc-coap");
    m.Loop();
  });
}

uint16_t CoapServer::port() const {
  for (const auto& e : impl_->endpoints) {
    if (e->client_auth == 0) return e->port;
  }
  return 0;
}

std::vector<uint16_t> CoapServer::dtls_ports() const {
  std::vector<uint16_t> out;
  for (const auto& e : impl_->endpoints) {
    if (e->client_auth != 0) out.push_back(e->port);
  }
  return out;
}

void CoapServer::CloseSessionsOf(const std::string& credential_id) {
  if (impl_->event_fd < 0) return;
  {
    std::lock_guard lock(impl_->mu);
    impl_->revoked.push_back(credential_id);
  }
  impl_->Wake();
}

void CoapServer::Stop() {
  Impl& m = *impl_;
  if (m.thread.joinable()) {
    m.stop = true;
    m.Wake();
    m.thread.join();
  }
  // Responses still owed hold session references; release them before the contexts go.
  std::vector<Completed> left;
  {
    std::lock_guard lock(m.mu);
    left.swap(m.completed);
  }
  for (Completed& c : left) coap_session_release(c.session);
  m.sessions.clear();
  m.ready.clear();
  for (auto& e : m.endpoints) {
    if (e->ctx == nullptr) continue;
    {
      std::lock_guard lock(g_servers_mu);
      g_servers.erase(e->ctx);
    }
    coap_free_context(e->ctx);
    e->ctx = nullptr;
  }
  m.endpoints.clear();
  if (m.event_fd >= 0) {
    ::close(m.event_fd);
    m.event_fd = -1;
  }
}

}  // namespace trustcse::coap
