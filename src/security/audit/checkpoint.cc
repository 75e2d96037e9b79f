#include "security/audit/checkpoint.h"

#include "security/audit/canonical_text.h"

#include <openssl/evp.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <utility>

namespace trustcse::security::audit {

namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;

constexpr size_t kEd25519KeySize = 32;
constexpr size_t kEd25519SignatureSize = 64;
constexpr char kAlgEd25519 = '\x01';
constexpr size_t kMaxNoteSize = 1 << 20;
constexpr size_t kMaxSignatures = 100;
constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, space

Status Bad(std::string message) { return Status::BadRequest(std::move(message)); }

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Decodes the UTF-8 sequence at s[i], advancing i; nullopt if it is not well-formed (overlong
// forms, surrogates and code points above U+10FFFF are not).
std::optional<char32_t> NextCodePoint(std::string_view s, size_t& i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  size_t len;
  char32_t cp;
  unsigned char lo = 0x80, hi = 0xBF;  // the range allowed for the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return std::nullopt;
  }
  if (i + len > s.size()) return std::nullopt;
  for (size_t k = 1; k < len; ++k) {
    unsigned char b = byte(i + k);
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return std::nullopt;
    cp = (cp << 6) | (b & 0x3F);
  }
  i += len;
  return cp;
}

// Valid UTF-8 with no control character other than (if allowed) newline.
bool IsNoteText(std::string_view s, bool allow_newline) {
  for (size_t i = 0; i < s.size();) {
    auto cp = NextCodePoint(s, i);
    if (!cp || (*cp < 0x20 && !(allow_newline && *cp == '\n'))) return false;
  }
  return true;
}

// Go's unicode.IsSpace: the Unicode White_Space property.
bool IsUnicodeSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

std::string KeyIdBytes(uint32_t id) {
  return {static_cast<char>(id >> 24), static_cast<char>(id >> 16), static_cast<char>(id >> 8),
          static_cast<char>(id)};
}

std::string Hex8(uint32_t id) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", id);
  return buf;
}

Result<std::string> RawKey(EVP_PKEY* pkey, bool want_private) {
  std::string out(kEd25519KeySize, '\0');
  size_t len = out.size();
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  int ok = want_private ? EVP_PKEY_get_raw_private_key(pkey, p, &len)
                        : EVP_PKEY_get_raw_public_key(pkey, p, &len);
  if (ok != 1 || len != kEd25519KeySize) {
    crypto::Cleanse(out);
    return Err(Status::Internal("Ed25519 key export failed"));
  }
  return out;
}

Result<std::string> Ed25519Sign(const crypto::Secret& seed, std::string_view message) {
  PkeyPtr pkey(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, U(seed.view()), seed.size()));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string sig(kEd25519SignatureSize, '\0');
  size_t len = sig.size();
  if (!pkey || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, U(message),
                     message.size()) != 1 ||
      len != kEd25519SignatureSize) {
    return Err(Status::Internal("Ed25519 signing failed"));
  }
  return sig;
}

bool Ed25519Verify(std::string_view public_key, std::string_view message,
                   std::string_view signature) {
  if (public_key.size() != kEd25519KeySize || signature.size() != kEd25519SignatureSize) {
    return false;
  }
  PkeyPtr pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, U(public_key), public_key.size()));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  return pkey && ctx &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), U(signature), signature.size(), U(message), message.size()) ==
             1;
}

Result<NoteKeyPair> KeyPairOf(std::string_view name, EVP_PKEY* pkey) {
  auto seed = RawKey(pkey, true);
  if (!seed) return Err(seed.error());
  auto pub = RawKey(pkey, false);
  if (!pub) return Err(pub.error());
  NoteKeyPair pair;
  pair.name = std::string(name);
  pair.key_id = NoteKeyId(name, *pub);
  pair.public_key = std::move(*pub);
  pair.seed = crypto::Secret(std::move(*seed));
  return pair;
}

}  // namespace

std::optional<std::string> FromCanonicalBase64(std::string_view in) {
  auto out = crypto::FromBase64(in);
  if (!out || crypto::Base64(*out) != in) return std::nullopt;
  return out;
}

std::optional<std::string_view> NextLine(std::string_view text, size_t& pos) {
  size_t nl = text.find('\n', pos);
  if (nl == std::string_view::npos) return std::nullopt;
  std::string_view line = text.substr(pos, nl - pos);
  pos = nl + 1;
  return line;
}

bool AppendHashLines(const std::vector<std::string>& hashes, std::string& out) {
  for (const std::string& h : hashes) {
    if (h.size() != 32) return false;
    out += crypto::Base64(h);
    out += '\n';
  }
  return true;
}

std::optional<uint64_t> ParseCanonicalDecimal(std::string_view s) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    auto d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

Result<std::string> FormatCheckpoint(const Checkpoint& c) {
  if (c.origin.empty() || !IsNoteText(c.origin, false)) return Err(Bad("invalid origin"));
  if (c.root_hash.size() != 32) return Err(Bad("root hash must be 32 bytes"));
  std::string text =
      c.origin + "\n" + std::to_string(c.tree_size) + "\n" + crypto::Base64(c.root_hash) + "\n";
  for (const std::string& ext : c.extensions) {
    if (ext.empty() || !IsNoteText(ext, false)) return Err(Bad("invalid extension line"));
    text += ext;
    text += '\n';
  }
  return text;
}

Result<Checkpoint> ParseCheckpoint(std::string_view text) {
  if (text.empty() || text.back() != '\n') {
    return Err(Bad("checkpoint: text must end in a newline"));
  }
  if (!IsNoteText(text, true)) return Err(Bad("checkpoint: not valid note text"));
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  if (lines.size() < 3) return Err(Bad("checkpoint: fewer than three lines"));
  for (std::string_view line : lines) {
    if (line.empty()) return Err(Bad("checkpoint: empty line"));
  }
  auto size = ParseCanonicalDecimal(lines[1]);
  if (!size) return Err(Bad("checkpoint: tree size is not a canonical decimal number"));
  auto root = FromCanonicalBase64(lines[2]);
  if (!root || root->size() != 32) {
    return Err(Bad("checkpoint: root hash is not base64 of 32 bytes"));
  }
  Checkpoint c;
  c.origin = std::string(lines[0]);
  c.tree_size = *size;
  c.root_hash = std::move(*root);
  for (size_t i = 3; i < lines.size(); ++i) c.extensions.emplace_back(lines[i]);
  return c;
}

bool IsValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size();) {
    auto cp = NextCodePoint(name, i);
    if (!cp || *cp < 0x20 || *cp == '+' || IsUnicodeSpace(*cp)) return false;
  }
  return true;
}

uint32_t NoteKeyId(std::string_view name, std::string_view public_key) {
  std::string input(name);
  input += '\n';
  input += kAlgEd25519;
  input.append(public_key);
  std::string h = crypto::Sha256(input);
  auto b = [&](int k) { return static_cast<uint32_t>(static_cast<unsigned char>(h[k])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

Result<NoteKeyPair> GenerateNoteKeyPair(std::string_view name) {
  if (!IsValidKeyName(name)) return Err(Bad("invalid key name"));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
    return Err(Status::Internal("Ed25519 key generation failed"));
  }
  PkeyPtr pkey(raw);
  return KeyPairOf(name, pkey.get());
}

Result<NoteKeyPair> NoteKeyPairFromSeed(std::string_view name, crypto::Secret seed) {
  if (!IsValidKeyName(name)) return Err(Bad("invalid key name"));
  if (seed.size() != kEd25519KeySize) return Err(Bad("Ed25519 seed must be 32 bytes"));
  PkeyPtr pkey(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, U(seed.view()), seed.size()));
  if (!pkey) return Err(Status::Internal("Ed25519 key import failed"));
  return KeyPairOf(name, pkey.get());
}

std::string FormatVerifierKey(const NoteVerifierKey& key) {
  return key.name + "+" + Hex8(key.key_id) + "+" + crypto::Base64(kAlgEd25519 + key.public_key);
}

Result<NoteVerifierKey> ParseVerifierKey(std::string_view encoded) {
  size_t plus1 = encoded.find('+');
  size_t plus2 = plus1 == std::string_view::npos ? plus1 : encoded.find('+', plus1 + 1);
  if (plus2 == std::string_view::npos) return Err(Bad("verifier key: malformed"));
  std::string_view name = encoded.substr(0, plus1);
  std::string_view id_hex = encoded.substr(plus1 + 1, plus2 - plus1 - 1);
  // Lower-case hex only, as keys are written (Go's "%08x"): one spelling per key.
  bool lower_hex = id_hex.size() == 8 && id_hex.find_first_not_of("0123456789abcdef") ==
                                             std::string_view::npos;
  auto id = lower_hex ? crypto::FromHex(id_hex) : std::nullopt;
  auto key = FromCanonicalBase64(encoded.substr(plus2 + 1));
  if (!IsValidKeyName(name) || !id || !key || key->empty()) {
    return Err(Bad("verifier key: malformed"));
  }
  if ((*key)[0] != kAlgEd25519) return Err(Bad("verifier key: algorithm is not Ed25519"));
  if (key->size() != 1 + kEd25519KeySize) return Err(Bad("verifier key: key is not 32 bytes"));
  NoteVerifierKey out;
  out.name = std::string(name);
  out.public_key = key->substr(1);
  for (char c : *id) out.key_id = out.key_id << 8 | static_cast<unsigned char>(c);
  if (out.key_id != NoteKeyId(out.name, out.public_key)) {
    return Err(Bad("verifier key: key ID does not match the name and key"));
  }
  return out;
}

Result<std::string> SignNote(std::string_view text, const NoteKeyPair& key) {
  if (text.empty() || text.back() != '\n' || text.size() > kMaxNoteSize ||
      !IsNoteText(text, true)) {
    return Err(Bad("note text must be valid text ending in a newline"));
  }
  if (!IsValidKeyName(key.name) || key.seed.size() != kEd25519KeySize) {
    return Err(Bad("invalid signing key"));
  }
  auto sig = Ed25519Sign(key.seed, text);
  if (!sig) return Err(sig.error());
  std::string note(text);
  note += '\n';
  note += kSignaturePrefix;
  note += key.name;
  note += ' ';
  note += crypto::Base64(KeyIdBytes(key.key_id) + *sig);
  note += '\n';
  return note;
}

Result<std::string> OpenNote(std::string_view note, std::span<const NoteVerifierKey> trusted) {
  if (note.size() > kMaxNoteSize) return Err(Bad("note: too large"));
  if (!IsNoteText(note, true)) return Err(Bad("note: not valid UTF-8 text"));
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return Err(Bad("note: no blank line before signatures"));
  std::string_view text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') {
    return Err(Bad("note: signature block must end in a newline"));
  }
  bool verified = false;
  size_t count = 0;
  for (size_t pos = 0; pos < sigs.size();) {
    size_t nl = sigs.find('\n', pos);
    std::string_view line = sigs.substr(pos, nl - pos);
    pos = nl + 1;
    if (++count > kMaxSignatures) return Err(Bad("note: too many signatures"));
    if (!line.starts_with(kSignaturePrefix)) return Err(Bad("note: malformed signature line"));
    line.remove_prefix(kSignaturePrefix.size());
    size_t space = line.find(' ');
    std::string_view name = line.substr(0, space);
    auto blob = space == std::string_view::npos ? std::nullopt
                                                : FromCanonicalBase64(line.substr(space + 1));
    if (!IsValidKeyName(name) || !blob || blob->size() < 5) {
      return Err(Bad("note: malformed signature line"));
    }
    uint32_t id = 0;
    for (int k = 0; k < 4; ++k) id = id << 8 | static_cast<unsigned char>((*blob)[k]);
    std::string_view signature = std::string_view(*blob).substr(4);
    for (const NoteVerifierKey& key : trusted) {
      if (key.name != name || key.key_id != id) continue;  // unknown keys are ignored
      if (!Ed25519Verify(key.public_key, text, signature)) {
        return Err(Bad("note: signature by " + key.name + " does not verify"));
      }
      verified = true;
    }
  }
  if (!verified) return Err(Bad("note: no signature by a trusted key"));
  return std::string(text);
}

Result<std::string> SignCheckpoint(const Checkpoint& checkpoint, const NoteKeyPair& key) {
  if (checkpoint.origin != key.name) return Err(Bad("checkpoint origin is not the key name"));
  auto text = FormatCheckpoint(checkpoint);
  if (!text) return text;
  return SignNote(*text, key);
}

Result<Checkpoint> OpenCheckpoint(std::string_view note, const NoteVerifierKey& log_key) {
  auto text = OpenNote(note, std::span<const NoteVerifierKey>(&log_key, 1));
  if (!text) return Err(text.error());
  auto checkpoint = ParseCheckpoint(*text);
  if (checkpoint && checkpoint->origin != log_key.name) {
    return Err(Bad("checkpoint: origin is not the log key's name"));
  }
  return checkpoint;
}

}  // namespace trustcse::security::audit
