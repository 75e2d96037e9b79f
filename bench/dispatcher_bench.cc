// dispatcher_bench: the request path without the network — RequestPrimitive in, response out —
// on the in-memory store, single-threaded, so that a change to the dispatcher or the security
// chain shows in nanoseconds per request without the HTTP stack's and the machine's noise.
// Scenarios: retrieve <container>/la, retrieve the container (ACP-free default policy of the
// owner), create a contentInstance (memory store: no fsync), a denied retrieve (a stranger).
// Prints ns/request per scenario (best of ROUNDS rounds). Usage: dispatcher_bench [N] [ROUNDS]
// [MACHINES]. With MACHINES > 0 the scenarios run twice — without the trust centre and with it
// (an NBN application, MACHINES Machine-KYC records, the AEs among them: every trust check runs
// and passes) — and the ratio is printed, then the trust gate's own decision latency over those
// records (p50/p99 of single calls), and once more with a device subscription per machine (the
// gate and the per-access scope step of its profile).
// Builds against the tree it is in; compiles also against trees without installable chains
// (the dispatcher then assembled its own), so two landings can be compared in one sitting.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "dispatcher/dispatcher.h"
#include "primitive/json_util.h"
#if __has_include("server/security_chains.h")
#include "server/security_chains.h"
#define TRUSTCSE_INSTALL_CHAINS 1
#endif
#if __has_include("security/trust/trust_gate.h")
#include <boost/json.hpp>

#include "security/trust/trust_gate.h"
#if __has_include("security/trust/subscription_scope.h")
#include "security/trust/subscription_scope.h"
#endif
#define TRUSTCSE_TRUST 1
#endif

using namespace trustcse;

namespace {

class NullSender : public notification::Sender {
 public:
  void Send(const notification::Notification&, std::function<void(Status)> done) override {
    done(Status::Ok());
  }
  void Stop() override {}
};

struct Bench {
  std::unique_ptr<storage::Store> store = storage::OpenMemoryStore();
  std::unique_ptr<notification::Notifier> notifier;
  std::unique_ptr<dispatcher::Dispatcher> d;
  CseIdentity self{"/id-in", "cse-in", "//trustcse.local"};
  int rqi = 0;

  explicit Bench(int machines = 0) {
    notification::NotifierOptions no;
    no.self = self;
    notifier = std::make_unique<notification::Notifier>(no, *store, std::make_unique<NullSender>());
    dispatcher::DispatcherOptions o;
    o.self = self;
    d = std::make_unique<dispatcher::Dispatcher>(o, *store, *notifier);
#ifdef TRUSTCSE_INSTALL_CHAINS
    server::ChainOptions co;
#ifdef TRUSTCSE_TRUST
    if (machines > 0) co.trust = trust = LoadTrust(machines);
#endif
    d->InstallSecurityChains(server::AssembleChains(co, d->authorization_services()));
#endif
    if (!d->Bootstrap().ok() || !notifier->Start().ok()) std::abort();
  }
  std::string app_id = "Nb";
#ifdef TRUSTCSE_TRUST
  std::shared_ptr<security::trust::TrustRegistry> trust;
  // An NBN application and `n` machines M0…M(n-1) (entities C0…), Cbench and Cother among them.
  std::shared_ptr<security::trust::TrustRegistry> LoadTrust(int n) {
    namespace bj = boost::json;
    auto t = std::make_shared<security::trust::TrustRegistry>(*store);
    auto sp = t->AddProvider({"", "m2m", "Bench", "bench@example", ""});
    security::trust::Application a;
    a.provider = sp ? sp->id : "";
    a.name = "bench";
    a.use_case = security::trust::UseCaseClass::kNBN;
    a.practice_statement = "-";
    auto app = t->AddApp(a);
    if (!app) std::abort();
    app_id = app->id;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
      std::string e = i == 0 ? "Cbench" : i == 1 ? "Cother" : "C" + std::to_string(i);
      bj::object f{{"app", app_id}, {"id", "M" + std::to_string(i)}, {"entities", bj::array{bj::string(e)}},
                   {"serial", "S" + std::to_string(i)}, {"model", "m"}, {"owner", "o"}};
      if (!t->AddMachine(f, "bench")) std::abort();
    }
    std::fprintf(stderr, "dispatcher_bench: %d machines recorded in %.1f s\n", n,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    return t;
  }
#endif
  ~Bench() {
    d->Stop();
    notifier->Stop();
    store->Close();
  }

  Rsc Call(Operation op, const std::string& to, const std::string& fr, int ty = 0,
           const char* pc = nullptr) {
    RequestPrimitive req;
    req.op = op;
    req.to = to;
    req.fr = fr;
    req.rqi = "r" + std::to_string(++rqi);
    req.rvi = "3";
    req.ty = ty;
    req.peer_address = "127.0.0.1";
    if (pc) req.pc = *json::Parse(pc);
    std::promise<Rsc> p;
    auto f = p.get_future();
    d->Handle(std::move(req), [&p](ResponsePrimitive r) { p.set_value(r.rsc); });
    return f.get();
  }
};

template <class F>
double NsPerCall(int n, F&& f) {
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) f();
  auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / n;
}

// Runs the scenarios on `b`; the ns/request of each, in order; empty if the set-up failed.
std::vector<double> RunScenarios(Bench& b, int n, int rounds) {
  const std::string ae = R"({"m2m:ae":{"rn":"%s","api":")" + b.app_id + R"(","rr":true,"srv":["3"]}})";
  auto ae_of = [&](const char* rn) {
    std::string out = ae;
    out.replace(out.find("%s"), 2, rn);
    return out;
  };
  if (b.Call(Operation::kCreate, "cse-in", "Cbench", 2, ae_of("bench").c_str()) != Rsc::kCreated ||
      b.Call(Operation::kCreate, "cse-in", "Cother", 2, ae_of("other").c_str()) != Rsc::kCreated ||
      b.Call(Operation::kCreate, "cse-in/bench", "Cbench", 3,
             R"({"m2m:cnt":{"rn":"data","mni":100000000}})") != Rsc::kCreated ||
      b.Call(Operation::kCreate, "cse-in/bench/data", "Cbench", 4, R"({"m2m:cin":{"con":"1"}})") !=
          Rsc::kCreated) {
    std::fprintf(stderr, "dispatcher_bench: set-up failed\n");
    return {};
  }
  struct Scenario {
    const char* name;
    std::function<Rsc()> call;
    Rsc want;
  };
  Scenario scenarios[] = {
      {"retrieve la", [&] { return b.Call(Operation::kRetrieve, "cse-in/bench/data/la", "Cbench"); },
       Rsc::kOk},
      {"retrieve container", [&] { return b.Call(Operation::kRetrieve, "cse-in/bench/data", "Cbench"); },
       Rsc::kOk},
      {"retrieve denied", [&] { return b.Call(Operation::kRetrieve, "cse-in/bench/data", "Cother"); },
       Rsc::kOriginatorHasNoPrivilege},
      {"create cin", [&] {
         return b.Call(Operation::kCreate, "cse-in/bench/data", "Cbench", 4,
                       R"({"m2m:cin":{"con":"21.5"}})");
       },
       Rsc::kCreated},
  };
  std::vector<double> out;
  for (auto& s : scenarios) {
    if (s.call() != s.want) {
      std::fprintf(stderr, "dispatcher_bench: %s answered unexpectedly\n", s.name);
      return {};
    }
    double best = 1e18;
    for (int r = 0; r < rounds; ++r) {
      const int count = s.want == Rsc::kCreated ? n / 4 : n;
      best = std::min(best, NsPerCall(count, [&] { s.call(); }));
    }
    out.push_back(best);
  }
  return out;
}

constexpr const char* kNames[] = {"retrieve la", "retrieve container", "retrieve denied",
                                  "create cin"};

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 100000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  const int machines = argc > 3 ? std::atoi(argv[3]) : 0;
  spdlog::set_level(spdlog::level::err);  // the denied scenario would log every request
  std::vector<double> base;
  {
    Bench b;
    base = RunScenarios(b, n, rounds);
  }
  if (base.empty()) return 1;
  if (machines <= 0) {
    for (size_t i = 0; i < base.size(); ++i) {
      std::printf("%-20s %9.0f ns/request (best of %d)\n", kNames[i], base[i], rounds);
    }
    return 0;
  }
#ifdef TRUSTCSE_TRUST
  Bench t(machines);
  auto with = RunScenarios(t, n, rounds);
  if (with.empty()) return 1;
  std::printf("%-20s %12s %12s %8s   (ns/request, best of %d; %d machines)\n", "scenario",
              "no trust", "trust gate", "ratio", rounds, machines);
  for (size_t i = 0; i < base.size(); ++i) {
    std::printf("%-20s %12.0f %12.0f %7.1f%%\n", kNames[i], base[i], with[i],
                100.0 * base[i] / with[i]);
  }
  // The gate alone: single decisions for random machines of the registry.
  security::trust::TrustGate gate(t.trust, nullptr, {});
  std::mt19937 rng(42);
  std::vector<std::string> names;
  for (int i = 0; i < 4096; ++i) names.push_back("C" + std::to_string(2 + rng() % (machines > 2 ? machines - 2 : 1)));
  RequestPrimitive req;
  std::vector<double> ns;
  ns.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    security::SecurityContext ctx;
    ctx.request = &req;
    ctx.originator = names[static_cast<size_t>(i) % names.size()];
    auto t0 = std::chrono::steady_clock::now();
    auto dec = gate.Check(ctx);
    auto t1 = std::chrono::steady_clock::now();
    if (dec.verdict != security::Verdict::kAllow) std::abort();
    ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
  }
  std::sort(ns.begin(), ns.end());
  std::printf("trust gate decision (%d machines): p50 %.0f ns, p99 %.0f ns, p999 %.0f ns\n",
              machines, ns[ns.size() / 2], ns[ns.size() * 99 / 100], ns[ns.size() * 999 / 1000]);
#if __has_include("security/trust/subscription_scope.h")
  // With a device subscription per machine (a profile of every kind and a rate ceiling): the
  // gate plus the per-access scope step, as a request meets them.
  {
    namespace bj = boost::json;
    auto subs = std::make_shared<security::trust::SubscriptionRegistry>(*t.store, t.trust);
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < machines; ++i) {
      std::string e = i == 0 ? "Cbench" : i == 1 ? "Cother" : "C" + std::to_string(i);
      bj::object profile{{"operations", bj::array{"retrieve", "create"}},
                         {"paths", bj::array{bj::string("cse-in/" + e), "cse-in/shared"}},
                         {"types", bj::array{3, 4}},
                         {"rate", 1000000}};
      if (!subs->Add({{"machine", "M" + std::to_string(i)}, {"state", "active"},
                      {"profile", std::move(profile)}}, "bench")) {
        std::abort();
      }
    }
    std::fprintf(stderr, "dispatcher_bench: %d subscriptions recorded in %.1f s\n", machines,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    security::trust::TrustGate sub_gate(t.trust, nullptr, {}, nullptr, subs);
    security::trust::SubscriptionScope scope(t.trust, subs);
    std::vector<resources::Resource> subjects(names.size());
    for (size_t i = 0; i < names.size(); ++i) subjects[i].path = "cse-in/" + names[i] + "/data";
    ns.clear();
    for (int i = 0; i < n; ++i) {
      size_t k = static_cast<size_t>(i) % names.size();
      security::SecurityContext ctx;
      ctx.request = &req;
      ctx.originator = names[k];
      auto t0 = std::chrono::steady_clock::now();
      auto dec = sub_gate.Check(ctx);
      ctx.subject = &subjects[k];
      auto dec2 = scope.Check(ctx);
      auto t1 = std::chrono::steady_clock::now();
      if (dec.verdict != security::Verdict::kAllow || dec2.verdict != security::Verdict::kDefer) {
        std::abort();
      }
      ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
    }
    std::sort(ns.begin(), ns.end());
    std::printf(
        "with subscriptions, gate + scope (%d machines): p50 %.0f ns, p99 %.0f ns, p999 %.0f "
        "ns\n",
        machines, ns[ns.size() / 2], ns[ns.size() * 99 / 100], ns[ns.size() * 999 / 1000]);
  }
#endif
#endif
  return 0;
}
