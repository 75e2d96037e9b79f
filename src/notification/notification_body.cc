#include "notification/notification_body.h"

#include <spdlog/spdlog.h>

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

std::optional<std::string> EventNotificationBody(const CseIdentity& self, const Resource& sub,
                                                 const Event& ev) {
  const int64_t nct = json::GetInt(sub.attrs, "nct").value_or(1);
  bj::value rep;
  if (nct == 3) {
    rep = bj::string(ev.resource.ri);
  } else {
    auto res = Resource::FromRecord(ev.resource);
    if (!res) {
      spdlog::warn("notifier: cannot represent resource {}", ev.resource.ri);
      return std::nullopt;
    }
    // {"<tag>": attributes without the internal ones}; the resources layer owns the tag rules
    // (a flexContainer's key is its stored specialization).
    bj::object full = res->Representation();
    if (full.size() != 1 || !full.begin()->value().is_object()) return std::nullopt;
    if (nct == 2 && ev.kind == Event::Kind::kUpdate) {
      bj::object& attrs = full.begin()->value().as_object();
      bj::object changed;
      for (const std::string& name : ev.modified) {
        if (IsInternal(name)) continue;
        // An attribute removed by the update (set to null) is reported as null.
        const bj::value* v = attrs.if_contains(name);
        changed[name] = v ? *v : bj::value(nullptr);
      }
      attrs = std::move(changed);
    }
    rep = std::move(full);
  }
  bj::object nev;
  nev["rep"] = std::move(rep);
  nev["net"] = static_cast<int>(ev.kind);
  bj::object sgn;
  sgn["nev"] = std::move(nev);
  sgn["sur"] = SubscriptionRef(self, sub.ri());
  if (!sub.cr().empty()) sgn["cr"] = sub.cr();
  return Wrap(std::move(sgn));
}

std::string TimeSeriesNotificationBody(const CseIdentity& self, const Resource& sub,
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
  bj::object sgn;
  sgn["nev"] = std::move(nev);
  sgn["sur"] = SubscriptionRef(self, sub.ri());
  if (!sub.cr().empty()) sgn["cr"] = sub.cr();
  return Wrap(std::move(sgn));
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
