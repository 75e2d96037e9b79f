// dispatcher_bench: the request path without the network — RequestPrimitive in, response out —
// on the in-memory store, single-threaded, so that a change to the dispatcher or the security
// chain shows in nanoseconds per request without the HTTP stack's and the machine's noise.
// Scenarios: retrieve <container>/la, retrieve the container (ACP-free default policy of the
// owner), create a contentInstance (memory store: no fsync), a denied retrieve (a stranger).
// Prints ns/request per scenario (best of ROUNDS rounds). Usage: dispatcher_bench [N] [ROUNDS].
// Builds against the tree it is in; compiles also against trees without installable chains
// (the dispatcher then assembled its own), so two landings can be compared in one sitting.
#include <chrono>
#include <cstdio>
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

  Bench() {
    notification::NotifierOptions no;
    no.self = self;
    notifier = std::make_unique<notification::Notifier>(no, *store, std::make_unique<NullSender>());
    dispatcher::DispatcherOptions o;
    o.self = self;
    d = std::make_unique<dispatcher::Dispatcher>(o, *store, *notifier);
#ifdef TRUSTCSE_INSTALL_CHAINS
    d->InstallSecurityChains(server::AssembleChains({}, d->authorization_services()));
#endif
    if (!d->Bootstrap().ok() || !notifier->Start().ok()) std::abort();
  }
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

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 100000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  spdlog::set_level(spdlog::level::err);  // the denied scenario would log every request
  Bench b;
  if (b.Call(Operation::kCreate, "cse-in", "Cbench", 2,
             R"({"m2m:ae":{"rn":"bench","api":"Nb","rr":true,"srv":["3"]}})") != Rsc::kCreated ||
      b.Call(Operation::kCreate, "cse-in", "Cother", 2,
             R"({"m2m:ae":{"rn":"other","api":"Nb","rr":true,"srv":["3"]}})") != Rsc::kCreated ||
      b.Call(Operation::kCreate, "cse-in/bench", "Cbench", 3,
             R"({"m2m:cnt":{"rn":"data","mni":100000000}})") != Rsc::kCreated ||
      b.Call(Operation::kCreate, "cse-in/bench/data", "Cbench", 4, R"({"m2m:cin":{"con":"1"}})") !=
          Rsc::kCreated) {
    std::fprintf(stderr, "dispatcher_bench: set-up failed\n");
    return 1;
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
  for (auto& s : scenarios) {
    if (s.call() != s.want) {
      std::fprintf(stderr, "dispatcher_bench: %s answered unexpectedly\n", s.name);
      return 1;
    }
    double best = 1e18;
    for (int r = 0; r < rounds; ++r) {
      const int count = s.want == Rsc::kCreated ? n / 4 : n;
      best = std::min(best, NsPerCall(count, [&] { s.call(); }));
    }
    std::printf("%-20s %9.0f ns/request (best of %d)\n", s.name, best, rounds);
  }
  return 0;
}
