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

ResponsePrimitive ErrorResponse(const RequestPrimitive& req, const Status& status) {
  ResponsePrimitive rsp;
  rsp.rsc = status.code();
  rsp.rqi = req.rqi;
  rsp.rvi = req.rvi;
  boost::json::object o;
  o["m2m:dbg"] = status.message();
  rsp.pc = boost::json::serialize(o);
  return rsp;
}

}  // namespace trustcse
