// CoapServer::Impl, shared by the CoAP server's files (not a public header): coap_server.cc
// (requests, responses, the loop, the public methods) and coap_endpoints.cc (the libcoap
// contexts, DTLS callbacks and session events). Everything here belongs to the loop thread
// unless a member says otherwise.
#pragma once

#include <coap3/coap.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bindings/coap/block1_reassembly.h"
#include "bindings/coap/coap_mapping.h"
#include "bindings/coap/coap_server.h"

namespace trustcse::coap {

namespace detail {

// The remote address of a session, textual ("" if neither IPv4 nor IPv6).
std::string PeerAddress(coap_session_t* s);

// What the loop thread knows of one DTLS session.
struct SessionState {
  std::shared_ptr<const ChannelIdentity> channel;  // set when the handshake is understood
  tls::CertificateFacts certificate;               // from the certificate callback
  bool certificate_ok = false;
  security::crypto::Secret psk;  // the key handed to libcoap, kept alive
  coap_bin_const_t psk_view{0, nullptr};
  std::string failure;  // why a credential callback refused the handshake (logged at its end)
};

// A response that completed on another thread, waiting to be sent by the loop.
struct Completed {
  coap_session_t* session;  // referenced until sent
  std::string token;
  ResponsePrimitive rsp;
  Operation op;
  Serialization serialization;
};

struct Ready {
  ResponsePrimitive rsp;
  Operation op;
  Serialization serialization;
};

// One request's meeting point between the handler and the dispatcher's completion.
struct Call {
  std::mutex mu;
  bool in_handler = true;
  bool done = false;
  ResponsePrimitive rsp;
};

// A response the transport decides, not the oneM2M mapping: its CoAP code and extra options.
struct CoapOverride {
  uint8_t code_class;
  uint8_t code_detail;
  std::vector<CoapOption> options;
};

}  // namespace detail

struct CoapServer::Impl {
  using SessionState = detail::SessionState;
  using Completed = detail::Completed;
  using Ready = detail::Ready;
  using CoapOverride = detail::CoapOverride;

  explicit Impl(CoapServerOptions o)
      : opt(std::move(o)),
        block1(Block1Limits{opt.body_limit, opt.block1_total_bytes, opt.block1_peer_bytes,
                            std::chrono::milliseconds(opt.block1_expiry_ms)}) {}

  // Loop thread only.
  void Loop();
  void Drain();
  static void OnRequest(coap_resource_t* r, coap_session_t* s, const coap_pdu_t* req,
                        const coap_string_t* query, coap_pdu_t* rsp);
  void Respond(coap_resource_t* r, coap_session_t* s, const coap_pdu_t* req,
               const coap_string_t* query, coap_pdu_t* pdu, const ResponsePrimitive& rsp,
               Operation op, Serialization serialization, const CoapOverride* how = nullptr);
  // Hands a request to the dispatcher; answers at once or registers a separate response.
  void Dispatch(coap_resource_t* r, coap_session_t* s, const coap_pdu_t* req,
                const coap_string_t* query, coap_pdu_t* pdu, RequestPrimitive prim,
                std::string token, Serialization serialization);
  // A block of a Block1 transfer: false when the body is complete (in `body`), true when this
  // answered the block (2.31, or a refusal in `refusal`).
  bool TakeBlock(coap_session_t* s, const coap_pdu_t* req, const CoapRequestParts& parts,
                 std::string& body, std::optional<std::pair<Status, CoapOverride>>& refusal,
                 coap_pdu_t* pdu);
  std::shared_ptr<const ChannelIdentity> ChannelOf(coap_session_t* s);
  static const coap_bin_const_t* OnPsk(coap_bin_const_t* identity, coap_session_t* s, void* arg);
  static int OnCertificate(const char* cn, const uint8_t* der, size_t len, coap_session_t* s,
                           unsigned int depth, int validated, void* arg);
  static int OnEvent(coap_session_t* s, coap_event_t event);
  void Wake() {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(event_fd, &one, sizeof one);
  }

  // One libcoap context per endpoint: each has its own DTLS set-up.
  struct Endpoint {
    Impl* server;
    coap_context_t* ctx = nullptr;
    unsigned client_auth = 0;  // 0: plain CoAP
    uint16_t port = 0;
  };
  Status Open(Endpoint& e);

  CoapServerOptions opt;
  dispatcher::Dispatcher* dispatcher = nullptr;
  std::vector<std::unique_ptr<Endpoint>> endpoints;
  int event_fd = -1;
  std::thread thread;
  std::atomic<bool> stop{false};
  std::string ca_pem;  // buffers libcoap reads during handshakes
  std::unordered_map<coap_session_t*, SessionState> sessions;      // loop thread
  std::map<std::pair<coap_session_t*, std::string>, Ready> ready;  // loop thread
  Block1Reassembly block1;                                         // loop thread
  std::chrono::steady_clock::time_point last_expiry;               // loop thread
  std::mutex mu;
  std::vector<Completed> completed;  // guarded by mu
};

// libcoap's event handler takes no argument: contexts map to their servers.
extern std::mutex g_servers_mu;
extern std::unordered_map<coap_context_t*, CoapServer::Impl*> g_servers;

}  // namespace trustcse::coap
