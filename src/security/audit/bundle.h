// Export bundles of the audit log (AUD-1): a range of entries with everything needed to check
// offline, with nothing but the log's verifier key, that each is in the log at its index —
// `trustcse audit export` writes them, `trustcse audit verify` checks them.
//
//   trustcse.audit-bundle@v1
//   entry <index, decimal> <base64 of the entry's bytes>
//   <its inclusion proof: one base64 SHA-256 hash per line, the leaf's sibling first>
//   entry <index + 1> …
//   …
//   <empty line>
//   <the signed checkpoint note the proofs lead to, verbatim (checkpoint.h)>
//
// Entries are consecutive and ascending, at least one. Each "entry" line with the hash lines
// after it is, with the checkpoint, exactly a C2SP tlog-proof (tlog_proof.h) of that entry.
// Parsing is strict (canonical base64 and decimals, ≤ 64 hashes per proof, ≤ 1 GiB in all).
//
// Errors: 4000 naming the first line, entry or checkpoint that does not verify. Thread-safety:
// pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "security/audit/checkpoint.h"
#include "security/audit/merkle_tree.h"

namespace trustcse::security::audit {

struct BundleEntry {
  uint64_t index = 0;
  std::string entry;               // the entry's bytes
  std::vector<std::string> proof;  // 32-byte hashes
};

struct Bundle {
  std::vector<BundleEntry> entries;
  std::string checkpoint_note;
};

// The text of `bundle`; 4000 if it has no entries, they are not consecutive, a hash is not 32
// bytes or the note does not end in a newline.
Result<std::string> FormatBundle(const Bundle& bundle);
Result<Bundle> ParseBundle(std::string_view text);

// What a verification found: the checkpoint and the span of entries that verified.
struct BundleReport {
  Checkpoint checkpoint;
  uint64_t from = 0;
  uint64_t to = 0;  // exclusive
};
// Parses and checks `text` under `log_key`; OK only if the checkpoint opens and every entry's
// proof leads to its root. The error names the first thing that failed ("entry 17: …").
Result<BundleReport> VerifyBundle(std::string_view text, const NoteVerifierKey& log_key);

}  // namespace trustcse::security::audit
