// Authorization through the whole dispatcher, as a table: originator kinds × operations ×
// resource types × where the policy sits (the resource's own acpi, the parent's for instances,
// the ACP's own pvs, no acpi at all), on the in-memory store.
#include <gtest/gtest.h>

#include <future>

#include <boost/json.hpp>

#include "dispatcher/dispatcher.h"
#include "primitive/json_util.h"
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

class AuthorizationMatrix : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    store_ = storage::OpenMemoryStore().release();
    notification::NotifierOptions no;
    no.self = self_;
    notifier_ = new notification::Notifier(no, *store_, std::make_unique<NullSender>());
    DispatcherOptions o;
    o.self = self_;
    dispatcher_ = new Dispatcher(o, *store_, *notifier_);
    // The chains as the server assembles them (server/security_chains.h).
    dispatcher_->InstallSecurityChains(
        server::AssembleChains({}, dispatcher_->authorization_services()));
    ASSERT_TRUE(dispatcher_->Bootstrap().ok());
    ASSERT_TRUE(notifier_->Start().ok());
    // owner: Cowner; reader: Creader (granted retrieve+discover through "acp"); writer: Cwriter
    // (granted everything but delete); stranger: Cstranger (registered, granted nothing).
    for (const char* ae : {"Cowner", "Creader", "Cwriter", "Cstranger"}) {
      ASSERT_EQ(Call(Operation::kCreate, "cse-in", ae, 2,
                     std::string(R"({"m2m:ae":{"rn":")") + ae + R"(","api":"Nx","rr":true,"srv":["3"]}})")
                    .rsc,
                Rsc::kCreated);
    }
    Setup("cse-in/Cowner", 1, R"({"m2m:acp":{"rn":"acp",
        "pv":{"acr":[{"acor":["Creader"],"acop":34},{"acor":["Cwriter"],"acop":55},
                     {"acor":["Cowner"],"acop":63}]},
        "pvs":{"acr":[{"acor":["Cowner"],"acop":63},{"acor":["Cwriter"],"acop":2}]}}})");
    Setup("cse-in/Cowner", 3, R"({"m2m:cnt":{"rn":"cnt","acpi":["cse-in/Cowner/acp"]}})");
    Setup("cse-in/Cowner/cnt", 4, R"({"m2m:cin":{"rn":"cin","con":"x"}})");
    Setup("cse-in/Cowner", 28, R"({"cod:tempe":{"rn":"fcnt","acpi":["cse-in/Cowner/acp"],
        "cnd":"org.onem2m.common.moduleclass.temperature","curT0":20.5}})");
    Setup("cse-in/Cowner", 3, R"({"m2m:cnt":{"rn":"private"}})");
    Setup("cse-in/Cowner", 9, R"({"m2m:grp":{"rn":"grp","mnm":2,"mid":[],"acpi":["cse-in/Cowner/acp"]}})");
  }
  static void TearDownTestSuite() {
    notifier_->Stop();
    store_->Close();
    delete dispatcher_;
    delete notifier_;
    delete store_;
  }

  static ResponsePrimitive Call(Operation op, std::string to, std::string fr, int ty = 0,
                                std::string pc = "", bool discovery = false) {
    RequestPrimitive req;
    req.op = op;
    req.to = std::move(to);
    req.fr = std::move(fr);
    req.rqi = "m";
    req.rvi = "3";
    req.ty = ty;
    req.peer_address = "127.0.0.1";
    if (!pc.empty()) req.pc = *json::Parse(pc);
    if (discovery) {
      req.fc = FilterCriteria{};
      req.fc->fu = 1;
    }
    std::promise<ResponsePrimitive> p;
    auto f = p.get_future();
    dispatcher_->Handle(std::move(req), [&p](ResponsePrimitive r) { p.set_value(std::move(r)); });
    return f.get();
  }
  static void Setup(const std::string& parent, int ty, const std::string& pc) {
    auto r = Call(Operation::kCreate, parent, "Cowner", ty, pc);
    ASSERT_EQ(r.rsc, Rsc::kCreated) << pc << " → " << r.pc;
  }

  static inline CseIdentity self_{"/id-in", "cse-in", "//trustcse.local"};
  static inline storage::Store* store_ = nullptr;
  static inline notification::Notifier* notifier_ = nullptr;
  static inline Dispatcher* dispatcher_ = nullptr;
};

struct Case {
  const char* target;   // what is addressed
  const char* originator;
  const char* op;       // R (retrieve), U (update), D (delete), C (create a container child),
                        // I (create an instance child), F (discovery under the target)
  Rsc expected;
};

constexpr Rsc kOk = Rsc::kOk, kNo = Rsc::kOriginatorHasNoPrivilege;

// clang-format off
const Case kCases[] = {
  // container whose acpi names the ACP: pv decides
  {"cse-in/Cowner/cnt", "Cowner",    "R", kOk},
  {"cse-in/Cowner/cnt", "Creader",   "R", kOk},
  {"cse-in/Cowner/cnt", "Cwriter",   "R", kOk},
  {"cse-in/Cowner/cnt", "Cstranger", "R", kNo},
  {"cse-in/Cowner/cnt", "CAdmin",    "R", kOk},
  {"cse-in/Cowner/cnt", "Creader",   "U", kNo},
  {"cse-in/Cowner/cnt", "Cwriter",   "U", Rsc::kUpdated},
  {"cse-in/Cowner/cnt", "Cstranger", "U", kNo},
  {"cse-in/Cowner/cnt", "Creader",   "I", kNo},
  {"cse-in/Cowner/cnt", "Cwriter",   "I", Rsc::kCreated},
  {"cse-in/Cowner/cnt", "Cwriter",   "D", kNo},
  {"cse-in/Cowner/cnt", "Creader",   "F", kOk},
  {"cse-in/Cowner/cnt", "Cstranger", "F", kOk},  // allowed, but lists nothing (see below)
  // contentInstance: no acpi of its own, its container's policies apply
  {"cse-in/Cowner/cnt/cin", "Creader",   "R", kOk},
  {"cse-in/Cowner/cnt/cin", "Cstranger", "R", kNo},
  {"cse-in/Cowner/cnt/cin", "Cwriter",   "D", kNo},
  {"cse-in/Cowner/cnt/la",  "Creader",   "R", kOk},
  {"cse-in/Cowner/cnt/la",  "Cstranger", "R", kNo},
  // flexContainer and group with the same acpi
  {"cse-in/Cowner/fcnt", "Creader",   "R", kOk},
  {"cse-in/Cowner/fcnt", "Cstranger", "R", kNo},
  {"cse-in/Cowner/grp",  "Creader",   "R", kOk},
  {"cse-in/Cowner/grp",  "Creader",   "U", kNo},
  // the ACP itself: pvs decides, not pv
  {"cse-in/Cowner/acp", "Cowner",  "R", kOk},
  {"cse-in/Cowner/acp", "Cwriter", "R", kOk},
  {"cse-in/Cowner/acp", "Creader", "R", kNo},   // pv grants Creader retrieve; pvs does not
  {"cse-in/Cowner/acp", "Cwriter", "U", kNo},
  // no acpi: the owning AE (and the creator) only
  {"cse-in/Cowner/private", "Cowner",    "R", kOk},
  {"cse-in/Cowner/private", "Creader",   "R", kNo},
  {"cse-in/Cowner/private", "Cwriter",   "I", kNo},
  // the AE resource itself (no acpi): the AE only
  {"cse-in/Cowner", "Cowner",  "R", kOk},
  {"cse-in/Cowner", "Creader", "R", kNo},
  // the CSEBase: registered AEs may retrieve it; creating other than AEs there is admin only
  {"cse-in", "Creader", "R", kOk},
  {"cse-in", "Creader", "C", kNo},
  {"cse-in", "CAdmin",  "C", Rsc::kCreated},
};
// clang-format on

TEST_F(AuthorizationMatrix, EachOriginatorReachesOnlyWhatItsPoliciesAllow) {
  int n = 0;
  for (const Case& c : kCases) {
    std::string target = c.target;
    ResponsePrimitive r;
    switch (c.op[0]) {
      case 'R': r = Call(Operation::kRetrieve, target, c.originator); break;
      case 'U': {
        bool acp = target.ends_with("/acp");
        bool grp = target.ends_with("/grp");
        r = Call(Operation::kUpdate, target, c.originator, 0,
                 acp ? R"({"m2m:acp":{"lbl":["u"]}})"
                     : grp ? R"({"m2m:grp":{"lbl":["u"]}})" : R"({"m2m:cnt":{"lbl":["u"]}})");
        break;
      }
      case 'D': r = Call(Operation::kDelete, target, c.originator); break;
      case 'C':
        r = Call(Operation::kCreate, target, c.originator, 3,
                 R"({"m2m:cnt":{"rn":"m)" + std::to_string(n) + R"("}})");
        break;
      case 'I': r = Call(Operation::kCreate, target, c.originator, 4, R"({"m2m:cin":{"con":"y"}})"); break;
      case 'F': r = Call(Operation::kRetrieve, target, c.originator, 0, "", true); break;
    }
    EXPECT_EQ(r.rsc, c.expected) << "#" << n << " " << c.op << " " << target << " as "
                                 << c.originator << " → " << r.pc;
    ++n;
  }
}

TEST_F(AuthorizationMatrix, DiscoveryListsOnlyWhatTheOriginatorMayDiscover) {
  auto uris = [](const ResponsePrimitive& r) {
    return boost::json::parse(r.pc).at("m2m:uril").as_array().size();
  };
  // Creader holds DISCOVER (32) through pv on cnt, fcnt and grp; instances follow their container.
  auto reader = Call(Operation::kRetrieve, "cse-in/Cowner", "Creader", 0, "", true);
  ASSERT_EQ(reader.rsc, Rsc::kOk) << reader.pc;
  auto owner = Call(Operation::kRetrieve, "cse-in/Cowner", "Cowner", 0, "", true);
  auto stranger = Call(Operation::kRetrieve, "cse-in/Cowner", "Cstranger", 0, "", true);
  EXPECT_EQ(uris(stranger), 0u);
  EXPECT_GT(uris(owner), uris(reader));
  std::string listed = reader.pc;
  EXPECT_NE(listed.find(R"("cse-in/Cowner/cnt")"), std::string::npos) << listed;
  EXPECT_NE(listed.find("cse-in/Cowner/cnt/cin"), std::string::npos) << listed;
  EXPECT_EQ(listed.find("cse-in/Cowner/private"), std::string::npos) << listed;
  EXPECT_EQ(listed.find("cse-in/Cowner/acp"), std::string::npos) << listed;
}

}  // namespace
}  // namespace trustcse::dispatcher
