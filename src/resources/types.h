// Internal to resources/: the singleton accessor of each resource type, defined in that type's
// own file and collected by registry.cc. Also helpers shared by the instance-holding types
// (container, timeSeries, flexContainer).
#pragma once

#include "resources/resource.h"

namespace trustcse::resources {

const ResourceType& AccessControlPolicyType();
const ResourceType& AeType();
const ResourceType& ContainerType();
const ResourceType& ContentInstanceType();
const ResourceType& CseBaseType();
const ResourceType& GroupType();
const ResourceType& LocationPolicyType();
const ResourceType& MgmtObjType();
const ResourceType& NodeType();
const ResourceType& PollingChannelType();
const ResourceType& RequestType();
const ResourceType& ScheduleType();
const ResourceType& SubscriptionType();
const ResourceType& FlexContainerType();
const ResourceType& FlexContainerInstanceType();
const ResourceType& TimeSeriesType();
const ResourceType& TimeSeriesInstanceType();
const ResourceType& DynamicAuthorizationConsultationType();
const ResourceType& RoleType();

// Instance quotas of a container or timeSeries (mni, mbs, mia) and the counters (cni, cbs) that
// go with them. Used from the writer thread only.
// Adds an instance of `cs` bytes: 5207 if it alone exceeds mbs; else updates cni/cbs/st on the
// parent, then evicts the oldest instances of `instance_ty` until the quotas hold again.
Status AddInstance(storage::WriteTxn& txn, const HookContext& ctx, Resource& parent,
                   int instance_ty, uint64_t cs, WriteEffects& fx);
// maxInstanceAge: an instance expires at the latest `mia` seconds after its creation, so the
// expiration reaper removes aged instances even when no new instance arrives.
void ClampToMaxAge(const Resource& parent, Resource& instance, TimePoint now);
// Removes an instance's share from the parent counters.
void RemoveInstance(Resource& parent, uint64_t cs);
// Deletes every instance (of type instance_ty) under the parent with ri parent_ri, oldest first,
// 256 per read; what went is added to fx.deleted. Leaves the parent's counters to the caller.
Status DeleteAllInstances(storage::WriteTxn& txn, std::string_view parent_ri, int instance_ty,
                          WriteEffects& fx);
// Evicts instances of `instance_ty` beyond the parent's current quotas (after a quota update).
Status EnforceQuotas(storage::WriteTxn& txn, const HookContext& ctx, Resource& parent,
                     int instance_ty, WriteEffects& fx);
// Sets cs to the byte size of `con` (the string's length, or the serialized length otherwise).
void SetContentSize(Resource& res);
// Sets lt, and increments stateTag for the types that have one.
void Touch(Resource& res, TimePoint now);

// Shared base of the types that hold data instances under quotas (container, timeSeries):
// counters start at zero and a quota lowered by an update evicts at once.
class InstanceHolderType : public ResourceType {
 public:
  explicit constexpr InstanceHolderType(int instance_ty) : instance_ty_(instance_ty) {}
  bool has_state_tag() const override { return true; }
  bool has_creator() const override { return true; }
  Status ValidateCreate(const HookContext& ctx, const Resource& parent,
                        Resource& res) const override;
  Status OnUpdate(storage::WriteTxn& txn, const HookContext& ctx, Resource& res,
                  WriteEffects& fx) const override;

 private:
  int instance_ty_;
};

// Shared base of the immutable data instances (contentInstance, timeSeriesInstance): cannot be
// updated, and deleting one gives its share back to the parent's counters.
class InstanceType : public ResourceType {
 public:
  bool AllowsChild(int) const override { return false; }
  bool has_creator() const override { return true; }
  Status OnDelete(storage::WriteTxn& txn, const HookContext& ctx, Resource& parent,
                  bool* parent_changed, const Resource& res, WriteEffects& fx) const override;
};

}  // namespace trustcse::resources
