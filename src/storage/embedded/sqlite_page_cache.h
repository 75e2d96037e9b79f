// A thin layer over SQLite's own page cache (pcache1) that skips the page cache truncations
// that have nothing to drop.
//
// Why: at the end of every write transaction SQLite truncates the writer's page cache to the
// database size. pcache1 decides whether that has work to do from the largest page number the
// cache has ever held, and B-tree balancing briefly renames a page to the never-used
// "pending byte" page number (page 262145 with 4 KiB pages) — so after any page split in a
// transaction the check always says yes and the truncation walks every hash bucket and every
// cached page: with the 64 MiB writer cache, ~1.5 ms of cache misses per commit, a sixth of the
// writer thread when creates are spread over many containers (docs/design/storage_fleet.md).
//
// What: every call goes to pcache1 unchanged, except xTruncate(limit), which is not passed on
// when no page numbered >= limit can be in the cache. That is known from an upper bound kept
// per cache: the largest page number fetched, plus the few numbers pages were renamed to above
// it (removed when renamed away). The bound only ever over-approximates (evictions are not
// seen), so a truncation with work to do is never skipped; one that is passed on resets it.
#pragma once

#include <cstdint>

namespace trustcse::storage::sqlite {

// Installs the layer; must run before SQLite initializes (ConfigureSqliteOnce calls it).
// Returns false, leaving SQLite's page cache as it was, if SQLite is already initialized.
bool InstallPageCacheLayer();

struct PageCacheCounters {
  uint64_t truncations_skipped = 0;
  uint64_t truncations_passed = 0;
};
// Process-wide counts since start (relaxed atomics; for tests and diagnostics).
PageCacheCounters PageCacheCountersNow();

}  // namespace trustcse::storage::sqlite
