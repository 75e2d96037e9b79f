// The gates decide before anything costs a lookup (issue 12): with every storage read failing,
// a request the gates refuse is refused by them (4106/4107), not by a read error (5000).
#include <gtest/gtest.h>

#include <future>

#include "dispatcher/dispatcher.h"
#include "mocks/fault_injecting_store.h"
#include "server/security_chains.h"

namespace trustcse::dispatcher {
namespace {

class NullSender : public notification::Sender {
 public:
  void Send(const notification::Notification&, std::function<void(Status)> done) override {
    done(Status::Ok());
  }
  void Stop() override {}
};

class GateOrder : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<mocks::FaultInjectingStore>(storage::OpenMemoryStore());
    notification::NotifierOptions no;
    no.self = self_;
    notifier_ = std::make_unique<notification::Notifier>(no, *store_,
                                                         std::make_unique<NullSender>());
    DispatcherOptions o;
    o.self = self_;
    dispatcher_ = std::make_unique<Dispatcher>(o, *store_, *notifier_);
    dispatcher_->InstallSecurityChains(
        server::AssembleChains({}, dispatcher_->authorization_services()));
    ASSERT_TRUE(dispatcher_->Bootstrap().ok());
    store_->FailReads(Status::Internal("storage read (the test forbids them)"));
  }
  void TearDown() override { store_->StopFailing(); }

  Rsc Call(RequestPrimitive req) {
    req.op = Operation::kRetrieve;
    req.to = "cse-in";
    req.rqi = "r1";
    req.rvi = "3";
    std::promise<ResponsePrimitive> p;
    dispatcher_->Handle(std::move(req), [&p](ResponsePrimitive r) { p.set_value(std::move(r)); });
    return p.get_future().get().rsc;
  }

  CseIdentity self_{"/id-in", "cse-in", "//trustcse.local"};
  std::unique_ptr<mocks::FaultInjectingStore> store_;
  std::unique_ptr<notification::Notifier> notifier_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_F(GateOrder, AnUnknownChannelCredentialIsRefusedWithoutALookup) {
  RequestPrimitive req;
  req.fr = "CAdmin";
  auto ch = std::make_shared<ChannelIdentity>();
  ch->secure = true;
  ch->method = ChannelIdentity::Method::kPsk;
  ch->credential_id = "nobody@example";
  req.channel = ch;
  EXPECT_EQ(Call(std::move(req)), Rsc::kOriginatorNotAuthenticated);
}

TEST_F(GateOrder, ASecureChannelWithoutCredentialIsRefusedWithoutALookup) {
  RequestPrimitive req;
  req.fr = "Cany";
  auto ch = std::make_shared<ChannelIdentity>();
  ch->secure = true;  // TLS, but no credential authenticated
  req.channel = ch;
  EXPECT_EQ(Call(std::move(req)), Rsc::kSecurityAssociationRequired);
}

TEST_F(GateOrder, ACseOriginatorOnAPlainChannelIsRefusedWithoutALookup) {
  RequestPrimitive req;
  req.fr = "/id-mn";
  EXPECT_EQ(Call(std::move(req)), Rsc::kSecurityAssociationRequired);
}

TEST_F(GateOrder, ReadsHappenOnlyOnceTheGatesPassed) {
  RequestPrimitive req;
  req.fr = "CAdmin";  // passes the gates; resolving the target needs a read, which fails
  EXPECT_EQ(Call(std::move(req)), Rsc::kInternalServerError);
}

}  // namespace
}  // namespace trustcse::dispatcher
