// Small cryptographic building blocks shared by the security layer: encodings, random bytes,
// SHA-256, HMAC, HKDF and constant-time comparison, on OpenSSL 3 (kept out of this header).
//
// Byte strings are std::string (binary-safe). Functions are pure and thread-safe. Secrets passed
// in are not copied beyond the call; `Secret` wipes what it holds when destroyed.
#pragma once

#include <optional>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/status.h"

namespace trustcse::security::crypto {

// A secret byte string that is overwritten (OPENSSL_cleanse) when destroyed or reassigned.
// Move-only, so copies of a secret do not linger in memory unnoticed.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string bytes) : bytes_(std::move(bytes)) {}
  Secret(Secret&& other) noexcept : bytes_(std::move(other.bytes_)) { other.Wipe(); }
  Secret& operator=(Secret&& other) noexcept;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  ~Secret() { Wipe(); }

  std::string_view view() const { return bytes_; }
  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }

 private:
  void Wipe();
  std::string bytes_;
};

// Overwrites `s` in place and clears it.
void Cleanse(std::string& s);

std::string Base64Url(std::string_view in);  // no padding (RFC 4648 §5)
std::optional<std::string> FromBase64Url(std::string_view in);
std::string Base64(std::string_view in);  // with padding (RFC 4648 §4)
std::optional<std::string> FromBase64(std::string_view in);
std::string Hex(std::string_view in);  // lower case
std::optional<std::string> FromHex(std::string_view in);

// n bytes from the operating system's CSPRNG (via OpenSSL); 5000 if it fails.
Result<std::string> RandomBytes(size_t n);

std::string Sha256(std::string_view data);
// SHA-256 of the concatenation of `parts`, without building it (Merkle-tree hashes: a prefix
// byte and the hashed data).
std::string Sha256(std::initializer_list<std::string_view> parts);
std::string HmacSha256(std::string_view key, std::string_view data);
// HKDF-SHA256 (RFC 5869): `length` bytes of output keying material.
Result<std::string> HkdfSha256(std::string_view ikm, std::string_view salt, std::string_view info,
                               size_t length);

// True if a and b are equal; the time taken depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace trustcse::security::crypto
