#include "security/audit/consistency.h"

#include <optional>
#include <utility>

#include "security/audit/canonical_text.h"
#include "security/audit/merkle_tree.h"

namespace trustcse::security::audit {
namespace {

constexpr size_t kMaxProofHashes = 128;                // as VerifyConsistency accepts
constexpr size_t kMaxText = (size_t{2} << 20) + 8192;  // two notes of at most 1 MiB, the proof

Status Bad(std::string message) {
  return Status::BadRequest("consistency bundle: " + std::move(message));
}

// "<text>\n\n<signatures>\n" with no other empty line: the shape every signed note has.
bool IsNoteShape(std::string_view note) {
  if (note.empty() || note.front() == '\n' || note.back() != '\n') return false;
  size_t blank = note.find("\n\n");
  if (blank == std::string_view::npos || blank + 2 >= note.size()) return false;
  return note.find("\n\n", blank + 1) == std::string_view::npos;
}

}  // namespace

std::string ForkMessage(uint64_t tree_size) {
  return "fork: two different roots for tree size " + std::to_string(tree_size) +
         ", both signed by the log's key: the log showed two histories; keep both checkpoints "
         "as evidence and report them to the log's operator";
}

Result<std::string> FormatConsistencyBundle(const ConsistencyBundle& b) {
  if (!IsNoteShape(b.old_note) || !IsNoteShape(b.new_note)) {
    return Err(Bad("a checkpoint is not a signed note (text, empty line, signatures)"));
  }
  if (b.proof.size() > kMaxProofHashes) return Err(Bad("proof too long"));
  std::string out(kConsistencyHeader);
  out += '\n';
  if (!AppendHashLines(b.proof, out)) return Err(Bad("a proof hash is not 32 bytes"));
  out += '\n';
  out += b.old_note;
  out += '\n';
  out += b.new_note;
  return out;
}

Result<ConsistencyBundle> ParseConsistencyBundle(std::string_view text) {
  if (text.size() > kMaxText) return Err(Bad("too large"));
  size_t pos = 0;
  auto line = NextLine(text, pos);
  if (!line || *line != kConsistencyHeader) {
    return Err(Bad("not a trustcse.audit-consistency@v1 file"));
  }
  ConsistencyBundle b;
  for (uint64_t line_no = 2;; ++line_no) {
    line = NextLine(text, pos);
    if (!line) return Err(Bad("no empty line after the proof"));
    if (line->empty()) break;
    auto hash = FromCanonicalBase64(*line);
    if (!hash || hash->size() != kHashSize) {
      return Err(Bad("line " + std::to_string(line_no) + ": not base64 of a 32-byte hash"));
    }
    if (b.proof.size() == kMaxProofHashes) return Err(Bad("proof too long"));
    b.proof.push_back(std::move(*hash));
  }
  std::string_view notes = text.substr(pos);
  // The old note's own empty line, then the empty line that ends it.
  size_t inner = notes.find("\n\n");
  size_t end = inner == std::string_view::npos ? inner : notes.find("\n\n", inner + 1);
  if (end == std::string_view::npos) return Err(Bad("not two checkpoint notes after the proof"));
  std::string_view old_note = notes.substr(0, end + 1);
  std::string_view new_note = notes.substr(end + 2);
  if (!IsNoteShape(old_note)) return Err(Bad("the old checkpoint is not a signed note"));
  if (!IsNoteShape(new_note)) return Err(Bad("the new checkpoint is not a signed note"));
  b.old_note = std::string(old_note);
  b.new_note = std::string(new_note);
  return b;
}

Result<ConsistencyReport> VerifyConsistencyBundle(std::string_view text,
                                                  const NoteVerifierKey& log_key) {
  auto b = ParseConsistencyBundle(text);
  if (!b) return Err(b.error());
  auto old_c = OpenCheckpoint(b->old_note, log_key);
  if (!old_c) return Err(Bad("old checkpoint: " + old_c.error().message()));
  auto new_c = OpenCheckpoint(b->new_note, log_key);
  if (!new_c) return Err(Bad("new checkpoint: " + new_c.error().message()));
  const uint64_t m = old_c->tree_size;
  const uint64_t n = new_c->tree_size;
  if (m == n) {
    if (old_c->root_hash != new_c->root_hash) return Err(Status::BadRequest(ForkMessage(n)));
    if (!b->proof.empty()) return Err(Bad("the proof between equal sizes must be empty"));
  } else if (m > n) {
    return Err(Bad("the old checkpoint (tree size " + std::to_string(m) +
                   ") is larger than the new one (" + std::to_string(n) +
                   "): give the older checkpoint first"));
  } else if (Status s = VerifyConsistency(m, n, old_c->root_hash, new_c->root_hash, b->proof);
             !s.ok()) {
    return Err(Bad("the proof does not show that tree size " + std::to_string(n) +
                   " extends tree size " + std::to_string(m) + " (" + s.message() +
                   "); build the bundle again from the log: if a fresh bundle fails too, the "
                   "log's history changed between the two checkpoints"));
  }
  return ConsistencyReport{std::move(*old_c), std::move(*new_c)};
}

Result<Checkpoint> CompareCheckpoints(std::string_view note_a, std::string_view note_b,
                                      const NoteVerifierKey& log_key) {
  auto a = OpenCheckpoint(note_a, log_key);
  if (!a) return Err(Status::BadRequest("first checkpoint: " + a.error().message()));
  auto b = OpenCheckpoint(note_b, log_key);
  if (!b) return Err(Status::BadRequest("second checkpoint: " + b.error().message()));
  if (a->tree_size != b->tree_size) {
    return Err(Status::BadRequest(
        "the checkpoints are of different tree sizes (" + std::to_string(a->tree_size) + " and " +
        std::to_string(b->tree_size) +
        "): only a consistency proof relates them: run `trustcse audit consistency <the older> "
        "--out F` on the log and `trustcse audit verify F --key K`"));
  }
  if (a->root_hash != b->root_hash) return Err(Status::BadRequest(ForkMessage(a->tree_size)));
  return std::move(*a);
}

}  // namespace trustcse::security::audit
