// SqliteStore's life cycle (open: file mode, schema, connections, threads; close) and its
// committed reads, each on a read-only connection borrowed from a small pool.
#include "storage/embedded/sqlite_store.h"

#include <pthread.h>

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <exception>
#include <mutex>
#include <thread>
#include <utility>

#include "storage/embedded/sqlite_internal.h"

namespace trustcse::storage {
namespace {

constexpr size_t kMaxIdleReaders = 8;

}  // namespace

using sqlite::ChildrenOn;
using sqlite::ConfigureSqliteOnce;
using sqlite::DiscoverOn;
using sqlite::ExpiredOn;
using sqlite::GetObjectOn;
using sqlite::GetOn;
using sqlite::InitDatabase;
using sqlite::ListObjectsOn;
using sqlite::MakeOwnerOnly;
using sqlite::StorageError;

SqliteStore::SqliteStore(const SqliteOptions& options) : options_(options) {}

SqliteStore::~SqliteStore() { Close(); }

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteOptions& options) {
  ConfigureSqliteOnce();
  std::unique_ptr<SqliteStore> store(new SqliteStore(options));
  if (Status s = MakeOwnerOnly(options.path); !s.ok()) return Err(s);
  auto conn = Connection::Open(options.path, /*writable=*/true);
  if (!conn) return Err(conn.error());
  Status s = InitDatabase(**conn, options.synchronous_full);
  if (!s.ok()) return Err(s);
  store->write_conn_ = std::move(*conn);
  auto ckpt = Connection::Open(options.path, /*writable=*/true);
  if (!ckpt) return Err(ckpt.error());
  store->checkpoint_conn_ = std::move(*ckpt);
  // Replaces SQLite's automatic checkpoint (which would run inside the writer's COMMIT).
  sqlite3_wal_hook(store->write_conn_->db(), &SqliteStore::OnWalCommit, store.get());
  try {
    store->checkpointer_ = std::thread([raw = store.get()] {
      pthread_setname_np(pthread_self(), "tc-store-ckpt");
      raw->CheckpointLoop();
    });
    store->completer_ = std::thread([raw = store.get()] {
      pthread_setname_np(pthread_self(), "tc-store-done");
      raw->CompletionLoop();
    });
    store->writer_ = std::thread([raw = store.get()] {
      pthread_setname_np(pthread_self(), "tc-store-write");
      raw->WriterLoop();
    });
  } catch (const std::exception& e) {
    spdlog::error("sqlite: cannot start writer thread: {}", e.what());
    return Err(StorageError());
  }
  return store;
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  auto store = SqliteStore::Open(options);
  if (!store) return Err(store.error());
  return std::unique_ptr<Store>(std::move(*store));
}

void SqliteStore::Close() {
  // Readers first, so the write connection is the last one closed and checkpoints the WAL.
  std::vector<std::unique_ptr<Connection>> idle;
  {
    std::lock_guard lock(pool_mu_);
    readers_closed_ = true;
    idle.swap(idle_readers_);
  }
  idle.clear();
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    cv_.notify_all();
  }
  {
    std::lock_guard lock(ckpt_mu_);
    ckpt_stop_ = true;
    ckpt_cv_.notify_all();
  }
  if (checkpointer_.joinable() && checkpointer_.get_id() != std::this_thread::get_id()) {
    checkpointer_.join();
  }
  const auto self = std::this_thread::get_id();
  if ((writer_.joinable() && writer_.get_id() == self) ||
      (completer_.joinable() && completer_.get_id() == self)) {
    // Called from a done callback: joining would wait for this very thread. The writer drains
    // the queue and exits on its own; the completer answers what it is handed.
    spdlog::error("storage: Close() called from a done callback");
    if (writer_.joinable()) writer_.detach();
    if (completer_.joinable()) completer_.detach();
    return;
  }
  if (writer_.joinable()) {
    writer_.join();
  } else {
    write_conn_.reset();  // Open failed before the writer started
  }
  // The writer has handed over its last batch (or never started): the completer drains.
  {
    std::lock_guard lock(done_mu_);
    done_stop_ = true;
    done_cv_.notify_all();
  }
  if (completer_.joinable()) completer_.join();
}

Result<std::unique_ptr<SqliteStore::Connection>> SqliteStore::TakeReader() {
  {
    std::lock_guard lock(pool_mu_);
    if (readers_closed_) return Err(Status::Internal("storage closed"));
    if (!idle_readers_.empty()) {
      std::unique_ptr<Connection> c = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return c;
    }
  }
  return Connection::Open(options_.path, /*writable=*/false);
}

void SqliteStore::ReturnReader(std::unique_ptr<Connection> conn) {
  {
    std::lock_guard lock(pool_mu_);
    if (!readers_closed_ && idle_readers_.size() < kMaxIdleReaders) {
      idle_readers_.push_back(std::move(conn));
      return;
    }
  }
  conn.reset();  // closed outside the lock
}

template <typename T, typename F>
Result<T> SqliteStore::WithReader(F&& f) {
  auto conn = TakeReader();
  if (!conn) return Err(conn.error());
  Result<T> result = f(**conn);
  ReturnReader(std::move(*conn));
  return result;
}

Result<std::optional<ResourceRecord>> SqliteStore::Get(std::string_view ri) {
  return WithReader<std::optional<ResourceRecord>>(
      [&](Connection& c) { return GetOn(c, sqlite::kGetByRi, ri); });
}

Result<std::optional<ResourceRecord>> SqliteStore::GetByPath(std::string_view path) {
  return WithReader<std::optional<ResourceRecord>>(
      [&](Connection& c) { return GetOn(c, sqlite::kGetByPath, path); });
}

Result<std::vector<ResourceRecord>> SqliteStore::Children(std::string_view pi, int ty,
                                                          ChildOrder order, size_t limit) {
  return WithReader<std::vector<ResourceRecord>>(
      [&](Connection& c) { return ChildrenOn(c, pi, ty, order, limit); });
}

Result<std::optional<std::string>> SqliteStore::GetObject(std::string_view kind,
                                                          std::string_view id) {
  return WithReader<std::optional<std::string>>(
      [&](Connection& c) { return GetObjectOn(c, kind, id); });
}

Result<std::vector<ObjectRecord>> SqliteStore::ListObjects(std::string_view kind) {
  return WithReader<std::vector<ObjectRecord>>(
      [&](Connection& c) { return ListObjectsOn(c, kind); });
}

Result<std::vector<ResourceRecord>> SqliteStore::Discover(const DiscoveryQuery& q) {
  return WithReader<std::vector<ResourceRecord>>([&](Connection& c) { return DiscoverOn(c, q); });
}

Result<std::vector<ResourceRecord>> SqliteStore::Expired(std::string_view now, size_t limit) {
  return WithReader<std::vector<ResourceRecord>>(
      [&](Connection& c) { return ExpiredOn(c, now, limit); });
}

}  // namespace trustcse::storage
