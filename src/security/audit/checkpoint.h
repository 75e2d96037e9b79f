// Signed checkpoints of the audit log (AUD-1): the C2SP tlog-checkpoint body carried in a C2SP
// signed note with an Ed25519 signature, so that existing transparency-log tooling (Go's
// golang.org/x/mod/sumdb/note, transparency-dev/formats) can check what the log says.
//
// Checkpoint body (note text), every line ending in "\n", no line empty:
//   <origin>
//   <tree size, ASCII decimal, no leading zeros unless 0>
//   <root hash, standard base64 with padding, 32 bytes>
//   [<extension line>]...
// Signed note: text + "\n" + one line per signature:
//   "— " (U+2014 EM DASH, space) <key name> " " base64(4-byte big-endian key ID || signature)
// Key ID = first 4 bytes of SHA-256(key name || "\n" || 0x01 || 32-byte Ed25519 public key).
// Verifier key (to hand to third parties): "<name>+<key ID, 8 hex>+<base64(0x01 || public key)>".
// The log signs under its origin: the key name is the origin (C2SP tlog-checkpoint "SHOULD").
//
// Parsing is strict: base64 must be canonical, the note valid UTF-8 without control characters
// other than newline, at most 1 MiB and 100 signature lines. Signatures by keys the caller does
// not trust are ignored (as the signed-note spec requires); a note verifies only if some trusted
// key's signature verifies and none fails.
//
// Errors: 4000 with the reason (malformed text, unknown key, bad signature); 5000 if OpenSSL
// fails. Thread-safety: pure functions, safe to call concurrently. The private seed stays in a
// crypto::Secret and is never formatted or logged here.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "security/crypto/crypto.h"

namespace trustcse::security::audit {

// The note text of a checkpoint.
struct Checkpoint {
  std::string origin;
  uint64_t tree_size = 0;
  std::string root_hash;                // 32 bytes, binary
  std::vector<std::string> extensions;  // opaque extra lines; C2SP does not recommend them
};

// The body above; 4000 if the origin or an extension is empty or not valid note text (a newline,
// a control character, invalid UTF-8), or the root hash is not 32 bytes.
Result<std::string> FormatCheckpoint(const Checkpoint& checkpoint);
// The inverse, rejecting: a missing final newline, fewer than three lines, an empty line, a size
// that is not plain decimal (sign, leading zero, overflow), a root hash that is not canonical
// base64 of 32 bytes.
Result<Checkpoint> ParseCheckpoint(std::string_view text);

// A note key name: non-empty UTF-8 without Unicode spaces, '+' or control characters.
bool IsValidKeyName(std::string_view name);
// The Ed25519 key ID of C2SP signed-note; `public_key` is the raw 32-byte key.
uint32_t NoteKeyId(std::string_view name, std::string_view public_key);

// What a verifier needs: the key name, its ID and the raw 32-byte Ed25519 public key.
struct NoteVerifierKey {
  std::string name;
  uint32_t key_id = 0;
  std::string public_key;
};

// The log's signing key. Move-only (the seed is a Secret); keep it sealed in the KeyStore.
struct NoteKeyPair {
  std::string name;
  uint32_t key_id = 0;
  std::string public_key;  // raw 32 bytes
  crypto::Secret seed;     // the 32-byte Ed25519 private key (RFC 8032 seed)

  NoteVerifierKey verifier_key() const { return {name, key_id, public_key}; }
};

// A fresh key pair from the system CSPRNG; 4000 for an invalid name.
Result<NoteKeyPair> GenerateNoteKeyPair(std::string_view name);
// The key pair of a stored seed (as unsealed from the KeyStore); 4000 unless the seed is 32 bytes
// and the name valid.
Result<NoteKeyPair> NoteKeyPairFromSeed(std::string_view name, crypto::Secret seed);

std::string FormatVerifierKey(const NoteVerifierKey& key);
// 4000 for a malformed string (the key ID in anything but 8 lower-case hex digits too), an algorithm other than Ed25519 (0x01), a key that is not 32
// bytes, or a key ID that does not match the name and key.
Result<NoteVerifierKey> ParseVerifierKey(std::string_view encoded);

// `text` (which must end in a newline and be valid note text) signed by `key`.
Result<std::string> SignNote(std::string_view text, const NoteKeyPair& key);
// The verified text of `note`: OK only if at least one signature by a key in `trusted` verifies
// and no signature by a trusted key fails.
Result<std::string> OpenNote(std::string_view note, std::span<const NoteVerifierKey> trusted);

// FormatCheckpoint + SignNote; 4000 unless checkpoint.origin == key.name.
Result<std::string> SignCheckpoint(const Checkpoint& checkpoint, const NoteKeyPair& key);
// OpenNote with the log's key + ParseCheckpoint; 4000 also if the origin is not the key's name.
Result<Checkpoint> OpenCheckpoint(std::string_view note, const NoteVerifierKey& log_key);

}  // namespace trustcse::security::audit
