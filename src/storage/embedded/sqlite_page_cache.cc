// The page cache layer of sqlite_page_cache.h over SQLite's default page cache.
#include "storage/embedded/sqlite_page_cache.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <new>
#include <vector>

namespace trustcse::storage::sqlite {
namespace {

// SQLite's default page cache, captured before ours replaces it; read-only afterwards.
sqlite3_pcache_methods2 g_inner{};
std::atomic<uint64_t> g_skipped{0};
std::atomic<uint64_t> g_passed{0};

// More renamed-above-the-bound pages than this at once is not what B-tree balancing does (it
// renames one page at a time); past it they are folded into the bound instead of tracked.
constexpr size_t kMaxHigh = 16;

// One cache (one per connection). SQLite calls a cache from one thread at a time.
struct Cache {
  sqlite3_pcache* inner;
  unsigned max_fetched = 0;    // no page fetched so far has a larger number
  std::vector<unsigned> high;  // numbers above max_fetched that pages were renamed to

  bool MayHoldFrom(unsigned limit) const {
    if (limit <= max_fetched) return true;
    return std::any_of(high.begin(), high.end(), [&](unsigned k) { return k >= limit; });
  }
};

Cache* Of(sqlite3_pcache* p) { return reinterpret_cast<Cache*>(p); }

int Init(void*) { return g_inner.xInit(g_inner.pArg); }
void Shutdown(void*) {
  if (g_inner.xShutdown != nullptr) g_inner.xShutdown(g_inner.pArg);
}

sqlite3_pcache* Create(int page_size, int extra_size, int purgeable) {
  sqlite3_pcache* inner = g_inner.xCreate(page_size, extra_size, purgeable);
  if (inner == nullptr) return nullptr;
  auto* c = new (std::nothrow) Cache{inner, 0, {}};
  if (c == nullptr) {
    g_inner.xDestroy(inner);
    return nullptr;
  }
  c->high.reserve(kMaxHigh + 1);  // no allocation on the path that renames pages
  return reinterpret_cast<sqlite3_pcache*>(c);
}

void Cachesize(sqlite3_pcache* p, int n) { g_inner.xCachesize(Of(p)->inner, n); }
int Pagecount(sqlite3_pcache* p) { return g_inner.xPagecount(Of(p)->inner); }

sqlite3_pcache_page* Fetch(sqlite3_pcache* p, unsigned key, int create) {
  Cache* c = Of(p);
  sqlite3_pcache_page* page = g_inner.xFetch(c->inner, key, create);
  if (page != nullptr && key > c->max_fetched) c->max_fetched = key;
  return page;
}

void Unpin(sqlite3_pcache* p, sqlite3_pcache_page* page, int discard) {
  g_inner.xUnpin(Of(p)->inner, page, discard);
}

void Rekey(sqlite3_pcache* p, sqlite3_pcache_page* page, unsigned old_key, unsigned new_key) {
  Cache* c = Of(p);
  g_inner.xRekey(c->inner, page, old_key, new_key);
  // Page numbers are unique within a cache: nothing is numbered old_key any more.
  c->high.erase(std::remove(c->high.begin(), c->high.end(), old_key), c->high.end());
  if (new_key > c->max_fetched) {
    c->high.push_back(new_key);
    if (c->high.size() > kMaxHigh) {
      c->max_fetched = std::max(c->max_fetched, *std::max_element(c->high.begin(), c->high.end()));
      c->high.clear();
    }
  }
}

void Truncate(sqlite3_pcache* p, unsigned limit) {
  Cache* c = Of(p);
  if (!c->MayHoldFrom(limit)) {
    g_skipped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  g_passed.fetch_add(1, std::memory_order_relaxed);
  g_inner.xTruncate(c->inner, limit);
  // Nothing numbered limit or more is left.
  if (limit == 0) {
    c->max_fetched = 0;
    c->high.clear();
    return;
  }
  c->max_fetched = std::min(c->max_fetched, limit - 1);
  c->high.erase(std::remove_if(c->high.begin(), c->high.end(), [&](unsigned k) { return k >= limit; }),
                c->high.end());
}

void Destroy(sqlite3_pcache* p) {
  Cache* c = Of(p);
  g_inner.xDestroy(c->inner);
  delete c;
}

void Shrink(sqlite3_pcache* p) {
  if (g_inner.xShrink != nullptr) g_inner.xShrink(Of(p)->inner);
}

}  // namespace

bool InstallPageCacheLayer() {
  if (sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &g_inner) != SQLITE_OK || g_inner.xFetch == nullptr)
    return false;
  static const sqlite3_pcache_methods2 kLayer = {
      1,    nullptr, Init,  Shutdown, Create,  Cachesize, Pagecount,
      Fetch, Unpin,  Rekey, Truncate, Destroy, Shrink,
  };
  return sqlite3_config(SQLITE_CONFIG_PCACHE2, &kLayer) == SQLITE_OK;
}

PageCacheCounters PageCacheCountersNow() {
  return {g_skipped.load(std::memory_order_relaxed), g_passed.load(std::memory_order_relaxed)};
}

}  // namespace trustcse::storage::sqlite
