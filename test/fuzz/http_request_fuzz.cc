// Fuzz target for the HTTP binding mapping (bindings/http/http_mapping.h): whatever arrives on
// the wire must become a RequestPrimitive or an error Status, never a crash.
//
// The same lines, read as "Name: value" header fields, also go through the header screening
// (Transfer-Encoding, duplicate single-value fields).
//
// Input layout: the first byte holds flags (bit 0: X-M2M-Origin present); the rest is split on
// '\n' into method, target, origin, request id, rvi, content type, accept, rtu (also used as the
// Via header), ret, rst, and everything after the tenth '\n' is the body. Missing fields are
// empty.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <vector>

#include "bindings/http/http_framing.h"
#include "bindings/http/http_mapping.h"
#include "primitive/json_util.h"
#include "primitive/request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trustcse;
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);

  std::string_view fields[10];
  for (auto& f : fields) {
    auto nl = rest.find('\n');
    if (nl == std::string_view::npos) {
      f = rest;
      rest = {};
      break;
    }
    f = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
  }

  // The header screening (http_framing.h) on the same lines read as "Name: value" fields: a
  // refusal is 4000 or 5001 with a JSON body, whatever the fields.
  std::vector<http::HeaderField> header;
  for (auto f : fields) {
    if (auto colon = f.find(':'); colon != std::string_view::npos) {
      header.push_back({f.substr(0, colon), f.substr(colon + 1)});
    }
  }
  if (auto refusal = http::ScreenRequestHeader(header)) {
    if (refusal->rsc != Rsc::kBadRequest && refusal->rsc != Rsc::kNotImplemented) __builtin_trap();
    if (!json::Parse(refusal->pc)) __builtin_trap();
  }

  http::HttpRequestParts in;
  in.method = fields[0];
  in.target = fields[1];
  in.origin = fields[2];
  in.request_id = fields[3];
  in.rvi = fields[4];
  in.content_type = fields[5];
  in.accept = fields[6];
  in.rtu = fields[7];
  in.rqet = fields[8];
  in.rset = fields[9];
  in.body = rest;
  in.peer_address = "127.0.0.1";
  in.has_origin = (flags & 1) != 0;
  in.via = fields[7];
  // The Via parser on hostile input: under ASan/UBSan, any out-of-bounds read is a finding.
  (void)ViaNames(in.via, "id-in");

  auto req = http::ToPrimitive(in);
  if (req) {
    std::string pc = json::Serialize(req->pc);
    // The serialized content must parse back (the dispatcher re-reads stored bodies).
    if (!req->pc.is_null() && !json::Parse(pc)) __builtin_trap();
    http::HttpResponseParts out = http::FromPrimitive(ErrorResponse(*req, Status::BadRequest(pc)));
    if (out.status != 400) __builtin_trap();
  } else {
    RequestPrimitive empty;
    http::HttpResponseParts out = http::FromPrimitive(ErrorResponse(empty, req.error()));
    if (out.headers.empty() || out.headers.front().first != "X-M2M-RSC") __builtin_trap();
    if (req.error().ok()) __builtin_trap();  // an error must not carry a success code
  }
  return 0;
}
