// Single-entry proofs in the C2SP `tlog-proof` format (c2sp.org/tlog-proof@v1): what anyone
// needs to check offline, with only the log's verifier key, that one entry is in the audit log.
//
//   c2sp.org/tlog-proof@v1
//   [extra <base64 of opaque, unauthenticated data>]
//   index <decimal, no leading zeros>
//   <inclusion proof: one base64 SHA-256 hash per line, the leaf's sibling first>
//   <empty line>
//   <the signed checkpoint note, verbatim (checkpoint.h)>
//
// Errors: 4000 with the reason. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "security/audit/checkpoint.h"

namespace trustcse::security::audit {

struct TlogProof {
  std::string extra;               // binary; empty = no extra line
  uint64_t index = 0;
  std::vector<std::string> proof;  // 32-byte hashes
  std::string checkpoint_note;     // signed note, verbatim
};

// 4000 if a hash is not 32 bytes or the note does not end in a newline.
Result<std::string> FormatTlogProof(const TlogProof& proof);
// Strict: canonical base64 and decimal, at most 64 proof hashes, the note at most 1 MiB.
Result<TlogProof> ParseTlogProof(std::string_view text);

// Checks `text` for `entry` under `log_key`: the checkpoint opens with the key, the index is
// below its size, and the proof leads from LeafHash(entry) to its root. OK, or 4000 naming
// what failed. On success `checkpoint` (if given) receives the opened checkpoint.
Status VerifyTlogProof(std::string_view text, std::string_view entry,
                       const NoteVerifierKey& log_key, Checkpoint* checkpoint = nullptr);

}  // namespace trustcse::security::audit
