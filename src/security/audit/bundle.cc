#include "security/audit/bundle.h"

#include <optional>
#include <utility>

#include "security/audit/canonical_text.h"
#include "security/crypto/crypto.h"

namespace trustcse::security::audit {
namespace {

constexpr std::string_view kHeader = "trustcse.audit-bundle@v1";
constexpr std::string_view kEntryPrefix = "entry ";
constexpr size_t kMaxProofHashes = 64;
constexpr size_t kMaxBundle = size_t{1} << 30;

Status Bad(std::string message) { return Status::BadRequest("audit bundle: " + std::move(message)); }

}  // namespace

Result<std::string> FormatBundle(const Bundle& b) {
  if (b.entries.empty()) return Err(Bad("no entries"));
  if (b.checkpoint_note.empty() || b.checkpoint_note.back() != '\n') {
    return Err(Bad("the checkpoint note must end in a newline"));
  }
  std::string out(kHeader);
  out += '\n';
  for (size_t i = 0; i < b.entries.size(); ++i) {
    const BundleEntry& e = b.entries[i];
    if (i > 0 && e.index != b.entries[i - 1].index + 1) return Err(Bad("entries not consecutive"));
    if (e.proof.size() > kMaxProofHashes) return Err(Bad("proof too long"));
    out += kEntryPrefix;
    out += std::to_string(e.index) + " " + crypto::Base64(e.entry) + "\n";
    if (!AppendHashLines(e.proof, out)) return Err(Bad("a proof hash is not 32 bytes"));
  }
  out += '\n';
  out += b.checkpoint_note;
  return out;
}

Result<Bundle> ParseBundle(std::string_view text) {
  if (text.size() > kMaxBundle) return Err(Bad("too large"));
  size_t pos = 0;
  auto line = NextLine(text, pos);
  if (!line || *line != kHeader) return Err(Bad("not a trustcse.audit-bundle@v1 file"));
  Bundle b;
  uint64_t line_no = 1;
  for (;;) {
    line = NextLine(text, pos);
    ++line_no;
    const std::string where = "line " + std::to_string(line_no);
    if (!line) return Err(Bad(where + ": no empty line before the checkpoint"));
    if (line->empty()) break;
    if (line->starts_with(kEntryPrefix)) {
      std::string_view rest = line->substr(kEntryPrefix.size());
      size_t space = rest.find(' ');
      auto index = ParseCanonicalDecimal(rest.substr(0, space));
      auto bytes = space == std::string_view::npos ? std::nullopt
                                                   : FromCanonicalBase64(rest.substr(space + 1));
      if (!index || !bytes) return Err(Bad(where + ": malformed entry line"));
      if (!b.entries.empty() && *index != b.entries.back().index + 1) {
        return Err(Bad(where + ": entry " + std::to_string(*index) + " does not follow entry " +
                       std::to_string(b.entries.back().index)));
      }
      b.entries.push_back({*index, std::move(*bytes), {}});
      continue;
    }
    if (b.entries.empty()) return Err(Bad(where + ": a proof hash before the first entry"));
    auto hash = FromCanonicalBase64(*line);
    if (!hash || hash->size() != kHashSize) {
      return Err(Bad(where + ": not an entry line or base64 of a 32-byte hash"));
    }
    if (b.entries.back().proof.size() == kMaxProofHashes) {
      return Err(Bad(where + ": proof of entry " + std::to_string(b.entries.back().index) +
                     " too long"));
    }
    b.entries.back().proof.push_back(std::move(*hash));
  }
  if (b.entries.empty()) return Err(Bad("no entries"));
  b.checkpoint_note = std::string(text.substr(pos));
  if (b.checkpoint_note.empty() || b.checkpoint_note.back() != '\n') {
    return Err(Bad("no checkpoint note (ending in a newline) after the entries"));
  }
  return b;
}

Result<BundleReport> VerifyBundle(std::string_view text, const NoteVerifierKey& log_key) {
  auto b = ParseBundle(text);
  if (!b) return Err(b.error());
  // The proofs first, against the root the note claims (cheap hashing), the signature on that
  // root last: nothing is reported verified before the signature is, and a damaged entry is
  // named without paying for a signature check.
  size_t split = b->checkpoint_note.rfind("\n\n");
  auto c = split == std::string::npos
               ? Result<Checkpoint>(Err(Bad("checkpoint: no signature")))
               : ParseCheckpoint(std::string_view(b->checkpoint_note).substr(0, split + 1));
  if (!c) return Err(Bad("checkpoint: " + c.error().message()));
  for (const BundleEntry& e : b->entries) {
    const std::string which = "entry " + std::to_string(e.index);
    if (e.index >= c->tree_size) {
      return Err(Bad(which + ": beyond the checkpoint's tree size " +
                     std::to_string(c->tree_size)));
    }
    Status s = VerifyInclusion(e.index, c->tree_size, LeafHash(e.entry), e.proof, c->root_hash);
    if (!s.ok()) return Err(Bad(which + " does not verify: " + s.message()));
  }
  auto signed_checkpoint = OpenCheckpoint(b->checkpoint_note, log_key);
  if (!signed_checkpoint) return Err(Bad("checkpoint: " + signed_checkpoint.error().message()));
  BundleReport r;
  r.checkpoint = std::move(*signed_checkpoint);
  r.from = b->entries.front().index;
  r.to = b->entries.back().index + 1;
  return r;
}

}  // namespace trustcse::security::audit
