#include "primitive/request.h"

#include <boost/json/serialize.hpp>

namespace trustcse {

const char* OperationName(Operation op) {
  switch (op) {
    case Operation::kCreate: return "CREATE";
    case Operation::kRetrieve: return "RETRIEVE";
    case Operation::kUpdate: return "UPDATE";
    case Operation::kDelete: return "DELETE";
    case Operation::kNotify: return "NOTIFY";
  }
  return "?";
}

const char* ChannelMethodName(ChannelIdentity::Method m) {
  switch (m) {
    case ChannelIdentity::Method::kNone: return "none";
    case ChannelIdentity::Method::kPsk: return "psk";
    case ChannelIdentity::Method::kCertificate: return "certificate";
    case ChannelIdentity::Method::kPinnedKey: return "pinned-key";
    case ChannelIdentity::Method::kBroker: return "broker";
  }
  return "?";
}

bool IsSupportedRelease(std::string_view rvi) {
  for (auto r : kSupportedReleases) {
    if (r == rvi) return true;
  }
  return false;
}

ResponsePrimitive ResponseTo(const RequestPrimitive& req, Rsc rsc) {
  ResponsePrimitive rsp;
  rsp.rsc = rsc;
  rsp.rqi = req.rqi;
  rsp.rvi = req.rvi;
  rsp.ot = FormatTimestamp(Now());
  if (req.rset) rsp.rset = FormatTimestamp(*req.rset);
  rsp.vsi = req.vsi;
  return rsp;
}

ResponsePrimitive ErrorResponse(const RequestPrimitive& req, const Status& status) {
  ResponsePrimitive rsp = ResponseTo(req, status.code());
  boost::json::object o;
  o["m2m:dbg"] = status.message();
  rsp.pc = boost::json::serialize(o);
  return rsp;
}

std::string ViaPseudonym(std::string_view cse_id) {
  while (cse_id.starts_with('/')) cse_id.remove_prefix(1);
  std::string out(cse_id);
  for (char& c : out) {
    if (c == '/') c = '.';
  }
  return out;
}

bool ViaNames(std::string_view via, std::string_view pseudonym) {
  // Via = #( received-protocol RWS received-by [ RWS comment ] )
  while (!via.empty()) {
    size_t comma = via.find(',');
    std::string_view entry = via.substr(0, comma);
    via = comma == std::string_view::npos ? std::string_view() : via.substr(comma + 1);
    auto skip_space = [&] {
      while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t')) entry.remove_prefix(1);
    };
    skip_space();
    size_t sp = entry.find_first_of(" \t");
    if (sp == std::string_view::npos) continue;
    entry.remove_prefix(sp);
    skip_space();
    std::string_view by = entry.substr(0, entry.find_first_of(" \t"));
    if (!by.empty() && by == pseudonym) return true;
  }
  return false;
}

}  // namespace trustcse
