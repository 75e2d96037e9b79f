#include "storage/store.h"

#include <future>
#include <memory>
#include <utility>

namespace trustcse::storage {

Status Store::SubmitAndWait(WriteFn fn) {
  // The promise is shared with the callback rather than captured by reference: `done` may still
  // be inside set_value() when this thread wakes up and returns, and WriteDone must be copyable.
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> future = promise->get_future();
  Submit(std::move(fn), [promise](Status s) { promise->set_value(std::move(s)); });
  return future.get();
}

Status Store::Probe(std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> future = promise->get_future();
  Submit([](WriteTxn&) { return Status::Ok(); },
         [promise](Status s) { promise->set_value(std::move(s)); });
  if (future.wait_for(timeout) != std::future_status::ready) {
    return Status::Internal("the storage writer did not answer within " +
                            std::to_string(timeout.count()) + " ms");
  }
  Status s = future.get();
  if (!s.ok()) return Status::Internal("the store refused a write: " + s.message());
  if (!writer_stats().last_commit_ok) return Status::Internal("the latest commit failed");
  return Status::Ok();
}

}  // namespace trustcse::storage
