#include "exe/bulk_command.h"

#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>

#include "admin/item_file.h"
#include "exe/instance.h"
#include "primitive/json_util.h"
#include "security/crypto/crypto.h"

namespace trustcse::exe {

namespace bj = boost::json;
using admin::ItemFile;

namespace {

// Ctrl-C or SIGTERM: the job stops between batches, so that the session closes cleanly (in
// process: the audit log's checkpoint signed, the store closed).
std::atomic<bool> g_interrupted{false};
extern "C" void OnBulkInterrupt(int) { g_interrupted.store(true); }

// Installs OnBulkInterrupt for SIGINT and SIGTERM while it lives.
class InterruptGuard {
 public:
  InterruptGuard() {
    struct sigaction sa {};
    sa.sa_handler = OnBulkInterrupt;
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
  }
  ~InterruptGuard() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ {
  }, old_term_{};
};

std::string_view ItemsKey(std::string_view op) {
  if (op == "device.import") return "devices";
  if (op == "subscription.import") return "subscriptions";
  return "ids";
}

uint64_t Field(const bj::object& o, std::string_view k) {
  return static_cast<uint64_t>(std::max<int64_t>(0, json::GetInt(o, k).value_or(0)));
}

// Where the job stands, on stderr: in place on a terminal, else a line per tenth.
class Progress {
 public:
  Progress(std::string job, uint64_t total)
      : job_(std::move(job)),
        total_(total),
        tty_(::isatty(STDERR_FILENO) == 1),
        start_(std::chrono::steady_clock::now()) {}
  void Show(uint64_t from, uint64_t done, uint64_t failed) {
    const uint64_t tenth = done * 10 / total_;
    if (!tty_ && tenth == last_tenth_ && done < total_) return;
    last_tenth_ = tenth;
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    char line[200];
    std::snprintf(line, sizeof line, "%s: %llu of %llu items (%llu%%), %.0f/s, %llu failed",
                  job_.c_str(), static_cast<unsigned long long>(done),
                  static_cast<unsigned long long>(total_),
                  static_cast<unsigned long long>(done * 100 / total_),
                  s > 0 ? static_cast<double>(done - from) / s : 0.0,
                  static_cast<unsigned long long>(failed));
    std::cerr << (tty_ ? "\r" : "") << line << (tty_ && done < total_ ? "" : "\n") << std::flush;
  }

 private:
  std::string job_;
  uint64_t total_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
  uint64_t last_tenth_ = 0;
};

// Opens the file and skips its first `done` items.
Result<std::unique_ptr<ItemFile>> OpenAt(const std::string& file, ItemFile::Items kind,
                                         uint64_t done) {
  auto f = ItemFile::Open(file, kind);
  if (!f) return f;
  while ((*f)->count() < done) {
    auto n = (*f)->Next();
    if (!n) return Err(n.error());
    if (!*n) return Err(Status::BadRequest(file + " changed: it has fewer items than the job"));
  }
  return f;
}

// The job's final record: a summary and the first failed items on stderr, the record on stdout.
int Report(const bj::object& job) {
  const uint64_t failed = Field(job, "failed");
  std::cerr << json::GetString(job, "id").value_or("") << ": " << Field(job, "done")
            << " items: " << Field(job, "changed") << " applied, " << Field(job, "unchanged")
            << " already so, " << failed << " failed\n";
  if (const bj::value* e = job.if_contains("errors"); e && e->is_array()) {
    for (const auto& line : e->get_array()) {
      if (line.is_string()) std::cerr << "  " << line.get_string().c_str() << "\n";
    }
    if (failed > e->get_array().size()) {
      std::cerr << "  (the first " << e->get_array().size() << " failures are kept)\n";
    }
  }
  std::cout << json::Serialize(job) << "\n";
  return failed == 0 ? kExitOk : kExitRuntime;
}

}  // namespace

int RunBulkJob(const BulkJobSpec& spec, const server::Config& config,
               const std::string& config_file) {
  const auto kind =
      spec.op == "subscription.bulk" ? ItemFile::Items::kIds : ItemFile::Items::kRecords;
  // Pass 1: every item is read and checked before anything changes.
  auto digest = admin::FileDigest(spec.file);
  if (!digest) {
    PrintError(digest.error().message());
    return kExitUsage;
  }
  uint64_t total = 0;
  {
    auto f = ItemFile::Open(spec.file, kind);
    if (!f) {
      PrintError(f.error().message());
      return kExitUsage;
    }
    while (true) {
      auto n = (*f)->Next();
      if (!n) {
        PrintError(spec.file + ": " + n.error().message() + "; nothing was changed");
        return kExitUsage;
      }
      if (!*n) break;
    }
    total = (*f)->count();
  }
  if (total == 0) {
    PrintError(spec.file + ": no items; nothing was changed");
    return kExitUsage;
  }
  std::string job = spec.job;
  if (job.empty()) {
    job = spec.op + "-" +
          security::crypto::Hex(security::crypto::Sha256(
                                    spec.op + "\n" + json::Serialize(spec.fixed) + "\n" + *digest))
              .substr(0, 16);
  }
  bj::object fixed = spec.fixed;
  fixed["file_sha256"] = *digest;  // a job's batches all come from this file
  int rc = kExitOk;
  auto session = OperatorSession::Open(config, config_file, spec.op, rc);
  if (!session) return rc;
  auto stand = [&]() -> Result<std::optional<bj::object>> {
    auto show = session->Call("bulk.show", {{"job", job}});
    if (!show) {
      if (show.error().code() == Rsc::kNotFound &&
          show.error().message().starts_with("no bulk job")) {
        return std::optional<bj::object>();
      }
      return Err(show.error());
    }
    return std::optional<bj::object>(show->at("job").as_object());
  };
  auto stopped = [&](const Status& s, uint64_t done) {
    PrintError(spec.op + ": " + s.message() + " (" + std::to_string(static_cast<int>(s.code())) +
               ")");
    if (s.code() == Rsc::kBadRequest) return kExitUsage;  // running it again would not help
    PrintError("job " + job + " stopped at item " + std::to_string(done + 1) + " of " +
               std::to_string(total) + ": run the same command again to resume");
    return kExitRuntime;
  };
  auto first = stand();
  if (!first) return stopped(first.error(), 0);
  uint64_t done = 0;
  if (*first) {
    const std::string_view params = json::GetString(**first, "params").value_or("");
    if (json::GetString(**first, "op").value_or("") != spec.op ||
        Field(**first, "total") != total || !params.ends_with(*digest) ||
        (spec.op == "subscription.bulk" &&
         !params.starts_with(std::string(json::GetString(spec.fixed, "to").value_or("?")) +
                             "\n"))) {
      PrintError("job " + job + " is a " +
                 std::string(json::GetString(**first, "op").value_or("")) + " of " +
                 std::to_string(Field(**first, "total")) +
                 " items of another file or with other parameters: give another --job");
      return kExitUsage;
    }
    if (json::GetBool(**first, "finished").value_or(false)) {
      std::cerr << "job " << job << " has finished already (give another --job to run it again)\n";
      return Report(**first);
    }
    done = Field(**first, "done");
    std::cerr << "resuming job " << job << " at item " << done + 1 << " of " << total << "\n";
  }
  auto file = OpenAt(spec.file, kind, done);
  if (!file) return stopped(file.error(), done);
  InterruptGuard interrupts;
  Progress progress(job, total);
  const uint64_t from = done;
  const size_t batch_items = spec.batch == 0 ? kBatchItems : std::min(spec.batch, kBatchItems);
  std::optional<bj::value> pending;  // read, did not fit in the last batch
  bj::object last;
  int conflicts = 0;
  while (done < total) {
    if (g_interrupted.load())
      return stopped(Status(Rsc::kInternalServerError, "interrupted"), done);
    bj::array items;
    size_t bytes = 0;
    while (items.size() < batch_items) {
      std::optional<bj::value> item = std::move(pending);
      pending.reset();
      if (!item) {
        auto n = (*file)->Next();
        if (!n) return stopped(n.error(), done);
        if (!*n) break;
        item = std::move(*n);
      }
      const size_t size = json::Serialize(*item).size() + 1;  // as sent, escapes included
      if (!items.empty() && bytes + size > kBatchBytes) {
        pending = std::move(item);
        break;
      }
      bytes += size;
      items.push_back(std::move(*item));
    }
    if (items.empty()) return stopped(Status::BadRequest(spec.file + " changed while read"), done);
    bj::object args = fixed;
    args["job"] = job;
    args["total"] = total;
    args["offset"] = done;
    args[ItemsKey(spec.op)] = std::move(items);
    auto out = session->Call(spec.op, args);
    if (!out && out.error().code() == Rsc::kConflict && ++conflicts <= 3) {
      // Not where the job stands (a batch committed whose answer was lost, or another run of
      // the same job): ask again and go on from there.
      auto now = stand();
      if (!now || !*now) return stopped(now ? out.error() : now.error(), done);
      done = Field(**now, "done");
      pending.reset();
      file = OpenAt(spec.file, kind, done);
      if (!file) return stopped(file.error(), done);
      last = **now;
      continue;
    }
    if (!out) return stopped(out.error(), done);
    conflicts = 0;
    last = out->at("job").as_object();
    done = Field(last, "done");
    progress.Show(from, done, Field(last, "failed"));
  }
  return Report(last);
}

}  // namespace trustcse::exe
