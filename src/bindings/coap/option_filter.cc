// Teaches libcoap 4.3 the oneM2M CoAP options.
//
// A CoAP server must refuse a request that carries a critical option it does not know (4.02,
// RFC 7252 §5.4.1), and libcoap checks every critical option against the options registered on
// the context (coap_register_option). Its option filter holds only two option numbers above 255
// (COAP_OPT_FILTER_LONG, a compile-time constant of the library), while TS-0008 defines nineteen
// critical options from 259 to 339. So trustcse registers one private marker number on its
// contexts, and this definition of coap_option_filter_get — which libcoap calls through its
// PLT, so the executable's definition is the one bound (the symbol is exported with
// --export-dynamic-symbol, see CMakeLists.txt) — answers "known" for a oneM2M option on any
// filter that carries the marker, i.e. on a trustcse context's known options only. Every other
// question goes to libcoap's own implementation. test/integration/coap_test.sh fails at once
// if a libcoap update changes this.
#include <dlfcn.h>

#include <coap3/coap.h>

#include "bindings/coap/coap_mapping.h"

namespace {

using FilterGet = int (*)(coap_opt_filter_t*, coap_option_num_t);

FilterGet Original() {
  static FilterGet real = reinterpret_cast<FilterGet>(dlsym(RTLD_NEXT, "coap_option_filter_get"));
  return real;
}

bool IsOneM2MOption(coap_option_num_t n) {
  for (uint16_t o : trustcse::coap::kOneM2MOptions) {
    if (o == n) return true;
  }
  return false;
}

}  // namespace

extern "C" int coap_option_filter_get(coap_opt_filter_t* filter, coap_option_num_t number) {
  FilterGet real = Original();
  if (real == nullptr) return -1;
  if (IsOneM2MOption(number) && real(filter, trustcse::coap::kKnownOptionsMarker) > 0) return 1;
  return real(filter, number);
}
