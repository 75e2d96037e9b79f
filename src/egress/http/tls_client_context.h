// The TLS side of the HTTPS client: one OpenSSL client context built from TlsClientOptions at
// start-up (TLS 1.2+, peer verification against the trust anchors, the client certificate for
// mutual TLS), and the per-connection settings that tie a handshake to the target's host name
// or IP address.
//
// Ownership: the client owns the context; connections refer to it and must not outlive it.
// Thread-safety: the context is configured once and then only read (OpenSSL allows sharing it
// between connections); the per-connection functions touch only their own SSL object.
// Errors: MakeTlsClientContext answers 4000 naming the file that could not be used.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <string>

#include "common/status.h"
#include "egress/http/http_client.h"

namespace trustcse::egress {

Result<std::unique_ptr<boost::asio::ssl::context>> MakeTlsClientContext(
    const TlsClientOptions& options);

// Before the handshake: SNI for a host name, and the name (or the IP address) the server's
// certificate must carry. False if OpenSSL refuses them.
bool BindTlsToHost(SSL* ssl, const std::string& host);

// After a failed handshake: why, in words safe to log and to answer with ("the target's
// certificate was not accepted: hostname mismatch").
std::string TlsHandshakeFailure(SSL* ssl, const boost::system::error_code& ec);

}  // namespace trustcse::egress
