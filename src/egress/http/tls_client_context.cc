#include "egress/http/tls_client_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ip/address.hpp>

namespace trustcse::egress {
namespace {

namespace ssl = boost::asio::ssl;

// The most recent OpenSSL error of this thread, for a start-up message; clears the queue.
std::string LastOpenSslError() {
  const unsigned long e = ERR_peek_last_error();
  const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
  std::string out = reason != nullptr ? reason : "unknown error";
  ERR_clear_error();
  return out;
}

Status Bad(const std::string& what) { return Status::BadRequest(what + ": " + LastOpenSslError()); }

// Adds every certificate of the PEM text to the context's trust store.
Status AddPemAnchors(SSL_CTX* ctx, const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return Bad("cannot read a trust anchor");
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int read = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    // An anchor that is there already (also in a CA file) is not an error: the result is not
    // checked.
    X509_STORE_add_cert(store, cert);
    X509_free(cert);
    ++read;
  }
  BIO_free(bio);
  ERR_clear_error();  // the end of the PEM text reads as an error
  if (read == 0) return Status::BadRequest("a configured trust anchor holds no certificate");
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<ssl::context>> MakeTlsClientContext(const TlsClientOptions& o) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX* c = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) != 1) return Err(Bad("TLS 1.2 minimum"));
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
  if (o.system_store && SSL_CTX_set_default_verify_paths(c) != 1) {
    spdlog::warn("egress: the system's trust store cannot be used: {}", LastOpenSslError());
  }
  for (const auto& file : o.ca_files) {
    if (SSL_CTX_load_verify_locations(c, file.c_str(), nullptr) != 1) {
      return Err(Bad("cannot load trust anchors from " + file));
    }
  }
  for (const auto& pem : o.ca_pems) {
    if (auto s = AddPemAnchors(c, pem); !s.ok()) return Err(s);
  }
  if (o.cert_file.empty() != o.key_file.empty()) {
    return Err(Status::BadRequest("a client certificate and its key go together"));
  }
  if (!o.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(c, o.cert_file.c_str()) != 1) {
      return Err(Bad("cannot load the client certificate " + o.cert_file));
    }
    if (SSL_CTX_use_PrivateKey_file(c, o.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return Err(Bad("cannot load the client key " + o.key_file));
    }
    if (SSL_CTX_check_private_key(c) != 1) {
      return Err(Bad("the client key " + o.key_file + " does not match " + o.cert_file));
    }
  }
  return ctx;
}

bool BindTlsToHost(SSL* ssl, const std::string& host) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  if (!ec) {
    // An IP target: its certificate must carry that address (no SNI for addresses, RFC 6066).
    return X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
  }
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return SSL_set1_host(ssl, host.c_str()) == 1 && SSL_set_tlsext_host_name(ssl, host.c_str()) == 1;
}

std::string TlsHandshakeFailure(SSL* ssl, const boost::system::error_code& ec) {
  const long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    return std::string("the target's certificate was not accepted: ") +
           X509_verify_cert_error_string(verify);
  }
  return "the TLS handshake with the target failed: " + ec.message();
}

}  // namespace trustcse::egress
