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

}  // namespace trustcse::storage
