// The writer thread (group commit: a batch of WriteFns, a SAVEPOINT each, one COMMIT), the
// completion thread that answers committed batches in commit order, and the checkpointer thread
// that copies the WAL back into the database off the writer's path.
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "storage/embedded/sqlite_internal.h"

namespace trustcse::storage {
namespace {

// WAL size (pages) past which the checkpointer copies the WAL back into the database file.
constexpr int kCheckpointPages = 1000;
// WAL size past which the checkpointer holds the writer between two batches for a last, short
// copy: the WAL restarts from its beginning only at a write that finds it wholly copied, which
// under sustained writes (a commit every few ms) never happens by chance.
constexpr int kRestartPages = 4 * kCheckpointPages;

void CallDone(const WriteDone& done, Status s) {
  try {
    done(std::move(s));
  } catch (...) {
    spdlog::error("storage: done callback threw");
  }
}

}  // namespace

using sqlite::DeferredUpdates;
using sqlite::RunStmt;
using sqlite::SqliteTxn;
using sqlite::StorageError;

void SqliteStore::Submit(WriteFn fn, WriteDone done) {
  {
    std::lock_guard lock(mu_);
    if (!closed_) {
      queue_.push_back({std::move(fn), std::move(done)});
      // Notified under the lock: Close() may otherwise run, join the writer and let the store
      // be destroyed between unlock and notify.
      cv_.notify_one();
      return;
    }
  }
  if (done) done(Status::Internal("storage closed"));
}

void SqliteStore::WriterLoop() {
  std::vector<Pending> batch;
  const size_t max_batch = std::max<size_t>(options_.max_batch, 1);
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || closed_; });
      if (queue_.empty()) break;  // closed and drained
      size_t n = std::min(queue_.size(), max_batch);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    {
      std::lock_guard hold(batch_mu_);
      RunBatch(batch);
    }
    batch.clear();  // moved to the completion thread, or answered
  }
  // The writer is the only user of the write connection, so it closes it, last of all
  // connections if Close() went as planned, which checkpoints the WAL into the database file.
  write_conn_.reset();
}

int SqliteStore::OnWalCommit(void* self, sqlite3*, const char*, int pages) {
  if (pages >= kCheckpointPages) {
    auto* store = static_cast<SqliteStore*>(self);
    std::lock_guard lock(store->ckpt_mu_);
    store->ckpt_wanted_ = true;
    store->ckpt_cv_.notify_one();
  }
  return SQLITE_OK;
}

void SqliteStore::CheckpointLoop() {
  for (;;) {
    {
      std::unique_lock lock(ckpt_mu_);
      ckpt_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return ckpt_wanted_ || ckpt_stop_; });
      if (ckpt_stop_) break;
      ckpt_wanted_ = false;
    }
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(checkpoint_conn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                       &log, &done);
    if (rc == SQLITE_OK && log > kRestartPages) {
      // Most of the WAL is copied now; what the writer added meanwhile is copied with the writer
      // held, and its next transaction starts the WAL again from its beginning.
      std::lock_guard hold(batch_mu_);
      rc = sqlite3_wal_checkpoint_v2(checkpoint_conn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                     &log, &done);
    }
    if (rc == SQLITE_OK && log > kCheckpointPages * 16) {
      // Sustained writes can outrun PASSIVE checkpoints; past the high-water mark make the WAL
      // restart from its beginning (this briefly waits for the writer) so it stays bounded.
      rc = sqlite3_wal_checkpoint_v2(checkpoint_conn_->db(), nullptr, SQLITE_CHECKPOINT_RESTART,
                                     &log, &done);
    }
    if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {
      spdlog::warn("sqlite: checkpoint failed: {}", sqlite3_errstr(rc));
    }
  }
  checkpoint_conn_.reset();
}

Store::WriterStats SqliteStore::writer_stats() const {
  WriterStats w;
  {
    std::lock_guard lock(mu_);
    w.queue_depth = queue_.size();
  }
  w.commits = commit_count_.load(std::memory_order_relaxed);
  w.failed_commits = failed_commits_.load(std::memory_order_relaxed);
  w.last_commit_ok = last_commit_ok_.load(std::memory_order_relaxed);
  w.commit_latency = commit_latency_.Read();
  w.batch_size = batch_size_.Read();
  return w;
}

void SqliteStore::RunBatch(std::vector<Pending>& batch) {
  const auto started = std::chrono::steady_clock::now();
  Connection& c = *write_conn_;
  std::vector<Status> results(batch.size());
  DeferredUpdates deferred;
  std::vector<std::function<void()>> after_commit;
  bool failed = !RunStmt(c, sqlite::kBegin).ok();
  for (size_t i = 0; i < batch.size() && !failed; ++i) {
    if (!RunStmt(c, sqlite::kSavepointItem).ok()) {
      failed = true;
      break;
    }
    SqliteTxn txn(c, &deferred, &after_commit);
    deferred.BeginItem();
    const size_t actions_before = after_commit.size();
    Status s;
    try {
      s = batch[i].fn ? batch[i].fn(txn) : Status::Ok();
    } catch (const std::exception& e) {
      spdlog::error("storage: write function threw: {}", e.what());
      s = StorageError();
    } catch (...) {
      spdlog::error("storage: write function threw");
      s = StorageError();
    }
    // Some errors (disk full, I/O) make SQLite roll back the whole transaction by itself; the
    // items before this one are then lost too, so the batch fails as a whole.
    if (sqlite3_get_autocommit(c.db()) != 0) {
      spdlog::error("sqlite: transaction rolled back by the database during a write");
      failed = true;
      break;
    }
    if (!s.ok()) {
      deferred.UndoItem();
      after_commit.resize(actions_before);
      if (!RunStmt(c, sqlite::kRollbackItem).ok()) failed = true;
    }
    if (!failed && !RunStmt(c, sqlite::kReleaseItem).ok()) failed = true;
    results[i] = std::move(s);
  }
  if (!failed) {
    // The newest version of each record updated with UpdateDeferred, inside the transaction.
    SqliteTxn flush(c, nullptr);
    for (const ResourceRecord& rec : deferred.TakeAll()) {
      if (!flush.Update(rec).ok()) {
        failed = true;
        break;
      }
    }
  }
  if (!failed) {
    if (RunStmt(c, sqlite::kCommit).ok()) {
      commit_count_.fetch_add(1, std::memory_order_relaxed);
    } else {
      failed = true;
    }
  }
  last_commit_ok_.store(!failed, std::memory_order_relaxed);
  if (!failed) {
    batch_size_.Record(batch.size());
    commit_latency_.Record(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                              started)
            .count()));
  } else {
    failed_commits_.fetch_add(1, std::memory_order_relaxed);
  }
  if (failed) {
    if (sqlite3_get_autocommit(c.db()) == 0) (void)RunStmt(c, sqlite::kRollback);  // best effort
    for (Status& s : results) s = StorageError();
  }
  if (!failed) {
    for (auto& action : after_commit) {
      try {
        action();
      } catch (...) {
        spdlog::error("storage: after-commit action threw");
      }
    }
  }
  // Failures are answered here, before the next batch: their callbacks may reset state the
  // next WriteFns read (a cache of what the writer wrote, counts). The rest go in commit order.
  bool any_committed = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (results[i].ok()) {
      any_committed = true;
    } else if (batch[i].done) {
      CallDone(batch[i].done, std::move(results[i]));
      batch[i].done = nullptr;
    }
  }
  if (any_committed) HandOff({std::move(batch), std::move(results)});
}

void SqliteStore::HandOff(Committed committed) {
  std::unique_lock lock(done_mu_);
  done_cv_.wait(lock, [&] { return done_queue_.size() < kMaxCommittedBatches; });
  done_queue_.push_back(std::move(committed));
  done_cv_.notify_all();
}

void SqliteStore::CompletionLoop() {
  for (;;) {
    Committed committed;
    {
      std::unique_lock lock(done_mu_);
      done_cv_.wait(lock, [&] { return !done_queue_.empty() || done_stop_; });
      if (done_queue_.empty()) break;  // stopped and drained
      committed = std::move(done_queue_.front());
      done_queue_.pop_front();
      done_cv_.notify_all();  // room for the writer
    }
    for (size_t i = 0; i < committed.items.size(); ++i) {
      const WriteDone& done = committed.items[i].done;
      if (done) CallDone(done, std::move(committed.results[i]));
    }
    // `committed` is freed here, off the writer: the requests its callbacks held go with it.
  }
}

}  // namespace trustcse::storage
