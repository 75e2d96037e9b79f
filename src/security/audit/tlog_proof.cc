#include "security/audit/tlog_proof.h"

#include <optional>
#include <utility>

#include "security/audit/canonical_text.h"
#include "security/audit/merkle_tree.h"
#include "security/crypto/crypto.h"

namespace trustcse::security::audit {
namespace {

constexpr std::string_view kHeader = "c2sp.org/tlog-proof@v1";
constexpr size_t kMaxProofHashes = 64;
constexpr size_t kMaxText = (1 << 20) + 8192;

Status Bad(std::string message) { return Status::BadRequest("tlog-proof: " + std::move(message)); }

}  // namespace

Result<std::string> FormatTlogProof(const TlogProof& p) {
  if (p.checkpoint_note.empty() || p.checkpoint_note.back() != '\n') {
    return Err(Bad("the checkpoint note must end in a newline"));
  }
  if (p.proof.size() > kMaxProofHashes) return Err(Bad("too many proof hashes"));
  std::string out(kHeader);
  out += '\n';
  if (!p.extra.empty()) out += "extra " + crypto::Base64(p.extra) + "\n";
  out += "index " + std::to_string(p.index) + "\n";
  if (!AppendHashLines(p.proof, out)) return Err(Bad("a proof hash is not 32 bytes"));
  out += '\n';
  out += p.checkpoint_note;
  return out;
}

Result<TlogProof> ParseTlogProof(std::string_view text) {
  if (text.size() > kMaxText) return Err(Bad("too large"));
  size_t pos = 0;
  auto line = NextLine(text, pos);
  if (!line || *line != kHeader) return Err(Bad("not a c2sp.org/tlog-proof@v1 proof"));
  TlogProof p;
  line = NextLine(text, pos);
  if (line && line->starts_with("extra ")) {
    auto extra = FromCanonicalBase64(line->substr(6));
    if (!extra || extra->empty()) return Err(Bad("malformed extra line"));
    p.extra = std::move(*extra);
    line = NextLine(text, pos);
  }
  if (!line || !line->starts_with("index ")) return Err(Bad("missing index line"));
  auto index = ParseCanonicalDecimal(line->substr(6));
  if (!index) return Err(Bad("index is not a canonical decimal number"));
  p.index = *index;
  for (;;) {
    line = NextLine(text, pos);
    if (!line) return Err(Bad("no empty line before the checkpoint"));
    if (line->empty()) break;
    auto hash = FromCanonicalBase64(*line);
    if (!hash || hash->size() != kHashSize) return Err(Bad("a proof line is not base64 of 32 bytes"));
    if (p.proof.size() == kMaxProofHashes) return Err(Bad("too many proof hashes"));
    p.proof.push_back(std::move(*hash));
  }
  p.checkpoint_note = std::string(text.substr(pos));
  if (p.checkpoint_note.empty() || p.checkpoint_note.back() != '\n') {
    return Err(Bad("no checkpoint note (ending in a newline) after the proof"));
  }
  return p;
}

Status VerifyTlogProof(std::string_view text, std::string_view entry,
                       const NoteVerifierKey& log_key, Checkpoint* checkpoint) {
  auto p = ParseTlogProof(text);
  if (!p) return p.error();
  auto c = OpenCheckpoint(p->checkpoint_note, log_key);
  if (!c) return Bad("checkpoint: " + c.error().message());
  if (p->index >= c->tree_size) return Bad("index is not below the checkpoint's tree size");
  Status s = VerifyInclusion(p->index, c->tree_size, LeafHash(entry), p->proof, c->root_hash);
  if (!s.ok()) return Bad("entry " + std::to_string(p->index) + ": " + s.message());
  if (checkpoint != nullptr) *checkpoint = std::move(*c);
  return Status::Ok();
}

}  // namespace trustcse::security::audit
