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
#include "security/audit/bundle.h"
#include "security/audit/checkpointer.h"
#include "security/audit/tlog_proof.h"
#include "server/config.h"
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
  std::string key;
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

// Runs `fn` on the instance's store, opened in this process as its owner.
int WithStore(const AuditOptions& o, const char* what,
              const std::function<int(storage::Store&)>& fn) {
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
    std::cout << "entries " << bundle->entries.front().index << ".."
              << bundle->entries.back().index << " with their proofs and the checkpoint written to "
              << o.out << "\n";
    return kExitOk;
  });
}

int Verify(const AuditOptions& o) {
  std::string key_text = o.key;
  if (auto from_file = ReadWhole(o.key)) key_text = *from_file;
  while (!key_text.empty() && (key_text.back() == '\n' || key_text.back() == '\r')) {
    key_text.pop_back();
  }
  auto key = audit::ParseVerifierKey(key_text);
  if (!key) {
    PrintError("audit verify: --key is neither a verifier key nor a file holding one: " +
               key.error().message());
    return kExitUsage;
  }
  auto text = ReadWhole(o.file);
  if (!text) {
    PrintError("audit verify: cannot read " + o.file);
    return kExitRuntime;
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
    std::cout << "verified: the entry is in " << c.origin << " (tree size " << c.tree_size
              << ")\n";
    return kExitOk;
  }
  auto report = audit::VerifyBundle(*text, *key);
  if (!report) {
    PrintError("audit verify: " + o.file + ": " + report.error().message());
    return kExitRuntime;
  }
  std::cout << "verified: entries " << report->from << ".." << report->to - 1 << " are in "
            << report->checkpoint.origin << " (tree size " << report->checkpoint.tree_size
            << ")\n";
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
  auto* audit_cmd = app.add_subcommand("audit", "the tamper-evident audit log: keys, proofs, "
                                                "exports, offline verification");
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
  exp->add_option("--to", o->to, "end of the range, exclusive (default: the newest checkpoint's size)");
  exp->add_option("--out", o->out, "the bundle file to write (must not exist)")->required();
  Run(exp, o, Export);

  auto* verify = audit_cmd->add_subcommand(
      "verify", "check a bundle (or one tlog-proof with --entry) offline with the verifier key");
  verify->add_option("file", o->file, "the bundle or tlog-proof file")->required();
  verify->add_option("--key", o->key, "the log's verifier key, or a file holding it")->required();
  verify->add_option("--entry", o->entry_file, "the entry a tlog-proof is for");
  Run(verify, o, Verify);
}

}  // namespace trustcse::exe
