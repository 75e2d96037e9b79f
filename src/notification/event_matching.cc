#include "notification/event_matching.h"

#include <algorithm>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "notification/attribute_lists.h"
#include "primitive/json_util.h"
#include "primitive/schedule_entry.h"
#include "storage/query.h"

namespace trustcse::notification {
namespace {

namespace bj = boost::json;
using resources::Event;
using resources::Resource;

// enc timestamps may come without the fraction ("20240101T000000"); the record columns always
// have it, and byte-wise comparison needs both in the same form.
std::optional<std::string> TimestampCondition(const bj::object& enc, std::string_view key) {
  auto s = json::GetString(enc, key);
  if (!s) return std::nullopt;
  if (auto t = ParseTimestamp(*s)) return FormatTimestamp(*t);
  return std::string(*s);
}

std::optional<uint64_t> UintCondition(const bj::object& enc, std::string_view key) {
  auto i = json::GetInt(enc, key);
  if (!i || *i < 0) return std::nullopt;
  return static_cast<uint64_t>(*i);
}

}  // namespace

bool EventMatches(const Resource& sub, const Event& ev) {
  static const bj::object kNoCriteria;
  const bj::object* enc = &kNoCriteria;
  if (const auto* v = sub.attrs.if_contains("enc"); v && v->is_object()) enc = &v->get_object();

  const int net = static_cast<int>(ev.kind);
  std::vector<int64_t> nets = IntList(*enc, "net");
  if (nets.empty()) nets.push_back(1);  // Update_of_Resource is the default
  if (std::find(nets.begin(), nets.end(), net) == nets.end()) return false;

  if (ev.kind == Event::Kind::kCreateChild || ev.kind == Event::Kind::kDeleteChild) {
    std::vector<int64_t> chty = IntList(*enc, "chty");
    if (!chty.empty() && std::find(chty.begin(), chty.end(), ev.resource.ty) == chty.end()) {
      return false;
    }
  }

  // The simple conditions are the filterCriteria ones, so the storage layer's evaluator gives
  // exactly the semantics discovery has.
  storage::DiscoveryQuery q;
  q.created_before = TimestampCondition(*enc, "crb");
  q.created_after = TimestampCondition(*enc, "cra");
  q.modified_since = TimestampCondition(*enc, "ms");
  q.unmodified_since = TimestampCondition(*enc, "us");
  q.expire_before = TimestampCondition(*enc, "exb");
  q.expire_after = TimestampCondition(*enc, "exa");
  q.state_tag_smaller = UintCondition(*enc, "sts");
  q.state_tag_bigger = UintCondition(*enc, "stb");
  q.size_above = UintCondition(*enc, "sza");
  q.size_below = UintCondition(*enc, "szb");
  if (json::GetInt(*enc, "fo").value_or(1) == 2) q.combine = storage::Combine::kOr;
  return storage::Matches(q, ev.resource, 1);
}

bool ScheduleAllows(const Resource& schedule, TimePoint now) {
  const auto* se = schedule.attrs.if_contains("se");
  if (se == nullptr || !se->is_object()) return true;
  for (const std::string& text : StringList(se->get_object(), "sce")) {
    if (auto e = ScheduleEntry::Parse(text); e && e->Matches(now)) return true;
  }
  return false;
}

// Events outside the schedule are dropped — unless the subscription's notificationEventCat is 2
// (immediate), which goes at once.
bool WithinNotificationSchedule(storage::Store& store, const Resource& sub) {
  if (json::GetInt(sub.attrs, "nec").value_or(0) == 2) return true;
  auto rec = store.GetByPath(sub.path + "/notificationSchedule");
  if (!rec || !*rec) return true;
  auto sch = Resource::FromRecord(**rec);
  if (!sch) return true;
  return ScheduleAllows(*sch, Now());
}

}  // namespace trustcse::notification
