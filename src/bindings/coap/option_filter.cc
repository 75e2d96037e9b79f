// Teaches libcoap 4.3 to answer oversized requests.
//
// The oneM2M options (all critical, and more than libcoap's option filter holds) are taught by
// the one override of coap_option_filter_get in egress/coap/option_filter.cc, which serves the
// server's contexts and the client's: they all register kKnownOptionsMarker.
// test/integration/coap_test.sh fails at once if a libcoap update changes this.
//
// In the same way (libcoap calls it through its PLT; the executable's definition, exported, is
// the one bound), coap_pdu_parse is defined here: libcoap parses a datagram into a PDU of the
// session's maximum size and answers one that does not fit with a bare RST. When its parse
// fails, this one parses the request once more without its payload and with a marker option
// (datagram.h), so the request handler can answer 4.13 with a Block1 hint instead.
// test/adversarial/framing_coap_test.sh fails if this stops working.
#include <dlfcn.h>

#include <string>

#include <coap3/coap.h>

#include "bindings/coap/datagram.h"

namespace {

using PduParse = int (*)(coap_proto_t, const uint8_t*, size_t, coap_pdu_t*);

PduParse OriginalParse() {
  static PduParse real = reinterpret_cast<PduParse>(dlsym(RTLD_NEXT, "coap_pdu_parse"));
  return real;
}

}  // namespace

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
