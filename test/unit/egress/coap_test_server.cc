#include "coap_test_server.h"

#include <arpa/inet.h>
#include <coap3/coap.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "egress/coap/coap_options.h"

namespace trustcse::egress::testing {

namespace {

uint16_t BoundPort(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

int BindUdp() {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  return fd;
}

std::string Encode(uint64_t v) {
  std::string out;
  while (v > 0) {
    out.insert(out.begin(), static_cast<char>(v & 0xff));
    v >>= 8;
  }
  return out;
}

}  // namespace

struct CoapTestServer::Impl {
  Options opt;
  coap_context_t* ctx = nullptr;
  std::thread thread;
  std::atomic<bool> stop{false};
  std::mutex mu;
  CoapAnswer answer;                    // guarded by mu
  std::vector<CoapRecorded> requests;   // guarded by mu
  std::optional<std::string> identity;  // guarded by mu
  std::string body;                     // the loop's copy of a large answer

  static void OnRequest(coap_resource_t* r, coap_session_t* s, const coap_pdu_t* req,
                        const coap_string_t* query, coap_pdu_t* rsp) {
    auto* self = static_cast<Impl*>(coap_resource_get_userdata(r));
    CoapRecorded rec;
    rec.method = coap_pdu_get_code(req);
    coap_opt_iterator_t it;
    coap_option_iterator_init(req, &it, COAP_OPT_ALL);
    while (coap_opt_t* o = coap_option_next(&it)) {
      std::string v(reinterpret_cast<const char*>(coap_opt_value(o)), coap_opt_length(o));
      if (it.number == COAP_OPTION_URI_PATH) {
        rec.path.push_back(v);
      } else if (it.number == COAP_OPTION_URI_QUERY) {
        rec.query.push_back(v);
      } else {
        rec.options[it.number] = v;
      }
    }
    size_t len = 0, offset = 0, total = 0;
    const uint8_t* data = nullptr;
    if (coap_get_data_large(req, &len, &data, &offset, &total) && data != nullptr) {
      rec.payload.assign(reinterpret_cast<const char*>(data), len);
    }
    const coap_address_t* peer = coap_session_get_addr_remote(s);
    rec.peer_port = ntohs(peer->addr.sin.sin_port);
    CoapAnswer a;
    {
      std::lock_guard lock(self->mu);
      self->requests.push_back(rec);
      a = self->answer;
      if (const coap_bin_const_t* id = coap_session_get_psk_identity(s); id != nullptr) {
        self->identity = std::string(reinterpret_cast<const char*>(id->s), id->length);
      }
    }
    coap_pdu_set_code(rsp, static_cast<coap_pdu_code_t>(COAP_RESPONSE_CODE(a.code)));
    if (!a.location.empty()) {
      coap_add_option(rsp, COAP_OPTION_LOCATION_PATH, a.location.size(),
                      reinterpret_cast<const uint8_t*>(a.location.data()));
    }
    if (a.rsc != 0) {
      std::string rsc = Encode(static_cast<uint64_t>(a.rsc));
      coap_add_option(rsp, coap::kRsc, rsc.size(), reinterpret_cast<const uint8_t*>(rsc.data()));
    }
    if (!a.payload.empty()) {
      self->body = std::move(a.payload);
      coap_add_data_large_response(r, s, req, rsp, query, COAP_MEDIATYPE_APPLICATION_JSON, -1, 0,
                                   self->body.size(),
                                   reinterpret_cast<const uint8_t*>(self->body.data()), nullptr,
                                   nullptr);
    }
  }
};

CoapTestServer::CoapTestServer(Options options) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.opt = std::move(options);
  coap_startup();
  m.ctx = coap_new_context(nullptr);
  coap_register_option(m.ctx, coap::kKnownOptionsMarker);
  coap_context_set_block_mode(m.ctx, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
  coap_proto_t proto = COAP_PROTO_UDP;
  if (m.opt.mode == Mode::kPsk) {
    coap_dtls_spsk_t psk{};
    psk.version = COAP_DTLS_SPSK_SETUP_VERSION;
    psk.psk_info.key = {m.opt.psk_key.size(),
                        reinterpret_cast<const uint8_t*>(m.opt.psk_key.data())};
    coap_context_set_psk2(m.ctx, &psk);
    proto = COAP_PROTO_DTLS;
  } else if (m.opt.mode == Mode::kCertificate) {
    coap_dtls_pki_t pki{};
    pki.version = COAP_DTLS_PKI_SETUP_VERSION;
    pki.pki_key.key_type = COAP_PKI_KEY_PEM_BUF;
    pki.pki_key.key.pem_buf.public_cert = reinterpret_cast<const uint8_t*>(m.opt.cert_pem.c_str());
    pki.pki_key.key.pem_buf.public_cert_len = m.opt.cert_pem.size() + 1;
    pki.pki_key.key.pem_buf.private_key = reinterpret_cast<const uint8_t*>(m.opt.key_pem.c_str());
    pki.pki_key.key.pem_buf.private_key_len = m.opt.key_pem.size() + 1;
    coap_context_set_pki(m.ctx, &pki);
    proto = COAP_PROTO_DTLS;
  }
  int probe = BindUdp();
  port_ = BoundPort(probe);
  ::close(probe);
  coap_address_t addr;
  coap_address_init(&addr);
  addr.addr.sin.sin_family = AF_INET;
  addr.addr.sin.sin_port = htons(port_);
  addr.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.size = sizeof(sockaddr_in);
  coap_new_endpoint(m.ctx, &addr, proto);
  coap_resource_t* any = coap_resource_unknown_init2(&Impl::OnRequest, 0);
  for (coap_request_t method : {COAP_REQUEST_GET, COAP_REQUEST_POST, COAP_REQUEST_DELETE}) {
    coap_register_request_handler(any, method, &Impl::OnRequest);
  }
  coap_resource_set_userdata(any, &m);
  coap_add_resource(m.ctx, any);
  m.thread = std::thread([&m] {
    while (!m.stop) coap_io_process(m.ctx, 50);
  });
}

CoapTestServer::~CoapTestServer() {
  impl_->stop = true;
  impl_->thread.join();
  coap_free_context(impl_->ctx);
}

void CoapTestServer::SetAnswer(CoapAnswer a) {
  std::lock_guard lock(impl_->mu);
  impl_->answer = std::move(a);
}

std::vector<CoapRecorded> CoapTestServer::Requests() {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

std::optional<std::string> CoapTestServer::LastIdentity() {
  std::lock_guard lock(impl_->mu);
  return impl_->identity;
}

SilentUdpPort::SilentUdpPort() : fd_(BindUdp()), port_(BoundPort(fd_)) {}
SilentUdpPort::~SilentUdpPort() { ::close(fd_); }

uint16_t UnusedUdpPort() {
  int fd = BindUdp();
  uint16_t port = BoundPort(fd);
  ::close(fd);
  return port;
}

}  // namespace trustcse::egress::testing
