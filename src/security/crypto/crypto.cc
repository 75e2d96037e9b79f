#include "security/crypto/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <climits>
#include <memory>

namespace trustcse::security::crypto {

namespace {

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Decodes standard base64 with padding; nullopt if malformed.
std::optional<std::string> DecodeBase64(std::string b64) {
  if (b64.size() % 4 != 0) return std::nullopt;
  std::string out(b64.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), U(b64),
                          static_cast<int>(b64.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  for (size_t i = b64.size(); i > 0 && b64[i - 1] == '=' && pad < 2; --i) ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

}  // namespace

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    Wipe();
    bytes_ = std::move(other.bytes_);
    other.Wipe();
  }
  return *this;
}

void Secret::Wipe() { Cleanse(bytes_); }

void Cleanse(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

std::string Base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), U(in),
                          static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> FromBase64(std::string_view in) {
  if (in.size() > (1u << 24)) return std::nullopt;
  for (char c : in) {
    if (c == '-' || c == '_') return std::nullopt;
  }
  return DecodeBase64(std::string(in));
}

std::string Base64Url(std::string_view in) {
  std::string out = Base64(in);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::optional<std::string> FromBase64Url(std::string_view in) {
  if (in.size() > (1u << 24) || in.size() % 4 == 1) return std::nullopt;
  std::string b64(in);
  for (char& c : b64) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
    else if (c == '+' || c == '/' || c == '=') return std::nullopt;
  }
  while (b64.size() % 4) b64.push_back('=');
  return DecodeBase64(std::move(b64));
}

std::string Hex(std::string_view in) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(in.size() * 2);
  for (unsigned char c : in) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::optional<std::string> FromHex(std::string_view in) {
  if (in.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(in.size() / 2);
  for (size_t i = 0; i < in.size(); i += 2) {
    int hi = nibble(in[i]), lo = nibble(in[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

Result<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > INT_MAX ||
      RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    return Err(Status::Internal("no random bytes available"));
  }
  return out;
}

namespace {

// SHA-256 fetched once: OpenSSL 3 looks an implicitly fetched digest up in its provider store on
// every use, which costs as much as hashing a few hundred bytes. Never freed (process lifetime).
const EVP_MD* FetchedSha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

// One digest context per thread, reset for each hash (no allocation per hash).
EVP_MD_CTX* ThreadDigestContext() {
  thread_local std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(),
                                                                       EVP_MD_CTX_free);
  return ctx.get();
}

}  // namespace

std::string Sha256(std::initializer_list<std::string_view> parts) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = ThreadDigestContext();
  bool ok = ctx != nullptr && FetchedSha256() != nullptr &&
            EVP_DigestInit_ex2(ctx, FetchedSha256(), nullptr) == 1;
  for (auto p : parts) ok = ok && EVP_DigestUpdate(ctx, p.data(), p.size()) == 1;
  ok = ok && EVP_DigestFinal_ex(ctx, md, &len) == 1 && len == sizeof md;
  if (!ok) {
    // Out of memory or no provider: the slow path, which reports nothing either.
    std::string all;
    for (auto p : parts) all.append(p);
    EVP_Digest(all.data(), all.size(), md, &len, EVP_sha256(), nullptr);
  }
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string Sha256(std::string_view data) { return Sha256({data}); }

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), U(data), data.size(), mac, &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}

Result<std::string> HkdfSha256(std::string_view ikm, std::string_view salt, std::string_view info,
                               size_t length) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr);
  std::string out(length, '\0');
  size_t out_len = length;
  bool ok = ctx != nullptr && EVP_PKEY_derive_init(ctx) == 1 &&
            EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) == 1 &&
            EVP_PKEY_CTX_set1_hkdf_salt(ctx, U(salt), static_cast<int>(salt.size())) == 1 &&
            EVP_PKEY_CTX_set1_hkdf_key(ctx, U(ikm), static_cast<int>(ikm.size())) == 1 &&
            EVP_PKEY_CTX_add1_hkdf_info(ctx, U(info), static_cast<int>(info.size())) == 1 &&
            EVP_PKEY_derive(ctx, reinterpret_cast<unsigned char*>(out.data()), &out_len) == 1 &&
            out_len == length;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) {
    Cleanse(out);
    return Err(Status::Internal("key derivation failed"));
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace trustcse::security::crypto
