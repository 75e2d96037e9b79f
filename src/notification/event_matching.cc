#include "notification/event_matching.h"

#include <algorithm>
#include <boost/json/object.hpp>
#include <chrono>
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
  // Update_of_Resource is the default, unless the subscription monitors operations instead.
  if (nets.empty() && !enc->contains("om")) nets.push_back(1);
  if (std::find(nets.begin(), nets.end(), net) == nets.end()) return false;

  if (ev.kind == Event::Kind::kUpdate && enc->contains("atr")) {
    const std::vector<std::string> atr = StringList(*enc, "atr");
    const bool any = std::any_of(atr.begin(), atr.end(), [&](const std::string& a) {
      return std::find(ev.modified.begin(), ev.modified.end(), a) != ev.modified.end();
    });
    if (!any) return false;
  }

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

bool OperationMatches(const Resource& sub, uint32_t op_bit, std::string_view originator) {
  const auto* enc = sub.attrs.if_contains("enc");
  if (enc == nullptr || !enc->is_object()) return false;
  const auto* om = enc->get_object().if_contains("om");
  if (om == nullptr || !om->is_array()) return false;
  for (const auto& e : om->get_array()) {
    if (!e.is_object()) continue;
    const bj::object& entry = e.get_object();
    if (auto ops = json::GetInt(entry, "ops"); ops && (*ops & op_bit) == 0) continue;
    if (auto org = json::GetString(entry, "org"); org && *org != originator) continue;
    return true;
  }
  return false;
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

std::optional<TimePoint> NextNotificationWindow(storage::Store& store, const Resource& sub,
                                                TimePoint now) {
  auto rec = store.GetByPath(sub.path + "/notificationSchedule");
  if (!rec || !*rec) return now;
  auto sch = Resource::FromRecord(**rec);
  if (!sch) return now;
  const auto* se = sch->attrs.if_contains("se");
  if (se == nullptr || !se->is_object()) return now;
  constexpr auto kHorizon = std::chrono::hours{24 * 7};
  std::optional<TimePoint> earliest;
  for (const std::string& text : StringList(se->get_object(), "sce")) {
    auto e = ScheduleEntry::Parse(text);
    if (!e) continue;
    if (e->Matches(now)) return now;
    if (auto next = e->NextMatch(now, kHorizon); next && (!earliest || *next < *earliest)) {
      earliest = next;
    }
  }
  return earliest;
}

}  // namespace trustcse::notification
