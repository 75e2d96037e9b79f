// subscription (ty 23): notification targets and the event filter (TS-0001 §10.2.10). The
// verification request and the delivery are the notification layer's job.
#include "primitive/json_util.h"
#include "resources/missing_data.h"
#include "resources/types.h"

namespace trustcse::resources {
namespace {

constexpr auto M = Presence::kMandatory;
constexpr auto O = Presence::kOptional;
constexpr auto NP = Presence::kNotPresent;

constexpr AttributePolicy kPolicies[] = {
    {"nu", AttrType::kStringList, M, O},  {"enc", AttrType::kObject, O, O},
    {"exc", AttrType::kPosInt, O, O},     {"gpi", AttrType::kString, O, O},
    {"nfu", AttrType::kStringList, O, O}, {"bn", AttrType::kObject, O, O},
    {"rl", AttrType::kObject, O, O},      {"psn", AttrType::kPosInt, O, O},
    {"pn", AttrType::kEnum, O, O},        {"nsp", AttrType::kPosInt, O, O},
    {"ln", AttrType::kBool, O, O},        {"nct", AttrType::kEnum, O, O},
    {"nec", AttrType::kAny, O, O},        {"su", AttrType::kString, O, NP},
    {"cr", AttrType::kString, O, NP},     {"acrs", AttrType::kStringList, O, O},
};

// `subject_ty`: the type of the subscribed-to resource (kept as "__sty" for updates).
Status CheckSubscription(const Resource& res, int subject_ty) {
  const auto* nu = res.attrs.if_contains("nu");
  if (!nu || !nu->is_array()) return Status::BadRequest("missing mandatory attribute 'nu'");
  if (nu->get_array().empty()) return Status::BadRequest("attribute 'nu' must not be empty");
  std::vector<int64_t> nets;
  if (const auto* enc = res.attrs.if_contains("enc")) {
    for (const auto& [k, v] : enc->get_object()) {
      if (k == "net") {
        if (!HasType(v, AttrType::kIntList)) return Status::BadRequest("invalid 'enc.net'");
        for (const auto& n : v.get_array()) {
          auto e = *json::AsInt(n);
          if (e < 1 || e > 8) return Status::BadRequest("invalid 'enc.net' value");
          if (e > 4 && e != 8) {
            return Status::NotImplemented("notificationEventType " + std::to_string(e) +
                                          " is not supported");
          }
          nets.push_back(e);
        }
      } else if (k == "chty") {
        if (!HasType(v, AttrType::kIntList)) return Status::BadRequest("invalid 'enc.chty'");
      } else if (k == "md") {
        continue;  // CheckMissingDataSubscription below
      } else if (k == "atr" || k == "om") {
        return Status::NotImplemented("eventNotificationCriteria '" + std::string(k) +
                                      "' is not supported");
      } else if (k == "crb" || k == "cra" || k == "ms" || k == "us" || k == "sts" || k == "stb" ||
                 k == "exb" || k == "exa" || k == "sza" || k == "szb" || k == "fo") {
        continue;  // accepted and kept; evaluated by the notifier where they apply
      } else {
        return Status::BadRequest("unknown member 'enc." + std::string(k) + "'");
      }
    }
  }
  if (auto s = CheckMissingDataSubscription(res, subject_ty); !s.ok()) return s;
  if (auto nct = json::GetInt(res.attrs, "nct")) {
    if (*nct < 1 || *nct > 5) return Status::BadRequest("invalid attribute 'nct'");
    if (*nct == 4) return Status::NotImplemented("notificationContentType " + std::to_string(*nct) +
                                                " is not supported");
    // modifiedAttributes only makes sense for update events.
    if (*nct == 2) {
      for (auto n : nets) {
        if (n != 1) return Status::BadRequest("nct=2 is only valid with net=1");
      }
    }
  }
  if (res.attrs.contains("bn") || res.attrs.contains("rl") || res.attrs.contains("nsp")) {
    return Status::NotImplemented("batch notify, rate limit and pending policies are not supported");
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
  Status ValidateCreate(const HookContext&, const Resource& parent, Resource& res) const override {
    // The default content type follows the event type (TS-0001 Table 9.6.8-4): a timeSeries
    // notification for missing data points, all attributes otherwise.
    if (!res.attrs.contains("nct")) res.attrs["nct"] = ReportsMissingData(res) ? 5 : 1;
    res.attrs["__sty"] = parent.ty();
    return CheckSubscription(res, parent.ty());
  }
  Status ValidateUpdate(const HookContext&, const bj::object&, Resource& merged) const override {
    const auto subject_ty = json::GetInt(merged.attrs, "__sty").value_or(0);
    return CheckSubscription(merged, static_cast<int>(subject_ty));
  }
};

}  // namespace

const ResourceType& SubscriptionType() {
  static const Subscription kType;
  return kType;
}

}  // namespace trustcse::resources
