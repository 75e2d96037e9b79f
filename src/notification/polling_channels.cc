#include "notification/polling_channels.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <queue>
#include <thread>
#include <unordered_map>
#include <vector>

#include "primitive/json_util.h"

namespace trustcse::notification {
namespace {

namespace bj = boost::json;

struct Waiting {
  std::string rqi;
  bj::object request;
  TimePoint deadline;
  PollingChannels::AnswerFn done;
};

struct Poller {
  uint64_t id;
  TimePoint deadline;
  PollingChannels::DeliverFn deliver;
};

struct Channel {
  std::deque<Waiting> queued;
  std::unordered_map<std::string, Waiting> delivered;  // by rqi, waiting for the answer
  std::deque<Poller> pollers;
  bool empty() const { return queued.empty() && delivered.empty() && pollers.empty(); }
};

// A deadline to look at; the item may be gone by then (lazy deletion).
struct Deadline {
  TimePoint at;
  std::string owner;
  enum class Kind : uint8_t { kQueued, kDelivered, kPoller } kind;
  std::string rqi;  // kQueued, kDelivered
  uint64_t poller = 0;
  bool operator>(const Deadline& o) const { return at > o.at; }
};

Status Failure(Rsc rsc, const char* message) { return Status(rsc, message); }

}  // namespace

struct PollingChannels::Impl {
  explicit Impl(Options o) : options(o), request_timeout_ms(o.request_timeout.count()) {}

  Options options;
  std::atomic<int64_t> request_timeout_ms;
  mutable std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<std::string, Channel> channels;
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines;
  uint64_t next_poller = 0;
  bool stopped = false;
  std::thread timer;

  void EnsureTimer() {
    if (timer.joinable()) return;
    timer = std::thread([this] {
      pthread_setname_np(pthread_self(), "tc-polling");
      Run();
    });
  }

  void Run();
  // Removes what is due at `now`; returns the callbacks to run outside the lock.
  void CollectDue(TimePoint now, std::vector<std::function<void()>>& out);
  void Forget(const std::string& owner) {
    auto it = channels.find(owner);
    if (it != channels.end() && it->second.empty()) channels.erase(it);
  }
};

void PollingChannels::Impl::Run() {
  std::unique_lock lock(mu);
  while (!stopped) {
    std::vector<std::function<void()>> due;
    CollectDue(Now(), due);
    if (!due.empty()) {
      lock.unlock();
      for (auto& f : due) f();
      lock.lock();
      continue;
    }
    if (deadlines.empty()) {
      cv.wait(lock);
    } else {
      cv.wait_until(lock, deadlines.top().at);
    }
  }
}

void PollingChannels::Impl::CollectDue(TimePoint now, std::vector<std::function<void()>>& out) {
  while (!deadlines.empty() && deadlines.top().at <= now) {
    Deadline d = deadlines.top();
    deadlines.pop();
    auto it = channels.find(d.owner);
    if (it == channels.end()) continue;
    Channel& ch = it->second;
    switch (d.kind) {
      case Deadline::Kind::kQueued:
        for (auto q = ch.queued.begin(); q != ch.queued.end(); ++q) {
          if (q->rqi == d.rqi && q->deadline <= now) {
            out.push_back([done = std::move(q->done)] {
              done(Failure(Rsc::kRequestTimeout, "nobody polled the request in time"), {});
            });
            ch.queued.erase(q);
            break;
          }
        }
        break;
      case Deadline::Kind::kDelivered:
        if (auto w = ch.delivered.find(d.rqi); w != ch.delivered.end() && w->second.deadline <= now) {
          out.push_back([done = std::move(w->second.done)] {
            done(Failure(Rsc::kRequestTimeout, "the polling entity did not answer in time"), {});
          });
          ch.delivered.erase(w);
        }
        break;
      case Deadline::Kind::kPoller:
        for (auto p = ch.pollers.begin(); p != ch.pollers.end(); ++p) {
          if (p->id == d.poller) {
            out.push_back([deliver = std::move(p->deliver)] { deliver(std::nullopt); });
            ch.pollers.erase(p);
            break;
          }
        }
        break;
    }
    Forget(d.owner);
  }
}

PollingChannels::PollingChannels(Options options) : impl_(std::make_unique<Impl>(options)) {}

PollingChannels::~PollingChannels() { Stop(); }

void PollingChannels::Enqueue(const std::string& owner, bj::object request, TimePoint deadline,
                              AnswerFn done) {
  std::string rqi(json::GetString(request, "rqi").value_or(""));
  DeliverFn deliver;
  std::unique_lock lock(impl_->mu);
  if (impl_->stopped) {
    lock.unlock();
    return done(Failure(Rsc::kTargetNotReachable, "polling channels are stopped"), {});
  }
  Channel& ch = impl_->channels[owner];
  auto queued_with = [&] {
    return std::any_of(ch.queued.begin(), ch.queued.end(),
                       [&](const Waiting& w) { return w.rqi == rqi; });
  };
  // The answer is matched by rqi: one in use (queued or delivered) would be ambiguous.
  if (rqi.empty() || ch.delivered.contains(rqi) || queued_with()) {
    impl_->Forget(owner);
    lock.unlock();
    return done(Failure(Rsc::kInternalServerError, "request without a unique request ID"), {});
  }
  if (!ch.pollers.empty()) {
    // Someone is polling: hand it over now; the answer is awaited until `deadline`.
    deliver = std::move(ch.pollers.front().deliver);
    ch.pollers.pop_front();
    ch.delivered.emplace(rqi, Waiting{rqi, {}, deadline, std::move(done)});
    impl_->deadlines.push({deadline, owner, Deadline::Kind::kDelivered, rqi});
  } else {
    if (ch.queued.size() >= impl_->options.max_queued) {
      lock.unlock();
      return done(Failure(Rsc::kInternalServerError, "the polling channel's queue is full"), {});
    }
    ch.queued.push_back(Waiting{rqi, std::move(request), deadline, std::move(done)});
    impl_->deadlines.push({deadline, owner, Deadline::Kind::kQueued, rqi});
  }
  impl_->EnsureTimer();
  lock.unlock();
  impl_->cv.notify_one();
  if (deliver) deliver(std::move(request));
}

void PollingChannels::Poll(const std::string& owner, TimePoint deadline, DeliverFn deliver) {
  std::unique_lock lock(impl_->mu);
  if (impl_->stopped) {
    lock.unlock();
    return deliver(std::nullopt);
  }
  Channel& ch = impl_->channels[owner];
  if (!ch.queued.empty()) {
    Waiting w = std::move(ch.queued.front());
    ch.queued.pop_front();
    bj::object request = std::move(w.request);
    std::string rqi = w.rqi;
    const TimePoint answer_by = w.deadline;
    ch.delivered.emplace(rqi, std::move(w));
    impl_->deadlines.push({answer_by, owner, Deadline::Kind::kDelivered, rqi});
    lock.unlock();
    impl_->cv.notify_one();
    return deliver(std::move(request));
  }
  const uint64_t id = ++impl_->next_poller;
  ch.pollers.push_back(Poller{id, deadline, std::move(deliver)});
  impl_->deadlines.push({deadline, owner, Deadline::Kind::kPoller, {}, id});
  impl_->EnsureTimer();
  lock.unlock();
  impl_->cv.notify_one();
}

void PollingChannels::PollAll(const std::string& owner, TimePoint deadline,
                              DeliverAllFn deliver) {
  std::unique_lock lock(impl_->mu);
  if (!impl_->stopped) {
    Channel& ch = impl_->channels[owner];
    if (!ch.queued.empty()) {
      std::vector<bj::object> requests;
      requests.reserve(ch.queued.size());
      while (!ch.queued.empty()) {
        Waiting w = std::move(ch.queued.front());
        ch.queued.pop_front();
        requests.push_back(std::move(w.request));
        const std::string rqi = w.rqi;
        const TimePoint answer_by = w.deadline;
        ch.delivered.emplace(rqi, std::move(w));
        impl_->deadlines.push({answer_by, owner, Deadline::Kind::kDelivered, rqi});
      }
      lock.unlock();
      impl_->cv.notify_one();
      return deliver(std::move(requests));
    }
  }
  lock.unlock();
  // Nothing queued: wait for the next one like any poll.
  Poll(owner, deadline, [deliver = std::move(deliver)](std::optional<bj::object> request) {
    std::vector<bj::object> requests;
    if (request) requests.push_back(std::move(*request));
    deliver(std::move(requests));
  });
}

Status PollingChannels::Answer(const std::string& owner, const bj::object& rsp) {
  auto rqi = json::GetString(rsp, "rqi");
  auto rsc = json::GetInt(rsp, "rsc");
  if (!rqi || !rsc) return Status::BadRequest("the response primitive needs rqi and rsc");
  AnswerFn done;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->channels.find(owner);
    if (it == impl_->channels.end()) return Status::NotFound("no request awaits this answer");
    auto w = it->second.delivered.find(std::string(*rqi));
    if (w == it->second.delivered.end()) return Status::NotFound("no request awaits this answer");
    done = std::move(w->second.done);
    it->second.delivered.erase(w);
    impl_->Forget(owner);
  }
  Rsc code = RscFromInt(static_cast<int>(*rsc));
  done(IsSuccess(code) ? Status::Ok() : Status(code, "the polling entity answered an error"), rsp);
  return Status::Ok();
}

void PollingChannels::Close(const std::string& owner) {
  Channel ch;
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->channels.find(owner);
    if (it == impl_->channels.end()) return;
    ch = std::move(it->second);
    impl_->channels.erase(it);
  }
  for (auto& w : ch.queued) w.done(Failure(Rsc::kTargetNotReachable, "polling channel deleted"), {});
  for (auto& [_, w] : ch.delivered) {
    w.done(Failure(Rsc::kTargetNotReachable, "polling channel deleted"), {});
  }
  for (auto& p : ch.pollers) p.deliver(std::nullopt);
}

void PollingChannels::CloseAll() {
  std::vector<std::string> owners;
  {
    std::lock_guard lock(impl_->mu);
    for (const auto& [owner, _] : impl_->channels) owners.push_back(owner);
  }
  for (const auto& o : owners) Close(o);
}

std::chrono::milliseconds PollingChannels::request_timeout() const {
  return std::chrono::milliseconds(impl_->request_timeout_ms.load());
}

void PollingChannels::set_request_timeout(std::chrono::milliseconds t) {
  impl_->request_timeout_ms = t.count();
}

void PollingChannels::Stop() {
  std::unordered_map<std::string, Channel> all;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
    all = std::move(impl_->channels);
    impl_->channels.clear();
  }
  impl_->cv.notify_all();
  if (impl_->timer.joinable()) impl_->timer.join();
  for (auto& [_, ch] : all) {
    for (auto& w : ch.queued) w.done(Failure(Rsc::kTargetNotReachable, "stopping"), {});
    for (auto& [__, w] : ch.delivered) w.done(Failure(Rsc::kTargetNotReachable, "stopping"), {});
    for (auto& p : ch.pollers) p.deliver(std::nullopt);
  }
}

size_t PollingChannels::pending(const std::string& owner) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->channels.find(owner);
  return it == impl_->channels.end() ? 0 : it->second.queued.size() + it->second.delivered.size();
}

namespace {

class PollingSender final : public Sender {
 public:
  PollingSender(std::shared_ptr<PollingChannels> channels, std::string originator)
      : channels_(std::move(channels)), originator_(std::move(originator)) {}

  void Send(const Notification& n, std::function<void(Status)> done) override {
    Request(n, [done = std::move(done)](Status s, std::string) { done(std::move(s)); });
  }
  // The owner's answer: its status, and the content of its response primitive (serialized).
  void Request(const Notification& n, std::function<void(Status, std::string)> done) override {
    constexpr std::string_view kScheme = "pch:";
    if (!n.target.starts_with(kScheme)) {
      return done(Status::BadRequest("not a polling channel target"), {});
    }
    std::string owner = n.target.substr(kScheme.size());
    bj::object req;
    req["op"] = 5;
    req["to"] = owner;
    req["fr"] = n.originator.empty() ? originator_ : n.originator;
    req["rqi"] = n.rqi;
    req["rvi"] = n.rvi.empty() ? "3" : n.rvi;
    if (n.ec) req["ec"] = *n.ec;
    req["ot"] = FormatTimestamp(Now());
    if (auto pc = json::Parse(n.body)) req["pc"] = std::move(*pc);
    TimePoint deadline = Now() + channels_->request_timeout();
    if (n.deadline && *n.deadline < deadline) deadline = *n.deadline;
    channels_->Enqueue(owner, std::move(req), deadline,
                       [done = std::move(done)](Status s, bj::object rsp) {
                         const bj::value* pc = rsp.if_contains("pc");
                         done(std::move(s), pc != nullptr ? json::Serialize(*pc) : std::string());
                       });
  }
  void Stop() override {}

 private:
  std::shared_ptr<PollingChannels> channels_;
  std::string originator_;
};

}  // namespace

std::unique_ptr<Sender> MakePollingSender(std::shared_ptr<PollingChannels> channels,
                                          std::string originator) {
  return std::make_unique<PollingSender>(std::move(channels), std::move(originator));
}

}  // namespace trustcse::notification
