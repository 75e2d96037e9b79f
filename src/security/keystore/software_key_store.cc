#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "security/keystore/key_store.h"

namespace trustcse::security {

namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr std::string_view kPrefix = "sk1.";

Status Sealing(std::string what) { return Status::Internal(std::move(what)); }

// A key given as text: 64 hex digits or base64 of 32 bytes; nullopt otherwise.
std::optional<std::string> ParseKeyText(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  std::optional<std::string> key;
  if (text.size() == 2 * kKeyBytes) key = crypto::FromHex(text);
  if (!key) key = crypto::FromBase64(text);
  crypto::Cleanse(text);
  if (key && key->size() != kKeyBytes) {
    crypto::Cleanse(*key);
    key.reset();
  }
  return key;
}

Result<crypto::Secret> CreateKeyFile(const std::string& path) {
  auto key = crypto::RandomBytes(kKeyBytes);
  if (!key) return Err(key.error());
  std::string text = crypto::Hex(*key) + "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    crypto::Cleanse(text);
    crypto::Cleanse(*key);
    return Err(Sealing("cannot create the master key file " + path + ": " + std::strerror(errno)));
  }
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  crypto::Cleanse(text);
  if (!ok) {
    crypto::Cleanse(*key);
    ::unlink(path.c_str());
    return Err(Sealing("cannot write the master key file " + path));
  }
  return crypto::Secret(std::move(*key));
}

Result<crypto::Secret> ReadKeyFile(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    return Err(Sealing("cannot read the master key file " + path + ": " + std::strerror(errno)));
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Err(Sealing("the master key file " + path +
                       " must not be accessible by group or others (chmod 600)"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(Sealing("cannot read the master key file " + path));
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (raw.size() == kKeyBytes) return crypto::Secret(std::move(raw));
  auto key = ParseKeyText(std::move(raw));
  if (!key) {
    return Err(Sealing("the master key file " + path +
                       " holds no 256-bit key (64 hex digits, base64 or 32 raw bytes)"));
  }
  return crypto::Secret(std::move(*key));
}

class SoftwareKeyStore final : public KeyStore {
 public:
  explicit SoftwareKeyStore(crypto::Secret key)
      : key_(std::move(key)),
        check_(crypto::Hex(crypto::HmacSha256(key_.view(), "trustcse key check")).substr(0, 8)) {}

  std::string_view kind() const override { return "software"; }

  Result<std::string> Seal(std::string_view secret, std::string_view purpose) const override {
    auto nonce = crypto::RandomBytes(kNonceBytes);
    if (!nonce) return Err(nonce.error());
    std::string blob = *nonce;
    blob.resize(kNonceBytes + secret.size() + kTagBytes);
    auto* out = reinterpret_cast<unsigned char*>(blob.data());
    std::string aad = Aad(purpose);
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    int len = 0, fin = 0;
    bool ok =
        ctx != nullptr &&
        EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, Key(), out) == 1 &&
        EVP_EncryptUpdate(ctx, nullptr, &len, U(aad), static_cast<int>(aad.size())) == 1 &&
        EVP_EncryptUpdate(ctx, out + kNonceBytes, &len, U(secret),
                          static_cast<int>(secret.size())) == 1 &&
        EVP_EncryptFinal_ex(ctx, out + kNonceBytes + len, &fin) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes,
                            out + kNonceBytes + secret.size()) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) return Err(Sealing("sealing failed"));
    return std::string(kPrefix) + check_ + "." + crypto::Base64Url(blob);
  }

  Result<crypto::Secret> Unseal(std::string_view sealed, std::string_view purpose) const override {
    if (sealed.substr(0, kPrefix.size()) != kPrefix) return Err(Sealing("not a sealed secret"));
    sealed.remove_prefix(kPrefix.size());
    if (sealed.size() < check_.size() + 1 || sealed[check_.size()] != '.') {
      return Err(Sealing("not a sealed secret"));
    }
    if (sealed.substr(0, check_.size()) != check_) {
      return Err(Sealing("secret was sealed under another master key"));
    }
    auto blob = crypto::FromBase64Url(sealed.substr(check_.size() + 1));
    if (!blob || blob->size() < kNonceBytes + kTagBytes) return Err(Sealing("damaged sealed secret"));
    const size_t n = blob->size() - kNonceBytes - kTagBytes;
    std::string plain(n, '\0');
    auto* in = reinterpret_cast<unsigned char*>(blob->data());
    std::string aad = Aad(purpose);
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    int len = 0, fin = 0;
    bool ok = ctx != nullptr &&
              EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, Key(), in) == 1 &&
              EVP_DecryptUpdate(ctx, nullptr, &len, U(aad), static_cast<int>(aad.size())) == 1 &&
              EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(plain.data()), &len,
                                in + kNonceBytes, static_cast<int>(n)) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes,
                                  in + kNonceBytes + n) == 1 &&
              EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(plain.data()) + len,
                                  &fin) == 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) {
      crypto::Cleanse(plain);
      return Err(Sealing("sealed secret does not open"));
    }
    return crypto::Secret(std::move(plain));
  }

  bool SealedUnderThisKey(std::string_view sealed) const override {
    return sealed.size() > kPrefix.size() + check_.size() && sealed.starts_with(kPrefix) &&
           sealed.substr(kPrefix.size(), check_.size()) == check_ &&
           sealed[kPrefix.size() + check_.size()] == '.';
  }

 private:
  static const unsigned char* U(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
  }
  static std::string Aad(std::string_view purpose) {
    return "trustcse-keystore-v1|" + std::string(purpose);
  }
  const unsigned char* Key() const { return U(key_.view()); }

  crypto::Secret key_;
  std::string check_;  // identifies the master key without revealing it
};

}  // namespace

Result<std::unique_ptr<KeyStore>> SoftwareKeyStoreWithKey(crypto::Secret master_key) {
  if (master_key.size() != kKeyBytes) return Err(Sealing("the master key must be 32 bytes"));
  return std::unique_ptr<KeyStore>(new SoftwareKeyStore(std::move(master_key)));
}

Result<std::unique_ptr<KeyStore>> OpenSoftwareKeyStore(const MasterKeyOptions& options) {
  if (!options.env_var.empty()) {
    if (const char* env = std::getenv(options.env_var.c_str()); env != nullptr && *env != '\0') {
      auto key = ParseKeyText(env);
      if (!key) {
        return Err(Sealing("environment variable " + options.env_var +
                           " holds no 256-bit key (64 hex digits or base64)"));
      }
      return SoftwareKeyStoreWithKey(crypto::Secret(std::move(*key)));
    }
  }
  if (options.file.empty()) {
    return Err(Sealing("no master key: set " + options.env_var + " or a master key file"));
  }
  const bool missing = ::access(options.file.c_str(), F_OK) != 0 && errno == ENOENT;
  auto key = missing && options.create_file_if_missing ? CreateKeyFile(options.file)
                                                       : ReadKeyFile(options.file);
  if (!key) return Err(key.error());
  return SoftwareKeyStoreWithKey(std::move(*key));
}

}  // namespace trustcse::security
