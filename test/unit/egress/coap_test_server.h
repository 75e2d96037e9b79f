// A small CoAP server for the outbound CoAP client's tests, on libcoap (its own context and
// thread, 127.0.0.1, a free port): it records every request (method, Uri-Path, Uri-Query, the
// oneM2M options, Content-Format, payload, the peer's port) and answers with a scripted code,
// oneM2M-RSC, Location-Path and payload — block-wise (Block2) when the payload is large.
// Plain UDP, DTLS with one pre-shared key, or DTLS with a certificate. Test code.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace trustcse::egress::testing {

struct CoapRecorded {
  int method = 0;  // 1 GET, 2 POST, 3 PUT, 4 DELETE
  std::vector<std::string> path;
  std::vector<std::string> query;
  std::map<int, std::string> options;  // oneM2M and Content-Format options, raw bytes
  std::string payload;
  uint16_t peer_port = 0;
};

struct CoapAnswer {
  int code = 205;  // class*100 + detail
  int rsc = 2000;  // 0: no oneM2M-RSC option
  std::string location;  // one Location-Path option if set
  std::string payload;
};

class CoapTestServer {
 public:
  enum class Mode { kPlain, kPsk, kCertificate };
  struct Options {
    Mode mode = Mode::kPlain;
    std::string psk_key;   // kPsk: the key every identity must use
    std::string cert_pem;  // kCertificate
    std::string key_pem;
  };
  explicit CoapTestServer(Options options);
  ~CoapTestServer();

  uint16_t port() const { return port_; }
  void SetAnswer(CoapAnswer a);
  std::vector<CoapRecorded> Requests();
  std::optional<std::string> LastIdentity();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

// A UDP socket on 127.0.0.1 that reads nothing and answers nothing.
class SilentUdpPort {
 public:
  SilentUdpPort();
  ~SilentUdpPort();
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// A UDP port on 127.0.0.1 nothing listens on (bound and closed again).
uint16_t UnusedUdpPort();

}  // namespace trustcse::egress::testing
