// subscription (ty 23): notification targets, the event filter and the notification policies
// (TS-0004 §7.4.8, TS-0001 §9.6.8, §10.2.10.7). The verification request, the delivery and the
// policies' run-time state (batches, pending caches, statistics) are the notification layer's.
//
// What is checked here (4000 unless said otherwise):
//   - enc: net values (5, 6 and 8 are 5001: not supported), chty against the child types the
//     subscribed-to resource can have (Recv-6.4), atr (a list of attribute names), om entries
//     with at least one of ops/org (§6.3.5.57), net and om not together (Recv-6.4);
//   - net 7 (Blocking_Update, Recv-6.4): alone in net, exactly one target that is a resource ID,
//     no resource-specific attribute besides nu and enc, no condition besides atr; at most one
//     per subscribed-to resource (4124, checked in the write, where it cannot race); not
//     settable by an UPDATE (§7.4.8.2.3);
//   - nct against net (TS-0001 Table 9.6.8-4); bn (num, dur); pn; nec; rl and nsp are 5001.
// Defaults set here: nct (2 for net 7, else 1), bn.dur (kDefaultBatchDuration), cr when a
// target is not the originator (Recv-6.5). nsi is the notifier's; setting nse (to true again)
// or removing it clears it.
#include <algorithm>
#include <string>
#include <vector>

#include "primitive/json_util.h"
#include "primitive/request_parameters.h"
#include "resources/missing_data.h"
#include "resources/types.h"

namespace trustcse::resources {
namespace {

constexpr auto M = Presence::kMandatory;
constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;

constexpr AttributePolicy kPolicies[] = {
    {"nu", AttrType::kStringList, M, O}, {"enc", AttrType::kObject, O, O},
    {"exc", AttrType::kPosInt, O, O},    {"gpi", AttrType::kString, O, O},
    {"nfu", AttrType::kString, O, O},    {"bn", AttrType::kObject, O, O},
    {"rl", AttrType::kObject, O, O},     {"psn", AttrType::kPosInt, O, O},
    {"pn", AttrType::kEnum, O, O, 1, 2}, {"nsp", AttrType::kPosInt, O, O},
    {"ln", AttrType::kBool, O, O},       {"nct", AttrType::kEnum, O, O},
    {"nec", AttrType::kInt, O, O},       {"su", AttrType::kString, O, NP},
    {"cr", AttrType::kString, O, NP},    {"acrs", AttrType::kStringList, O, O},
    {"nse", AttrType::kBool, O, O},      {"nsi", AttrType::kList, NP, NP},
};

// notificationEventType values (TS-0004 Table 6.3.4.2.19-1).
constexpr int64_t kBlockingUpdate = 7;

// The batchNotify duration "given by the M2M Service Provider" when the originator gives none
// (TS-0004 §7.4.8.2.1 Recv-6.5, Table 6.3.5.6-1).
constexpr std::string_view kDefaultBatchDuration = "PT60S";

// The resource-specific attributes a Blocking_Update subscription may not have (Recv-6.4: only
// nu and enc; cr is a common attribute, Table 7.4.8.1-2).
constexpr std::string_view kNotWithBlocking[] = {"exc", "gpi", "nfu", "bn",  "rl",  "psn", "pn",
                                                 "nsp", "ln",  "nct", "nec", "su",  "acrs", "nse"};

bool IsTargetUrl(std::string_view nu) { return nu.find("://") != std::string_view::npos; }

std::vector<int64_t> Ints(const bj::object& o, std::string_view key) {
  std::vector<int64_t> out;
  if (const auto* v = o.if_contains(key); v && v->is_array()) {
    for (const auto& e : v->get_array()) {
      if (auto i = json::AsInt(e)) out.push_back(*i);
    }
  }
  return out;
}

const bj::object* Criteria(const bj::object& attrs) {
  const auto* enc = attrs.if_contains("enc");
  return enc && enc->is_object() ? &enc->get_object() : nullptr;
}

bool HasBlockingNet(const bj::object& attrs) {
  const bj::object* enc = Criteria(attrs);
  if (!enc) return false;
  auto nets = Ints(*enc, "net");
  return std::find(nets.begin(), nets.end(), kBlockingUpdate) != nets.end();
}

// m2m:operationMonitor entries (§6.3.5.57): operations is an accessControlOperations bit set,
// originator an ID; at least one of them.
Status CheckOperationMonitor(const bj::value& v) {
  if (!v.is_array()) return Status::BadRequest("invalid 'enc.om': not a list");
  for (const auto& e : v.get_array()) {
    if (!e.is_object()) return Status::BadRequest("invalid 'enc.om' entry");
    const bj::object& om = e.get_object();
    if (!om.contains("ops") && !om.contains("org")) {
      return Status::BadRequest("an 'enc.om' entry needs operations (ops) or originator (org)");
    }
    for (const auto& [k, val] : om) {
      if (k == "ops") {
        auto ops = json::AsInt(val);
        if (!ops || *ops < 1 || *ops > 63) return Status::BadRequest("invalid 'enc.om.ops'");
      } else if (k == "org") {
        if (!val.is_string() || val.get_string().empty()) {
          return Status::BadRequest("invalid 'enc.om.org'");
        }
      } else {
        return Status::BadRequest("unknown member 'enc.om." + std::string(k) + "'");
      }
    }
  }
  return Status::Ok();
}

// The structure of enc; fills `nets`. Unsupported features come last, so that a request that is
// wrong anyway gets its 4000 (SUB-055/056) rather than 5001.
Status CheckCriteria(const bj::object& enc, std::vector<int64_t>& nets) {
  bool unsupported_net = false;
  std::string unsupported;
  for (const auto& [k, v] : enc) {
    if (k == "net") {
      if (!HasType(v, AttrType::kIntList)) return Status::BadRequest("invalid 'enc.net'");
      for (const auto& n : v.get_array()) {
        auto e = *json::AsInt(n);
        if (e < 1 || e > 8) return Status::BadRequest("invalid 'enc.net' value");
        if (e == 5 || e == 6) {
          unsupported_net = true;
          unsupported = "notificationEventType " + std::to_string(e);
        }
        nets.push_back(e);
      }
      if (nets.size() > 5) return Status::BadRequest("'enc.net' holds at most 5 values");
    } else if (k == "chty") {
      if (!HasType(v, AttrType::kIntList)) return Status::BadRequest("invalid 'enc.chty'");
    } else if (k == "atr") {
      if (!HasType(v, AttrType::kStringList)) return Status::BadRequest("invalid 'enc.atr'");
      for (const auto& a : v.get_array()) {
        if (a.get_string().empty()) return Status::BadRequest("invalid 'enc.atr' entry");
      }
    } else if (k == "om") {
      if (auto s = CheckOperationMonitor(v); !s.ok()) return s;
    } else if (k == "md") {
      continue;  // CheckMissingDataSubscription

    } else if (k == "crb" || k == "cra" || k == "ms" || k == "us" || k == "sts" || k == "stb" ||
               k == "exb" || k == "exa" || k == "sza" || k == "szb" || k == "fo") {
      continue;  // accepted and kept; evaluated by the notifier where they apply
    } else {
      return Status::BadRequest("unknown member 'enc." + std::string(k) + "'");
    }
  }
  if (enc.contains("net") && enc.contains("om")) {
    return Status::BadRequest("notificationEventType and operationMonitor exclude each other");
  }
  if (unsupported_net || !unsupported.empty()) {
    return Status::NotImplemented(unsupported + " is not supported");
  }
  return Status::Ok();
}

// m2m:batchNotify (Table 6.3.5.6-1): num a non-negative integer, dur an xs:duration.
Status CheckBatchNotify(const bj::object& bn) {
  for (const auto& [k, v] : bn) {
    if (k == "num") {
      auto n = json::AsInt(v);
      if (!n || *n < 0) return Status::BadRequest("invalid 'bn.num'");
    } else if (k == "dur") {
      auto d = v.is_string() ? ParseIsoDuration(v.get_string()) : std::nullopt;
      if (!d || d->count() <= 0) return Status::BadRequest("invalid 'bn.dur': an xs:duration");
    } else {
      return Status::BadRequest("unknown member 'bn." + std::string(k) + "'");
    }
  }
  return Status::Ok();
}

// m2m:eventCat: a standard category (2 immediate, 3 bestEffort, 4 latest) or 100–999.
bool ValidEventCategory(int64_t ec) { return (ec >= 2 && ec <= 4) || (ec >= 100 && ec <= 999); }

// Blocking_Update (Recv-6.4): `given` is what the originator wrote (the request's content on
// CREATE, the changes on UPDATE), `res` the resource it results in.
Status CheckBlocking(const bj::object& given, const Resource& res) {
  const bj::object& enc = *Criteria(res.attrs);
  const auto nets = Ints(enc, "net");
  if (nets.size() != 1) {
    return Status::BadRequest("Blocking_Update (net 7) cannot be combined with other events");
  }
  for (const auto& [k, v] : enc) {
    if (k != "net" && k != "atr") {
      return Status::BadRequest("a Blocking_Update subscription allows only the atr condition");
    }
  }
  const auto& nu = res.attrs.at("nu").get_array();
  if (nu.size() != 1) {
    return Status::BadRequest("a Blocking_Update subscription has exactly one notification target");
  }
  if (IsTargetUrl(nu.front().get_string())) {
    return Status::BadRequest("the Blocking_Update notification target must be a resource ID");
  }
  for (std::string_view a : kNotWithBlocking) {
    if (given.contains(a)) {
      return Status::BadRequest("attribute '" + std::string(a) +
                                "' is not allowed with Blocking_Update");
    }
  }
  return Status::Ok();
}

// `subject_ty`: the type of the subscribed-to resource (kept as "__sty" for updates).
Status CheckSubscription(const Resource& res, int subject_ty) {
  const auto* nu = res.attrs.if_contains("nu");
  if (!nu || !nu->is_array()) return Status::BadRequest("missing mandatory attribute 'nu'");
  if (nu->get_array().empty()) return Status::BadRequest("attribute 'nu' must not be empty");
  std::vector<int64_t> nets;
  if (const bj::object* enc = Criteria(res.attrs)) {
    if (auto s = CheckCriteria(*enc, nets); !s.ok()) return s;
  }
  if (auto s = CheckMissingDataSubscription(res, subject_ty); !s.ok()) return s;
  if (auto nct = json::GetInt(res.attrs, "nct")) {
    if (*nct < 1 || *nct > 5) return Status::BadRequest("invalid attribute 'nct'");
    if (*nct == 4) {
      return Status::NotImplemented("notificationContentType " + std::to_string(*nct) +
                                    " is not supported");
    }
    // TS-0001 Table 9.6.8-4: modifiedAttributes only for update events (1, 7); all attributes
    // and resourceID not for Blocking_Update.
    for (auto n : nets) {
      if (*nct == 2 && n != 1 && n != kBlockingUpdate) {
        return Status::BadRequest("nct=2 is only valid with net 1 or 7");
      }
      if (*nct != 2 && n == kBlockingUpdate) {
        return Status::BadRequest("net 7 notifies the modified attributes (nct 2)");
      }
    }
  }
  if (const auto* bn = res.attrs.if_contains("bn")) {
    if (auto s = CheckBatchNotify(bn->get_object()); !s.ok()) return s;
  }
  if (auto nec = json::GetInt(res.attrs, "nec"); nec && !ValidEventCategory(*nec)) {
    return Status::BadRequest("invalid attribute 'nec': not an event category");
  }
  if (res.attrs.contains("rl") || res.attrs.contains("nsp")) {
    return Status::NotImplemented("rate limits and notification storage priorities are not "
                                  "supported");
  }
  return Status::Ok();
}

// Defaults the CSE sets (Recv-6.5 of CREATE, and after an UPDATE replaced bn).
void SetDefaults(Resource& res) {
  // The default content type follows the event type (TS-0001 Table 9.6.8-4): the modified
  // attributes for Blocking_Update, a timeSeries notification for missing data points, all
  // attributes otherwise.
  if (!res.attrs.contains("nct")) {
    res.attrs["nct"] = HasBlockingNet(res.attrs) ? 2 : ReportsMissingData(res) ? 5 : 1;
  }
  if (auto* bn = res.attrs.if_contains("bn"); bn && bn->is_object()) {
    if (!bn->get_object().contains("dur")) bn->get_object()["dur"] = kDefaultBatchDuration;
  }
}

// Recv-6.4: every chty value must name a child type the subscribed-to resource can have.
Status CheckChildTypes(const Resource& sub, int parent_ty) {
  const bj::object* enc = Criteria(sub.attrs);
  if (!enc) return Status::Ok();
  const ResourceType* parent = FindType(parent_ty);
  for (int64_t c : Ints(*enc, "chty")) {
    if (!parent || c < 0 || c > 0xffff || !parent->AllowsChild(static_cast<int>(c))) {
      return Status::BadRequest("enc.chty " + std::to_string(c) +
                                " is not a child type of the subscribed-to resource");
    }
  }
  return Status::Ok();
}

class Subscription final : public ResourceType {
 public:
  int ty() const override { return ty::kSubscription; }
  std::string_view tag() const override { return "m2m:sub"; }
  std::string_view short_name() const override { return "sub"; }
  std::span<const AttributePolicy> policies() const override { return kPolicies; }
  bool has_creator() const override { return true; }
  bool AllowsChild(int c) const override { return c == ty::kSchedule; }

  Status ValidateCreate(const HookContext& ctx, const Resource& parent,
                        Resource& res) const override {
    res.attrs["__sty"] = parent.ty();
    // Missing-data reports are timeSeries notifications unless the originator says otherwise
    // (CheckSubscription requires nct 5 with net 8).
    if (!res.attrs.contains("nct") && ReportsMissingData(res)) res.attrs["nct"] = 5;
    if (auto s = CheckSubscription(res, parent.ty()); !s.ok()) return s;
    if (HasBlockingNet(res.attrs)) {
      if (auto s = CheckBlocking(res.attrs, res); !s.ok()) return s;
    }
    if (auto s = CheckChildTypes(res, parent.ty()); !s.ok()) return s;
    SetDefaults(res);
    // Recv-6.5: a subscription that notifies someone else records who asked for it.
    for (const auto& t : res.attrs.at("nu").get_array()) {
      if (t.get_string() != ctx.originator) {
        res.attrs["cr"] = std::string(ctx.originator);
        break;
      }
    }
    return Status::Ok();
  }

  Status ValidateUpdate(const HookContext&, const bj::object& changes,
                        Resource& merged) const override {
    // §7.4.8.2.3 Recv-6.4: Blocking_Update cannot be set by an UPDATE.
    if (HasBlockingNet(changes)) {
      return Status::BadRequest("notificationEventType Blocking_Update cannot be set by an UPDATE");
    }
    const auto subject_ty = json::GetInt(merged.attrs, "__sty").value_or(0);
    if (auto s = CheckSubscription(merged, static_cast<int>(subject_ty)); !s.ok()) return s;
    if (HasBlockingNet(merged.attrs)) {
      if (auto s = CheckBlocking(changes, merged); !s.ok()) return s;
    }
    if (const auto* nse = changes.if_contains("nse")) {
      // Enabling the statistics (again) starts them afresh; removing nse drops them; disabling
      // keeps what was recorded.
      if (nse->is_null() || (nse->is_bool() && nse->get_bool())) merged.attrs.erase("nsi");
    }
    SetDefaults(merged);
    return Status::Ok();
  }

  Status OnCreate(storage::WriteTxn& txn, const HookContext&, Resource& parent, bool*,
                  Resource& res, WriteEffects&) const override {
    if (!HasBlockingNet(res.attrs)) return Status::Ok();
    // On the writer thread, in the creating transaction: two racing creations cannot both pass.
    auto siblings = txn.Children(parent.ri(), ty::kSubscription, storage::ChildOrder::kOldestFirst,
                                 SIZE_MAX);
    if (!siblings) return siblings.error();
    for (const auto& rec : *siblings) {
      auto sub = Resource::FromRecord(rec);
      if (sub && HasBlockingNet(sub->attrs)) {
        return Status(Rsc::kBlockingSubscriptionAlreadyExists,
                      "the resource already has a Blocking_Update subscription");
      }
    }
    return Status::Ok();
  }

  Status OnUpdate(storage::WriteTxn& txn, const HookContext&, Resource& res,
                  WriteEffects&) const override {
    // §7.4.8.2.3 Recv-6.4: chty against the subscribed-to resource, read in the write.
    const bj::object* enc = Criteria(res.attrs);
    if (!enc || !enc->contains("chty")) return Status::Ok();
    auto parent = txn.Get(res.pi());
    if (!parent) return parent.error();
    if (!*parent) return Status::NotFound("the subscribed-to resource does not exist");
    return CheckChildTypes(res, (*parent)->ty);
  }
};

}  // namespace

const ResourceType& SubscriptionType() {
  static const Subscription kType;
  return kType;
}

}  // namespace trustcse::resources
