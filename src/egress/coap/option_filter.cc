// Teaches libcoap 4.3 the oneM2M CoAP options on the outbound client's context.
//
// A CoAP client must drop a response that carries a critical option it does not know (RFC 7252
// §5.4.1), and every oneM2M response option (oneM2M-RSC 307, -RQI 283, -RVI 271, …) is
// critical. libcoap checks them against the options registered on the context, and its filter
// holds only two numbers above 255. The CoAP server binding solves the same problem with an
// override of coap_option_filter_get (bindings/coap/option_filter.cc): libcoap calls it through
// its PLT, and the executable's definition, exported, is the one bound; it answers "known" for
// a oneM2M option on a filter that carries kKnownOptionsMarker. The client registers the same
// marker, so that override serves it too.
//
// This is the same override, defined weak: a program without the server binding (the egress
// unit tests, any tool that only sends) gets it from here, and in trustcse the binding's
// strong definition wins at link time, with identical behaviour. CMakeLists.txt exports the
// symbol from every executable that links trustcse_egress.
#include <coap3/coap.h>
#include <dlfcn.h>

#include "egress/coap/coap_options.h"

namespace {

using FilterGet = int (*)(coap_opt_filter_t*, coap_option_num_t);

bool IsOneM2MOption(coap_option_num_t n) {
  for (uint16_t o : trustcse::egress::coap::kOneM2MOptions) {
    if (o == n) return true;
  }
  return false;
}

}  // namespace

extern "C" __attribute__((weak)) int coap_option_filter_get(coap_opt_filter_t* filter,
                                                            coap_option_num_t number) {
  static FilterGet real = reinterpret_cast<FilterGet>(dlsym(RTLD_NEXT, "coap_option_filter_get"));
  if (real == nullptr) return -1;
  if (IsOneM2MOption(number) &&
      real(filter, trustcse::egress::coap::kKnownOptionsMarker) > 0) {
    return 1;
  }
  return real(filter, number);
}
