#include "exe/backup_command.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "exe/instance.h"
#include "server/config.h"
#include "storage/embedded/sqlite_backup.h"

namespace trustcse::exe {
namespace {

struct BackupOptions {
  InstanceFlags instance;
  std::string out;
  int pages_per_step = 4096;
};

std::atomic<bool> g_interrupted{false};
extern "C" void OnBackupInterrupt(int) { g_interrupted.store(true); }

std::string Mebibytes(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

int Backup(const BackupOptions& o) {
  server::Config c;
  if (auto s = LoadInstanceConfig(o.instance, c); !s.ok()) {
    PrintError(s.message());
    return kExitUsage;
  }
  if (auto s = CheckRunsAsOwner(c.db_path); !s.ok()) {
    PrintError("backup: " + s.message());
    return kExitRuntime;
  }
  struct sigaction sa{}, old_int{}, old_term{};
  sa.sa_handler = OnBackupInterrupt;
  ::sigaction(SIGINT, &sa, &old_int);
  ::sigaction(SIGTERM, &sa, &old_term);
  // On a terminal one line that updates; otherwise (a log, a pipe) a line every 10%.
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  int64_t last_decile = -1;
  auto progress = [&](const storage::BackupProgress& p) {
    const int64_t percent = p.pages_total == 0 ? 100 : p.pages_done * 100 / p.pages_total;
    if (tty) {
      std::cerr << "\rcopied " << p.pages_done << "/" << p.pages_total << " pages (" << percent
                << "%)" << std::flush;
    } else if (percent / 10 != last_decile) {
      last_decile = percent / 10;
      std::cerr << "copied " << p.pages_done << "/" << p.pages_total << " pages (" << percent
                << "%)\n";
    }
    return !g_interrupted.load();
  };
  auto r = storage::BackupSqliteDatabase(c.db_path, o.out, o.pages_per_step, progress);
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  if (tty) std::cerr << "\n";
  if (!r) {
    if (r.error().code() == Rsc::kNotFound) {
      PrintError("backup: no trustcse instance at " + c.db_path + ": check --config");
    } else {
      PrintError("backup: " + r.error().message());
    }
    return kExitRuntime;
  }
  if (r->interrupted) {
    PrintError("backup: interrupted; nothing was written (run it again to take the backup)");
    return kExitRuntime;
  }
  std::cout << "backup of " << c.db_path << " written to " << o.out << " (" << r->pages
            << " pages, " << Mebibytes(r->bytes) << ", integrity ok)\n"
            << "it opens only with this instance's master key ("
            << server::MasterKeyPath(c) << "): keep a copy of that apart from the backup\n";
  return kExitOk;
}

}  // namespace

void AddBackupCommand(CLI::App& app) {
  auto opts = std::make_shared<BackupOptions>();
  auto* backup = app.add_subcommand(
      "backup", "copy the database to a file while the server runs (consistent, checked)");
  AddInstanceOptions(backup, opts->instance);
  backup->add_option("--out", opts->out, "the backup file to write (must not exist)")
      ->required();
  backup->add_option("--pages", opts->pages_per_step,
                     "database pages copied between progress reports (default 4096)")
      ->check(CLI::Range(1, 1 << 20));
  backup->callback([opts] {
    int rc = Backup(*opts);
    std::cout.flush();
    std::exit(rc);
  });
}

}  // namespace trustcse::exe
