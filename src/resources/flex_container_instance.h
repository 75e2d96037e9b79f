// Internal to resources/: the instances a <flexContainer> keeps of itself (Release 4,
// <flexContainerInstance>, ty 58), for the flexContainer's hooks (flex_container.cc).
//
// When instances are kept. TS-0004 §7.4.37.2.1 step 3 and §7.4.37.2.3 step 3 (Release 4) make
// a maxNrOfInstances, maxByteSize or maxInstanceAge with a non-zero value the switch: while one is
// set, the CSE keeps instances. flexContainerInstanceEnabled (fcied), listed among the
// flexContainer's attributes in TS-0001 Table 9.6.35-2, decides when it is given: true keeps
// instances even without a limit, false keeps none whatever the limits say. A zero limit limits
// nothing and switches nothing on.
//
// What an instance is. A copy, made by the CSE, of the flexContainer's custom attributes and
// labels at one moment: its own ri/rn (generated, "fcin…"), ct = lt = that moment, et no later
// than the flexContainer's nor than ct + maxInstanceAge, contentSize (cs, the flexContainer's
// at that moment), stateTag (st, the flexContainer's), originator (org, who caused it); its
// representation key is the flexContainer's specialization key ("cod:tempe"). The first is made
// when keeping starts (at creation, or by the UPDATE that switches it on), then one by every
// UPDATE that carries a custom attribute. Instances count in currentNrOfInstances (cni) and
// currentByteSize (cbs), which the flexContainer has exactly while it keeps instances, and are
// evicted oldest first under the limits as contentInstances are. Keeping switched off deletes
// them and removes cni and cbs. Clients cannot create (4005) or update (4005) an instance; a
// DELETE of one gives its share back to cni/cbs (flex_container_instance.cc).
//
// Writer-thread functions (they run inside the request's transaction); the others are pure.
#pragma once

#include "resources/resource.h"

namespace trustcse::resources {

// Whether a flexContainer with these attributes keeps instances.
bool KeepsFlexInstances(const bj::object& fcnt);
// The custom attributes of a flexContainer (those its specialization defines), as stored.
bj::object FlexCustomAttributes(const bj::object& fcnt);
// Whether an UPDATE's content sets or removes a custom attribute of this flexContainer.
bool ChangesFlexCustomAttribute(const bj::object& fcnt, const bj::object& changes);

// Makes the instance of `fcnt`'s present state: counts it in cni/cbs, evicts older instances
// beyond the limits, and writes it. 5207 when its size alone exceeds a non-zero maxByteSize.
// `fcnt` has cni/cbs (set them to 0 before the first instance); it is not written here.
Status RecordFlexInstance(storage::WriteTxn& txn, const HookContext& ctx, Resource& fcnt,
                          WriteEffects& fx);
// Evicts instances beyond `fcnt`'s present limits (after a limit was lowered or time passed).
Status EnforceFlexLimits(storage::WriteTxn& txn, const HookContext& ctx, Resource& fcnt,
                         WriteEffects& fx);
// Keeping switched off: deletes every instance of `fcnt` and removes its cni and cbs.
Status DropFlexInstances(storage::WriteTxn& txn, Resource& fcnt, WriteEffects& fx);

}  // namespace trustcse::resources
