// Consistency bundles of the audit log (AUD-1): what anyone needs to check offline, with nothing
// but the log's verifier key, that a checkpoint they saved earlier and a later one describe one
// history — the later tree extends the earlier (RFC 9162 §2.1.4), or, for one size, both have
// the same root. Two validly signed checkpoints with different roots for one size are a fork:
// the log showed two histories, and the pair is the proof. `trustcse audit consistency` writes
// a bundle from the store; `trustcse audit verify` checks it; `trustcse audit compare` checks
// two saved checkpoints of one size without a bundle.
//
//   trustcse.audit-consistency@v1
//   <consistency proof from the old size to the new: one base64 SHA-256 hash per line>
//   <empty line>
//   <the old signed checkpoint note, verbatim (checkpoint.h)>
//   <empty line>
//   <the new signed checkpoint note, verbatim>
//
// A signed note holds exactly one empty line (between its text and its signatures) and ends in
// a newline, so the old note ends at the second empty line after the proof and the new note
// runs to the end of the file. The proof is empty when the sizes are equal (or the old is 0).
// Parsing is strict: canonical base64 of 32-byte hashes, at most 128 of them, each note
// non-empty with its one empty line, at most 2 MiB in all; what parses formats back to exactly
// the input.
//
// Verification order: both signatures first (a bundle not signed by the log proves nothing),
// then the sizes: equal sizes must have equal roots and an empty proof — otherwise "fork: two
// different roots for tree size N"; an old size larger than the new is refused; otherwise the
// proof must lead to both roots.
//
// Errors: 4000 naming what failed ("consistency bundle: …", "fork: …"). Thread-safety: pure
// functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "security/audit/checkpoint.h"

namespace trustcse::security::audit {

inline constexpr std::string_view kConsistencyHeader = "trustcse.audit-consistency@v1";

struct ConsistencyBundle {
  std::vector<std::string> proof;  // 32-byte hashes, RFC 9162 PROOF(old size, new tree)
  std::string old_note;            // signed checkpoint notes, verbatim
  std::string new_note;
};

// 4000 if a hash is not 32 bytes, the proof is too long, or a note is not of the form
// "<text>\n\n<signature lines>\n" (no other empty line).
Result<std::string> FormatConsistencyBundle(const ConsistencyBundle& bundle);
Result<ConsistencyBundle> ParseConsistencyBundle(std::string_view text);

struct ConsistencyReport {
  Checkpoint old_checkpoint;
  Checkpoint new_checkpoint;
};
// Parses and checks `text` under `log_key` (see above); OK only if both checkpoints are signed
// by the key and the new one extends the old one.
Result<ConsistencyReport> VerifyConsistencyBundle(std::string_view text,
                                                  const NoteVerifierKey& log_key);

// Two saved checkpoint notes of one size: OK (the checkpoint) if both are signed by `log_key`
// and state the same root; 4000 "fork: two different roots for tree size N" if the roots
// differ; 4000 for different sizes (which need a consistency bundle) or a bad signature.
Result<Checkpoint> CompareCheckpoints(std::string_view note_a, std::string_view note_b,
                                      const NoteVerifierKey& log_key);

// The message of a fork at `tree_size`, for every caller that finds one.
std::string ForkMessage(uint64_t tree_size);

}  // namespace trustcse::security::audit
