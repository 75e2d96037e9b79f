// schedule (ty 18): time windows as scheduleEntries (TS-0001 §9.6.9, TS-0004 §7.4.9) —
//   under a <subscription>, named notificationSchedule: when its notifications may be sent (the
//     notifier drops the others, unless the subscription's nec is 2, immediate);
//   under a <node>: when the node can be reached;
//   under the <CSEBase> (at most one): when the CSE is available.
// se = {"sce": ["<sec> <min> <hour> <day> <month> <weekday> <year>", …]} (primitive/
// schedule_entry.h); nco (networkCoordinated) only under a node, and not supported there.
#include "primitive/json_util.h"
#include "primitive/schedule_entry.h"
#include "resources/types.h"

namespace trustcse::resources {
namespace {

constexpr auto M = Presence::kMandatory;
constexpr auto O = Presence::kOptional;

constexpr AttributePolicy kPolicies[] = {
    {"se", AttrType::kObject, M, O},
    {"nco", AttrType::kBool, O, O},
};

constexpr std::string_view kNotificationSchedule = "notificationSchedule";

Status CheckEntries(const bj::object& attrs) {
  const bj::value* se = attrs.if_contains("se");
  if (se == nullptr) return Status::Ok();
  const auto& o = se->get_object();
  const bj::value* sce = o.if_contains("sce");
  if (o.size() != 1 || sce == nullptr || !sce->is_array() || sce->get_array().empty()) {
    return Status::BadRequest("se must be {\"sce\": [schedule entries]}");
  }
  for (const auto& e : sce->get_array()) {
    if (!e.is_string() || !ScheduleEntry::Parse(e.get_string())) {
      return Status::BadRequest("invalid schedule entry (seven fields: s m h day month weekday year)");
    }
  }
  return Status::Ok();
}

Status CheckNetworkCoordinated(const bj::object& attrs) {
  const bj::value* nco = attrs.if_contains("nco");
  if (nco != nullptr && nco->is_bool() && nco->get_bool()) {
    return Status::NotImplemented("network-coordinated schedules are not supported");
  }
  return Status::Ok();
}

class Schedule final : public ResourceType {
 public:
  int ty() const override { return ty::kSchedule; }
  std::string_view tag() const override { return "m2m:sch"; }
  std::string_view short_name() const override { return "sch"; }
  std::span<const AttributePolicy> policies() const override { return kPolicies; }
  bool AllowsChild(int c) const override { return c == ty::kSubscription; }

  Status ValidateCreate(const HookContext&, const Resource& parent, Resource& res) const override {
    if (auto s = CheckEntries(res.attrs); !s.ok()) return s;
    if (res.attrs.contains("nco") && parent.ty() != ty::kNode) {
      return Status(Rsc::kContentsUnacceptable, "nco applies to schedules of a node only");
    }
    if (auto s = CheckNetworkCoordinated(res.attrs); !s.ok()) return s;
    if (parent.ty() == ty::kSubscription) {
      // A subscription's schedule has a fixed name; one given without a name gets it.
      if (res.rn() == res.ri()) {
        res.attrs["rn"] = kNotificationSchedule;
        res.path = parent.path + "/" + std::string(kNotificationSchedule);
      } else if (res.rn() != kNotificationSchedule) {
        return Status::BadRequest("a subscription's schedule is named notificationSchedule");
      }
    }
    return Status::Ok();
  }

  Status ValidateUpdate(const HookContext&, const bj::object& changes, Resource&) const override {
    if (auto s = CheckEntries(changes); !s.ok()) return s;
    return CheckNetworkCoordinated(changes);
  }

  Status OnCreate(storage::WriteTxn& txn, const HookContext&, Resource& parent, bool*, Resource&,
                  WriteEffects&) const override {
    if (parent.ty() != ty::kCseBase) return Status::Ok();
    auto n = txn.CountChildren(parent.ri(), ty::kSchedule);
    if (!n) return n.error();
    if (n->first > 0) return Status::BadRequest("the CSEBase has at most one schedule");
    return Status::Ok();
  }
};

}  // namespace

const ResourceType& ScheduleType() {
  static const Schedule kType;
  return kType;
}

}  // namespace trustcse::resources
