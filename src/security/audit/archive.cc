#include "security/audit/archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "security/audit/audit_log.h"
#include "security/audit/bundle.h"
#include "security/audit/checkpointer.h"

namespace trustcse::security::audit {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "audit-";
constexpr std::string_view kSuffix = ".bundle";
constexpr size_t kDigits = 20;

struct ArchiveFile {
  uint64_t from = 0;
  uint64_t to = 0;
  std::string name;
};

std::string Range(uint64_t from, uint64_t to) {
  return std::to_string(from) + ".." + std::to_string(to - 1);
}

std::string Of(size_t k, size_t total) {
  return " (" + std::to_string(k) + "/" + std::to_string(total) + ")";
}

std::string PathIn(const std::string& dir, std::string_view name) {
  return (fs::path(dir) / std::string(name)).string();
}

// The archive files in `dir`, by start (then end). Other files are ignored.
Result<std::vector<ArchiveFile>> ListArchive(const std::string& dir) {
  std::error_code ec;
  std::vector<ArchiveFile> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    auto range = ParseArchiveFileName(name);
    if (range && it->is_regular_file(ec)) files.push_back({range->first, range->second, name});
  }
  if (ec) return Err(Status::BadRequest("archive " + dir + ": " + ec.message()));
  std::sort(files.begin(), files.end(), [](const ArchiveFile& a, const ArchiveFile& b) {
    return std::tie(a.from, a.to) < std::tie(b.from, b.to);
  });
  return files;
}

std::optional<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return s.str();
}

Status WriteError(const std::string& path) {
  return Status::Internal("archive: cannot write " + path + ": " + std::strerror(errno));
}

// Writes `data` to dir/name through a temporary file, fsynced and renamed, then fsyncs `dir`.
Status WriteAtomically(const std::string& dir, const std::string& name, std::string_view data) {
  const std::string tmp = PathIn(dir, "." + name + ".partial");
  const std::string final_path = PathIn(dir, name);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return WriteError(tmp);
  for (size_t done = 0; done < data.size();) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = WriteError(tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return WriteError(tmp);
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) return WriteError(final_path);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return WriteError(dir);
  const bool synced = ::fsync(dfd) == 0;
  ::close(dfd);
  return synced ? Status::Ok() : WriteError(dir);
}

// The stored verifier key and the newest checkpoint's size.
Result<std::pair<NoteVerifierKey, uint64_t>> KeyAndNewestSize(storage::ReadView& view) {
  auto key = AuditCheckpointer::StoredVerifierKey(view);
  if (!key) return Err(key.error());
  if (!*key) return Err(Status::NotFound("the audit log has no key yet: start the server once"));
  auto note = AuditCheckpointer::LatestCheckpoint(view);
  if (!note) return Err(note.error());
  if (!*note) return Err(Status::NotFound("the audit log has no checkpoint yet: nothing to keep"));
  auto c = OpenCheckpoint(**note, **key);
  if (!c) {
    return Err(
        Status::Internal("audit log damaged: the newest checkpoint does not open under the "
                         "log key: " +
                         c.error().message()));
  }
  return std::make_pair(std::move(**key), c->tree_size);
}

// Verifies the bundle text against the log in `view`: as VerifyArchivedBundle, on text.
Status VerifyArchivedText(storage::ReadView& view, const NoteVerifierKey& key,
                          std::string_view text, uint64_t from, uint64_t to) {
  auto report = VerifyBundle(text, key);
  if (!report) return report.error();
  if (report->from != from || report->to != to) {
    return Status::BadRequest("it holds entries " + Range(report->from, report->to) + ", not " +
                              Range(from, to));
  }
  const uint64_t size = report->checkpoint.tree_size;
  auto committed = CommittedSize(view);
  if (!committed) return committed.error();
  if (size > *committed) {
    return Status::BadRequest("its checkpoint (tree size " + std::to_string(size) +
                              ") is beyond this log's " + std::to_string(*committed) + " entries");
  }
  StoredSubtreeHashes stored(view, *committed);
  auto root = RootHashAt(stored, size);
  if (!root) return root.error();
  if (*root != report->checkpoint.root_hash) {
    return Status::BadRequest("its checkpoint (tree size " + std::to_string(size) +
                              ") is not this log's tree at that size: another log's, or a fork");
  }
  return Status::Ok();
}

// The longest file not in `bad` that holds entry `index`.
const ArchiveFile* FindHolding(const std::vector<ArchiveFile>& files, uint64_t index,
                               const std::set<std::string>& bad) {
  const ArchiveFile* best = nullptr;
  for (const ArchiveFile& f : files) {
    if (f.from <= index && f.to > index && !bad.contains(f.name) &&
        (best == nullptr || f.to > best->to)) {
      best = &f;
    }
  }
  return best;
}

// Archives [a, b): keeps a verified bundle that is there, or writes one.
Result<bool> ArchiveRange(storage::ReadView& view, const NoteVerifierKey& key,
                          const std::string& dir, std::vector<ArchiveFile>& files, uint64_t a,
                          uint64_t b, const std::string& of, const ProgressFn& progress) {
  const std::string name = ArchiveFileName(a, b);
  // Bundles of this range's start reaching at least its end, longest first.
  std::vector<ArchiveFile> candidates;
  for (const ArchiveFile& f : files) {
    if (f.from == a && f.to >= b) candidates.push_back(f);
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const ArchiveFile& x, const ArchiveFile& y) { return x.to > y.to; });
  for (const ArchiveFile* f = candidates.data(); f != candidates.data() + candidates.size(); ++f) {
    Status s = VerifyArchivedBundle(view, key, PathIn(dir, f->name), f->from, f->to);
    if (s.ok()) {
      progress("entries " + Range(a, b) + " already archived: " + f->name + " verified" + of);
      return false;
    }
    std::string line = f->name + " does not verify (" + s.message() + ")";
    if (f->name == name) {
      const std::string aside = PathIn(dir, name + ".rejected");
      if (::rename(PathIn(dir, name).c_str(), aside.c_str()) != 0) return Err(WriteError(aside));
      line += "; moved aside to " + name + ".rejected";
    } else {
      line += "; left in place";
    }
    progress(line);
  }
  auto bundle = AuditCheckpointer::Export(view, a, b);
  if (!bundle) return Err(bundle.error());
  auto text = FormatBundle(*bundle);
  if (!text) return Err(text.error());
  if (Status s = VerifyArchivedText(view, key, *text, a, b); !s.ok()) {
    return Err(Status::Internal("archive: the bundle of entries " + Range(a, b) +
                                " made from the store does not verify (" + s.message() +
                                "): the stored log was changed; nothing was written for it"));
  }
  if (Status s = WriteAtomically(dir, name, *text); !s.ok()) return Err(s);
  progress("entries " + Range(a, b) + " archived: " + name + of);
  // Shorter bundles of the same start (the range was still growing when they were written).
  for (auto it = files.begin(); it != files.end();) {
    if (it->from == a && it->to < b) {
      std::error_code ec;
      fs::remove(PathIn(dir, it->name), ec);
      if (!ec) progress("removed " + it->name + " (superseded by " + name + ")");
      it = files.erase(it);
    } else {
      ++it;
    }
  }
  files.push_back({a, b, name});
  return true;
}

// OK if the files in `dir` cover [0, target) and those covering [verify_from, target) verify.
Status CheckArchiveCovers(storage::ReadView& view, const NoteVerifierKey& key,
                          const std::string& dir, uint64_t verify_from, uint64_t target,
                          const ProgressFn& progress) {
  auto files = ListArchive(dir);
  if (!files) return files.error();
  std::set<std::string> bad;
  std::string reasons;  // of the files that did not verify
  for (uint64_t p = 0; p < target;) {
    const ArchiveFile* best = FindHolding(*files, p, bad);
    if (best == nullptr) {
      uint64_t q = target;
      for (const ArchiveFile& f : *files) {
        if (f.from > p && !bad.contains(f.name)) q = std::min(q, f.from);
      }
      std::string msg = "the archive in " + dir + " does not cover entries " + Range(p, q);
      if (!reasons.empty()) msg += " (" + reasons + ")";
      if (p < verify_from) {
        msg +=
            ": they were pruned earlier; give the archive directory that holds their bundles "
            "(or copy those bundles into " +
            dir + ")";
      } else {
        msg += ": run `trustcse audit archive --dir " + dir + " --upto " + std::to_string(target) +
               "` first, then prune again";
      }
      return Status::BadRequest(msg);
    }
    if (best->to > verify_from) {
      Status s = VerifyArchivedBundle(view, key, PathIn(dir, best->name), best->from, best->to);
      if (!s.ok()) {
        bad.insert(best->name);
        reasons += (reasons.empty() ? "" : "; ") + best->name + " does not verify: " + s.message();
        continue;
      }
      progress(best->name + " verified (entries " + Range(best->from, best->to) + ")");
    }
    p = best->to;
  }
  return Status::Ok();
}

}  // namespace

std::string ArchiveFileName(uint64_t from, uint64_t to) {
  return std::string(kPrefix) + EntryId(from) + "-" + EntryId(to - 1) + std::string(kSuffix);
}

std::optional<std::pair<uint64_t, uint64_t>> ParseArchiveFileName(std::string_view name) {
  if (name.size() != kPrefix.size() + 2 * kDigits + 1 + kSuffix.size() ||
      !name.starts_with(kPrefix) || !name.ends_with(kSuffix) ||
      name[kPrefix.size() + kDigits] != '-') {
    return std::nullopt;
  }
  auto number = [&](size_t at) -> std::optional<uint64_t> {
    std::string_view digits = name.substr(at, kDigits);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return v;
  };
  auto first = number(kPrefix.size());
  auto last = number(kPrefix.size() + kDigits + 1);
  if (!first || !last || *first > *last || *last == UINT64_MAX) return std::nullopt;
  return std::make_pair(*first, *last + 1);
}

Status VerifyArchivedBundle(storage::ReadView& view, const NoteVerifierKey& key,
                            const std::string& path, uint64_t from, uint64_t to) {
  auto text = ReadWhole(path);
  if (!text) return Status::BadRequest("cannot read " + path + ": " + std::strerror(errno));
  return VerifyArchivedText(view, key, *text, from, to);
}

Result<ArchiveSummary> ArchiveLog(storage::ReadView& view, const ArchiveOptions& options,
                                  const ProgressFn& progress) {
  const uint64_t per = options.per_bundle == 0
                           ? AuditCheckpointer::kMaxExport
                           : std::min(options.per_bundle, AuditCheckpointer::kMaxExport);
  auto newest = KeyAndNewestSize(view);
  if (!newest) return Err(newest.error());
  const auto& [key, size] = *newest;
  const uint64_t upto = options.upto == 0 ? size : options.upto;
  if (upto > size) {
    return Err(Status::BadRequest("--upto " + std::to_string(upto) +
                                  " is beyond the newest checkpoint (tree size " +
                                  std::to_string(size) + "): archive up to " +
                                  std::to_string(size) + " now, the rest in a later run"));
  }
  auto pruned = ReadPruneState(view);
  if (!pruned) return Err(pruned.error());
  ArchiveSummary summary{pruned->below, upto, 0, 0};
  if (pruned->below > 0) {
    progress("entries " + Range(0, pruned->below) +
             " were pruned: their bundles were archived before; not read again");
  }
  if (pruned->below >= upto) {
    progress("nothing to archive below " + std::to_string(upto));
    return summary;
  }
  std::error_code ec;
  if (!fs::exists(options.dir, ec)) {
    if (::mkdir(options.dir.c_str(), 0700) != 0) return Err(WriteError(options.dir));
  }
  auto files = ListArchive(options.dir);
  if (!files) return Err(files.error());
  std::vector<std::pair<uint64_t, uint64_t>> plan;
  for (uint64_t a = pruned->below; a < upto;) {
    uint64_t b = std::min((a / per + 1) * per, upto);
    plan.emplace_back(a, b);
    a = b;
  }
  for (size_t k = 0; k < plan.size(); ++k) {
    auto [a, b] = plan[k];
    auto written =
        ArchiveRange(view, key, options.dir, *files, a, b, Of(k + 1, plan.size()), progress);
    if (!written) return Err(written.error());
    ++(*written ? summary.written : summary.kept);
  }
  return summary;
}

Result<PruneSummary> PruneLog(storage::Store& store, const PruneOptions& options,
                              const ProgressFn& progress) {
  auto newest = KeyAndNewestSize(store);
  if (!newest) return Err(newest.error());
  const auto& [key, size] = *newest;
  if (options.before > size) {
    return Err(Status::BadRequest("--before " + std::to_string(options.before) +
                                  " is beyond the newest checkpoint (tree "
                                  "size " +
                                  std::to_string(size) +
                                  "): only entries a checkpoint covers can be archived "
                                  "and pruned; use --before " +
                                  std::to_string(size) + " or less"));
  }
  auto state = ReadPruneState(store);
  if (!state) return Err(state.error());
  const uint64_t target = std::max(options.before, state->below);
  PruneSummary summary{state->next, target};
  if (state->next >= target) {
    progress("nothing to prune: entries before " + std::to_string(state->next) +
             " are pruned already");
    return summary;
  }
  if (state->below > options.before) {
    progress("resuming the prune of entries before " + std::to_string(state->below) +
             " that an earlier run started");
  }
  if (Status s = CheckArchiveCovers(store, key, options.archive_dir, state->next, target, progress);
      !s.ok()) {
    return Err(s);
  }
  const uint64_t batch = std::max<uint64_t>(options.batch, 1);
  const uint64_t first = state->next;
  for (uint64_t next = first; next < target;) {
    const uint64_t end = std::min(target - next, batch) + next;
    Status s = store.SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
      for (uint64_t i = next; i < end; ++i) {
        auto deleted = txn.DeleteObject(kEntryKind, EntryId(i));
        if (!deleted) return deleted.error();
      }
      return txn.PutObject(kPruneKind, kPruneId, FormatPruneState({target, end}));
    });
    if (!s.ok()) return Err(s);
    progress("entries " + Range(next, end) + " pruned (" + std::to_string(end - first) + "/" +
             std::to_string(target - first) + ")");
    next = end;
  }
  return summary;
}

}  // namespace trustcse::security::audit
