// Retention of the audit log (AUD-1, docs/audit.md "Retention"): archiving the entries into
// export bundles in a directory, and pruning entry bodies that such an archive holds.
//
// Archive files: one export bundle (bundle.h) per range, named by the range's first and last
// index, 20 digits each — "audit-00000000000000000000-00000000000000099999.bundle" — so that a
// listing sorted by name is sorted by index and a name says what its file must hold. Ranges
// are aligned to `per_bundle` (default and at most 100,000 entries): [0, 100000), [100000,
// 200000), …, the last one ending at `upto`; after a prune the first starts at the prune point.
//
// An archived bundle counts only if it verifies: it parses, every proof leads to its
// checkpoint's root, the checkpoint is signed by the log's key, it holds exactly the range its
// name says, and its checkpoint's root is the stored tree's root at that size (the bundle is of
// this log, not of a fork). ArchiveLog and PruneLog check that before relying on a file.
//
// ArchiveLog is resumable and may run beside a running server (it only reads the store): a
// range whose bundle is present and verifies is skipped; a file of the same name that does not
// verify is moved aside to "<name>.rejected" (kept as evidence) and written again. A bundle is
// written to ".<name>.partial", fsynced, renamed to its name, and the directory fsynced, so a
// crash never leaves a half-written file under a bundle's name. A complete range's bundle
// replaces (deletes) the shorter bundles of the same start that earlier runs wrote when the
// range was still growing. Every bundle is verified before it is written: a stored entry that
// was changed stops the archive with the entry named, instead of archiving unverifiable data.
//
// PruneLog deletes the bodies of entries [0, before) — audit.entry objects; the node hashes
// stay, so proofs of later entries and consistency proofs between any sizes still work — but
// only if the archive directory covers [0, before): the file names must cover the whole range,
// and every bundle that covers entries not yet deleted must verify. Otherwise it changes
// nothing and says which range is missing and what to run. It deletes in batches of `batch`
// entries, one transaction each, recording the target and its progress ("audit.prune",
// audit_log.h) in the same transaction: from the first batch on, export and proofs treat the
// whole range as pruned, and an interrupted prune resumes where it stopped (rerun it). `before` may
// not exceed the newest checkpoint's size. The caller makes sure no server runs on the store (it
// writes).
//
// Progress: one line per bundle or batch ("entries 0..99999 archived: … (1/3)") through
// `progress`. Errors: 4000 for arguments and an archive that does not cover the range (the
// message says what to run); 4004 if the log has no key or checkpoint yet; 5000 for files that
// cannot be written and store failures. Thread-safety: the functions may run concurrently with
// a server's reads and writes of the store (PruneLog: not with its writes); not with each other
// on one directory.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"
#include "security/audit/checkpoint.h"
#include "storage/store.h"

namespace trustcse::security::audit {

using ProgressFn = std::function<void(std::string_view line)>;

// The file name of the bundle of entries [from, to) (to > from).
std::string ArchiveFileName(uint64_t from, uint64_t to);
// [from, to) of a name ArchiveFileName makes; nullopt for any other name.
std::optional<std::pair<uint64_t, uint64_t>> ParseArchiveFileName(std::string_view name);

// OK if the bundle file `path` verifies as an archived bundle of entries [from, to) of the log
// in `view` under `key` (see above); 4000 naming what failed otherwise.
Status VerifyArchivedBundle(storage::ReadView& view, const NoteVerifierKey& key,
                            const std::string& path, uint64_t from, uint64_t to);

struct ArchiveOptions {
  std::string dir;    // created (0700) if missing
  uint64_t upto = 0;  // end of the archived range, exclusive; 0 = the newest checkpoint's size
  uint64_t per_bundle = 0;  // entries per bundle; 0 = 100,000 (also the most)
};
struct ArchiveSummary {
  uint64_t from = 0;  // the range archived (or found archived): [from, to)
  uint64_t to = 0;
  size_t written = 0;  // bundles written by this run
  size_t kept = 0;     // bundles found present and verified
};
Result<ArchiveSummary> ArchiveLog(storage::ReadView& view, const ArchiveOptions& options,
                                  const ProgressFn& progress);

struct PruneOptions {
  std::string archive_dir;
  uint64_t before = 0;     // prune entries [0, before)
  uint64_t batch = 10000;  // entries deleted per transaction
};
struct PruneSummary {
  uint64_t deleted_from = 0;  // entry bodies deleted by this run: [deleted_from, below)
  uint64_t below = 0;         // the log is pruned below this index
};
Result<PruneSummary> PruneLog(storage::Store& store, const PruneOptions& options,
                              const ProgressFn& progress);

}  // namespace trustcse::security::audit
