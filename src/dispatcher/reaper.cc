// The expiration reaper: deletes resources whose expirationTime has passed, through the same
// delete path as a client's DELETE (parent counters, notifications, subscription deletion).
#include <pthread.h>
#include <spdlog/spdlog.h>

#include "dispatcher/internal.h"

namespace trustcse::dispatcher {

size_t Dispatcher::ReapExpired() {
  auto expired = impl_->store.Expired(FormatTimestamp(Now()), 1000);
  if (!expired) {
    spdlog::error("reaper: listing expired resources failed");
    return 0;
  }
  size_t n = 0;
  std::string last_root;
  for (const auto& rec : *expired) {
    if (rec.ty == resources::ty::kCseBase) continue;
    // Records come in path order: a descendant of a resource already scheduled goes with it.
    if (!last_root.empty() && storage::IsBelow(rec.path, last_root)) continue;
    last_root = rec.path;
    ++n;
    impl_->DeleteResource(rec.ri, options_.self.cse_id, "3",
                          [ri = rec.ri](Result<storage::ResourceRecord> r) {
                            if (!r && r.error().code() != Rsc::kNotFound) {
                              spdlog::warn("reaper: deleting {} failed: {}", ri, r.error().message());
                            }
                          });
  }
  return n;
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
      if (!reaper_stop_) ReapExpired();
    }
  });
}

void Dispatcher::StopReaper() {
  reaper_stop_ = true;
  if (reaper_.joinable()) reaper_.join();
}

}  // namespace trustcse::dispatcher
