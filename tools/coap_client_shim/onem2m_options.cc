// LD_PRELOAD shim that makes libcoap's coap-client a oneM2M CoAP client (README examples, tests).
//
// RFC 7252 §5.4.1: a client rejects a response carrying a critical option it does not know, and
// every oneM2M response option (oneM2M-RSC 307, -RQI 283, -RVI 271) is critical. libcoap 4.3
// can register only two options above 255 on a context, so coap-client drops standard oneM2M
// responses. Loaded into coap-client, this answers "known" for the oneM2M option numbers when
// libcoap looks them up in a context's (empty) known-option filter, and defers to libcoap for
// everything else — the client-side twin of src/bindings/coap/option_filter.cc.
#include <dlfcn.h>

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
