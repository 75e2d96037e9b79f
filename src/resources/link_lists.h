// Lists of resource IDs that one resource keeps about others and that the CSE maintains as those
// others come, move and go: a <node>'s hostedAELinks follows the nodeLink of <AE>s (TS-0001
// §9.6.18), an [areaNwkInfo]'s listOfDevices the areaNwkId of [areaNwkDeviceInfo]s (TS-0004
// Annex D.6.2). Used by the types' writer-thread hooks (ae.cc, mgmt_obj.cc).
//
// Errors: storage failures only; an address that names nothing here (or a resource of another
// type) is not an error, since it may name a resource on another CSE. Thread-safety: runs on the
// storage writer thread inside the request's transaction.
#pragma once

#include <optional>
#include <string_view>

#include "resources/resource.h"

namespace trustcse::resources {

// The resource `address` (structured, unstructured, SP-relative or absolute) names on this CSE,
// if it is of type `ty` and — when `tag` is not empty — of that specialization (its "__tag").
Result<std::optional<Resource>> FindLinked(storage::WriteTxn& txn, const HookContext& ctx,
                                           std::string_view address, int ty,
                                           std::string_view tag = {});

// Adds `ri` to (add) or removes it from the list attribute `sn` of the resource `address` names
// (type `ty`, specialization `tag`), writes it and reports an update of `sn`. A list that becomes
// empty is removed: m2m:listOfM2MID and m2m:listOfURIs have at least one member. Nothing happens
// when the list already is as asked or `address` names nothing here.
Status UpdateLinkList(storage::WriteTxn& txn, const HookContext& ctx, std::string_view address,
                      int ty, std::string_view tag, std::string_view sn, std::string_view ri,
                      bool add, WriteEffects& fx);

}  // namespace trustcse::resources
