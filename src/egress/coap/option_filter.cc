// Teaches libcoap 4.3 the oneM2M CoAP options on the outbound client's context.
//
// A CoAP server must refuse a request that carries a critical option it does not know (4.02),
// and a client must drop a response that carries one (RFC 7252 §5.4.1); every oneM2M option is
// critical (TS-0008 defines nineteen from 259 to 339). libcoap checks them against the options
// registered on the context, and its filter holds only two numbers above 255
// (COAP_OPT_FILTER_LONG, a compile-time constant). So every trustcse context — the server
// binding's and this client's — registers the private kKnownOptionsMarker, and this definition
// of coap_option_filter_get, which libcoap calls through its PLT (the executable's definition,
// exported with --export-dynamic-symbol, is the one bound: see CMakeLists.txt), answers "known"
// for a oneM2M option on a filter that carries the marker. Every other question goes to
// libcoap's own implementation. The one definition for the whole process; the CoAP binding's
// test/integration/coap_test.sh fails at once if a libcoap update changes this.
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

extern "C" int coap_option_filter_get(coap_opt_filter_t* filter, coap_option_num_t number) {
  static FilterGet real = reinterpret_cast<FilterGet>(dlsym(RTLD_NEXT, "coap_option_filter_get"));
  if (real == nullptr) return -1;
  if (IsOneM2MOption(number) &&
      real(filter, trustcse::egress::coap::kKnownOptionsMarker) > 0) {
    return 1;
  }
  return real(filter, number);
}
