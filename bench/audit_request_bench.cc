// audit_request_bench: what the audit log costs on the request path (AUD-1, docs/audit.md).
// The dispatcher in process on a durable SQLite store (a temporary file, fsync on), with and
// without the audit log, in alternating rounds of the same sitting:
//   register     AE registrations (each one an audit entry in its own transaction)
//   deregister   their deletions (each one an entry)
//   create cin   contentInstance creates (no entry: the cost of looking at the write)
// `inflight` requests are kept outstanding, as many connections would, so the storage writer
// groups them into group commits as it does for the server. Prints requests/s per scenario
// and build (the median of ROUNDS; fsync makes single rounds noisy) and the ratio audited / not
// audited. Usage: audit_request_bench [N per round, 8000] [ROUNDS, 7] [inflight, 64]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "dispatcher/dispatcher.h"
#include "primitive/json_util.h"
#include "security/audit/audit_log.h"
#include "server/security_chains.h"

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
  std::string path;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<notification::Notifier> notifier;
  std::unique_ptr<dispatcher::Dispatcher> d;
  CseIdentity self{"/id-in", "cse-in", "//trustcse.local"};

  Bench(bool audited, const std::string& file) : path(file) {
    storage::SqliteOptions so;
    so.path = path;
    so.synchronous_full = true;
    auto s = storage::OpenSqliteStore(so);
    if (!s) std::abort();
    store = std::move(*s);
    notification::NotifierOptions no;
    no.self = self;
    notifier = std::make_unique<notification::Notifier>(no, *store, std::make_unique<NullSender>());
    dispatcher::DispatcherOptions o;
    o.self = self;
    if (audited) o.audit_log = std::make_shared<security::audit::AuditLogWriter>();
    d = std::make_unique<dispatcher::Dispatcher>(o, *store, *notifier);
    d->InstallSecurityChains(server::AssembleChains({}, d->authorization_services()));
    if (!d->Bootstrap().ok() || !notifier->Start().ok()) std::abort();
  }
  ~Bench() {
    d->Stop();
    notifier->Stop();
    store->Close();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }

  RequestPrimitive Request(Operation op, std::string to, std::string fr, int ty, std::string pc) {
    RequestPrimitive req;
    req.op = op;
    req.to = std::move(to);
    req.fr = std::move(fr);
    req.rqi = "r";
    req.rvi = "3";
    req.ty = ty;
    req.peer_address = "127.0.0.1";
    req.binding = "https";
    if (!pc.empty()) req.pc = *json::Parse(pc);
    return req;
  }

  // Runs make(i) for i in [first, first + n) with `inflight` outstanding; requests/s, or -1 if
  // one was answered other than `want`.
  double Run(int first, int n, int inflight, Rsc want,
             const std::function<RequestPrimitive(int)>& make) {
    std::mutex mu;
    std::condition_variable cv;
    int outstanding = 0, done = 0;
    std::atomic<bool> wrong{false};
    auto t0 = std::chrono::steady_clock::now();
    for (int i = first; i < first + n; ++i) {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return outstanding < inflight; });
        ++outstanding;
      }
      d->Handle(make(i), [&, want](ResponsePrimitive r) {
        if (r.rsc != want) wrong = true;
        std::lock_guard lock(mu);
        --outstanding;
        ++done;
        cv.notify_all();
      });
    }
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done == n; });
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return wrong ? -1 : n / s;
  }
};

std::string Ae(int i) { return "Cdev" + std::to_string(i); }

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 8000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 7;
  const int inflight = argc > 3 ? std::atoi(argv[3]) : 64;
  spdlog::set_level(spdlog::level::err);
  const std::string dir = std::filesystem::temp_directory_path().string();
  const char* names[] = {"register", "deregister", "create cin"};
  std::vector<double> got_all[2][3];
  for (int r = 0; r < rounds; ++r) {
    for (int k = 0; k < 2; ++k) {  // alternating, and each build first every other round
      const int audited = (r + k) % 2;
      Bench b(audited == 1, dir + "/audit_request_bench." + std::to_string(::getpid()) + ".db");
      double reg = b.Run(0, n, inflight, Rsc::kCreated, [&](int i) {
        return b.Request(Operation::kCreate, "cse-in", Ae(i), 2,
                         R"({"m2m:ae":{"rn":")" + Ae(i) + R"(","api":"Nb","rr":false,"srv":["3"]}})");
      });
      if (b.Run(0, 1, 1, Rsc::kCreated, [&](int) {
            return b.Request(Operation::kCreate, "cse-in/Cdev0", "Cdev0", 3,
                             R"({"m2m:cnt":{"rn":"data","mni":100000000}})");
          }) < 0) {
        std::fprintf(stderr, "audit_request_bench: set-up failed\n");
        return 1;
      }
      double cin = b.Run(0, n, inflight, Rsc::kCreated, [&](int) {
        return b.Request(Operation::kCreate, "cse-in/Cdev0/data", "Cdev0", 4,
                         R"({"m2m:cin":{"con":"21.5"}})");
      });
      double dereg = b.Run(1, n - 1, inflight, Rsc::kDeleted, [&](int i) {
        return b.Request(Operation::kDelete, "cse-in/" + Ae(i), Ae(i), 0, "");
      });
      if (reg < 0 || cin < 0 || dereg < 0) {
        std::fprintf(stderr, "audit_request_bench: a request was answered unexpectedly\n");
        return 1;
      }
      double got[3] = {reg, dereg, cin};
      for (int s = 0; s < 3; ++s) got_all[audited][s].push_back(got[s]);
    }
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  };
  std::printf("%-12s %14s %14s %7s   (%d requests, %d in flight, median of %d, fsync on)\n",
              "scenario", "no audit /s", "audited /s", "ratio", n, inflight, rounds);
  for (int s = 0; s < 3; ++s) {
    const double off = median(got_all[0][s]), on = median(got_all[1][s]);
    std::printf("%-12s %14.0f %14.0f %7.3f\n", names[s], off, on, on / off);
  }
  return 0;
}
