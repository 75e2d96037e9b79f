// Black- and greylist lookups (security/trust/trust_lists.h) with N entries loaded (default
// 10,000,000, the figure): mostly IMEIs, then IMSIs, AE-IDs, credentials and address
// prefixes of three lengths. Measures TrustLists::Match as the trust gate calls it — the AE-ID,
// credential, IMEI, IMSI and source address of one request — for requests whose identities are
// not listed (the common case) and for listed ones, with the latency of each call: p50, p99,
// p999 (the target: p99 ≤ 2 µs at 10,000,000 entries). Also prints the time to load
// the entries from the store and the process's resident memory.
//
// Usage: trust_lists_bench [N (10000000)] [lookups (1000000)]
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "primitive/json_util.h"
#include "security/trust/identifiers.h"
#include "security/trust/trust_lists.h"
#include "storage/store.h"

namespace bj = boost::json;
using namespace trustcse;
using namespace trustcse::security::trust;

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

long RssMiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) / 1024;
  }
  return 0;
}

// The i-th IMEI: a 14-digit body with its Luhn check digit.
std::string Imei(uint64_t i) {
  char body[16];
  std::snprintf(body, sizeof body, "35%012llu", static_cast<unsigned long long>(i));
  return *ValidateImei(body);
}
std::string ImsiOf(uint64_t i) {
  char b[16];
  std::snprintf(b, sizeof b, "40445%010llu", static_cast<unsigned long long>(i));
  return b;
}
std::string Ae(uint64_t i) { return "Cdev" + std::to_string(i); }
std::string Cred(uint64_t i) { return "x509:" + std::to_string(i); }
// Prefixes: /24 and /28 IPv4 in 10.0.0.0/8 and /48 IPv6 in 2001:db8::/32.
std::string Prefix(uint64_t i) {
  char b[64];
  switch (i % 3) {
    case 0:
      std::snprintf(b, sizeof b, "10.%llu.%llu.0/24", (i / 3) / 256 % 256ULL, (i / 3) % 256ULL);
      break;
    case 1:
      std::snprintf(b, sizeof b, "10.%llu.%llu.%llu/28", (i / 3) / 4096 % 256ULL,
                    (i / 3) / 16 % 256ULL, (i / 3) % 16 * 16);
      break;
    default:
      std::snprintf(b, sizeof b, "2001:db8:%llx::/48", (i / 3) % 65536ULL);
  }
  return b;
}

struct Mix {
  uint64_t imeis, imsis, aes, creds;
};

void Report(const char* name, std::vector<double>& ns) {
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) { return ns[static_cast<size_t>(q * (ns.size() - 1))]; };
  std::printf("%-34s p50 %5.0f ns, p99 %5.0f ns, p999 %6.0f ns (%zu lookups)\n", name, at(0.5),
              at(0.99), at(0.999), ns.size());
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t n = argc > 1 ? std::stoull(argv[1]) : 10000000;
  const size_t lookups = argc > 2 ? std::stoul(argv[2]) : 1000000;
  const Mix mix{n * 85 / 100, n * 8 / 100, n * 4 / 100, n * 2 / 100};
  const uint64_t prefixes =
      std::min<uint64_t>(n - mix.imeis - mix.imsis - mix.aes - mix.creds, 3 * 65536);
  const uint64_t aes = n - mix.imeis - mix.imsis - mix.creds - prefixes;  // the rest
  std::printf(
      "trust_lists_bench: %llu entries (%llu IMEIs, %llu IMSIs, %llu AE-IDs, %llu "
      "credentials, %llu prefixes)\n",
      static_cast<unsigned long long>(n), static_cast<unsigned long long>(mix.imeis),
      static_cast<unsigned long long>(mix.imsis), static_cast<unsigned long long>(aes),
      static_cast<unsigned long long>(mix.creds), static_cast<unsigned long long>(prefixes));

  // The entries as the store holds them, written in large transactions.
  auto store = storage::OpenMemoryStore();
  auto start = std::chrono::steady_clock::now();
  uint64_t written = 0;
  auto put = [&](const char* kind, auto value_of, uint64_t count, const char* list) {
    constexpr uint64_t kChunk = 100000;
    for (uint64_t from = 0; from < count; from += kChunk) {
      Status s = store->SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
        for (uint64_t i = from; i < std::min(count, from + kChunk); ++i) {
          ListEntry e;
          e.list = list;
          e.kind = kind;
          e.value = value_of(i);
          e.mode = e.list == "grey" ? "suspend" : "";
          e.reason = "reported stolen";
          e.owner = "fraud-desk";
          e.by = "bench";
          e.created = "20261207T000000";
          if (Status w = txn.PutObject(TrustLists::kKind, e.key(), json::Serialize(ToJson(e)));
              !w.ok()) {
            return w;
          }
        }
        return Status::Ok();
      });
      if (!s.ok()) {
        std::fprintf(stderr, "store: %s\n", s.message().c_str());
        std::exit(1);
      }
    }
    written += count;
  };
  put("imei", Imei, mix.imeis, "black");
  put("imsi", ImsiOf, mix.imsis, "grey");
  put("ae", Ae, aes, "black");
  put("credential", Cred, mix.creds, "black");
  put("prefix", Prefix, prefixes, "grey");
  std::printf("written to the store: %.1f s\n", Seconds(start));
  start = std::chrono::steady_clock::now();
  TrustLists lists(*store);
  if (Status s = lists.Load(); !s.ok()) {
    std::fprintf(stderr, "load: %s\n", s.message().c_str());
    return 1;
  }
  std::printf("loaded %zu entries: %.1f s, resident memory %ld MiB\n", lists.size(), Seconds(start),
              RssMiB());

  // A request's identities: not listed (numbers past the listed ones), or listed.
  std::mt19937_64 rng(42);
  // A request's identities: none listed (numbers past the listed ones, an address outside the
  // prefixes), or one of them listed — as a listed device's request shows it.
  auto request = [&](bool listed, std::vector<std::string>& keep, security::IpAddress& addr) {
    const uint64_t off = n;
    const int which = listed ? static_cast<int>(rng() % 5) : -1;
    auto at = [&](int k) { return which == k ? 0 : off; };
    keep = {Ae(rng() % std::max<uint64_t>(1, aes) + at(0)),
            Cred(rng() % std::max<uint64_t>(1, mix.creds) + at(1)),
            Imei(rng() % std::max<uint64_t>(1, mix.imeis) + at(2)),
            ImsiOf(rng() % std::max<uint64_t>(1, mix.imsis) + at(3))};
    char ip[64];
    if (which == 4) {  // inside a listed /24
      std::snprintf(ip, sizeof ip, "10.0.%u.%u", static_cast<unsigned>(rng() % 256),
                    static_cast<unsigned>(rng() % 256));
    } else {
      std::snprintf(ip, sizeof ip, "192.168.%u.%u", static_cast<unsigned>(rng() % 256),
                    static_cast<unsigned>(rng() % 256));
    }
    addr = *security::IpAddress::Parse(ip);
  };
  const TimePoint now = Now();
  for (bool listed : {false, true}) {
    std::vector<double> ns;
    ns.reserve(lookups);
    std::vector<std::string> keep;
    security::IpAddress addr;
    size_t hits = 0;
    for (size_t r = 0; r < lookups; ++r) {
      request(listed, keep, addr);
      TrustLists::Identities ids{keep[0], keep[1], keep[2], keep[3], {}, &addr};
      auto t0 = std::chrono::steady_clock::now();
      auto e = lists.Match(ids, now);
      auto t1 = std::chrono::steady_clock::now();
      hits += e != nullptr;
      ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
    }
    Report(listed ? "Match, one identity listed" : "Match, none listed", ns);
    if ((hits == lookups) != listed) {
      std::fprintf(stderr, "unexpected: %zu of %zu matched\n", hits, lookups);
      return 1;
    }
  }
  return 0;
}
