#include "notification/notification_body.h"

#include <spdlog/spdlog.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <utility>

#include "primitive/json_util.h"

namespace trustcse::notification {
namespace {

namespace bj = boost::json;
using resources::Event;
using resources::Resource;

bool IsInternal(std::string_view name) { return name.starts_with("__"); }

std::string Wrap(bj::object sgn) {
  bj::object root;
  root["m2m:sgn"] = std::move(sgn);
  return json::Serialize(root);
}

}  // namespace

std::string SubscriptionRef(const CseIdentity& self, std::string_view sub_ri) {
  std::string out = self.cse_id;
  out.append("/").append(sub_ri);
  return out;
}

namespace {

// rep of `rec` by nct: the representation (1, or 2 for anything but an update), its modified
// attributes (2), or its ID as m2m:uri (3).
std::optional<bj::value> Representation(const CseIdentity& self, int64_t nct,
                                        const storage::ResourceRecord& rec,
                                        const std::vector<std::string>* modified) {
  if (nct == 3) return bj::value(bj::object{{"m2m:uri", SubscriptionRef(self, rec.ri)}});
  auto res = Resource::FromRecord(rec);
  if (!res) {
    spdlog::warn("notifier: cannot represent resource {}", rec.ri);
    return std::nullopt;
  }
  // {"<tag>": attributes without the internal ones}; the resources layer owns the tag rules
  // (a flexContainer's key is its stored specialization).
  bj::object full = res->Representation();
  if (full.size() != 1 || !full.begin()->value().is_object()) return std::nullopt;
  if (nct == 2 && modified != nullptr) {
    bj::object& attrs = full.begin()->value().as_object();
    bj::object changed;
    for (const std::string& name : *modified) {
      if (IsInternal(name)) continue;
      // An attribute removed by the update (set to null) is reported as null.
      const bj::value* v = attrs.if_contains(name);
      changed[name] = v ? *v : bj::value(nullptr);
    }
    attrs = std::move(changed);
  }
  return bj::value(std::move(full));
}

bj::object Sgn(const CseIdentity& self, const Resource& sub, bj::object nev) {
  bj::object sgn;
  sgn["nev"] = std::move(nev);
  sgn["sur"] = SubscriptionRef(self, sub.ri());
  if (!sub.cr().empty()) sgn["cr"] = sub.cr();
  return sgn;
}

}  // namespace

std::optional<bj::object> EventNotification(const CseIdentity& self, const Resource& sub,
                                            const Event& ev) {
  const int64_t nct = json::GetInt(sub.attrs, "nct").value_or(1);
  auto rep = Representation(self, nct, ev.resource,
                            ev.kind == Event::Kind::kUpdate ? &ev.modified : nullptr);
  if (!rep) return std::nullopt;
  bj::object nev;
  nev["rep"] = std::move(*rep);
  nev["net"] = static_cast<int>(ev.kind);
  return Sgn(self, sub, std::move(nev));
}

std::optional<std::string> EventNotificationBody(const CseIdentity& self, const Resource& sub,
                                                 const Event& ev) {
  auto sgn = EventNotification(self, sub, ev);
  if (!sgn) return std::nullopt;
  return Wrap(std::move(*sgn));
}

std::optional<bj::object> OperationNotification(const CseIdentity& self, const Resource& sub,
                                                const storage::ResourceRecord& subject, int op,
                                                std::string_view originator) {
  const int64_t nct = json::GetInt(sub.attrs, "nct").value_or(1);
  auto rep = Representation(self, nct, subject, nullptr);
  if (!rep) return std::nullopt;
  bj::object nev;
  nev["rep"] = std::move(*rep);
  nev["om"] = bj::object{{"ops", op}, {"org", originator}};
  return Sgn(self, sub, std::move(nev));
}

std::string BlockingUpdateBody(const CseIdentity& self, const Resource& sub, std::string_view tag,
                               const bj::object& changes) {
  bj::object nev;
  nev["rep"] = bj::object{{tag, changes}};
  nev["net"] = 7;
  return Wrap(Sgn(self, sub, std::move(nev)));
}

std::string NotificationBody(bj::object sgn) { return Wrap(std::move(sgn)); }

std::string AggregatedNotificationBody(std::vector<bj::object> sgns) {
  bj::array list;
  list.reserve(sgns.size());
  for (auto& s : sgns) list.emplace_back(std::move(s));
  bj::object root;
  root["m2m:agn"] = bj::object{{"m2m:sgn", std::move(list)}};
  return json::Serialize(root);
}

bj::object TimeSeriesNotification(const CseIdentity& self, const Resource& sub,
                                  const std::vector<std::string>& points, uint64_t count) {
  bj::array mdlt;
  for (const std::string& p : points) mdlt.emplace_back(p);
  bj::object tsn;
  tsn["mdlt"] = std::move(mdlt);
  tsn["mdc"] = count;
  bj::object rep;
  rep["m2m:tsn"] = std::move(tsn);
  bj::object nev;
  nev["rep"] = std::move(rep);
  nev["net"] = static_cast<int>(Event::Kind::kMissingData);
  return Sgn(self, sub, std::move(nev));
}

std::string TimeSeriesNotificationBody(const CseIdentity& self, const Resource& sub,
                                       const std::vector<std::string>& points, uint64_t count) {
  return Wrap(TimeSeriesNotification(self, sub, points, count));
}

std::string DeletionNoticeBody(const CseIdentity& self, std::string_view sub_ri) {
  bj::object sgn;
  sgn["sud"] = true;
  sgn["sur"] = SubscriptionRef(self, sub_ri);
  return Wrap(std::move(sgn));
}

std::string VerificationRequestBody(const CseIdentity& self, std::string_view sub_ri,
                                    std::string_view creator) {
  bj::object sgn;
  sgn["vrq"] = true;
  sgn["sur"] = SubscriptionRef(self, sub_ri);
  if (!creator.empty()) sgn["cr"] = creator;
  return Wrap(std::move(sgn));
}

}  // namespace trustcse::notification
