// The fixture of the Notifier's tests (notifier_test.cc, notifier_policies_test.cc): the
// in-memory store with a CSEBase, an AE and a container, a recording Sender, and helpers to add
// subscriptions and to commit events.
#pragma once

#include "notification/notifier.h"

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "primitive/json_util.h"

namespace trustcse::notification {
namespace {  // each test file has its own copy

namespace bj = boost::json;
using resources::Event;
using resources::Resource;
using resources::WriteEffects;
using storage::ResourceRecord;

constexpr char kSubscriberUrl[] = "http://127.0.0.1:9/notify";
constexpr char kSuUrl[] = "http://127.0.0.1:9/su";
constexpr char kAePoa[] = "http://127.0.0.1:9/ae";

// Records every notification; fails the first `fail_first` sends and every send to a target in
// `fail_targets`. Completes synchronously, inside Send, which the notifier must tolerate.
struct SenderLog {
  std::mutex mu;
  std::vector<Notification> sent;
  int fail_first = 0;
  std::set<std::string> fail_targets;
  Rsc fail_with = Rsc::kTargetNotReachable;  // what a failing target answers
  bool hold = false;  // keep the callbacks unanswered (in `held`) instead of answering
  std::vector<std::function<void(Status)>> held;
  bool stopped = false;

  size_t size() {
    std::lock_guard lock(mu);
    return sent.size();
  }
  std::vector<Notification> Snapshot() {
    std::lock_guard lock(mu);
    return sent;
  }
};

class RecordingSender final : public Sender {
 public:
  explicit RecordingSender(std::shared_ptr<SenderLog> log) : log_(std::move(log)) {}
  void Send(const Notification& n, std::function<void(Status)> done) override {
    bool fail;
    Rsc code;
    {
      std::lock_guard lock(log_->mu);
      log_->sent.push_back(n);
      if (log_->hold) {
        log_->held.push_back(std::move(done));
        return;
      }
      fail = log_->fail_first > 0 || log_->fail_targets.contains(n.target);
      if (log_->fail_first > 0) --log_->fail_first;
      code = log_->fail_with;
    }
    done(fail ? Status(code, "refused") : Status::Ok());
  }
  void Stop() override {
    std::lock_guard lock(log_->mu);
    log_->stopped = true;
  }

 private:
  std::shared_ptr<SenderLog> log_;
};

// Polls `cond` until it holds or 5 s pass.
inline bool WaitFor(const std::function<bool()>& cond,
             std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return cond();
}

inline bj::object ParseObject(const std::string& text) {
  auto v = json::Parse(text);
  EXPECT_TRUE(v.has_value()) << text;
  if (!v || !v->is_object()) return {};
  return v->get_object();
}

// The m2m:sgn member of a notification body.
inline bj::object Sgn(const Notification& n) {
  bj::object body = ParseObject(n.body);
  const auto* sgn = body.if_contains("m2m:sgn");
  EXPECT_TRUE(sgn && sgn->is_object()) << n.body;
  return sgn && sgn->is_object() ? sgn->get_object() : bj::object{};
}

inline ResourceRecord Record(const std::string& path, bj::object attrs) {
  return Resource{path, std::move(attrs), ""}.ToRecord();
}

class NotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    self_ = CseIdentity{"/id-in", "cse-in", ""};
    store_ = storage::OpenMemoryStore();
    log_ = std::make_shared<SenderLog>();
    Insert(Record("cse-in", {{"ty", 5}, {"ri", "id-in"}, {"pi", ""}, {"rn", "cse-in"}}));
    ae_ = Record("cse-in/ae1", {{"ty", 2},
                                {"ri", "ae1ri"},
                                {"pi", "id-in"},
                                {"rn", "ae1"},
                                {"aei", "Cae1"},
                                {"poa", bj::array{"mqtt://127.0.0.1:1883", kAePoa}}});
    Insert(ae_);
    cnt_ = Record("cse-in/ae1/cnt1", {{"ty", 3},
                                      {"ri", "cnt1"},
                                      {"pi", "ae1ri"},
                                      {"rn", "cnt1"},
                                      {"ct", "20240101T000000,000000"},
                                      {"lt", "20240102T000000,000000"},
                                      {"st", 3},
                                      {"lbl", bj::array{"a"}},
                                      {"__internal", "x"}});
    Insert(cnt_);
  }

  void TearDown() override {
    if (notifier_) notifier_->Stop();
  }

  void Insert(const ResourceRecord& rec) {
    ASSERT_TRUE(store_->SubmitAndWait([&](storage::WriteTxn& t) { return t.Insert(rec); }).ok());
  }

  // A subscription on cnt1 with the given extra attributes (nu defaults to kSubscriberUrl).
  ResourceRecord AddSub(const std::string& rn, bj::object extra) {
    bj::object attrs{{"ty", 23},
                     {"ri", rn},
                     {"pi", "cnt1"},
                     {"rn", rn},
                     {"ct", "20240103T000000,000000"},
                     {"nu", bj::array{kSubscriberUrl}},
                     {"nct", 1}};
    for (const auto& [k, v] : extra) attrs[k] = v;
    ResourceRecord rec = Record("cse-in/ae1/cnt1/" + rn, std::move(attrs));
    Insert(rec);
    return rec;
  }

  void StartNotifier(int max_attempts = 5, int first_retry_ms = 10, int notice_wait_ms = 3000) {
    NotifierOptions options{self_, max_attempts, first_retry_ms, nullptr, notice_wait_ms, 10};
    notifier_ =
        std::make_unique<Notifier>(options, *store_, std::make_unique<RecordingSender>(log_));
    ASSERT_TRUE(notifier_->Start().ok());
  }

  Event UpdateEvent(std::vector<std::string> modified = {"lbl"}) {
    return Event{Event::Kind::kUpdate, "cnt1", "cse-in/ae1/cnt1", cnt_, std::move(modified)};
  }

  Event ChildEvent(Event::Kind kind, const ResourceRecord& child) {
    return Event{kind, "cnt1", "cse-in/ae1/cnt1", child, {}};
  }

  ResourceRecord Cin(const std::string& ri, uint64_t cs = 5) {
    return Record(
        "cse-in/ae1/cnt1/" + ri,
        {{"ty", 4}, {"ri", ri}, {"pi", "cnt1"}, {"rn", ri}, {"cs", cs}, {"con", "hello"}});
  }

  void Commit(std::vector<Event> events, std::vector<ResourceRecord> deleted = {}) {
    WriteEffects fx;
    fx.events = std::move(events);
    fx.deleted = std::move(deleted);
    notifier_->OnCommitted(fx);
  }

  CseIdentity self_;
  std::unique_ptr<storage::Store> store_;
  std::shared_ptr<SenderLog> log_;
  std::unique_ptr<Notifier> notifier_;
  ResourceRecord ae_;
  ResourceRecord cnt_;
};

}  // namespace
}  // namespace trustcse::notification
