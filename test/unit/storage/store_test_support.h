// Helpers of the storage tests (store_test.cc, embedded/sqlite_store_test.cc): a temp
// directory, records and queries, and tools to observe or hold the writer thread.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "storage/embedded/sqlite_store.h"
#include "storage/query.h"
#include "storage/store.h"

namespace trustcse::storage::test_support {

namespace fs = std::filesystem;

// A fresh directory under the system temp directory, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "trustcse-store-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A record whose ri, pi and rn follow from its path.
inline ResourceRecord Rec(const std::string& path, int ty = 3, const std::string& ct = "20240101T000000",
                   std::vector<std::string> lbl = {}) {
  ResourceRecord r;
  r.path = path;
  size_t slash = path.rfind('/');
  r.rn = slash == std::string::npos ? path : path.substr(slash + 1);
  r.ri = "id:" + path;
  r.pi = slash == std::string::npos ? "" : "id:" + path.substr(0, slash);
  r.ty = ty;
  r.ct = ct;
  r.lt = ct;
  r.lbl = std::move(lbl);
  r.body = R"({"rn":")" + r.rn + R"("})";
  return r;
}

// Queries and options are built field by field: designated initializers that leave fields out
// trip GCC's -Wmissing-field-initializers.
inline DiscoveryQuery Query(std::string root) {
  DiscoveryQuery q;
  q.root_path = std::move(root);
  return q;
}
template <typename F>
inline DiscoveryQuery Query(std::string root, F&& set) {
  DiscoveryQuery q = Query(std::move(root));
  set(q);
  return q;
}

inline SqliteOptions Options(std::string path, size_t max_batch = 512) {
  SqliteOptions options;
  options.path = std::move(path);
  options.max_batch = max_batch;
  return options;
}

inline auto Fields(const ResourceRecord& r) {
  return std::tie(r.ri, r.pi, r.rn, r.path, r.ty, r.ct, r.lt, r.et, r.st, r.cr, r.cs, r.cty, r.lbl,
                  r.body);
}

inline std::vector<std::string> Paths(const std::vector<ResourceRecord>& records) {
  std::vector<std::string> out;
  for (const ResourceRecord& r : records) out.push_back(r.path);
  return out;
}

// Collects the statuses of asynchronous Submits and waits for all of them.
class DoneCollector {
 public:
  WriteDone Slot() {
    std::lock_guard lock(mu_);
    size_t i = statuses_.size();
    statuses_.emplace_back();
    return [this, i](Status s) {
      std::lock_guard lock(mu_);
      statuses_[i] = std::move(s);
      ++finished_;
      cv_.notify_all();
    };
  }
  std::vector<Status> Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return finished_ == statuses_.size(); });
    return statuses_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Status> statuses_;
  size_t finished_ = 0;
};

// Holds the SQLite writer inside a WriteFn, so that what is submitted meanwhile queues up and
// goes into the next batch together.
class WriterGate {
 public:
  explicit WriterGate(Store& store) {
    auto entered = std::make_shared<std::promise<void>>();
    std::future<void> entered_future = entered->get_future();
    std::shared_future<void> opened = open_.get_future().share();
    store.Submit(
        [entered, opened](WriteTxn&) {
          entered->set_value();
          opened.wait();
          return Status::Ok();
        },
        nullptr);
    entered_future.wait();
  }
  ~WriterGate() { Release(); }
  void Release() {
    if (!released_) open_.set_value();
    released_ = true;
  }

 private:
  std::promise<void> open_;
  bool released_ = false;
};

}  // namespace trustcse::storage::test_support
