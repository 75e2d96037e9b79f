#include "bindings/websocket/ws_mapping.h"

#include "primitive/json_util.h"
#include "primitive/primitive_message.h"
#include "primitive/text.h"

namespace trustcse::websocket {

namespace {

bool IsEntityStem(std::string_view id) {
  return id.size() > 1 && (id[0] == 'C' || id[0] == 'S') && id.find('/') == std::string_view::npos;
}

bool IsCseId(std::string_view id) {
  return id.size() > 1 && id[0] == '/' && id.find('/', 1) == std::string_view::npos;
}

}  // namespace

std::optional<Subprotocol> SelectSubprotocol(std::span<const std::string_view> offers) {
  for (std::string_view header : offers) {
    size_t start = 0;
    while (start <= header.size()) {
      const size_t comma = header.find(',', start);
      std::string_view name = TrimSpace(header.substr(start, comma - start));
      if (name == kJsonSubprotocol) return Subprotocol{kJsonSubprotocol, Serialization::kJson};
      if (name == kCborSubprotocol) return Subprotocol{kCborSubprotocol, Serialization::kCbor};
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }
  return std::nullopt;
}

ResponsePrimitive Refusal(const Status& status, std::string rqi) {
  ResponsePrimitive rsp = ErrorResponse(RequestPrimitive{}, status);
  rsp.rsc = status.code();
  rsp.rqi = std::move(rqi);
  return rsp;
}

InboundMessage ParseMessage(std::string_view bytes, Serialization s) {
  InboundMessage out;
  auto decoded = DecodePrimitiveMessage(bytes, s);
  if (!decoded) {
    out.response = Refusal(decoded.error());
    return out;
  }
  if (decoded->kind == MessageKind::kResponse) {
    auto rsp = ResponseFromObject(decoded->primitive);
    if (!rsp) {
      out.kind = InboundMessage::Kind::kDropped;
      out.response = Refusal(rsp.error(), RequestIdOf(decoded->primitive));
      return out;
    }
    out.kind = InboundMessage::Kind::kResponse;
    out.response = std::move(*rsp);
    return out;
  }
  auto req = RequestFromObject(decoded->primitive);
  if (!req) {
    out.response = Refusal(req.error(), RequestIdOf(decoded->primitive));
    out.response.rvi = std::string(json::GetString(decoded->primitive, "rvi").value_or(""));
    return out;
  }
  out.kind = InboundMessage::Kind::kRequest;
  out.request = std::move(*req);
  return out;
}

std::string EncodeResponse(const ResponsePrimitive& rsp, Serialization s) {
  return EncodeResponseMessage(rsp, s);
}

std::string EncodeRequest(const RequestPrimitive& req, Serialization s) {
  return EncodeRequestMessage(req, s);
}

std::string ReachableAs(const RequestPrimitive& req, const ResponsePrimitive& rsp,
                        std::string_view cse_id) {
  if (!IsSuccess(rsp.rsc) || static_cast<int>(rsp.rsc) < 2000) return {};
  if (req.op == Operation::kCreate && req.ty == 2) {
    if (IsEntityStem(rsp.content_location)) return rsp.content_location;
    if (auto pc = json::Parse(rsp.pc); pc && pc->is_object()) {
      if (const auto* ae = pc->get_object().if_contains("m2m:ae"); ae && ae->is_object()) {
        auto aei = json::GetString(ae->get_object(), "aei");
        if (aei && IsEntityStem(*aei)) return std::string(*aei);
      }
    }
    return {};
  }
  std::string_view fr = req.fr;
  if (IsEntityStem(fr) || IsCseId(fr)) return std::string(fr);
  if (!cse_id.empty() && fr.size() > cse_id.size() + 1 && fr.starts_with(cse_id) &&
      fr[cse_id.size()] == '/' && IsEntityStem(fr.substr(cse_id.size() + 1))) {
    return std::string(fr.substr(cse_id.size() + 1));
  }
  return {};
}

}  // namespace trustcse::websocket
