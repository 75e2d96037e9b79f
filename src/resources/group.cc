// group (ty 9): a set of member resources; requests to <group>/fopt fan out to every member,
// each checked against the originator's privileges (TS-0001 §10.2.7). Member resolution needs
// the resource tree, so it runs in the writer hook.
#include <algorithm>

#include "primitive/address.h"
#include "primitive/json_util.h"
#include "resources/types.h"

namespace trustcse::resources {
namespace {

constexpr auto M = Presence::kMandatory;
constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;

constexpr AttributePolicy kPolicies[] = {
    {"mt", AttrType::kEnum, O, NP},        {"spty", AttrType::kAny, O, NP},
    {"cnm", AttrType::kNonNegInt, NP, NP}, {"mnm", AttrType::kPosInt, M, O},
    {"mid", AttrType::kStringList, M, O},  {"macp", AttrType::kStringList, O, O},
    {"mtv", AttrType::kBool, NP, NP},      {"csy", AttrType::kEnum, O, NP},
    {"gn", AttrType::kString, O, O},       {"cr", AttrType::kString, O, NP},
    {"ssi", AttrType::kBool, NP, NP},      {"nar", AttrType::kAny, O, O},
};

class Group final : public ResourceType {
 public:
  int ty() const override { return ty::kGroup; }
  std::string_view tag() const override { return "m2m:grp"; }
  std::string_view short_name() const override { return "grp"; }
  std::span<const AttributePolicy> policies() const override { return kPolicies; }
  bool has_creator() const override { return true; }
  bool AllowsChild(int c) const override { return c == ty::kSubscription; }
  Status ValidateCreate(const HookContext&, const Resource&, Resource& res) const override {
    if (!res.attrs.contains("mt")) res.attrs["mt"] = 0;
    if (!res.attrs.contains("csy")) res.attrs["csy"] = 1;
    auto csy = json::GetInt(res.attrs, "csy").value_or(1);
    if (csy < 1 || csy > 3) return Status::BadRequest("invalid attribute 'csy'");
    return CheckCount(res);
  }
  Status ValidateUpdate(const HookContext&, const bj::object&, Resource& merged) const override {
    return CheckCount(merged);
  }
  Status OnCreate(storage::WriteTxn& txn, const HookContext& ctx, Resource&, bool*, Resource& res,
                  WriteEffects&) const override {
    return ResolveMembers(txn, ctx, res);
  }

  Status OnUpdate(storage::WriteTxn& txn, const HookContext& ctx, Resource& res,
                  WriteEffects&) const override {
    return ResolveMembers(txn, ctx, res);
  }

  // Validates the member list: removes duplicates and members that do not exist, and applies
  // the consistency strategy (csy) when a member's type differs from mt.
  // "<ri>/<path>": the resource below the one with ID `ri`.
  static Result<std::optional<storage::ResourceRecord>> GetBelow(storage::WriteTxn& txn,
                                                                 const std::string& ri,
                                                                 const std::string& path) {
    auto base = txn.Get(ri);
    if (!base || !*base) return base;
    return txn.GetByPath((*base)->path + "/" + path);
  }

  static int64_t NestedMemberType(const storage::ResourceRecord& group) {
    auto r = Resource::FromRecord(group);
    return r ? json::GetInt(r->attrs, "mt").value_or(0) : 0;
  }

  static Status ResolveMembers(storage::WriteTxn& txn, const HookContext& ctx, Resource& res) {
    auto mt = json::GetInt(res.attrs, "mt").value_or(0);
    auto csy = json::GetInt(res.attrs, "csy").value_or(1);
    bj::array kept;
    std::vector<std::string> seen;
    const auto* mid = res.attrs.if_contains("mid");
    if (!mid || !mid->is_array()) return Status::BadRequest("missing mandatory attribute 'mid'");
    for (const auto& m : mid->get_array()) {
      std::string id(m.get_string());
      if (std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
      seen.push_back(id);
      // A member may be another group's fan-out point ("<group>/fopt"): a nested group.
      std::string_view base_id = id;
      const bool nested = base_id.ends_with("/fopt");
      if (nested) base_id.remove_suffix(5);
      auto addr = ParseAddress(base_id, *ctx.self);
      if (!addr) continue;
      Result<std::optional<storage::ResourceRecord>> rec =
          addr->kind == LocalAddress::Kind::kStructured ? txn.GetByPath(addr->path)
          : addr->kind == LocalAddress::Kind::kUnstructured && addr->path.empty()
              ? txn.Get(addr->ri)
          : addr->kind == LocalAddress::Kind::kUnstructured
              ? GetBelow(txn, addr->ri, addr->path)
              : Result<std::optional<storage::ResourceRecord>>(std::nullopt);
      if (!rec) return rec.error();
      if (!*rec) continue;  // members that do not exist are dropped
      if (nested && (*rec)->ty != ty::kGroup) continue;
      // A nested group's members count with its own member type.
      const int member_ty = nested ? static_cast<int>(NestedMemberType(**rec)) : (*rec)->ty;
      if (mt != 0 && member_ty != mt) {
        if (csy == 2) {
          return Status(Rsc::kGroupMemberTypeInconsistent, "member type differs from 'mt'");
        }
        if (csy == 3) {
          mt = 0;
          res.attrs["mt"] = 0;
        } else {
          continue;  // ABANDON_MEMBER
        }
      }
      kept.push_back(bj::value(id));
    }
    res.attrs["cnm"] = kept.size();
    res.attrs["mid"] = std::move(kept);
    res.attrs["mtv"] = true;
    return Status::Ok();
  }

 private:
  static Status CheckCount(const Resource& res) {
    auto mnm = json::GetInt(res.attrs, "mnm").value_or(0);
    const auto* mid = res.attrs.if_contains("mid");
    if (!mid || !mid->is_array()) return Status::BadRequest("missing mandatory attribute 'mid'");
    if (static_cast<int64_t>(mid->get_array().size()) > mnm) {
      return Status(Rsc::kMaxNumberOfMemberExceeded, "more members than 'mnm' allows");
    }
    return Status::Ok();
  }
};

}  // namespace

const ResourceType& GroupType() {
  static const Group kType;
  return kType;
}

}  // namespace trustcse::resources
