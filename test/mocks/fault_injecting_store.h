// FaultInjectingStore: a storage::Store decorator for unit tests of the layers above storage
// (resources, dispatcher, security, notification) that must behave when a write does not become
// durable — a full disk, an I/O error, a slow fsync — which a real backend cannot be made to do
// on cue.
//
// It wraps a real store (usually OpenMemoryStore(), or a SQLite store) and forwards everything to
// it. It can be told to fail the n-th commit, the next one, or every commit from now on, with a
// given Status; to delay acknowledgements; or to fail reads. "Commit" means one Submit(): the
// unit the Store contract makes atomic and acknowledges with `done`. Commits are numbered 1, 2, …
// in Submit order from construction (submitted() is the count so far).
//
// A failed commit is real, not just reported: the WriteFn runs on the wrapped store's writer as
// usual (so its reads and checks happen), then the decorator returns the injected Status from
// it, which by the Store contract makes the wrapped store undo everything the WriteFn did. `done`
// receives the injected Status, and the wrapped store holds nothing of the write. If the WriteFn
// fails by itself, its own Status wins.
//
// A delay is spent on the thread that calls `done` (the writer thread for SQLite, the submitting
// thread for the memory store), before `done`: the write is committed and visible to reads, its
// acknowledgement late, and — on SQLite — later commits wait behind it, as behind a slow fsync.
//
// Ownership: owns the wrapped store; inner() gives tests direct access to it (to check what was
// really kept). Thread-safety: every method may be called from any thread; the fault settings
// apply to the Submits and reads that start after the call returns. Errors: only the injected
// ones, and whatever the wrapped store returns.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/status.h"
#include "storage/store.h"

namespace trustcse::mocks {

class FaultInjectingStore final : public storage::Store {
 public:
  explicit FaultInjectingStore(std::unique_ptr<storage::Store> inner) : inner_(std::move(inner)) {}
  ~FaultInjectingStore() override { Close(); }
  FaultInjectingStore(const FaultInjectingStore&) = delete;
  FaultInjectingStore& operator=(const FaultInjectingStore&) = delete;

  // --- Faults. `status` must not be OK (an OK status would let the write commit). ---

  // Fails commit number `n` (1-based, counted from construction) with `status`. Replaces an
  // earlier FailCommit / FailNextCommit that has not fired yet.
  void FailCommit(uint64_t n, Status status) {
    std::lock_guard lock(mu_);
    nth_ = n;
    nth_status_ = std::move(status);
  }
  // Fails the next Submit with `status`.
  void FailNextCommit(Status status) {
    std::lock_guard lock(mu_);
    nth_ = submitted_ + 1;
    nth_status_ = std::move(status);
  }
  // Fails every Submit from now on with `status`, until StopFailing().
  void FailAllCommits(Status status) {
    std::lock_guard lock(mu_);
    all_status_ = std::move(status);
  }
  // Every read (Get, GetByPath, Children, GetObject, ListObjects, Discover, Expired) fails with
  // `status` until StopFailing(). Reads through a WriteTxn are not affected.
  void FailReads(Status status) {
    std::lock_guard lock(mu_);
    read_status_ = std::move(status);
  }
  // Clears every commit and read fault (not the delay).
  void StopFailing() {
    std::lock_guard lock(mu_);
    nth_ = 0;
    nth_status_.reset();
    all_status_.reset();
    read_status_.reset();
  }
  // Delays every later acknowledgement by `delay` (zero: no delay).
  void DelayCommits(std::chrono::milliseconds delay) {
    std::lock_guard lock(mu_);
    delay_ = delay;
  }

  // --- Observation. ---

  // Submits so far (the number of the last commit).
  uint64_t submitted() const {
    std::lock_guard lock(mu_);
    return submitted_;
  }
  // Commits failed by injection so far (counted when the WriteFn is undone).
  uint64_t injected_failures() const { return injected_failures_.load(); }
  storage::Store& inner() { return *inner_; }

  // --- storage::Store. ---

  Result<std::optional<storage::ResourceRecord>> Get(std::string_view ri) override {
    if (auto s = ReadFault()) return Err(std::move(*s));
    return inner_->Get(ri);
  }
  Result<std::optional<storage::ResourceRecord>> GetByPath(std::string_view path) override {
    if (auto s = ReadFault()) return Err(std::move(*s));
    return inner_->GetByPath(path);
  }
  Result<std::vector<storage::ResourceRecord>> Children(std::string_view pi, int ty,
                                                        storage::ChildOrder order,
                                                        size_t limit) override {
    if (auto s = ReadFault()) return Err(std::move(*s));
    return inner_->Children(pi, ty, order, limit);
  }
  Result<std::optional<std::string>> GetObject(std::string_view kind,
                                               std::string_view id) override {
    if (auto s = ReadFault()) return Err(std::move(*s));
    return inner_->GetObject(kind, id);
  }
  Result<std::vector<storage::ObjectRecord>> ListObjects(std::string_view kind) override {
    if (auto s = ReadFault()) return Err(std::move(*s));
    return inner_->ListObjects(kind);
  }
  Result<std::vector<storage::ResourceRecord>> Discover(
      const storage::DiscoveryQuery& q) override {
    if (auto s = ReadFault()) return Err(std::move(*s));
    return inner_->Discover(q);
  }
  Result<std::vector<storage::ResourceRecord>> Expired(std::string_view now,
                                                       size_t limit) override {
    if (auto s = ReadFault()) return Err(std::move(*s));
    return inner_->Expired(now, limit);
  }

  void Submit(storage::WriteFn fn, storage::WriteDone done) override {
    std::optional<Status> fault;
    std::chrono::milliseconds delay{0};
    {
      std::lock_guard lock(mu_);
      ++submitted_;
      if (nth_ != 0 && submitted_ == nth_) {
        fault = std::move(nth_status_);
        nth_ = 0;
        nth_status_.reset();
      } else if (all_status_) {
        fault = all_status_;
      }
      delay = delay_;
    }
    if (fault) {
      fn = [fn = std::move(fn), fault = std::move(*fault), this](storage::WriteTxn& txn) {
        Status s = fn ? fn(txn) : Status::Ok();
        if (!s.ok()) return s;
        injected_failures_.fetch_add(1);
        return fault;
      };
    }
    if (delay.count() > 0) {
      done = [done = std::move(done), delay](Status s) {
        std::this_thread::sleep_for(delay);
        if (done) done(std::move(s));
      };
    }
    inner_->Submit(std::move(fn), std::move(done));
  }

  void Close() override { inner_->Close(); }

 private:
  std::optional<Status> ReadFault() const {
    std::lock_guard lock(mu_);
    return read_status_;
  }

  const std::unique_ptr<storage::Store> inner_;
  mutable std::mutex mu_;
  uint64_t submitted_ = 0;                 // guarded by mu_
  uint64_t nth_ = 0;                       // guarded by mu_; 0 = none
  std::optional<Status> nth_status_;       // guarded by mu_
  std::optional<Status> all_status_;       // guarded by mu_
  std::optional<Status> read_status_;      // guarded by mu_
  std::chrono::milliseconds delay_{0};     // guarded by mu_
  std::atomic<uint64_t> injected_failures_{0};
};

}  // namespace trustcse::mocks
