#include "security/service_endpoints.h"

#include <boost/json.hpp>

#include "primitive/json_util.h"

namespace trustcse::security {

ServiceResponse ServiceResponse::Error(const Status& s) {
  ServiceResponse r;
  r.rsc = s.code();
  r.body = json::Serialize(boost::json::object{{"m2m:dbg", s.message()}});
  return r;
}

}  // namespace trustcse::security
