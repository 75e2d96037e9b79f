// A oneM2M CoAP notification receiver for the black-box tests (coap_notification_test.sh): a
// libcoap server on 127.0.0.1 that prints its port, appends one JSON line per request to a log
// file (method, Uri-Path, oneM2M-FR, -RQI, Content-Format, payload) and answers 2.04 with
// oneM2M-RSC 2000. Plain CoAP, or DTLS with one pre-shared key (every identity; the identity is
// logged). Usage: coap_receiver LOG [psk KEY]
#include <arpa/inet.h>
#include <coap3/coap.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

constexpr coap_option_num_t kOneM2M[] = {259, 263, 267, 271, 275, 279, 283, 291, 295, 299,
                                         303, 307, 311, 319, 323, 327, 331, 335, 339};
constexpr coap_option_num_t kMarker = 65000;
const char* g_log = nullptr;

std::string Escaped(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void OnRequest(coap_resource_t*, coap_session_t* s, const coap_pdu_t* req, const coap_string_t*,
               coap_pdu_t* rsp) {
  std::string path, fr, rqi, cf;
  coap_opt_iterator_t it;
  coap_option_iterator_init(req, &it, COAP_OPT_ALL);
  while (coap_opt_t* o = coap_option_next(&it)) {
    std::string v(reinterpret_cast<const char*>(coap_opt_value(o)), coap_opt_length(o));
    if (it.number == COAP_OPTION_URI_PATH) path += "/" + v;
    if (it.number == 279) fr = v;
    if (it.number == 283) rqi = v;
    if (it.number == COAP_OPTION_CONTENT_FORMAT) {
      unsigned n = 0;
      for (unsigned char c : v) n = n << 8 | c;
      cf = std::to_string(n);
    }
  }
  size_t len = 0, offset = 0, total = 0;
  const uint8_t* data = nullptr;
  std::string body;
  if (coap_get_data_large(req, &len, &data, &offset, &total) && data) body.assign(
      reinterpret_cast<const char*>(data), len);
  std::string identity;
  if (const coap_bin_const_t* id = coap_session_get_psk_identity(s)) {
    identity.assign(reinterpret_cast<const char*>(id->s), id->length);
  }
  if (FILE* f = std::fopen(g_log, "a")) {
    std::fprintf(f,
                 "{\"method\":%d,\"path\":\"%s\",\"fr\":\"%s\",\"rqi\":\"%s\",\"cf\":\"%s\","
                 "\"identity\":\"%s\",\"body\":\"%s\"}\n",
                 static_cast<int>(coap_pdu_get_code(req)), Escaped(path).c_str(),
                 Escaped(fr).c_str(), Escaped(rqi).c_str(), cf.c_str(), Escaped(identity).c_str(),
                 Escaped(body).c_str());
    std::fclose(f);
  }
  coap_pdu_set_code(rsp, COAP_RESPONSE_CODE_CHANGED);
  const uint8_t rsc[] = {0x07, 0xd0};  // 2000
  coap_add_option(rsp, 307, sizeof rsc, rsc);
}

}  // namespace

// The oneM2M request options are critical: this context knows them (see
// src/egress/coap/option_filter.cc for why this override is needed with libcoap 4.3).
extern "C" int coap_option_filter_get(coap_opt_filter_t* filter, coap_option_num_t number) {
  using FilterGet = int (*)(coap_opt_filter_t*, coap_option_num_t);
  static FilterGet real = reinterpret_cast<FilterGet>(dlsym(RTLD_NEXT, "coap_option_filter_get"));
  for (coap_option_num_t n : kOneM2M) {
    if (n == number && real(filter, kMarker) > 0) return 1;
  }
  return real(filter, number);
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  g_log = argv[1];
  const bool psk = argc >= 4 && std::strcmp(argv[2], "psk") == 0;
  coap_startup();
  coap_context_t* ctx = coap_new_context(nullptr);
  coap_register_option(ctx, kMarker);
  coap_context_set_block_mode(ctx, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
  std::string key = psk ? argv[3] : "";
  if (psk) {
    coap_dtls_spsk_t s{};
    s.version = COAP_DTLS_SPSK_SETUP_VERSION;
    s.psk_info.key = {key.size(), reinterpret_cast<const uint8_t*>(key.data())};
    coap_context_set_psk2(ctx, &s);
  }
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t alen = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &alen);
  const uint16_t port = ntohs(a.sin_port);
  ::close(fd);
  coap_address_t addr;
  coap_address_init(&addr);
  addr.addr.sin = a;
  addr.size = sizeof a;
  if (!coap_new_endpoint(ctx, &addr, psk ? COAP_PROTO_DTLS : COAP_PROTO_UDP)) return 1;
  coap_resource_t* any = coap_resource_unknown_init2(&OnRequest, 0);
  for (coap_request_t m : {COAP_REQUEST_GET, COAP_REQUEST_POST, COAP_REQUEST_DELETE}) {
    coap_register_request_handler(any, m, &OnRequest);
  }
  coap_add_resource(ctx, any);
  std::printf("%u\n", port);
  std::fflush(stdout);
  for (;;) coap_io_process(ctx, 1000);
}
