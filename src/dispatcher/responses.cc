// Building responses: representations of stored records, the content a write answers with.
#include "dispatcher/internal.h"
#include "primitive/json_util.h"

namespace trustcse::dispatcher {


ResponsePrimitive Reply(const RequestPrimitive& req, Rsc rsc, std::string pc) {
  ResponsePrimitive rsp = ResponseTo(req, rsc);
  rsp.pc = std::move(pc);
  return rsp;
}

std::string RecordRepresentation(const ResourceRecord& rec) {
  const ResourceType* t = resources::FindType(rec.ty);
  if (t && !t->tag().empty()) {
    std::string out;
    out.reserve(rec.body.size() + t->tag().size() + 6);
    out.append("{\"").append(t->tag()).append("\":").append(rec.body).append("}");
    return out;
  }
  auto res = Resource::FromRecord(rec);
  return res ? SerializeRepresentation(*res) : std::string("{}");
}

// The single "m2m:xxx" member of a request's content.
Result<std::pair<std::string, bj::object*>> SingleMember(bj::value& pc) {
  if (!pc.is_object() || pc.get_object().size() != 1) {
    return Err(Status::BadRequest("content must be one resource representation"));
  }
  auto& [key, value] = *pc.get_object().begin();
  if (!value.is_object()) return Err(Status::BadRequest("resource representation must be an object"));
  return std::make_pair(std::string(key), &value.get_object());
}

std::string SerializeRepresentation(const Resource& res) {
  return json::Serialize(res.Representation());
}

// Builds the content of a CREATE/UPDATE/DELETE response for rcn.
// The stored record's body is already serialized, so the usual rcn=1 answer is a string
// concatenation, not a JSON round trip (this runs on the storage thread that completes writes).
std::string ResultFor(ResultContent rcn, const Resource& res, const ResourceRecord& rec) {
  switch (rcn) {
    case ResultContent::kNothing:
      return {};
    case ResultContent::kHierarchicalAddress: {
      bj::object o;
      o["m2m:uri"] = res.path;
      return json::Serialize(o);
    }
    case ResultContent::kHierarchicalAddressAndAttributes: {
      bj::object rce;
      rce["uri"] = res.path;
      for (auto& [k, v] : res.Representation()) rce.emplace(k, v);
      bj::object o;
      o["m2m:rce"] = std::move(rce);
      return json::Serialize(o);
    }
    default:
      return RecordRepresentation(rec);
  }
}

}  // namespace trustcse::dispatcher
