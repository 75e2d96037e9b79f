// What the dispatcher does for subscriptions beyond storing them, through Handle() on the
// in-memory store with a scripted sender: verification of targets an UPDATE adds, Blocking_Update
// (the UPDATE waits for the answer and fails with §7.3.2.9's codes; others wait behind it),
// DELETE answered after the deletion notice, operation monitors.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include "dispatcher/dispatcher.h"
#include "primitive/json_util.h"
#include "server/security_chains.h"

namespace trustcse::dispatcher {
namespace {

using namespace std::chrono_literals;
namespace bj = boost::json;

// Records every request; answers with `answer`, or holds the answer back while `hold` is set.
class ScriptedSender : public notification::Sender {
 public:
  void Send(const notification::Notification& n, std::function<void(Status)> done) override {
    Status answer;
    {
      std::lock_guard lock(mu);
      sent.push_back(n);
      if (hold) {
        held.push_back(std::move(done));
        return;
      }
      answer = this->answer;
    }
    done(answer);
  }
  void Stop() override {}
  // Answers the oldest held request.
  void AnswerHeld(Status s) {
    std::function<void(Status)> done;
    {
      std::lock_guard lock(mu);
      if (held.empty()) return;
      done = std::move(held.front());
      held.erase(held.begin());
    }
    done(std::move(s));
  }
  std::vector<notification::Notification> Sent() {
    std::lock_guard lock(mu);
    return sent;
  }
  std::mutex mu;
  std::vector<notification::Notification> sent;
  std::vector<std::function<void(Status)>> held;
  Status answer;
  bool hold = false;
};

bj::object Sgn(const notification::Notification& n) {
  return bj::parse(n.body).at("m2m:sgn").as_object();
}

class SubscriptionFlows : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = storage::OpenMemoryStore();
    auto sender = std::make_unique<ScriptedSender>();
    sender_ = sender.get();
    notification::NotifierOptions no;
    no.self = self_;
    no.max_attempts = 1;
    notifier_ = std::make_unique<notification::Notifier>(no, *store_, std::move(sender));
    DispatcherOptions o;
    o.self = self_;
    dispatcher_ = std::make_unique<Dispatcher>(o, *store_, *notifier_);
    dispatcher_->InstallSecurityChains(
        server::AssembleChains({}, dispatcher_->authorization_services()));
    ASSERT_TRUE(dispatcher_->Bootstrap().ok());
    ASSERT_TRUE(notifier_->Start().ok());
    ASSERT_EQ(Call(Operation::kCreate, "cse-in", "Cone", 2,
                   R"({"m2m:ae":{"rn":"one","api":"Nx","rr":true,"srv":["3"],)"
                   R"("poa":["http://127.0.0.1:9/one"]}})")
                  .rsc,
              Rsc::kCreated);
    ASSERT_EQ(Call(Operation::kCreate, "cse-in/one", "Cone", 3, R"({"m2m:cnt":{"rn":"c"}})").rsc,
              Rsc::kCreated);
  }
  void TearDown() override {
    notifier_->Stop();
    store_->Close();
  }

  std::future<ResponsePrimitive> Start(Operation op, std::string to, std::string fr, int ty = 0,
                                       std::string pc = "") {
    RequestPrimitive req;
    req.op = op;
    req.to = std::move(to);
    req.fr = std::move(fr);
    req.rqi = "r" + std::to_string(++rqi_);
    req.rvi = "3";
    req.ty = ty;
    if (!pc.empty()) req.pc = *json::Parse(pc);
    auto p = std::make_shared<std::promise<ResponsePrimitive>>();
    auto f = p->get_future();
    dispatcher_->Handle(std::move(req), [p](ResponsePrimitive r) { p->set_value(std::move(r)); });
    return f;
  }
  ResponsePrimitive Call(Operation op, std::string to, std::string fr, int ty = 0,
                         std::string pc = "") {
    return Start(op, std::move(to), std::move(fr), ty, std::move(pc)).get();
  }
  std::string Labels() {
    auto r = Call(Operation::kRetrieve, "cse-in/one/c", "Cone");
    const bj::value cnt = bj::parse(r.pc);
    const auto* lbl = cnt.at("m2m:cnt").as_object().if_contains("lbl");
    return lbl ? bj::serialize(*lbl) : "";
  }

  CseIdentity self_{"/id-in", "cse-in", "//trustcse.local"};
  std::unique_ptr<storage::Store> store_;
  ScriptedSender* sender_ = nullptr;
  std::unique_ptr<notification::Notifier> notifier_;
  std::unique_ptr<Dispatcher> dispatcher_;
  int rqi_ = 0;
};

TEST_F(SubscriptionFlows, UpdateVerifiesOnlyTheTargetsItAdds) {
  ASSERT_EQ(Call(Operation::kCreate, "cse-in/one/c", "Cone", 23,
                 R"({"m2m:sub":{"rn":"s","nu":["http://127.0.0.1:9/a"]}})")
                .rsc,
            Rsc::kCreated);
  ASSERT_EQ(sender_->Sent().size(), 1u);  // the verification of a
  auto r = Call(Operation::kUpdate, "cse-in/one/c/s", "Cone", 0,
                R"({"m2m:sub":{"nu":["http://127.0.0.1:9/a","http://127.0.0.1:9/b"]}})");
  ASSERT_EQ(r.rsc, Rsc::kUpdated) << r.pc;
  auto sent = sender_->Sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].target, "http://127.0.0.1:9/b");
  EXPECT_TRUE(Sgn(sent[1]).at("vrq").as_bool());
  // A new target that refuses: 5204, and nu stays as it was.
  sender_->answer = Status(Rsc::kSubscriptionCreatorHasNoPrivilege, "no");
  r = Call(Operation::kUpdate, "cse-in/one/c/s", "Cone", 0,
           R"({"m2m:sub":{"nu":["http://127.0.0.1:9/c"]}})");
  EXPECT_EQ(r.rsc, Rsc::kSubscriptionVerificationInitiationFailed);
  auto s = Call(Operation::kRetrieve, "cse-in/one/c/s", "Cone");
  EXPECT_EQ(bj::serialize(bj::parse(s.pc).at("m2m:sub").at("nu")),
            R"(["http://127.0.0.1:9/a","http://127.0.0.1:9/b"])");
}

TEST_F(SubscriptionFlows, UpdateToAChildTypeTheParentCannotHaveIsRefused) {
  ASSERT_EQ(Call(Operation::kCreate, "cse-in/one/c", "Cone", 23,
                 R"({"m2m:sub":{"rn":"s","nu":["Cone"],"enc":{"net":[3],"chty":[4]}}})")
                .rsc,
            Rsc::kCreated);
  EXPECT_EQ(Call(Operation::kUpdate, "cse-in/one/c/s", "Cone", 0,
                 R"({"m2m:sub":{"enc":{"net":[3],"chty":[2]}}})")
                .rsc,
            Rsc::kBadRequest);
}

TEST_F(SubscriptionFlows, BlockingUpdateGoesOnlyWithTheTargetsConsent) {
  ASSERT_EQ(Call(Operation::kCreate, "cse-in/one/c", "Cone", 23,
                 R"({"m2m:sub":{"rn":"b","nu":["Cone"],"enc":{"net":[7]}}})")
                .rsc,
            Rsc::kCreated);
  EXPECT_EQ(Call(Operation::kCreate, "cse-in/one/c", "Cone", 23,
                 R"({"m2m:sub":{"rn":"b2","nu":["Cone"],"enc":{"net":[7]}}})")
                .rsc,
            Rsc::kBlockingSubscriptionAlreadyExists);
  // Agreed: the notification carries the UPDATE's attributes, then the write happens.
  auto r = Call(Operation::kUpdate, "cse-in/one/c", "Cone", 0, R"({"m2m:cnt":{"lbl":["ok"]}})");
  ASSERT_EQ(r.rsc, Rsc::kUpdated) << r.pc;
  auto sent = sender_->Sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].target, "http://127.0.0.1:9/one");
  EXPECT_EQ(bj::serialize(Sgn(sent[0]).at("nev")),
            R"({"rep":{"m2m:cnt":{"lbl":["ok"]}},"net":7})");
  EXPECT_EQ(Labels(), R"(["ok"])");
  // Refused: 4127, nothing changes.
  sender_->answer = Status(Rsc::kOperationNotAllowed, "no");
  r = Call(Operation::kUpdate, "cse-in/one/c", "Cone", 0, R"({"m2m:cnt":{"lbl":["no"]}})");
  EXPECT_EQ(r.rsc, Rsc::kOperationDeniedByRemoteEntity);
  // Unreachable: 5107.
  sender_->answer = Status(Rsc::kTargetNotReachable, "down");
  r = Call(Operation::kUpdate, "cse-in/one/c", "Cone", 0, R"({"m2m:cnt":{"lbl":["no"]}})");
  EXPECT_EQ(r.rsc, Rsc::kRemoteEntityNotReachable);
  sender_->answer = Status::Ok();
  EXPECT_EQ(Labels(), R"(["ok"])");
  // An UPDATE the type refuses never reaches the target.
  const size_t before = sender_->Sent().size();
  EXPECT_EQ(Call(Operation::kUpdate, "cse-in/one/c", "Cone", 0, R"({"m2m:cnt":{"mni":-1}})").rsc,
            Rsc::kBadRequest);
  EXPECT_EQ(sender_->Sent().size(), before);
}

TEST_F(SubscriptionFlows, OtherUpdatesWaitBehindABlockedOne) {
  ASSERT_EQ(Call(Operation::kCreate, "cse-in/one/c", "Cone", 23,
                 R"({"m2m:sub":{"rn":"b","nu":["Cone"],"enc":{"net":[7],"atr":["lbl"]}}})")
                .rsc,
            Rsc::kCreated);
  sender_->hold = true;
  auto first = Start(Operation::kUpdate, "cse-in/one/c", "Cone", 0, R"({"m2m:cnt":{"lbl":["1"]}})");
  // Not a watched attribute, but the resource is held: it waits too.
  auto second = Start(Operation::kUpdate, "cse-in/one/c", "Cone", 0, R"({"m2m:cnt":{"mni":5}})");
  EXPECT_EQ(first.wait_for(100ms), std::future_status::timeout);
  EXPECT_EQ(second.wait_for(10ms), std::future_status::timeout);
  sender_->hold = false;
  sender_->AnswerHeld(Status::Ok());
  EXPECT_EQ(first.get().rsc, Rsc::kUpdated);
  EXPECT_EQ(second.get().rsc, Rsc::kUpdated);
  EXPECT_EQ(sender_->Sent().size(), 1u);  // mni is not watched: no notification for it
}

TEST_F(SubscriptionFlows, DeleteIsAnsweredAfterTheDeletionNotice) {
  ASSERT_EQ(Call(Operation::kCreate, "cse-in/one/c", "Cone", 23,
                 R"({"m2m:sub":{"rn":"s","nu":["Cone"],"su":"http://127.0.0.1:9/su"}})")
                .rsc,
            Rsc::kCreated);
  sender_->hold = true;
  auto del = Start(Operation::kDelete, "cse-in/one/c/s", "Cone");
  EXPECT_EQ(del.wait_for(200ms), std::future_status::timeout);
  auto sent = sender_->Sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(Sgn(sent[0]).at("sud").as_bool());
  sender_->AnswerHeld(Status::Ok());
  EXPECT_EQ(del.get().rsc, Rsc::kDeleted);
}

TEST_F(SubscriptionFlows, OperationMonitorHearsARetrieve) {
  ASSERT_EQ(Call(Operation::kCreate, "cse-in/one/c", "Cone", 23,
                 R"({"m2m:sub":{"rn":"m","nu":["Cone"],"enc":{"om":[{"ops":2}]}}})")
                .rsc,
            Rsc::kCreated);
  EXPECT_TRUE(sender_->Sent().empty());
  ASSERT_EQ(Call(Operation::kRetrieve, "cse-in/one/c", "Cone").rsc, Rsc::kOk);
  for (int i = 0; i < 200 && sender_->Sent().empty(); ++i) std::this_thread::sleep_for(10ms);
  auto sent = sender_->Sent();
  ASSERT_EQ(sent.size(), 1u);
  const bj::object sgn = Sgn(sent[0]);
  const auto& om = sgn.at("nev").at("om");
  EXPECT_EQ(om.at("ops").as_int64(), 2);
  EXPECT_EQ(om.at("org").as_string(), "Cone");
}

}  // namespace
}  // namespace trustcse::dispatcher
