// Fuzz target for what a third party feeds the audit log's verifiers (security/audit/): signed
// notes, checkpoint bodies, verifier keys, C2SP tlog-proofs, export bundles and Merkle proofs,
// all of which arrive from outside (an exported bundle, a proof or checkpoint someone
// forwarded). The input is tried as each:
//   - ParseCheckpoint: what parses formats back to exactly the input (one canonical form);
//   - ParseVerifierKey: the same for verifier keys;
//   - OpenNote / OpenCheckpoint under a fixed key: nothing may crash; a note that opens must
//     carry the fixed key's signature over exactly the text returned, so re-signing that text
//     (Ed25519 is deterministic) and opening it again gives the same text;
//   - ParseTlogProof / ParseBundle: what parses formats back to exactly the input; the
//     verifiers (VerifyTlogProof, VerifyBundle) never crash;
//   - VerifyInclusion / VerifyConsistency with sizes, an index and hashes cut from the input:
//     nothing may crash or loop, whatever the sizes and proof lengths.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "security/audit/bundle.h"
#include "security/audit/checkpoint.h"
#include "security/audit/merkle_tree.h"
#include "security/audit/tlog_proof.h"
#include "security/crypto/crypto.h"

namespace {

using namespace trustcse::security;

const audit::NoteKeyPair& FixedKey() {
  // The key of golang.org/x/mod/sumdb/note's documentation, so that its example note (in the
  // seed corpus) opens.
  static const audit::NoteKeyPair key = [] {
    auto seed = crypto::FromBase64("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
    return std::move(*audit::NoteKeyPairFromSeed("PeterNeumann", crypto::Secret(seed->substr(1))));
  }();
  return key;
}

uint64_t Take64(std::string_view& in) {
  uint64_t v = 0;
  size_t n = std::min<size_t>(8, in.size());
  std::memcpy(&v, in.data(), n);
  in.remove_prefix(n);
  return v;
}

std::vector<std::string> Hashes(std::string_view in) {
  std::vector<std::string> out;
  while (!in.empty()) {
    size_t n = std::min<size_t>(in.size(), audit::kHashSize);
    // A length byte lets the fuzzer make malformed (short) hashes too.
    if (n > 1 && static_cast<unsigned char>(in[0]) == 0xff) {
      n = std::min<size_t>(in.size(), 1 + static_cast<unsigned char>(in[1]) % audit::kHashSize);
    }
    out.emplace_back(in.substr(0, n));
    in.remove_prefix(n);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);

  if (auto c = audit::ParseCheckpoint(in)) {
    auto back = audit::FormatCheckpoint(*c);
    if (!back || *back != in) __builtin_trap();
  }
  if (auto k = audit::ParseVerifierKey(in)) {
    if (audit::FormatVerifierKey(*k) != in) __builtin_trap();
  }
  const audit::NoteVerifierKey verifier = FixedKey().verifier_key();
  if (auto text = audit::OpenNote(in, std::span<const audit::NoteVerifierKey>(&verifier, 1))) {
    auto again = audit::SignNote(*text, FixedKey());
    if (!again) __builtin_trap();
    auto reopened = audit::OpenNote(*again, std::span<const audit::NoteVerifierKey>(&verifier, 1));
    if (!reopened || *reopened != *text) __builtin_trap();
  }
  (void)audit::OpenCheckpoint(in, verifier);
  if (auto p = audit::ParseTlogProof(in)) {
    auto back = audit::FormatTlogProof(*p);
    if (!back || *back != in) __builtin_trap();
  }
  (void)audit::VerifyTlogProof(in, "entry", verifier);
  if (auto b = audit::ParseBundle(in)) {
    auto back = audit::FormatBundle(*b);
    if (!back || *back != in) __builtin_trap();
  }
  (void)audit::VerifyBundle(in, verifier);

  std::string_view rest = in;
  uint64_t a = Take64(rest) % 4096, b = Take64(rest) % 4096, i = Take64(rest);
  // Sizes near the 64-bit limit too: the verifiers shift and compare them.
  if (i & 1) b = ~b;
  std::vector<std::string> hashes = Hashes(rest);
  std::string h1 = hashes.empty() ? std::string(32, 'a') : hashes.front();
  std::string h2 = hashes.size() < 2 ? std::string(32, 'b') : hashes[1];
  (void)audit::VerifyInclusion(a, b, h1, hashes, h2);
  (void)audit::VerifyInclusion(i >> 1, b, h1, hashes, h2);
  (void)audit::VerifyConsistency(a, b, h1, h2, hashes);
  (void)audit::VerifyConsistency(b == UINT64_MAX ? a : a % (b + 1), b, h1, h2, hashes);
  return 0;
}
