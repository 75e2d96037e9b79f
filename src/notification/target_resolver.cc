#include "notification/target_resolver.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "notification/attribute_lists.h"
#include "primitive/json_util.h"
#include "primitive/request.h"
#include "primitive/schedule_entry.h"

namespace trustcse::notification {

using resources::Resource;
using storage::ResourceRecord;

bool StartsWithNoCase(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) return false;
  for (size_t i = 0; i < lower_prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != lower_prefix[i]) return false;
  }
  return true;
}

namespace {

// The targets the egress router sends to by URL (egress/routing_client.h), besides mqtt://.
bool IsEgressUrl(std::string_view url) {
  return StartsWithNoCase(url, "http://") || StartsWithNoCase(url, "https://") ||
         StartsWithNoCase(url, "coap://") || StartsWithNoCase(url, "coaps://");
}

// A release as a comparable number: "3" → 30, "2a" → 21, "10" → 100; -1 if it is not one.
int ReleaseRank(std::string_view r) {
  int n = 0;
  size_t i = 0;
  while (i < r.size() && std::isdigit(static_cast<unsigned char>(r[i])) && n < 1000) {
    n = n * 10 + (r[i++] - '0');
  }
  if (i == 0) return -1;
  if (i == r.size()) return n * 10;
  if (i + 1 == r.size() && r[i] >= 'a' && r[i] <= 'i') return n * 10 + (r[i] - 'a' + 1);
  return -1;
}

bool IsJsonType(std::string_view t) {
  return t == "application/json" || t == "application/vnd.onem2m-res+json" ||
         t == "application/vnd.onem2m-ntfy+json";
}
bool IsCborType(std::string_view t) {
  return t == "application/cbor" || t == "application/vnd.onem2m-res+cbor" ||
         t == "application/vnd.onem2m-ntfy+cbor";
}

// Whether an AE or CSE resource prefers CBOR: its csz is in order of preference (TS-0001
// §9.6.5), so the first type this CSE can write decides.
bool PrefersCbor(const Resource& res) {
  for (const std::string& t : StringList(res.attrs, "csz")) {
    if (IsJsonType(t)) return false;
    if (IsCborType(t)) return true;
  }
  return false;
}

}  // namespace

std::string OwnRelease() {
  std::string best;
  for (std::string_view r : kSupportedReleases) {
    if (ReleaseRank(r) > ReleaseRank(best)) best = r;
  }
  return best;
}

std::string HighestCommonRelease(const std::vector<std::string>& theirs) {
  std::string best;
  for (const std::string& r : theirs) {
    const bool ours = std::find(std::begin(kSupportedReleases), std::end(kSupportedReleases), r) !=
                      std::end(kSupportedReleases);
    if (ours && ReleaseRank(r) > ReleaseRank(best)) best = r;
  }
  return best;
}

std::string ContentTypeParam(std::string_view url) {
  auto q = url.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = url.substr(q + 1, url.find('#', q) - q - 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    if (param.starts_with("ct=")) return std::string(param.substr(3));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

std::string SafeUrl(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "<resource>";
  auto authority_start = scheme_end + 3;
  auto authority_end = url.find_first_of("/?#", authority_start);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  auto authority = url.substr(authority_start, authority_end - authority_start);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  auto path_end = url.find_first_of("?#", authority_end);
  if (path_end == std::string_view::npos) path_end = url.size();
  std::string out(url.substr(0, authority_start));
  out.append(authority).append(url.substr(authority_end, path_end - authority_end));
  return out;
}

std::string StripContentTypeParam(std::string_view url) {
  auto q = url.find('?');
  if (q == std::string_view::npos) return std::string(url);
  auto frag = url.find('#', q);
  std::string_view query =
      url.substr(q + 1, frag == std::string_view::npos ? std::string_view::npos : frag - q - 1);
  std::string kept;
  size_t start = 0;
  while (start <= query.size()) {
    auto amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    auto param = query.substr(start, amp - start);
    if (!param.empty() && !param.starts_with("ct=")) {
      if (!kept.empty()) kept.push_back('&');
      kept.append(param);
    }
    start = amp + 1;
  }
  std::string out(url.substr(0, q));
  if (!kept.empty()) out.append("?").append(kept);
  if (frag != std::string_view::npos) out.append(url.substr(frag));
  return out;
}

std::string TargetResolver::Resolve(const std::string& nu, std::string* fallback,
                                    NodeWake* wake, TargetFacts* facts) const {
  // http, https, coap and coaps targets are used as given (egress routes them by scheme and
  // verifies https/coaps certificates).
  if (IsEgressUrl(nu)) {
    if (facts != nullptr) facts->cbor = ContentTypeParam(nu) == "cbor";
    return StripContentTypeParam(nu);
  }
  if (nu.find("://") != std::string::npos) return {};  // mqtt:// (an AE's poa only), …

  auto addr = ParseAddress(nu, self_);
  if (!addr) return {};
  Result<std::optional<ResourceRecord>> rec = std::optional<ResourceRecord>();
  switch (addr->kind) {
    case LocalAddress::Kind::kStructured:
      rec = store_.GetByPath(addr->path);
      break;
    case LocalAddress::Kind::kUnstructured:
      rec = store_.Get(addr->ri);
      if (rec && *rec && !addr->path.empty()) {
        rec = store_.GetByPath((*rec)->path + "/" + addr->path);
      }
      break;
    case LocalAddress::Kind::kRemote:
      return {};  // another CSE's resource: would need its remoteCSE registration
  }
  if (rec && *rec) return PoaOf(**rec, fallback, wake, facts);

  // An AE's resource ID is its AE-ID-Stem on this CSE, so a nu that matched nothing by ID
  // names nothing here.
  return {};
}

std::string TargetResolver::PoaOf(const ResourceRecord& rec, std::string* fallback,
                                  NodeWake* wake, TargetFacts* facts) const {
  // AEs and (remote) CSEs are reachable through their points of access; other resources are not
  // notification targets.
  if (rec.ty != resources::ty::kAe && rec.ty != 16 /* remoteCSE */) return {};
  auto res = Resource::FromRecord(rec);
  return res ? PoaOf(*res, fallback, wake, facts) : std::string();
}

std::string ConnectionIdOf(const Resource& res) {
  if (res.ty() == resources::ty::kAe) return std::string(res.ri());
  if (res.ty() == 16 /* remoteCSE */) return std::string(json::GetString(res.attrs, "csi").value_or(""));
  return {};
}

std::string TargetResolver::PoaOf(const Resource& res, std::string* fallback, NodeWake* wake,
                                  TargetFacts* facts) const {
  if (res.ty() != resources::ty::kAe && res.ty() != 16 /* remoteCSE */) return {};
  if (facts != nullptr) *facts = TargetFacts{HighestCommonRelease(StringList(res.attrs, "srv"))};
  if (connections_ == nullptr) return Route(res, fallback, wake, facts);
  const std::string id = ConnectionIdOf(res);
  if (id.empty()) return Route(res, fallback, wake, facts);
  const std::string conn = std::string(kConnectionTargetPrefix) + id;
  // Connected now: over that connection, with the usual route as the fallback.
  if (connections_->Find(id)) {
    if (fallback != nullptr) *fallback = Route(res, nullptr, nullptr, nullptr);
    return conn;
  }
  std::string target = Route(res, fallback, wake, facts);
  return target.empty() ? conn : target;
}

std::string TargetResolver::Route(const Resource& res, std::string* fallback, NodeWake* wake,
                                  TargetFacts* facts) const {
  const std::string ri(res.ri());
  const std::string channel = "pch:" + ri;
  std::optional<bool> polls;  // has a <pollingChannel>: one storage read, when first needed
  auto has_channel = [&] {
    if (!polls) polls = HasPollingChannel(ri);
    return *polls;
  };
  // Not request-reachable: through its polling channel, if it has one.
  if (const auto* rr = res.attrs.if_contains("rr");
      rr && rr->is_bool() && !rr->get_bool() && has_channel()) {
    return channel;
  }
  // HTTP(S) or CoAP(S) first, in the poa's order; an MQTT point of access when there is none
  // (the AE-ID receives the NOTIFY).
  std::string target, mqtt;
  for (const std::string& poa : StringList(res.attrs, "poa")) {
    if (IsEgressUrl(poa)) {
      target = StripContentTypeParam(poa);
      if (facts != nullptr) {
        const std::string ct = ContentTypeParam(poa);
        facts->cbor = ct.empty() ? PrefersCbor(res) : ct == "cbor";
      }
      break;
    }
    if (mqtt.empty() && (StartsWithNoCase(poa, "mqtt://") || StartsWithNoCase(poa, "mqtts://"))) {
      mqtt = StripContentTypeParam(poa) + "#" + ri;
    }
  }
  if (target.empty()) target = std::move(mqtt);
  // Reachable in principle; its polling channel, if any, is the way when the poa is not.
  if (target.empty()) return has_channel() ? channel : std::string();
  const bool fall_back = fallback != nullptr && has_channel();
  if (fall_back) *fallback = channel;
  // Asleep by its node's schedule: through its channel if it polls, else when it wakes.
  if (wake != nullptr) {
    if (auto w = WakeOf(res)) {
      if (fall_back) {
        fallback->clear();
        return channel;
      }
      *wake = w;
    }
  }
  return target;
}

bool TargetResolver::HasPollingChannel(const std::string& ae_ri) const {
  if (!polling_) return false;
  auto pch =
      store_.Children(ae_ri, resources::ty::kPollingChannel, storage::ChildOrder::kOldestFirst, 1);
  return pch && !pch->empty();
}

NodeWake TargetResolver::WakeOf(const Resource& ae) const {
  auto nl = json::GetString(ae.attrs, "nl");
  if (!nl || nl->empty()) return std::nullopt;
  auto addr = ParseAddress(*nl, self_);
  if (!addr) return std::nullopt;
  Result<std::optional<ResourceRecord>> node = std::optional<ResourceRecord>();
  if (addr->kind == LocalAddress::Kind::kUnstructured && addr->path.empty()) {
    node = store_.Get(addr->ri);
  } else if (addr->kind == LocalAddress::Kind::kStructured) {
    node = store_.GetByPath(addr->path);
  }
  if (!node || !*node || (*node)->ty != resources::ty::kNode) return std::nullopt;
  auto schedules =
      store_.Children((*node)->ri, resources::ty::kSchedule, storage::ChildOrder::kOldestFirst, 16);
  if (!schedules || schedules->empty()) return std::nullopt;
  const TimePoint now = Now();
  constexpr auto kHorizon = std::chrono::hours{24 * 7};
  std::optional<TimePoint> earliest;
  for (const ResourceRecord& rec : *schedules) {
    auto sch = Resource::FromRecord(rec);
    if (!sch) continue;
    const auto* se = sch->attrs.if_contains("se");
    if (se == nullptr || !se->is_object()) continue;
    for (const std::string& text : StringList(se->get_object(), "sce")) {
      auto e = ScheduleEntry::Parse(text);
      if (!e) continue;
      if (e->Matches(now)) return std::nullopt;
      if (auto next = e->NextMatch(now, kHorizon); next && (!earliest || *next < *earliest)) {
        earliest = next;
      }
    }
  }
  return earliest;
}

}  // namespace trustcse::notification
