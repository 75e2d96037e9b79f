// Fuzz target for the WebSocket binding's parsers (bindings/websocket/ws_mapping.h): the first
// byte picks JSON or CBOR and whether the input is read as Sec-WebSocket-Protocol offers or as a
// message. Nothing may crash or throw. A refusal carries an error code and a readable response
// primitive; an accepted request has its target and rqi and survives the trip through the
// encoder the CSE uses for its own requests; a response keeps its rqi.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "bindings/websocket/ws_mapping.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trustcse;
  using namespace trustcse::websocket;
  if (size == 0) return 0;
  const Serialization s = (data[0] & 1) ? Serialization::kCbor : Serialization::kJson;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 2) {
    // Offers: each newline starts another header.
    std::vector<std::string_view> offers;
    for (size_t start = 0; start <= in.size();) {
      size_t nl = in.find('\n', start);
      offers.push_back(in.substr(start, nl - start));
      if (nl == std::string_view::npos) break;
      start = nl + 1;
    }
    if (auto p = SelectSubprotocol(offers)) {
      if (p->name != kJsonSubprotocol && p->name != kCborSubprotocol) std::abort();
    }
    return 0;
  }
  InboundMessage m = ParseMessage(in, s);
  switch (m.kind) {
    case InboundMessage::Kind::kRefused:
    case InboundMessage::Kind::kDropped: {
      if (static_cast<int>(m.response.rsc) < 4000 || m.response.pc.empty()) std::abort();
      if (EncodeResponse(m.response, s).empty()) std::abort();
      break;
    }
    case InboundMessage::Kind::kResponse: {
      auto back = ParseMessage(EncodeResponse(m.response, s), s);
      if (back.kind != InboundMessage::Kind::kResponse || back.response.rqi != m.response.rqi) {
        std::abort();
      }
      break;
    }
    case InboundMessage::Kind::kRequest: {
      if (m.request.to.empty() || m.request.rqi.empty()) std::abort();
      ResponsePrimitive rsp;
      rsp.rsc = Rsc::kOk;
      rsp.rqi = m.request.rqi;
      (void)ReachableAs(m.request, rsp, "/id-in");
      auto back = ParseMessage(EncodeResponse(rsp, s), s);
      if (back.kind != InboundMessage::Kind::kResponse || back.response.rqi != rsp.rqi) {
        std::abort();
      }
      break;
    }
  }
  return 0;
}
