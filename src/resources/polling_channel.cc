// pollingChannel (ty 15): how an AE that cannot receive requests (requestReachability false,
// behind NAT or asleep) gets them anyway — it long-polls the channel's virtual child `pcu`
// (TS-0001 §9.6.21–22, TS-0004 §7.4.21–22; the queue is notification/polling_channels.h).
// Only universal attributes, no acpi; at most one per AE, created by that AE itself.
#include "resources/types.h"

namespace trustcse::resources {
namespace {

// requestAggregation (Release 4): a poll then returns every queued request at once.
constexpr AttributePolicy kPolicies[] = {{"rqag", AttrType::kBool, Presence::kOptional,
                                          Presence::kOptional}};

class PollingChannel final : public ResourceType {
 public:
  int ty() const override { return ty::kPollingChannel; }
  std::string_view tag() const override { return "m2m:pch"; }
  std::string_view short_name() const override { return "pch"; }
  std::span<const AttributePolicy> policies() const override { return kPolicies; }
  ValidateOptions validate_options() const override { return {.has_acpi = false}; }
  bool AllowsChild(int) const override { return false; }

  Status ValidateCreate(const HookContext& ctx, const Resource& parent,
                        Resource&) const override {
    // The channel carries requests for its AE: only that AE may open it (TS-0004 §7.4.21.2.1).
    if (ctx.originator != parent.ri()) {
      return Status(Rsc::kOriginatorHasNoPrivilege, "only the AE itself may create its channel");
    }
    return Status::Ok();
  }
  Status OnCreate(storage::WriteTxn& txn, const HookContext&, Resource& parent, bool*, Resource&,
                  WriteEffects&) const override {
    auto n = txn.CountChildren(parent.ri(), ty::kPollingChannel);
    if (!n) return n.error();
    if (n->first > 0) return Status::BadRequest("an AE has at most one pollingChannel");
    return Status::Ok();
  }
};

}  // namespace

const ResourceType& PollingChannelType() {
  static const PollingChannel kType;
  return kType;
}

}  // namespace trustcse::resources
