// SqliteStore: the embedded storage backend, one SQLite database file in WAL mode.
//
// Writes: one writer thread owns the only write connection. Submit() queues (fn, done); the
// writer takes up to max_batch queued items, runs each WriteFn inside its own SAVEPOINT of one
// BEGIN IMMEDIATE transaction, commits once, and only then answers (group commit: one fsync for
// the whole batch). The `done`s of failed items run on the writer before it takes its next
// batch; a committed batch goes to a completion thread, which calls its `done`s in commit order
// and frees the batch while the writer already runs the next one (building responses, updating
// caches and freeing requests is then off the one thread every write waits for; at most
// kMaxCommittedBatches wait there, beyond that the writer waits). WAL checkpoints run on a checkpointer thread of their own
// (PASSIVE, started when the WAL passes `kCheckpointPages`), so the writer never stalls copying
// the WAL back into the database file. Deferred updates (WriteTxn::UpdateDeferred) of one record
// are combined within a batch and written once before the COMMIT. Reads use a small pool of read-only connections; in WAL mode they
// see the last committed state and never wait for the writer.
//
// Thread-safety: all public methods may be called from any thread. Close() (also run by the
// destructor) answers every queued write, then returns; it must not be called from a `done`
// callback, and no read may still be running when
// the object is destroyed. Most code should use OpenSqliteStore() and the Store interface; this
// class is visible for tests and metrics (commit_count()).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/store.h"

struct sqlite3;  // <sqlite3.h>, kept out of this header

namespace trustcse::storage {

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteOptions& options);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Result<std::optional<ResourceRecord>> Get(std::string_view ri) override;
  Result<std::optional<ResourceRecord>> GetByPath(std::string_view path) override;
  Result<std::vector<ResourceRecord>> Children(std::string_view pi, int ty, ChildOrder order,
                                               size_t limit) override;
  Result<std::optional<std::string>> GetObject(std::string_view kind,
                                               std::string_view id) override;
  Result<std::vector<ObjectRecord>> ListObjects(std::string_view kind) override;
  Result<std::vector<ResourceRecord>> Discover(const DiscoveryQuery& q) override;
  Result<std::vector<ResourceRecord>> Expired(std::string_view now, size_t limit) override;
  void Submit(WriteFn fn, WriteDone done) override;
  void Close() override;

  // Number of write transactions committed since Open (one per group commit).
  uint64_t commit_count() const { return commit_count_.load(std::memory_order_relaxed); }
  WriterStats writer_stats() const override;

  // One SQLite connection with its cached prepared statements; defined in sqlite_internal.h.
  class Connection;

 private:
  struct Pending {
    WriteFn fn;
    WriteDone done;
  };

  explicit SqliteStore(const SqliteOptions& options);

  // A committed batch on its way to the completion thread; results[i] answers items[i].
  struct Committed {
    std::vector<Pending> items;
    std::vector<Status> results;
  };
  static constexpr size_t kMaxCommittedBatches = 4;

  void WriterLoop();
  void CompletionLoop();
  void HandOff(Committed batch);
  void CheckpointLoop();
  static int OnWalCommit(void* self, ::sqlite3* db, const char* name, int pages);
  void RunBatch(std::vector<Pending>& batch);
  Result<std::unique_ptr<Connection>> TakeReader();
  void ReturnReader(std::unique_ptr<Connection> conn);
  template <typename T, typename F>
  Result<T> WithReader(F&& f);

  const SqliteOptions options_;

  // Writer state. write_conn_ is used only by the writer thread once it has started.
  std::unique_ptr<Connection> write_conn_;
  std::thread writer_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;  // guarded by mu_
  // Held by the writer through each batch; the checkpointer takes it to let the WAL restart.
  std::mutex batch_mu_;
  bool closed_ = false;        // guarded by mu_; no Submit is accepted after Close
  std::atomic<uint64_t> commit_count_{0};
  std::atomic<uint64_t> failed_commits_{0};
  std::atomic<bool> last_commit_ok_{true};
  LatencyHistogram commit_latency_;  // recorded by the writer thread
  BatchHistogram batch_size_;

  // Completion state: committed batches waiting for their `done`s.
  std::thread completer_;
  std::mutex done_mu_;
  std::condition_variable done_cv_;  // work for the completer, or room for the writer
  std::deque<Committed> done_queue_;  // guarded by done_mu_
  bool done_stop_ = false;            // guarded by done_mu_; set once the writer has exited

  // Checkpointer state.
  std::unique_ptr<Connection> checkpoint_conn_;
  std::thread checkpointer_;
  std::mutex ckpt_mu_;
  std::condition_variable ckpt_cv_;
  bool ckpt_wanted_ = false;  // guarded by ckpt_mu_
  bool ckpt_stop_ = false;    // guarded by ckpt_mu_

  // Idle read-only connections.
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by pool_mu_
  bool readers_closed_ = false;                            // guarded by pool_mu_
};

}  // namespace trustcse::storage
