// Teaches libcoap 4.3 the oneM2M CoAP options, and to answer oversized requests.
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
//
// The same way, coap_pdu_parse is defined here: libcoap parses a datagram into a PDU of the
// session's maximum size and answers one that does not fit with a bare RST. When its parse
// fails, this one parses the request once more without its payload and with a marker option
// (datagram.h), so the request handler can answer 4.13 with a Block1 hint instead.
// test/adversarial/framing_coap_test.sh fails if this stops working.
#include <dlfcn.h>

#include <string>

#include <coap3/coap.h>

#include "bindings/coap/coap_mapping.h"
#include "bindings/coap/datagram.h"

namespace {

using FilterGet = int (*)(coap_opt_filter_t*, coap_option_num_t);

FilterGet Original() {
  static FilterGet real = reinterpret_cast<FilterGet>(dlsym(RTLD_NEXT, "coap_option_filter_get"));
  return real;
}

using PduParse = int (*)(coap_proto_t, const uint8_t*, size_t, coap_pdu_t*);

PduParse OriginalParse() {
  static PduParse real = reinterpret_cast<PduParse>(dlsym(RTLD_NEXT, "coap_pdu_parse"));
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

extern "C" int coap_pdu_parse(coap_proto_t proto, const uint8_t* data, size_t length,
                              coap_pdu_t* pdu) {
  PduParse real = OriginalParse();
  if (real == nullptr) return 0;
  if (real(proto, data, length, pdu)) return 1;
  if (proto != COAP_PROTO_UDP && proto != COAP_PROTO_DTLS) return 0;
  auto reduced = trustcse::coap::WithoutPayload(
      std::string_view(reinterpret_cast<const char*>(data), length));
  if (!reduced || reduced->size() >= length) return 0;  // malformed, or not a matter of size
  return real(proto, reinterpret_cast<const uint8_t*>(reduced->data()), reduced->size(), pdu);
}
