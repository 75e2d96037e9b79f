// Fuzz target for the audit log's consistency bundles and checkpoint comparison
// (security/audit/consistency.h), which arrive from outside — a bundle a log operator handed
// over, checkpoints someone saved. The input is tried as:
//   - ParseConsistencyBundle: what parses formats back to exactly the input (one canonical form);
//   - VerifyConsistencyBundle under a fixed key: nothing may crash; a bundle that verifies has an
//     old size no larger than the new, and for equal sizes CompareCheckpoints agrees on its two
//     notes; a pair CompareCheckpoints reports as a fork never verifies as a bundle;
//   - CompareCheckpoints on the input cut in two, and FormatConsistencyBundle on pieces of it:
//     nothing may crash.
// The seed corpus (corpus/audit_consistency_fuzz/) holds bundles signed by the fixed key: one
// that extends, one of equal sizes, a power-of-two old size, a fork, and one not extended.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "security/audit/checkpoint.h"
#include "security/audit/consistency.h"
#include "security/crypto/crypto.h"

namespace {

using namespace trustcse::security;

const audit::NoteKeyPair& FixedKey() {
  // The key of golang.org/x/mod/sumdb/note's documentation (as in audit_note_fuzz.cc).
  static const audit::NoteKeyPair key = [] {
    auto seed = crypto::FromBase64("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
    return std::move(*audit::NoteKeyPairFromSeed("PeterNeumann", crypto::Secret(seed->substr(1))));
  }();
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const audit::NoteVerifierKey verifier = FixedKey().verifier_key();

  auto parsed = audit::ParseConsistencyBundle(in);
  if (parsed) {
    auto back = audit::FormatConsistencyBundle(*parsed);
    if (!back || *back != in) __builtin_trap();
  }
  auto report = audit::VerifyConsistencyBundle(in, verifier);
  if (report) {
    if (!parsed) __builtin_trap();
    if (report->old_checkpoint.tree_size > report->new_checkpoint.tree_size) __builtin_trap();
    if (report->old_checkpoint.tree_size == report->new_checkpoint.tree_size &&
        !audit::CompareCheckpoints(parsed->old_note, parsed->new_note, verifier)) {
      __builtin_trap();
    }
  }
  if (parsed) {
    auto pair = audit::CompareCheckpoints(parsed->old_note, parsed->new_note, verifier);
    if (!pair && pair.error().message().starts_with("fork: ") && report) __builtin_trap();
  }

  const size_t half = in.size() / 2;
  (void)audit::CompareCheckpoints(in.substr(0, half), in.substr(half), verifier);
  const size_t third = in.size() / 3;
  audit::ConsistencyBundle pieces{{std::string(in.substr(0, std::min<size_t>(third, 32)))},
                                  std::string(in.substr(third, third)),
                                  std::string(in.substr(2 * third))};
  (void)audit::FormatConsistencyBundle(pieces);
  return 0;
}
