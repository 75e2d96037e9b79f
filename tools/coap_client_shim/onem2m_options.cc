// LD_PRELOAD shim that makes libcoap's coap-client a oneM2M CoAP client (README examples, tests).
//
// RFC 7252 §5.4.1: a client rejects a response carrying a critical option it does not know, and
// every oneM2M response option (oneM2M-RSC 307, -RQI 283, -RVI 271) is critical. libcoap 4.3
// can register only two options above 255 on a context, so coap-client drops standard oneM2M
// responses. Loaded into coap-client, this answers "known" for the oneM2M option numbers when
// libcoap looks them up in a context's (empty) known-option filter, and defers to libcoap for
// everything else — the client-side twin of src/bindings/coap/option_filter.cc. It also lets
// coap-client use a PSK given in hex (ONEM2M_PSK_HEX=1, below).
#include <dlfcn.h>
#include <stdlib.h>

#include <coap3/coap.h>

namespace {
constexpr coap_option_num_t kOneM2M[] = {259, 263, 267, 271, 275, 279, 283, 291, 295, 299,
                                         303, 307, 311, 319, 323, 327, 331, 335, 339};
}

extern "C" int coap_option_filter_get(coap_opt_filter_t* filter, coap_option_num_t number) {
  using FilterGet = int (*)(coap_opt_filter_t*, coap_option_num_t);
  static FilterGet real = reinterpret_cast<FilterGet>(dlsym(RTLD_NEXT, "coap_option_filter_get"));
  if (filter != nullptr && filter->mask == 0) {
    for (coap_option_num_t n : kOneM2M) {
      if (n == number) return 1;
    }
  }
  return real != nullptr ? real(filter, number) : -1;
}

// coap-client takes a PSK as text (`-k`), but trustcse generates binary keys and prints them in
// hex. With ONEM2M_PSK_HEX=1 in the environment, the key coap-client passes is read as hex digits
// (an even number of them; anything else is passed on unchanged).
namespace {

int HexValue(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

extern "C" coap_session_t* coap_new_client_session_psk2(coap_context_t* ctx,
                                                       const coap_address_t* local_if,
                                                       const coap_address_t* server,
                                                       coap_proto_t proto,
                                                       coap_dtls_cpsk_t* setup) {
  using Fn = coap_session_t* (*)(coap_context_t*, const coap_address_t*, const coap_address_t*,
                                 coap_proto_t, coap_dtls_cpsk_t*);
  static Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "coap_new_client_session_psk2"));
  static uint8_t decoded[64];  // lives as long as the process: libcoap keeps the pointer
  const char* hex = getenv("ONEM2M_PSK_HEX");
  if (setup != nullptr && hex != nullptr && hex[0] == '1') {
    coap_bin_const_t& key = setup->psk_info.key;
    bool ok = key.s != nullptr && key.length % 2 == 0 && key.length / 2 <= sizeof decoded;
    for (size_t i = 0; ok && i < key.length; ++i) ok = HexValue(key.s[i]) >= 0;
    if (ok) {
      for (size_t i = 0; i < key.length / 2; ++i) {
        decoded[i] = static_cast<uint8_t>(HexValue(key.s[2 * i]) << 4 | HexValue(key.s[2 * i + 1]));
      }
      key.length /= 2;
      key.s = decoded;
    }
  }
  return real != nullptr ? real(ctx, local_if, server, proto, setup) : nullptr;
}
