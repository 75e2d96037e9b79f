// The CoAP client's lifecycle, its loop, and one exchange: Send (refusals that need no
// session, the in-flight cap), the loop thread (libcoap's descriptor and timers, the wake-up
// eventfd, deadlines, idle sessions), the request PDU, and the answers libcoap hands back
// (responses, NACKs, session events). Sessions and DTLS are in coap_sessions.cc.
#include <poll.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "egress/coap/coap_client_impl.h"
#include "egress/coap/coap_options.h"

namespace trustcse::egress {
namespace coap {

thread_local CoapClient* t_client = nullptr;

namespace {

Status Unreachable(std::string why) { return Status(Rsc::kTargetNotReachable, std::move(why)); }

std::string TokenBytes(uint64_t token) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, token >>= 8) out[i] = static_cast<char>(token & 0xff);
  return out;
}

std::optional<uint64_t> TokenOf(const coap_pdu_t* pdu) {
  if (pdu == nullptr) return std::nullopt;
  coap_bin_const_t t = coap_pdu_get_token(pdu);
  if (t.length != 8) return std::nullopt;
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = v << 8 | t.s[i];
  return v;
}

const char* NackReason(coap_nack_reason_t reason) {
  switch (reason) {
    case COAP_NACK_TOO_MANY_RETRIES: return "no answer from the target (retransmissions exhausted)";
    case COAP_NACK_NOT_DELIVERABLE: return "the request could not be delivered";
    case COAP_NACK_RST: return "the target reset the request";
    case COAP_NACK_TLS_FAILED: return "the DTLS handshake with the target failed";
    case COAP_NACK_ICMP_ISSUE: return "the target is unreachable (ICMP)";
  }
  return "the request failed";
}

// The body of a large request lives until libcoap has sent its last block.
void ReleaseBody(coap_session_t*, void* body) { delete static_cast<std::string*>(body); }

}  // namespace

CoapClient::CoapClient(CoapClientOptions options)
    : options_(std::move(options)), via_self_(ViaPseudonym(options_.self_id)) {}

CoapClient::~CoapClient() {
  Stop();
  if (anchors_fd_ >= 0) ::close(anchors_fd_);
}

Status CoapClient::Start() {
  static std::once_flag startup;
  std::call_once(startup, [] { coap_startup(); });
  if (!options_.psk_identity.empty() || !options_.tls.ca_files.empty() ||
      !options_.tls.ca_pems.empty() || !options_.tls.cert_file.empty()) {
    if (!coap_dtls_is_supported()) return Status::Internal("coap client: libcoap without DTLS");
  }
  if (auto s = PrepareDtls(); !s.ok()) return s;
  ctx_ = coap_new_context(nullptr);
  if (ctx_ == nullptr) return Status::Internal("coap client: cannot create a libcoap context");
  if (coap_context_get_coap_fd(ctx_) < 0) {
    return Status::Internal("coap client: libcoap without epoll");
  }
  // The oneM2M response options are critical; the context knows them through the marker
  // (option_filter.cc).
  coap_register_option(ctx_, kKnownOptionsMarker);
  // Block2 answers reassembled by libcoap and handed over whole; Block1 for large bodies.
  coap_context_set_block_mode(ctx_, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
  coap_register_response_handler(ctx_, &CoapClient::OnResponse);
  coap_register_nack_handler(ctx_, &CoapClient::OnNack);
  coap_register_event_handler(ctx_, &CoapClient::OnEvent);
  event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event_fd_ < 0) return Status::Internal("coap client: eventfd failed");
  last_idle_check_ = SteadyClock::now();
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tc-egress-coap");
    t_client = this;
    Loop();
    t_client = nullptr;
  });
  return Status::Ok();
}

void CoapClient::Wake() {
  uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(event_fd_, &one, sizeof one);
}

SteadyClock::time_point CoapClient::DeadlineOf(const OutboundRequest& r,
                                               std::optional<TimePoint> deadline) const {
  const auto now = SteadyClock::now();
  std::optional<TimePoint> at = deadline;
  if (r.rqet && (!at || *r.rqet < *at)) at = r.rqet;
  if (!at) return now + options_.default_timeout;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*at - Now());
  return now + std::max(left, std::chrono::milliseconds(0));
}

void CoapClient::Send(OutboundRequest request, std::optional<TimePoint> deadline,
                      ResponseHandler done) {
  if (!via_self_.empty() && ViaNames(request.via, via_self_)) {
    spdlog::info("egress: not sending {} over CoAP: it has already passed through this CSE",
                 request.rqi);
    return done(Unreachable("request loop: the request has already passed through this CSE (Via)"),
                {});
  }
  std::string why;
  auto target = ParseCoapTarget(request.target, &why);
  if (!target) {
    spdlog::warn("egress: not sending {}: {}", request.rqi, why);
    return done(Unreachable(why), {});
  }
  const auto until = DeadlineOf(request, deadline);
  {
    std::lock_guard lock(mu_);
    if (stopped_ || ctx_ == nullptr) {
      why = "the outbound client stopped";
    } else if (accepted_ >= options_.max_in_flight) {
      why = "too many CoAP requests in flight";
    } else {
      ++accepted_;
      jobs_.push_back(Job{std::move(request), std::move(*target), until, std::move(done)});
    }
  }
  if (!why.empty()) {
    if (done) done(Unreachable(why), {});
    return;
  }
  Wake();
}

void CoapClient::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  stop_ = true;
  if (thread_.joinable()) {
    Wake();
    thread_.join();
  }
  if (ctx_ != nullptr) {
    coap_free_context(ctx_);
    ctx_ = nullptr;
  }
  if (event_fd_ >= 0) {
    ::close(event_fd_);
    event_fd_ = -1;
  }
}

void CoapClient::Complete(ResponseHandler& done, Status status, OutboundResponse response) {
  {
    std::lock_guard lock(mu_);
    --accepted_;
  }
  if (done) done(std::move(status), std::move(response));
}

void CoapClient::Finish(uint64_t token, Status status, OutboundResponse response) {
  auto it = exchanges_.find(token);
  if (it == exchanges_.end()) return;  // answered already, or given up
  Exchange ex = std::move(it->second);
  exchanges_.erase(it);
  if (ex.session != nullptr && ex.session->in_flight > 0) --ex.session->in_flight;
  if (!status.ok()) spdlog::debug("egress: coap {}: {}", ex.safe, status.message());
  Complete(ex.done, std::move(status), std::move(response));
}

void CoapClient::Launch(Job job) {
  const auto now = SteadyClock::now();
  if (job.deadline <= now) {
    return Complete(job.done, Status(Rsc::kRequestTimeout, "the request's deadline has passed"),
                    {});
  }
  std::string why;
  SessionEntry* entry = SessionFor(job.target, &why);
  if (entry == nullptr) {
    spdlog::info("egress: not sending {} to {}: {}", job.request.rqi, job.target.safe, why);
    return Complete(job.done, Unreachable(why), {});
  }
  coap_session_t* s = entry->session;
  const OutboundRequest& r = job.request;
  coap_pdu_t* pdu = coap_pdu_init(COAP_MESSAGE_CON, static_cast<coap_pdu_code_t>(MethodOf(r.op)),
                                  coap_new_message_id(s), coap_session_max_pdu_size(s));
  if (pdu == nullptr) return Complete(job.done, Unreachable("cannot build the CoAP request"), {});
  const uint64_t token = next_token_++;
  const std::string token_bytes = TokenBytes(token);
  coap_add_token(pdu, token_bytes.size(), reinterpret_cast<const uint8_t*>(token_bytes.data()));
  coap_optlist_t* options = nullptr;
  auto add = [&options](const WireOption& o) {
    coap_insert_optlist(&options,
                        coap_new_optlist(o.number, o.value.size(),
                                         reinterpret_cast<const uint8_t*>(o.value.data())));
  };
  for (const WireOption& o : job.target.uri) add(o);
  for (const WireOption& o : RequestOptions(r)) add(o);
  const bool added = coap_add_optlist_pdu(pdu, &options) != 0;
  coap_delete_optlist(options);
  const bool has_body = r.op != Operation::kRetrieve && r.op != Operation::kDelete;
  bool body_ok = true;
  if (added && has_body && !r.body.empty()) {
    auto* body = new std::string(std::move(job.request.body));
    body_ok = coap_add_data_large_request(s, pdu, body->size(),
                                          reinterpret_cast<const uint8_t*>(body->data()),
                                          &ReleaseBody, body) != 0;
  }
  if (!added || !body_ok) {
    coap_delete_pdu(pdu);
    return Complete(job.done, Unreachable("cannot build the CoAP request"), {});
  }
  // Registered before coap_send, which may already call the NACK handler.
  exchanges_[token] = Exchange{std::move(job.done), job.deadline, entry, job.target.safe};
  ++entry->in_flight;
  entry->last_used = now;
  if (coap_send(s, pdu) == COAP_INVALID_MID) {
    Finish(token, Unreachable("the CoAP request could not be sent"));
  }
}

coap_response_t CoapClient::OnResponse(coap_session_t*, const coap_pdu_t*,
                                       const coap_pdu_t* received, coap_mid_t) {
  CoapClient* self = t_client;
  auto token = TokenOf(received);
  if (self == nullptr || !token || !self->exchanges_.contains(*token)) return COAP_RESPONSE_OK;
  size_t len = 0, offset = 0, total = 0;
  const uint8_t* data = nullptr;
  std::string body;
  if (coap_get_data_large(received, &len, &data, &offset, &total) && data != nullptr) {
    if (std::max(len, total) > self->options_.max_response_body) {
      self->Finish(*token, Unreachable("the target's answer is too large"));
      return COAP_RESPONSE_OK;
    }
    body.assign(reinterpret_cast<const char*>(data), len);
  }
  std::vector<WireOption> options;
  coap_opt_iterator_t it;
  coap_option_iterator_init(received, &it, COAP_OPT_ALL);
  while (coap_opt_t* o = coap_option_next(&it)) {
    options.push_back({it.number, std::string(reinterpret_cast<const char*>(coap_opt_value(o)),
                                              coap_opt_length(o))});
  }
  self->Finish(*token, Status::Ok(),
               ResponseFrom(static_cast<uint8_t>(coap_pdu_get_code(received)), options,
                            std::move(body)));
  return COAP_RESPONSE_OK;
}

void CoapClient::OnNack(coap_session_t* s, const coap_pdu_t* sent, coap_nack_reason_t reason,
                        coap_mid_t) {
  CoapClient* self = t_client;
  if (self == nullptr) return;
  auto* entry = static_cast<SessionEntry*>(coap_session_get_app_data(s));
  if (auto token = TokenOf(sent)) self->Finish(*token, Unreachable(NackReason(reason)));
  // A session that failed as a whole is not reused.
  if (entry != nullptr && (reason == COAP_NACK_TLS_FAILED || reason == COAP_NACK_ICMP_ISSUE)) {
    self->DropSession(entry, NackReason(reason));
  }
}

int CoapClient::OnEvent(coap_session_t* s, coap_event_t event) {
  CoapClient* self = t_client;
  if (self == nullptr) return 0;
  auto* entry = static_cast<SessionEntry*>(coap_session_get_app_data(s));
  if (entry == nullptr) return 0;
  switch (event) {
    case COAP_EVENT_DTLS_ERROR:
      self->DropSession(entry, "the DTLS handshake with the target failed");
      break;
    case COAP_EVENT_DTLS_CLOSED:
    case COAP_EVENT_SESSION_CLOSED:
    case COAP_EVENT_SESSION_FAILED:
      self->DropSession(entry, "the target closed the session");
      break;
    default:
      break;
  }
  return 0;
}

void CoapClient::ExpireDeadlines(SteadyClock::time_point now) {
  std::vector<uint64_t> expired;
  for (const auto& [token, ex] : exchanges_) {
    if (ex.deadline <= now) expired.push_back(token);
  }
  for (uint64_t token : expired) {
    SessionEntry* entry = exchanges_[token].session;
    // DTLS discards what it cannot authenticate (RFC 6347 §4.1.2.7): a wrong pre-shared key
    // shows only as a handshake that never completes. A secure channel that could not be set
    // up is an unreachable target, not a slow one.
    if (entry != nullptr &&
        coap_session_get_state(entry->session) == COAP_SESSION_STATE_HANDSHAKE) {
      Finish(token, Status(Rsc::kTargetNotReachable,
                           "the DTLS handshake with the target did not complete (wrong key?)"));
      if (entry->in_flight == 0) DropSession(entry, "");
      continue;
    }
    Finish(token, Status(Rsc::kRequestTimeout, "the target did not answer in time"));
    // A session with nothing else to do is released, and with it whatever libcoap still
    // retransmits or fetches (Block2) for the request.
    if (entry != nullptr && entry->in_flight == 0) DropSession(entry, "");
  }
}

void CoapClient::Loop() {
  pollfd fds[2] = {{coap_context_get_coap_fd(ctx_), POLLIN, 0}, {event_fd_, POLLIN, 0}};
  for (;;) {
    const bool stopping = stop_.load();
    std::vector<Job> jobs;
    {
      std::lock_guard lock(mu_);
      jobs.swap(jobs_);
    }
    if (stopping) {
      for (Job& j : jobs) Complete(j.done, Unreachable("the outbound client stopped"), {});
      std::vector<uint64_t> left;
      for (const auto& [token, ex] : exchanges_) left.push_back(token);
      for (uint64_t t : left) Finish(t, Unreachable("the outbound client stopped"));
      std::vector<SessionEntry*> all;
      for (auto& [key, e] : sessions_) all.push_back(e.get());
      for (SessionEntry* e : all) DropSession(e, "");
      ReleaseDropped();
      return;
    }
    for (Job& j : jobs) Launch(std::move(j));
    ReleaseDropped();
    coap_tick_t ticks;
    coap_ticks(&ticks);
    int timeout = 1000;
    if (unsigned next = coap_io_prepare_epoll(ctx_, ticks); next != 0) {
      timeout = std::min(timeout, static_cast<int>(next));
    }
    auto now = SteadyClock::now();
    for (const auto& [token, ex] : exchanges_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(ex.deadline - now).count();
      timeout = std::min<int>(timeout, static_cast<int>(std::max<int64_t>(left + 1, 0)));
    }
    for (auto& f : fds) f.revents = 0;
    const int n = ::poll(fds, 2, timeout);
    if (n == 0 || fds[0].revents != 0) coap_io_process(ctx_, COAP_IO_NO_WAIT);
    if (fds[1].revents & POLLIN) {
      uint64_t count;
      [[maybe_unused]] auto r = ::read(event_fd_, &count, sizeof count);
    }
    ReleaseDropped();
    now = SteadyClock::now();
    ExpireDeadlines(now);
    if (now - last_idle_check_ >= std::chrono::seconds(1)) {
      last_idle_check_ = now;
      ReleaseIdle(now);
    }
  }
}

}  // namespace coap

Result<std::unique_ptr<Client>> MakeCoapClient(CoapClientOptions options) {
  auto client = std::make_unique<coap::CoapClient>(std::move(options));
  if (auto s = client->Start(); !s.ok()) return Err(s);
  return std::unique_ptr<Client>(std::move(client));
}

}  // namespace trustcse::egress
