// Bulk jobs of the trust centre (security/trust/bulk_job.h) on a durable SQLite store: N
// machines imported, N subscriptions imported, then all N suspended in bulk — batches of 5,000
// committed with the job's progress, as `trustcse device import | subscription import |
// subscription bulk` send them — against the baseline of the same transition one by one
// (one commit each), measured in the same run on the first `one_by_one` subscriptions.
//
// Usage: trust_bulk_bench [N (1000000)] [one_by_one (2000)] [dir (a temporary one)]
// Prints items/s per phase, the bulk suspend's duration (the target: 1,000,000 in
// ≤ 30 s) and the ratio of bulk to one-by-one throughput.
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "security/trust/bulk_job.h"
#include "security/trust/subscriptions.h"
#include "security/trust/trust_registry.h"
#include "storage/store.h"

namespace bj = boost::json;
using namespace trustcse;
using namespace trustcse::security::trust;

namespace {

constexpr size_t kBatch = 5000;

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

std::string Id(const char* prefix, size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%07zu", prefix, i);
  return buf;
}

BulkBatch Batch(const std::string& job, size_t total, size_t offset) {
  BulkBatch b;
  b.job = job;
  b.total = total;
  b.offset = offset;
  b.by = "bench";
  return b;
}

// Runs `phase(offset, count)` over [0, n) in batches; prints and returns items/s.
template <class Phase>
double Run(const char* name, size_t n, Phase phase) {
  auto start = std::chrono::steady_clock::now();
  for (size_t offset = 0; offset < n; offset += kBatch) {
    const size_t count = std::min(kBatch, n - offset);
    auto job = phase(offset, count);
    if (!job || job->failed != 0) {
      std::fprintf(stderr, "%s: batch at %zu failed: %s\n", name, offset,
                   job ? job->errors.at(0).c_str() : job.error().message().c_str());
      std::exit(1);
    }
  }
  const double s = Seconds(start);
  std::printf("%-34s %9zu items in %6.2f s: %9.0f items/s\n", name, n, s, n / s);
  return n / s;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::stoul(argv[1]) : 1000000;
  const size_t one_by_one = std::min(n, argc > 2 ? std::stoul(argv[2]) : size_t{2000});
  std::filesystem::path dir = argc > 3 ? std::filesystem::path(argv[3])
                                       : std::filesystem::temp_directory_path() /
                                             ("trustcse-bulk-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  storage::SqliteOptions o;
  o.path = (dir / "bench.db").string();
  auto store = storage::OpenSqliteStore(o);  // durable: every commit fsync'd
  if (!store) {
    std::fprintf(stderr, "store: %s\n", store.error().message().c_str());
    return 1;
  }
  auto trust = std::make_shared<TrustRegistry>(**store);
  Provider p;
  p.company = "Bench";
  p.contact = "ops@bench.example";
  Application app;
  app.provider = "SP000001";
  app.name = "meters";
  app.use_case = UseCaseClass::kNBN;
  app.practice_statement = "cps";
  if (!trust->AddProvider(p) || !trust->AddApp(app)) return 1;
  auto subs = std::make_shared<SubscriptionRegistry>(**store, trust);
  std::printf("trust_bulk_bench: %zu machines and subscriptions, batches of %zu, store %s\n", n,
              kBatch, o.path.c_str());

  Run("device import", n, [&](size_t offset, size_t count) {
    bj::array items;
    for (size_t i = offset; i < offset + count; ++i) {
      items.emplace_back(bj::object{{"id", Id("m", i)},
                                    {"app", "RSP000001-1"},
                                    {"entities", bj::array{Id("Cm", i)}},
                                    {"purpose", "metering"}});
    }
    return trust->AddMachineBatch(Batch("devices", n, offset), items);
  });
  Run("subscription import", n, [&](size_t offset, size_t count) {
    bj::array items;
    for (size_t i = offset; i < offset + count; ++i) {
      items.emplace_back(bj::object{
          {"id", Id("s", i)},
          {"machine", Id("m", i)},
          {"state", "active"},
          {"profile", bj::object{{"operations", bj::array{"create", "retrieve"}}, {"rate", 2}}}});
    }
    return subs->AddBatch(Batch("subs", n, offset), items);
  });

  // Baseline: the same transition one by one (one durable commit each).
  auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < one_by_one; ++i) {
    if (!subs->Transition(Id("s", i), "suspended", "baseline", false, "bench")) return 1;
  }
  const double single_s = Seconds(start);
  const double single_rate = one_by_one / single_s;
  std::printf("%-34s %9zu items in %6.2f s: %9.0f items/s\n", "suspend one by one (baseline)",
              one_by_one, single_s, single_rate);
  for (size_t i = 0; i < one_by_one; ++i) {
    if (!subs->Transition(Id("s", i), "active", "baseline", false, "bench")) return 1;
  }

  start = std::chrono::steady_clock::now();
  const double bulk_rate = Run("suspend in bulk", n, [&](size_t offset, size_t count) {
    std::vector<std::string> ids;
    ids.reserve(count);
    for (size_t i = offset; i < offset + count; ++i) ids.push_back(Id("s", i));
    return subs->TransitionBatch(Batch("storm", n, offset), ids, "suspended", "storm", false);
  });
  const double bulk_s = Seconds(start);
  std::printf(
      "bulk suspend of %zu: %.1f s (target for 1,000,000: <= 30 s); %.0fx the one-by-one "
      "rate\n",
      n, bulk_s, bulk_rate / single_rate);
  (*store)->Close();
  if (argc <= 3) std::filesystem::remove_all(dir);
  return 0;
}
