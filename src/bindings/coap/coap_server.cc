#include "bindings/coap/coap_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstring>

#include "bindings/coap/coap_logging.h"
#include "bindings/coap/coap_server_impl.h"
#include "bindings/coap/datagram.h"

namespace trustcse::coap {

namespace {

using detail::Call;
using detail::CoapOverride;
using detail::Completed;
using detail::Ready;

std::string Token(const coap_pdu_t* pdu) {
  coap_bin_const_t t = coap_pdu_get_token(pdu);
  return std::string(reinterpret_cast<const char*>(t.s), t.length);
}


void FreeLarge(coap_session_t*, void* data) { delete static_cast<std::string*>(data); }

// Block1's value with M=0 (RFC 7959 §2.2): the block acknowledged last, or a size hint.
std::string Block1Value(uint32_t num, unsigned szx) { return EncodeUint(uint64_t{num} << 4 | szx); }

// The request target a Block1 transfer belongs to: Uri-Path, Uri-Query and Request-Tag.
std::string TransferKey(const std::vector<CoapOption>& options) {
  std::string key;
  for (const CoapOption& o : options) {
    if (o.number == kUriPath || o.number == kUriQuery || o.number == 292 /* Request-Tag */) {
      key += std::to_string(o.number);
      key += ':';
      key += o.value;
      key += '\0';
    }
  }
  return key;
}

}  // namespace

namespace detail {

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

}  // namespace detail

using detail::PeerAddress;

void CoapServer::Impl::Respond(coap_resource_t* r, coap_session_t* s, const coap_pdu_t* req,
                               const coap_string_t* query, coap_pdu_t* pdu,
                               const ResponsePrimitive& rsp, Operation op,
                               Serialization serialization, const CoapOverride* how) {
  CoapResponseParts parts = FromPrimitive(rsp, op, serialization);
  if (how != nullptr) {
    parts.code_class = how->code_class;
    parts.code_detail = how->code_detail;
    parts.options.insert(parts.options.end(), how->options.begin(), how->options.end());
  }
  // The last block of a Block1 transfer is acknowledged with Block1 (M=0) in the answer.
  coap_block_b_t b1;
  coap_opt_iterator_t oi;
  if (coap_get_block_b(s, req, COAP_OPTION_BLOCK1, &b1) && (b1.num > 0 || b1.m) &&
      coap_check_option(pdu, COAP_OPTION_BLOCK1, &oi) == nullptr) {
    parts.options.push_back({COAP_OPTION_BLOCK1, Block1Value(b1.num, b1.szx)});
  }
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
  auto fail = [&](const Status& st, const CoapOverride* how = nullptr) {
    ResponsePrimitive rsp = ErrorResponse(RequestPrimitive{}, st);
    for (const auto& o : parts.options) {
      if (o.number == kRqi) rsp.rqi = o.value;
    }
    self->Respond(r, s, req, query, pdu, rsp, Operation::kRetrieve, serialization, how);
  };
  std::shared_ptr<const ChannelIdentity> channel;
  // DTLS: the gates decide on the channel (4107 without a credential, 4106 for a revoked or
  // unknown one), as for every binding.
  if (coap_session_get_proto(s) == COAP_PROTO_DTLS) channel = self->ChannelOf(s);
  for (const CoapOption& o : parts.options) {
    if (o.number != kOversizeMarker) continue;
    // option_filter.cc's coap_pdu_parse: the datagram exceeded what libcoap takes in one PDU.
    const CoapOverride too_large{4, 13, {{COAP_OPTION_BLOCK1, Block1Value(0, 6)},
                                         {COAP_OPTION_SIZE1, EncodeUint(self->opt.body_limit)}}};
    return fail(Status::BadRequest("request too large for one datagram: send it block-wise "
                                   "(Block1)"),
                &too_large);
  }
  // RFC 7252 §5.4.5: a repeated critical option is an unrecognized one: 4.02 Bad Option —
  // before any block is kept, so that no transfer starts on such a request.
  const CoapOverride bad_option{4, 2, {}};
  if (auto n = RepeatedCriticalOption(parts.options)) {
    return fail(Status::BadRequest("option " + std::to_string(*n) + " is not repeatable"),
                &bad_option);
  }
  std::string body;
  std::optional<std::pair<Status, CoapOverride>> refusal;
  if (self->TakeBlock(s, req, parts, body, refusal, pdu)) {
    if (refusal) return fail(refusal->first, &refusal->second);
    return;  // 2.31 Continue
  }
  if (!body.empty()) parts.payload = body;
  auto prim = ToPrimitive(parts, &serialization);
  if (!prim) return fail(prim.error());
  prim->binding = channel ? "coaps" : "coap";
  prim->content_size = parts.payload.size();
  prim->channel = std::move(channel);
  self->Dispatch(r, s, req, query, pdu, std::move(*prim), std::move(token), serialization);
}

void CoapServer::Impl::Dispatch(coap_resource_t* r, coap_session_t* s, const coap_pdu_t* req,
                                const coap_string_t* query, coap_pdu_t* pdu, RequestPrimitive prim,
                                std::string token, Serialization serialization) {
  Impl* self = this;
  const Operation op = prim.op;
  auto call = std::make_shared<Call>();
  coap_session_reference(s);  // held until the response is sent or dropped
  dispatcher->Handle(std::move(prim), [self, call, s, token, op,
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
    return Respond(r, s, req, query, pdu, call->rsp, op, serialization);
  }
  // A separate response: libcoap acknowledges now and calls this handler again when triggered.
  coap_register_async(s, req, 0);
}

bool CoapServer::Impl::TakeBlock(coap_session_t* s, const coap_pdu_t* req,
                                 const CoapRequestParts& parts, std::string& body,
                                 std::optional<std::pair<Status, CoapOverride>>& refusal,
                                 coap_pdu_t* pdu) {
  std::optional<uint64_t> size1;
  bool has_block1 = false;
  for (const CoapOption& o : parts.options) {
    if (o.number == COAP_OPTION_BLOCK1) has_block1 = true;
    if (o.number == COAP_OPTION_SIZE1 && !size1) size1 = DecodeUint(o.value);
  }
  if (!has_block1) return false;
  coap_block_b_t b;
  if (!coap_get_block_b(s, req, COAP_OPTION_BLOCK1, &b)) {
    refusal.emplace(Status::BadRequest("invalid Block1 option"), CoapOverride{4, 0, {}});
    return true;
  }
  if (b.num == 0 && !b.m) return false;  // the whole body in one block
  const Block1Piece piece{b.num, b.m != 0, b.szx, parts.payload, size1};
  auto result = block1.Add(s, parts.peer_address, TransferKey(parts.options), piece,
                           std::chrono::steady_clock::now());
  const std::string limit = std::to_string(opt.body_limit);
  switch (result.outcome) {
    case Block1Reassembly::Outcome::kContinue: {
      coap_pdu_set_code(pdu, static_cast<coap_pdu_code_t>(COAP_RESPONSE_CODE(231)));
      coap_opt_iterator_t oi;
      if (coap_check_option(pdu, COAP_OPTION_BLOCK1, &oi) == nullptr) {
        const std::string v = EncodeUint(uint64_t{b.num} << 4 | 1 << 3 | b.szx);
        coap_add_option(pdu, COAP_OPTION_BLOCK1, v.size(),
                        reinterpret_cast<const uint8_t*>(v.data()));
      }
      return true;
    }
    case Block1Reassembly::Outcome::kComplete:
      body = std::move(result.body);
      return false;
    case Block1Reassembly::Outcome::kTooLarge:
      refusal.emplace(Status::BadRequest("request body larger than " + limit + " bytes"),
                      CoapOverride{4, 13, {{COAP_OPTION_SIZE1, EncodeUint(opt.body_limit)}}});
      return true;
    case Block1Reassembly::Outcome::kOverBudget:
      spdlog::debug("coap: Block1 budget full ({} bytes in {} transfers): refused a block from {}",
                    block1.bytes(), block1.transfers(), parts.peer_address);
      refusal.emplace(
          Status(Rsc::kInternalServerError,
                 "too many incomplete block-wise transfers: retry later"),
          CoapOverride{5, 3, {{COAP_OPTION_MAXAGE, EncodeUint(opt.block1_expiry_ms / 1000 + 1)}}});
      return true;
    case Block1Reassembly::Outcome::kIncomplete:
      refusal.emplace(Status::BadRequest("block-wise transfer incomplete: a block is missing, out "
                                         "of order or expired"),
                      CoapOverride{4, 8, {}});
      return true;
  }
  return true;
}

void CoapServer::Impl::Drain() {
  uint64_t n;
  [[maybe_unused]] auto r = ::read(event_fd, &n, sizeof n);
  std::vector<Completed> batch;
  {
    std::lock_guard lock(mu);
    batch.swap(completed);
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
    const auto t = std::chrono::steady_clock::now();
    if (t - last_expiry >= std::chrono::seconds(1)) {
      last_expiry = t;
      FlushLibcoapLog();
      if (size_t n = block1.Expire(t)) {
        spdlog::debug("coap: {} incomplete Block1 transfers expired", n);
      }
    }
  }
}

CoapServer::CoapServer(CoapServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

CoapServer::~CoapServer() { Stop(); }

Status CoapServer::Listen() {
  Impl& m = *impl_;
  static std::once_flag startup;
  std::call_once(startup, [&m] {
    coap_startup();
    RouteLibcoapLogging(m.opt.log_lines_per_second);
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
