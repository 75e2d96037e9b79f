// The cost of one access decision on compiled ACPs (security/authz/compiled_acp.h), for
// privileges of 1, 10 and 100 rules, with and without contexts, granted by the last rule (the
// worst case) or by none. Also counts heap allocations per decision: the target is zero.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include <boost/json.hpp>

#include "common/time.h"
#include "security/authz/compiled_acp.h"

namespace {

std::atomic<uint64_t> g_allocations{0};

}  // namespace

// The replacement operators pair malloc with free; GCC cannot see that they match.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace trustcse::security {
namespace {

// N rules for originators C0…C(N-1); with contexts each rule also carries a time window, two
// address ranges and a region, the shape of a typical field-device policy.
CompiledPrivileges Make(int rules, bool contexts) {
  boost::json::array acr;
  for (int i = 0; i < rules; ++i) {
    boost::json::object r;
    r["acor"] = boost::json::array{"C" + std::to_string(i), "Cteam-*"};
    r["acop"] = 3;
    if (contexts) {
      r["acco"] = boost::json::array{boost::json::object{
          {"actw", boost::json::array{"* * 6-22 * * 1-5 *", "* * 22-6 * * * *"}},
          {"acip", boost::json::object{{"ipv4", boost::json::array{"10.0.0.0/8", "127.0.0.0/8"}},
                                       {"ipv6", boost::json::array{"2001:db8::/32"}}}}}};
    }
    acr.push_back(std::move(r));
  }
  boost::json::value pv = boost::json::object{{"acr", std::move(acr)}};
  return std::move(*CompiledPrivileges::Compile(&pv));
}

void Decide(benchmark::State& state, bool contexts, bool granted) {
  const int rules = static_cast<int>(state.range(0));
  CompiledPrivileges p = Make(rules, contexts);
  std::string originator = granted ? "C" + std::to_string(rules - 1) : "Cstranger";
  auto source = IpAddress::Parse("127.0.0.1");
  AccessRequest req;
  req.originator = originator;
  req.access = 2;
  req.time = *ParseTimestamp("20261123T101500");
  req.source = &*source;
  uint64_t before = g_allocations.load();
  for (auto _ : state) {
    bool ok = p.Grants(req);
    benchmark::DoNotOptimize(ok);
  }
  state.counters["allocs_per_decision"] = benchmark::Counter(
      static_cast<double>(g_allocations.load() - before), benchmark::Counter::kAvgIterations);
}

void BM_GrantedByLastRule(benchmark::State& s) { Decide(s, false, true); }
void BM_GrantedByLastRuleWithContexts(benchmark::State& s) { Decide(s, true, true); }
void BM_DeniedNoRuleMatches(benchmark::State& s) { Decide(s, false, false); }

BENCHMARK(BM_GrantedByLastRule)->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(BM_GrantedByLastRuleWithContexts)->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(BM_DeniedNoRuleMatches)->Arg(1)->Arg(10)->Arg(100);

}  // namespace
}  // namespace trustcse::security

BENCHMARK_MAIN();
