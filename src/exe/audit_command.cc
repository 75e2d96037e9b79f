#include "exe/audit_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "exe/instance.h"
#include "security/audit/archive.h"
#include "security/audit/bundle.h"
#include "security/audit/checkpointer.h"
#include "security/audit/consistency.h"
#include "security/audit/tlog_proof.h"
#include "server/config.h"
#include "server/offline_audit.h"
#include "server/security_services.h"

namespace trustcse::exe {
namespace {

namespace audit = security::audit;

struct AuditOptions {
  InstanceFlags instance;
  uint64_t index = 0;
  uint64_t from = 0;
  uint64_t to = 0;
  std::string out;
  std::string entry_file;
  std::string file;
  std::string second_file;
  std::string key;
  uint64_t size = 0;  // consistency --size
  std::string dir;    // archive --dir, prune --archive
  uint64_t upto = 0;
  uint64_t per_bundle = 0;
  uint64_t before = 0;
  uint64_t batch = 10000;
};

std::optional<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Writes `data` to a new file `path`, owner-only; refuses to overwrite.
Status WriteNew(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::BadRequest(path + ": " + std::strerror(errno) +
                              (errno == EEXIST ? " (choose another --out)" : ""));
  }
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      ::unlink(path.c_str());
      return Status::Internal(path + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return Status::Internal(path + ": write failed");
  return Status::Ok();
}

// Runs `fn` on the instance's store, opened in this process as its owner. `exclusive`: only
// while no server runs on it (the command writes), holding the instance lock meanwhile.
int WithStore(const AuditOptions& o, const char* what,
              const std::function<int(storage::Store&)>& fn, bool exclusive = false) {
  server::Config c;
  if (auto s = LoadInstanceConfig(o.instance, c); !s.ok()) {
    PrintError(s.message());
    return kExitUsage;
  }
  if (::access(c.db_path.c_str(), F_OK) != 0) {
    PrintError(std::string("audit ") + what + ": no trustcse instance at " + c.db_path +
               ": check --config or --db");
    return kExitRuntime;
  }
  if (auto s = CheckRunsAsOwner(c.db_path); !s.ok()) {
    PrintError(std::string("audit ") + what + ": " + s.message());
    return kExitRuntime;
  }
  std::unique_ptr<server::InstanceLock> lock;
  if (exclusive) {
    auto l = server::InstanceLock::Acquire(c.db_path);
    if (!l) {
      PrintError(std::string("audit ") + what + ": " +
                 (l.error().code() == Rsc::kConflict
                      ? "a trustcse server is running on " + c.db_path +
                            "; nothing was changed: stop it first (systemctl stop trustcse), "
                            "run this again, then start it"
                      : l.error().message()));
      return kExitRuntime;
    }
    lock = std::move(*l);
  }
  auto store = server::OpenStore(c);
  if (!store) {
    PrintError(std::string("audit ") + what + ": cannot open the store " + c.db_path + ": " +
               store.error().message());
    return kExitRuntime;
  }
  int rc = fn(**store);
  (*store)->Close();
  return rc;
}

int Fail(const char* what, const Status& s) {
  PrintError(std::string("audit ") + what + ": " + s.message());
  return kExitRuntime;
}

int Key(const AuditOptions& o) {
  return WithStore(o, "key", [](storage::Store& store) {
    auto key = audit::AuditCheckpointer::StoredVerifierKey(store);
    if (!key) return Fail("key", key.error());
    if (!*key) {
      return Fail("key", Status::NotFound("the log has no key yet: start the server once"));
    }
    std::cout << audit::FormatVerifierKey(**key) << "\n";
    return kExitOk;
  });
}

int Prove(const AuditOptions& o) {
  return WithStore(o, "prove", [&](storage::Store& store) {
    std::string entry;
    auto proof = audit::AuditCheckpointer::Prove(store, o.index, &entry);
    if (!proof) return Fail("prove", proof.error());
    if (!o.entry_file.empty()) {
      if (auto s = WriteNew(o.entry_file, entry); !s.ok()) return Fail("prove", s);
    }
    std::cout << *proof;
    return kExitOk;
  });
}

int Export(const AuditOptions& o) {
  return WithStore(o, "export", [&](storage::Store& store) {
    auto bundle = audit::AuditCheckpointer::Export(store, o.from, o.to);
    if (!bundle) return Fail("export", bundle.error());
    auto text = audit::FormatBundle(*bundle);
    if (!text) return Fail("export", text.error());
    if (auto s = WriteNew(o.out, *text); !s.ok()) return Fail("export", s);
    std::cout << "entries " << bundle->entries.front().index << ".." << bundle->entries.back().index
              << " with their proofs and the checkpoint written to " << o.out << "\n";
    return kExitOk;
  });
}

int Checkpoint(const AuditOptions& o) {
  return WithStore(o, "checkpoint", [&](storage::Store& store) {
    auto note = audit::AuditCheckpointer::LatestCheckpoint(store);
    if (!note) return Fail("checkpoint", note.error());
    if (!*note) {
      return Fail("checkpoint", Status::NotFound("the log has no checkpoint yet: the server "
                                                 "signs one within a second of the first entry"));
    }
    if (o.out.empty()) {
      std::cout << **note;
      return kExitOk;
    }
    if (auto s = WriteNew(o.out, **note); !s.ok()) return Fail("checkpoint", s);
    std::cout << "the newest checkpoint written to " << o.out << "\n";
    return kExitOk;
  });
}

int Consistency(const AuditOptions& o) {
  if (o.file.empty() == (o.size == 0)) {
    PrintError(
        "audit consistency: give the saved checkpoint file, or --size of a checkpoint the "
        "log still stores (one of the two)");
    return kExitUsage;
  }
  std::string old_note;
  if (!o.file.empty()) {
    auto text = ReadWhole(o.file);
    if (!text) {
      PrintError("audit consistency: cannot read " + o.file);
      return kExitRuntime;
    }
    old_note = std::move(*text);
  }
  return WithStore(o, "consistency", [&](storage::Store& store) {
    if (old_note.empty()) {
      auto stored = audit::AuditCheckpointer::StoredCheckpoint(store, o.size);
      if (!stored) return Fail("consistency", stored.error());
      if (!*stored) {
        return Fail(
            "consistency",
            Status::NotFound("the log keeps no checkpoint of tree size " + std::to_string(o.size) +
                             " (older checkpoints are thinned to one per hour): give a "
                             "checkpoint file you saved"));
      }
      old_note = std::move(**stored);
    }
    auto bundle = audit::AuditCheckpointer::Consistency(store, old_note);
    if (!bundle) return Fail("consistency", bundle.error());
    auto text = audit::FormatConsistencyBundle(*bundle);
    if (!text) return Fail("consistency", text.error());
    if (auto s = WriteNew(o.out, *text); !s.ok()) return Fail("consistency", s);
    auto key = audit::AuditCheckpointer::StoredVerifierKey(store);
    if (!key || !*key) return Fail("consistency", Status::Internal("audit log key unreadable"));
    auto report = audit::VerifyConsistencyBundle(*text, **key);
    if (!report) {
      return Fail("consistency",
                  Status::Internal("the bundle was written to " + o.out +
                                   " but does not verify: " + report.error().message()));
    }
    std::cout << "consistency bundle from tree size " << report->old_checkpoint.tree_size << " to "
              << report->new_checkpoint.tree_size << " written to " << o.out << " (verified)\n";
    return kExitOk;
  });
}

int Archive(const AuditOptions& o) {
  return WithStore(o, "archive", [&](storage::Store& store) {
    auto summary = audit::ArchiveLog(store, {o.dir, o.upto, o.per_bundle},
                                     [](std::string_view l) { std::cout << l << std::endl; });
    if (!summary) return Fail("archive", summary.error());
    std::cout << "archive " << o.dir << ": " << summary->written << " bundles written, "
              << summary->kept << " already there";
    if (summary->to > summary->from) {
      std::cout << "; entries " << summary->from << ".." << summary->to - 1 << " are archived";
    }
    std::cout << "\n";
    return kExitOk;
  });
}

// The prune is an operator action: on record in the log it pruned, under this user's name,
// with a checkpoint over it when the master key is at hand (else the server signs one at start).
void RecordPrune(const AuditOptions& o, storage::Store& store, uint64_t below) {
  server::OfflineAudit record(store);
  events::Emit(record.stream().get(), events::Kind::kAdminOperation, "audit", CliActor(),
               "entries before " + std::to_string(below), "audit.prune",
               "archived in " + o.dir, static_cast<int>(Rsc::kOk));
  server::Config c;
  Status s = LoadInstanceConfig(o.instance, c);
  std::shared_ptr<const security::KeyStore> keys;
  if (s.ok()) s = server::CheckMasterKey(c);
  if (s.ok()) {
    auto sec = server::OpenSecurityServices(c, store);
    if (sec) keys = sec->keys;
    s = sec ? Status::Ok() : sec.error();
  }
  if (s.ok()) s = record.Finish(c, keys);
  if (!s.ok()) {
    std::cerr << "the prune is on record in the log; its checkpoint is signed when the server "
                 "next starts ("
              << s.message() << ")\n";
  }
}

int Prune(const AuditOptions& o) {
  return WithStore(
      o, "prune",
      [&](storage::Store& store) {
        auto summary = audit::PruneLog(store, {o.dir, o.before, o.batch},
                                       [](std::string_view l) { std::cout << l << std::endl; });
        if (!summary) return Fail("prune", summary.error());
        std::cout << "entries before " << summary->below
                  << " are pruned; their bundles in the archive are the only copy\n";
        if (summary->deleted_from < summary->below) RecordPrune(o, store, summary->below);
        return kExitOk;
      },
      true);
}

// --key: a verifier key, or a file holding one.
std::optional<audit::NoteVerifierKey> KeyOption(const AuditOptions& o, const char* what) {
  std::string key_text = o.key;
  if (auto from_file = ReadWhole(o.key)) key_text = *from_file;
  while (!key_text.empty() && (key_text.back() == '\n' || key_text.back() == '\r')) {
    key_text.pop_back();
  }
  auto key = audit::ParseVerifierKey(key_text);
  if (!key) {
    PrintError(
        std::string("audit ") + what +
        ": --key is neither a verifier key nor a file holding one: " + key.error().message());
    return std::nullopt;
  }
  return std::move(*key);
}

int Compare(const AuditOptions& o) {
  auto key = KeyOption(o, "compare");
  if (!key) return kExitUsage;
  auto a = ReadWhole(o.file);
  auto b = ReadWhole(o.second_file);
  if (!a || !b) {
    PrintError("audit compare: cannot read " + (a ? o.second_file : o.file));
    return kExitRuntime;
  }
  auto same = audit::CompareCheckpoints(*a, *b, *key);
  if (!same) return Fail("compare", same.error());
  std::cout << "consistent: both checkpoints are of tree size " << same->tree_size
            << " with the same root (" << same->origin << ")\n";
  return kExitOk;
}

int VerifyConsistencyFile(const std::string& file, const std::string& text,
                          const audit::NoteVerifierKey& key) {
  auto report = audit::VerifyConsistencyBundle(text, key);
  if (!report) {
    PrintError("audit verify: " + file + ": " + report.error().message());
    return kExitRuntime;
  }
  const uint64_t m = report->old_checkpoint.tree_size;
  const uint64_t n = report->new_checkpoint.tree_size;
  if (m == n) {
    std::cout << "verified: both checkpoints are of tree size " << n << " with the same root";
  } else {
    std::cout << "verified: tree size " << n << " extends tree size " << m;
  }
  std::cout << " (" << report->new_checkpoint.origin << ")\n";
  return kExitOk;
}

int Verify(const AuditOptions& o) {
  auto key = KeyOption(o, "verify");
  if (!key) return kExitUsage;
  auto text = ReadWhole(o.file);
  if (!text) {
    PrintError("audit verify: cannot read " + o.file);
    return kExitRuntime;
  }
  if (text->starts_with(std::string(audit::kConsistencyHeader) + "\n")) {
    return VerifyConsistencyFile(o.file, *text, *key);
  }
  if (!o.entry_file.empty()) {
    auto entry = ReadWhole(o.entry_file);
    if (!entry) {
      PrintError("audit verify: cannot read " + o.entry_file);
      return kExitRuntime;
    }
    audit::Checkpoint c;
    if (Status s = audit::VerifyTlogProof(*text, *entry, *key, &c); !s.ok()) {
      PrintError("audit verify: " + o.file + ": " + s.message());
      return kExitRuntime;
    }
    std::cout << "verified: the entry is in " << c.origin << " (tree size " << c.tree_size << ")\n";
    return kExitOk;
  }
  auto report = audit::VerifyBundle(*text, *key);
  if (!report) {
    PrintError("audit verify: " + o.file + ": " + report.error().message());
    return kExitRuntime;
  }
  std::cout << "verified: entries " << report->from << ".." << report->to - 1 << " are in "
            << report->checkpoint.origin << " (tree size " << report->checkpoint.tree_size << ")\n";
  return kExitOk;
}

void Run(CLI::App* cmd, const std::shared_ptr<AuditOptions>& o, int (*fn)(const AuditOptions&)) {
  cmd->callback([o, fn] {
    int rc = fn(*o);
    std::cout.flush();
    std::exit(rc);
  });
}

}  // namespace

void AddAuditCommand(CLI::App& app) {
  auto o = std::make_shared<AuditOptions>();
  auto* audit_cmd = app.add_subcommand("audit",
                                       "the tamper-evident audit log: keys, proofs, "
                                       "exports, offline verification, retention");
  audit_cmd->require_subcommand(1);

  auto* key = audit_cmd->add_subcommand("key", "print the log's verifier key (public)");
  AddInstanceOptions(key, o->instance);
  Run(key, o, Key);

  auto* prove = audit_cmd->add_subcommand(
      "prove", "print a C2SP tlog-proof of one entry against the newest checkpoint");
  AddInstanceOptions(prove, o->instance);
  prove->add_option("index", o->index, "the entry's index (from 0)")->required();
  prove->add_option("--entry-out", o->entry_file, "also write the entry's bytes to this new file");
  Run(prove, o, Prove);

  auto* exp = audit_cmd->add_subcommand(
      "export", "write entries with their proofs and the newest checkpoint to a bundle file");
  AddInstanceOptions(exp, o->instance);
  exp->add_option("--from", o->from, "first entry (default 0)");
  exp->add_option("--to", o->to,
                  "end of the range, exclusive (default: the newest checkpoint's size)");
  exp->add_option("--out", o->out, "the bundle file to write (must not exist)")->required();
  Run(exp, o, Export);

  auto* checkpoint = audit_cmd->add_subcommand(
      "checkpoint", "print (or save with --out) the newest signed checkpoint");
  AddInstanceOptions(checkpoint, o->instance);
  checkpoint->add_option("--out", o->out, "the file to write (must not exist)");
  Run(checkpoint, o, Checkpoint);

  auto* consistency = audit_cmd->add_subcommand(
      "consistency", "write a bundle proving that the newest checkpoint extends a saved one");
  AddInstanceOptions(consistency, o->instance);
  consistency->add_option("old", o->file, "the saved (older) checkpoint file");
  consistency->add_option("--size", o->size, "or: the log's stored checkpoint of this tree size");
  consistency->add_option("--out", o->out, "the bundle file to write (must not exist)")->required();
  Run(consistency, o, Consistency);

  auto* verify = audit_cmd->add_subcommand(
      "verify",
      "check a bundle, a consistency bundle or one tlog-proof (--entry) offline with the "
      "verifier key");
  verify->add_option("file", o->file, "the bundle, consistency bundle or tlog-proof file")
      ->required();
  verify->add_option("--key", o->key, "the log's verifier key, or a file holding it")->required();
  verify->add_option("--entry", o->entry_file, "the entry a tlog-proof is for");
  Run(verify, o, Verify);

  auto* compare = audit_cmd->add_subcommand(
      "compare",
      "check offline that two saved checkpoints of one tree size have the same root "
      "(different roots: a fork)");
  compare->add_option("first", o->file, "a saved checkpoint file")->required();
  compare->add_option("second", o->second_file, "another saved checkpoint file")->required();
  compare->add_option("--key", o->key, "the log's verifier key, or a file holding it")->required();
  Run(compare, o, Compare);

  auto* archive = audit_cmd->add_subcommand(
      "archive", "write the log into verified bundle files named by range (resumable)");
  AddInstanceOptions(archive, o->instance);
  archive->add_option("--dir", o->dir, "the archive directory (created if missing)")->required();
  archive->add_option("--upto", o->upto,
                      "end of the archived range, exclusive (default: the newest checkpoint's "
                      "size)");
  archive->add_option("--per-bundle", o->per_bundle, "entries per bundle (default and most 100000)")
      ->check(CLI::Range(uint64_t{1}, audit::AuditCheckpointer::kMaxExport));
  Run(archive, o, Archive);

  auto* prune = audit_cmd->add_subcommand(
      "prune",
      "delete the entries below --before that the archive holds, verified (server "
      "stopped; resumable)");
  AddInstanceOptions(prune, o->instance);
  prune->add_option("--before", o->before, "prune entries 0 .. this index - 1")->required();
  prune->add_option("--archive", o->dir, "the archive directory `audit archive` wrote")->required();
  prune->add_option("--batch", o->batch, "entries deleted per transaction (default 10000)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1000000}));
  Run(prune, o, Prune);
}

}  // namespace trustcse::exe
