// request (ty 17): the record of a non-blocking request (TS-0001 §9.6.12, TS-0004 §7.4.12). Only
// the CSE creates one, under the CSEBase, when it accepts a request with responseType
// nonBlockingRequestSynch or nonBlockingRequestAsynch (dispatcher/non_blocking.cc); the
// originator retrieves it for the result and may delete it once the operation has finished.
//
// Attributes: op, tg (target), org (originator), rid (request ID), mi (metaInformation: ty, rt,
// rqet, rset, rp, rcn, drt, rvi), pc (the request's content), rs (requestStatus: 1 COMPLETED,
// 2 FAILED, 3 PENDING, 4 FORWARDED, 5 PARTIALLY_COMPLETED), ors (operationResult: rsc, rqi, pc,
// to, fr, ot). Every one is the CSE's to write; an UPDATE may change acpi only.
#include "primitive/json_util.h"
#include "resources/types.h"

namespace trustcse::resources {
namespace {

constexpr auto NP = Presence::kNotPresent;
constexpr auto O = Presence::kOptional;

constexpr AttributePolicy kPolicies[] = {
    {"op", AttrType::kEnum, NP, NP},   {"tg", AttrType::kString, NP, NP},
    {"org", AttrType::kString, NP, NP}, {"rid", AttrType::kString, NP, NP},
    {"mi", AttrType::kObject, NP, NP}, {"pc", AttrType::kAny, NP, NP},
    {"rs", AttrType::kEnum, NP, NP},   {"ors", AttrType::kObject, NP, NP},
    {"lbl", AttrType::kStringList, NP, NP}, {"et", AttrType::kTimestamp, NP, NP},
    {"daci", AttrType::kStringList, NP, O},
};

class Request final : public ResourceType {
 public:
  int ty() const override { return ty::kRequest; }
  std::string_view tag() const override { return "m2m:req"; }
  std::string_view short_name() const override { return "req"; }
  std::span<const AttributePolicy> policies() const override { return kPolicies; }
  bool AllowsChild(int) const override { return false; }
  bool client_creatable() const override { return false; }

  Status ValidateUpdate(const HookContext&, const bj::object& changes, Resource&) const override {
    for (const auto& [k, _] : changes) {
      if (k != "acpi" && k != "daci") {
        return Status::BadRequest("only acpi and daci of a request can be updated");
      }
    }
    return Status::Ok();
  }
  // A pending operation cannot be called back once it has been handed to the dispatcher; only
  // its expiration (the CSE itself deleting) removes the record before the result is in.
  Status OnDelete(storage::WriteTxn&, const HookContext& ctx, Resource&, bool*,
                  const Resource& res, WriteEffects&) const override {
    const bool by_cse = ctx.self != nullptr && ctx.originator == ctx.self->cse_id;
    if (!by_cse && json::GetInt(res.attrs, "rs").value_or(0) == request_status::kPending) {
      return Status(Rsc::kUnableToRecallRequest, "the request is still pending");
    }
    return Status::Ok();
  }
};

}  // namespace

const ResourceType& RequestType() {
  static const Request kType;
  return kType;
}

}  // namespace trustcse::resources
