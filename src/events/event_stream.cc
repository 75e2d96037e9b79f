#include "events/event_stream.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "common/printable.h"

namespace trustcse::events {

std::string_view KindName(Kind k) {
  switch (k) {
    case Kind::kAccessAllowed: return "access.allowed";
    case Kind::kAccessDenied: return "access.denied";
    case Kind::kAccessAudited: return "access.audited";
    case Kind::kAdmission: return "admission";
    case Kind::kTrust: return "trust";
    case Kind::kCredentialIssued: return "credential.issued";
    case Kind::kCredentialRevoked: return "credential.revoked";
    case Kind::kCredentialUsed: return "credential.used";
    case Kind::kEnrolment: return "enrolment";
    case Kind::kCaOperation: return "ca";
    case Kind::kAdminOperation: return "admin";
    case Kind::kHandshakeFailure: return "handshake.failure";
    case Kind::kRegistration: return "registration";
    case Kind::kPolicyChange: return "acp.change";
    case Kind::kRequestStarted: return "request.started";
    case Kind::kRequestCompleted: return "request.completed";
    case Kind::kCount: break;
  }
  return "?";
}

struct EventStream::Subscriber {
  std::shared_ptr<Sink> sink;
  Subscription sub;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Event> queue;  // guarded by mu; at most sub.queue_capacity
  bool stop = false;        // guarded by mu
  std::atomic<uint64_t> dropped{0};
  std::thread thread;

  void Run() {
    std::unique_lock lock(mu);
    for (;;) {
      cv.wait(lock, [&] { return stop || !queue.empty(); });
      if (queue.empty()) return;  // stopped and drained
      Event e = std::move(queue.front());
      queue.pop_front();
      lock.unlock();
      sink->Consume(e);
      lock.lock();
    }
  }
};

EventStream::EventStream()
    : subscribers_(std::make_shared<const std::vector<std::shared_ptr<Subscriber>>>()) {}

EventStream::~EventStream() { Stop(); }

void EventStream::Subscribe(std::shared_ptr<Sink> sink, Subscription sub) {
  auto s = std::make_shared<Subscriber>();
  s->sink = std::move(sink);
  if (sub.queue_capacity == 0) sub.queue_capacity = 1;
  s->sub = std::move(sub);
  s->thread = std::thread([raw = s.get()] { raw->Run(); });
  auto current = std::atomic_load(&subscribers_);
  auto next = std::make_shared<std::vector<std::shared_ptr<Subscriber>>>(*current);
  next->push_back(s);
  std::atomic_store(&subscribers_,
                    std::shared_ptr<const std::vector<std::shared_ptr<Subscriber>>>(next));
  wanted_.fetch_or(s->sub.kinds, std::memory_order_relaxed);
  if (s->sub.with_content) content_wanted_.fetch_or(s->sub.kinds, std::memory_order_relaxed);
  if (s->sub.acknowledges) acknowledged_.fetch_or(s->sub.kinds, std::memory_order_relaxed);
}

void Acknowledgement::Signal() {
  std::lock_guard lock(mu_);
  done_ = true;
  cv_.notify_all();
}

bool Acknowledgement::Wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return done_; });
}

void EventStream::Publish(Event event) {
  if (!Wants(event.kind) || stopping_.load(std::memory_order_relaxed)) return;
  event.seq = seq_.fetch_add(1, std::memory_order_relaxed) + 1;
  auto subs = std::atomic_load(&subscribers_);
  // The last interested subscriber takes the event by move; the others get copies.
  std::shared_ptr<Subscriber> last;
  for (const auto& s : *subs) {
    if ((s->sub.kinds & Bit(event.kind)) == 0) continue;
    if (last) {
      Event copy = event;
      if (!last->sub.with_content) copy.content.reset();
      std::lock_guard lock(last->mu);
      if (last->queue.size() >= last->sub.queue_capacity || last->stop) {
        last->dropped.fetch_add(1, std::memory_order_relaxed);
      } else {
        last->queue.push_back(std::move(copy));
        last->cv.notify_one();
      }
    }
    last = s;
  }
  if (!last) return;
  if (!last->sub.with_content) event.content.reset();
  std::lock_guard lock(last->mu);
  if (last->queue.size() >= last->sub.queue_capacity || last->stop) {
    last->dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  last->queue.push_back(std::move(event));
  last->cv.notify_one();
}

uint64_t EventStream::dropped(std::string_view name) const {
  auto subs = std::atomic_load(&subscribers_);
  uint64_t n = 0;
  for (const auto& s : *subs) {
    if (s->sub.name == name) n += s->dropped.load(std::memory_order_relaxed);
  }
  return n;
}

uint64_t EventStream::dropped_total() const {
  auto subs = std::atomic_load(&subscribers_);
  uint64_t n = 0;
  for (const auto& s : *subs) n += s->dropped.load(std::memory_order_relaxed);
  return n;
}

void EventStream::Stop() {
  if (stopping_.exchange(true)) return;
  auto subs = std::atomic_load(&subscribers_);
  for (const auto& s : *subs) {
    {
      std::lock_guard lock(s->mu);
      s->stop = true;
    }
    s->cv.notify_one();
  }
  for (const auto& s : *subs) {
    if (s->thread.joinable()) s->thread.join();
  }
}

namespace {

Event Build(Kind kind, std::string_view source, std::string_view originator,
            std::string_view target, std::string_view operation, std::string_view reason,
            int status, std::string_view peer) {
  Event e;
  e.kind = kind;
  e.time = Now();
  e.source = std::string(source);
  e.originator = std::string(originator);
  e.target = std::string(target);
  e.operation = std::string(operation);
  e.reason = std::string(reason);
  e.status = status;
  e.peer = std::string(peer);
  return e;
}

}  // namespace

void Emit(EventStream* stream, Kind kind, std::string_view source, std::string_view originator,
          std::string_view target, std::string_view operation, std::string_view reason,
          int status, std::string_view peer) {
  if (stream == nullptr || !stream->Wants(kind)) return;
  stream->Publish(Build(kind, source, originator, target, operation, reason, status, peer));
}

bool EmitDurably(EventStream* stream, Kind kind, std::string_view source,
                 std::string_view originator, std::string_view target,
                 std::string_view operation, std::string_view reason, int status,
                 std::chrono::milliseconds timeout) {
  if (stream == nullptr || !stream->Wants(kind)) return true;
  Event e = Build(kind, source, originator, target, operation, reason, status, {});
  if (!stream->Acknowledged(kind)) {
    stream->Publish(std::move(e));
    return true;
  }
  auto ack = std::make_shared<Acknowledgement>();
  e.durable = ack;
  stream->Publish(std::move(e));
  return ack->Wait(timeout);
}

void LogSink::Consume(const Event& e) {
  switch (e.kind) {
    case Kind::kAccessDenied:
      spdlog::warn("security: deny step={} originator={} target={} op={} rsc={} peer={} reason={}",
                   e.source, Printable(e.originator), Printable(e.target), e.operation, e.status,
                   e.peer.empty() ? "-" : e.peer, Printable(e.reason));
      return;
    case Kind::kHandshakeFailure: {
      const int64_t second = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count();
      if (second != window_second_) {
        window_second_ = second;
        lines_in_window_ = 0;
      }
      if (++lines_in_window_ > handshake_lines_per_second_) {
        ++suppressed_;
        return;
      }
      if (suppressed_ > 0) {
        spdlog::warn("security: {} handshake failure lines suppressed (more than {} a second)",
                     suppressed_, handshake_lines_per_second_);
        suppressed_ = 0;
      }
      spdlog::warn("security: handshake failed source={} peer={} reason={}", e.source, e.peer,
                   Printable(e.reason));
      return;
    }
    case Kind::kRequestStarted:
    case Kind::kRequestCompleted:
      spdlog::debug("request: {} {} op={} to={} fr={} rqi={} rsc={} {}us", KindName(e.kind),
                    e.binding, e.operation, Printable(e.target), Printable(e.originator),
                    Printable(e.request_id), e.status,
                    e.latency.count());
      return;
    default:
      spdlog::info("event: {} source={} originator={} target={} op={} rsc={} peer={} reason={}",
                   KindName(e.kind), e.source, Printable(e.originator), Printable(e.target),
                   e.operation, e.status, e.peer, Printable(e.reason));
  }
}

}  // namespace trustcse::events
