// AE (ty 2): an application entity registered with this CSE. The dispatcher's registration step
// assigns the AE-ID (aei) from the originator before these checks run (TS-0001 §10.2.2.2).
// The <node> an AE names in its nodeLink lists the AE's resource ID in its hostedAELinks (TS-0001
// §9.6.18, Release 4): the hooks below keep that list as AEs register, move to another node
// (an UPDATE of nl) and deregister.
#include <algorithm>

#include "primitive/json_util.h"
#include "resources/link_lists.h"
#include "resources/types.h"

namespace trustcse::resources {
namespace {

constexpr auto M = Presence::kMandatory;
constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;

constexpr AttributePolicy kPolicies[] = {
    {"api", AttrType::kString, M, NP},      {"apn", AttrType::kString, O, O},
    {"aei", AttrType::kString, NP, NP},     {"poa", AttrType::kStringList, O, O},
    {"or", AttrType::kString, O, O},        {"nl", AttrType::kString, O, O},
    {"rr", AttrType::kBool, M, O},          {"csz", AttrType::kStringList, O, O},
    {"srv", AttrType::kStringList, M, O},   {"esi", AttrType::kObject, O, O},
    {"mei", AttrType::kString, O, O},       {"regs", AttrType::kEnum, O, O},
    {"trps", AttrType::kBool, O, O},        {"scp", AttrType::kStringList, O, O},
    {"tri", AttrType::kString, O, O},       {"trn", AttrType::kNonNegInt, O, O},
    {"ape", AttrType::kString, O, O},       {"tren", AttrType::kBool, O, O},
    {"loc", AttrType::kAny, O, O},
};

// srv lists the releases the AE supports; it must name at least one.
// supportedReleaseVersions and contentSerialization take only the values the standard defines
// (TS-0004 Table 6.3.3-1), at least one of them.
Status CheckSrv(const Resource& res) {
  static constexpr std::string_view kReleases[] = {"1", "2", "2a", "3", "4", "5"};
  static constexpr std::string_view kSerializations[] = {"application/json", "application/cbor",
                                                         "application/xml"};
  auto all_of = [](const bj::value* list, std::span<const std::string_view> allowed) {
    if (list == nullptr) return true;
    const auto& a = list->get_array();
    return !a.empty() && std::all_of(a.begin(), a.end(), [&](const bj::value& v) {
      return std::find(allowed.begin(), allowed.end(), v.get_string()) != allowed.end();
    });
  };
  if (!all_of(res.attrs.if_contains("srv"), kReleases)) {
    return Status::BadRequest("invalid attribute 'srv': releases are 1, 2, 2a, 3, 4, 5");
  }
  if (!all_of(res.attrs.if_contains("csz"), kSerializations)) {
    return Status::BadRequest("invalid attribute 'csz': application/json, application/cbor or "
                              "application/xml");
  }
  return Status::Ok();
}

class Ae final : public ResourceType {
 public:
  int ty() const override { return ty::kAe; }
  std::string_view tag() const override { return "m2m:ae"; }
  std::string_view short_name() const override { return "ae"; }
  std::span<const AttributePolicy> policies() const override { return kPolicies; }
  bool AllowsChild(int c) const override {
    return c == ty::kSubscription || c == ty::kContainer || c == ty::kFlexContainer ||
           c == ty::kGroup || c == ty::kAcp || c == ty::kTimeSeries ||
           c == ty::kDynamicAuthorizationConsultation || c == ty::kPollingChannel ||
           c == ty::kLocationPolicy;
  }
  Status ValidateCreate(const HookContext& ctx, const Resource&, Resource& res) const override {
    auto api = json::GetString(res.attrs, "api").value_or("");
    // App-ID: 'R' (registered) or 'N' (non-registered); releases 2a/3 also allowed lower-case 'r'.
    bool lower_ok = ctx.rvi == "2a" || ctx.rvi == "3";
    if (api.size() < 2 || !(api[0] == 'R' || api[0] == 'N' || (lower_ok && api[0] == 'r'))) {
      return Status::BadRequest("invalid App-ID in attribute 'api'");
    }
    return CheckSrv(res);
  }
  Status ValidateUpdate(const HookContext&, const bj::object&, Resource& merged) const override {
    return CheckSrv(merged);
  }
  Status OnCreate(storage::WriteTxn& txn, const HookContext& ctx, Resource&, bool*, Resource& res,
                  WriteEffects& fx) const override {
    return LinkToNode(txn, ctx, NodeOf(res), res.ri(), true, fx);
  }
  Status OnUpdate(storage::WriteTxn& txn, const HookContext& ctx, Resource& res,
                  WriteEffects& fx) const override {
    auto before = txn.Get(res.ri());  // the stored version, before this update
    if (!before) return before.error();
    std::string old_nl;
    if (*before) {
      auto old = Resource::FromRecord(**before);
      if (!old) return old.error();
      old_nl = std::string(NodeOf(*old));
    }
    std::string_view nl = NodeOf(res);
    if (old_nl == nl) return Status::Ok();
    if (auto s = LinkToNode(txn, ctx, old_nl, res.ri(), false, fx); !s.ok()) return s;
    return LinkToNode(txn, ctx, nl, res.ri(), true, fx);
  }
  Status OnDelete(storage::WriteTxn& txn, const HookContext& ctx, Resource&, bool*,
                  const Resource& res, WriteEffects& fx) const override {
    return LinkToNode(txn, ctx, NodeOf(res), res.ri(), false, fx);
  }

 private:
  static std::string_view NodeOf(const Resource& res) {
    return json::GetString(res.attrs, "nl").value_or("");
  }
  static Status LinkToNode(storage::WriteTxn& txn, const HookContext& ctx, std::string_view nl,
                           std::string_view ri, bool add, WriteEffects& fx) {
    if (nl.empty()) return Status::Ok();
    return UpdateLinkList(txn, ctx, nl, ty::kNode, {}, "hael", ri, add, fx);
  }
};

}  // namespace

const ResourceType& AeType() {
  static const Ae kType;
  return kType;
}

}  // namespace trustcse::resources
