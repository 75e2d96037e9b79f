// The expiration reaper: deletes resources whose expirationTime has passed, through the same
// delete path as a client's DELETE (parent counters, notifications, subscription deletion).
//
// It takes the expired resources in batches, soonest expired first (the store reads them from
// its expiry index, O(batch) however long the backlog is), deletes a batch through the writer
// and waits for it before listing again, so that a batch is never listed twice and at most one
// batch is in flight. While batches come back full it goes on at once: a fleet whose instances
// expire faster than one batch per interval is drained at the writer's pace, not at a fixed
// 1,000 per interval behind an ever longer backlog.
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "dispatcher/internal.h"

namespace trustcse::dispatcher {
namespace {

constexpr size_t kReapBatch = 1000;
// How long one batch's deletions may take before the reaper lists again anyway (a stuck
// writer); a deletion answered later finds its resource gone and is ignored.
constexpr auto kBatchWait = std::chrono::seconds(60);

// Counts one batch's deletions back in; they complete on storage threads.
struct BatchWait {
  std::mutex mu;
  std::condition_variable cv;
  size_t pending = 0;
  size_t deleted = 0;
};

}  // namespace

struct Dispatcher::ReapCounts {
  size_t listed = 0;     // expired resources the store listed (at most kReapBatch)
  size_t scheduled = 0;  // deletions issued: the listed less those below another listed one
  size_t deleted = 0;    // deletions that succeeded (with their descendants)
};

size_t Dispatcher::ReapExpired() { return ReapBatch().scheduled; }

Dispatcher::ReapCounts Dispatcher::ReapBatch() {
  ReapCounts counts;
  auto expired = impl_->store.Expired(FormatTimestamp(Now()), kReapBatch);
  if (!expired) {
    spdlog::error("reaper: listing expired resources failed");
    return counts;
  }
  counts.listed = expired->size();
  // In path order a descendant follows its ancestor, and goes with the ancestor's deletion.
  std::sort(expired->begin(), expired->end(),
            [](const storage::ResourceRecord& a, const storage::ResourceRecord& b) {
              return a.path < b.path;
            });
  auto wait = std::make_shared<BatchWait>();
  std::vector<const storage::ResourceRecord*> roots;
  const std::string* last_root = nullptr;
  for (const auto& rec : *expired) {
    if (rec.ty == resources::ty::kCseBase) continue;
    if (last_root != nullptr && storage::IsBelow(rec.path, *last_root)) continue;
    last_root = &rec.path;
    roots.push_back(&rec);
  }
  wait->pending = roots.size();
  for (const auto* rec : roots) {
    impl_->DeleteResource(rec->ri, options_.self.cse_id, "3",
                          [wait, ri = rec->ri](Result<storage::ResourceRecord> r) {
                            if (!r && r.error().code() != Rsc::kNotFound) {
                              spdlog::warn("reaper: deleting {} failed: {}", ri,
                                           r.error().message());
                            }
                            std::lock_guard lock(wait->mu);
                            if (r) ++wait->deleted;
                            if (--wait->pending == 0) wait->cv.notify_all();
                          });
  }
  // Waits in slices, so that StopReaper() is not held up by a slow writer.
  const auto deadline = std::chrono::steady_clock::now() + kBatchWait;
  std::unique_lock lock(wait->mu);
  while (wait->pending > 0 && !reaper_stop_) {
    if (std::chrono::steady_clock::now() >= deadline) {
      spdlog::warn("reaper: {} of {} deletions still pending after {} s", wait->pending,
                   roots.size(), kBatchWait.count());
      break;
    }
    wait->cv.wait_for(lock, std::chrono::milliseconds(50));
  }
  counts.scheduled = roots.size();
  counts.deleted = wait->deleted;
  return counts;
}

void Dispatcher::StartReaper(std::chrono::milliseconds interval) {
  StopReaper();
  reaper_stop_ = false;
  reaper_ = std::thread([this, interval] {
    pthread_setname_np(pthread_self(), "tc-reaper");
    while (!reaper_stop_) {
      // Sleep in short slices so StopReaper() returns promptly.
      for (auto waited = std::chrono::milliseconds(0); waited < interval && !reaper_stop_;
           waited += std::chrono::milliseconds(50)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      // A full batch that deleted something: more may be waiting, so go on without sleeping.
      const auto start = std::chrono::steady_clock::now();
      size_t total = 0;
      size_t batches = 0;
      for (;;) {
        if (reaper_stop_) break;
        const ReapCounts counts = ReapBatch();
        total += counts.deleted;
        ++batches;
        if (counts.listed < kReapBatch || counts.deleted == 0) break;
      }
      if (batches > 1) {
        spdlog::info("reaper: deleted {} expired resources in {} batches, {:.1f} s", total,
                     batches,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
                         .count());
      }
    }
  });
}

void Dispatcher::StopReaper() {
  reaper_stop_ = true;
  if (reaper_.joinable()) reaper_.join();
}

}  // namespace trustcse::dispatcher
