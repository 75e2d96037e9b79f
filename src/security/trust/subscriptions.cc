#include "security/trust/subscriptions.h"

#include <algorithm>
#include <boost/json.hpp>

#include "common/time.h"
#include "primitive/json_util.h"
#include "resources/resource.h"
#include "security/trust/trust_records.h"

namespace trustcse::security::trust {

namespace bj = boost::json;

namespace {

constexpr std::string_view kStates[] = {"provisioned", "active", "suspended", "quarantined",
                                        "terminated"};

bool KnownState(std::string_view s) {
  return std::find(std::begin(kStates), std::end(kStates), s) != std::end(kStates);
}

std::string Str(const bj::object& o, std::string_view k) {
  return std::string(json::GetString(o, k).value_or(""));
}

Result<Subscription> FromJson(std::string_view id, const bj::object& o) {
  Subscription s;
  s.id = std::string(id);
  s.machine = Str(o, "machine");
  s.state = Str(o, "state");
  s.created = Str(o, "created");
  bj::object profile;
  if (const bj::value* p = o.if_contains("profile"); p && p->is_object()) profile = p->get_object();
  auto parsed = SubscriptionProfile::Parse(profile);
  if (!parsed)
    return Err(Status::Internal("stored subscription " + s.id + ": " + parsed.error().message()));
  s.profile = std::move(*parsed);
  s.history = records::HistoryFrom(o);
  return s;
}

}  // namespace

bj::object ToJson(const Subscription& s) {
  return {{"id", s.id},           {"machine", s.machine},
          {"state", s.state},     {"profile", s.profile.ToJson()},
          {"created", s.created}, {"history", records::HistoryToJson(s.history)}};
}

bool SubscriptionRegistry::Allowed(std::string_view from, std::string_view to) {
  if (from == to) return KnownState(to);
  if (from == "provisioned") return to == "active" || to == "terminated";
  if (from == "active" || from == "suspended" || from == "quarantined") {
    return to == "active" || to == "suspended" || to == "quarantined" || to == "terminated";
  }
  return false;  // terminated is final
}

std::shared_ptr<const LiveSubscription> SubscriptionRegistry::MakeLive(Subscription s) const {
  auto live = std::make_shared<LiveSubscription>();
  if (auto old = Find(s.id); old && old->bucket && old->sub.profile.rate == s.profile.rate &&
                             old->sub.profile.burst == s.profile.burst) {
    live->bucket = old->bucket;  // the same ceiling: a state change does not refill it
  } else if (s.profile.rate > 0) {
    live->bucket = std::make_shared<RateBucket>(s.profile.rate, s.profile.burst);
  }
  live->sub = std::move(s);
  return live;
}

void SubscriptionRegistry::InstallLocked(std::shared_ptr<const LiveSubscription> shared) {
  by_id_[shared->sub.id] = shared;
  count_.store(by_id_.size(), std::memory_order_release);
  auto cur = by_machine_.find(shared->sub.machine);
  // The machine's entry: this one, unless it holds another that is not terminated.
  if (cur == by_machine_.end() || cur->second->sub.id == shared->sub.id ||
      cur->second->sub.state == "terminated") {
    by_machine_[shared->sub.machine] = shared;
  }
}

Status SubscriptionRegistry::Load() {
  auto all = store_.ListObjects(kKind);
  if (!all) return all.error();
  std::unique_lock lock(mu_);
  for (const auto& o : *all) {
    auto v = json::Parse(o.body);
    if (!v || !v->is_object())
      return Status::Internal("stored subscription " + o.id + " is not JSON");
    auto s = FromJson(o.id, v->get_object());
    if (!s) return s.error();
    // At load there is no older version: no bucket to share, no lock to read under.
    auto live = std::make_shared<LiveSubscription>();
    if (s->profile.rate > 0) {
      live->bucket = std::make_shared<RateBucket>(s->profile.rate, s->profile.burst);
    }
    live->sub = std::move(*s);
    InstallLocked(std::move(live));
  }
  return Status::Ok();
}

std::shared_ptr<const LiveSubscription> SubscriptionRegistry::Of(std::string_view machine) const {
  std::shared_lock lock(mu_);
  auto it = by_machine_.find(machine);
  return it == by_machine_.end() ? nullptr : it->second;
}

std::shared_ptr<const LiveSubscription> SubscriptionRegistry::Find(std::string_view id) const {
  std::shared_lock lock(mu_);
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::vector<Subscription> SubscriptionRegistry::List(std::string_view machine,
                                                     std::string_view after, size_t limit) const {
  std::vector<Subscription> out;
  std::shared_lock lock(mu_);
  for (auto it = by_id_.upper_bound(after); it != by_id_.end() && out.size() < limit; ++it) {
    if (machine.empty() || it->second->sub.machine == machine) out.push_back(it->second->sub);
  }
  return out;
}

std::string SubscriptionRegistry::Body(const Subscription& s) {
  bj::object body = ToJson(s);
  body.erase("id");
  return json::Serialize(body);
}

Status SubscriptionRegistry::Write(const Subscription& s) {
  std::string text = Body(s);
  return store_.SubmitAndWait(
      [&](storage::WriteTxn& txn) { return txn.PutObject(kKind, s.id, text); });
}

Result<Subscription> SubscriptionRegistry::Validate(const bj::object& f, std::string_view by,
                                                    const std::string& now) const {
  for (const auto& kv : f) {
    if (kv.key() != "machine" && kv.key() != "id" && kv.key() != "state" && kv.key() != "profile") {
      return Err(Status::BadRequest("unknown subscription field " + std::string(kv.key()) +
                                    " (machine, id, state, profile)"));
    }
  }
  Subscription s;
  s.machine = Str(f, "machine");
  if (!trust_->FindMachine(s.machine)) {
    return Err(Status::NotFound("no machine " + s.machine + " (trustcse device list)"));
  }
  s.id = Str(f, "id");
  if (s.id.empty()) s.id = "SUB-" + resources::NewResourceId("").substr(0, 16);
  if (s.id.size() > 128 || s.id.find_first_of(" \t\r\n/") != std::string::npos) {
    return Err(
        Status::BadRequest("a subscription ID has 1 to 128 characters, no spaces or slashes"));
  }
  s.state = Str(f, "state");
  if (s.state.empty()) s.state = "provisioned";
  if (s.state != "provisioned" && s.state != "active") {
    return Err(Status::BadRequest("a new subscription is provisioned (default) or active"));
  }
  const bj::value* p = f.if_contains("profile");
  if (p != nullptr && !p->is_object()) return Err(Status::BadRequest("profile must be an object"));
  auto profile = SubscriptionProfile::Parse(p ? p->get_object() : bj::object{});
  if (!profile) return Err(profile.error());
  s.profile = std::move(*profile);
  s.created = now;
  s.history.push_back({s.created, "state", "", s.state, std::string(by), ""});
  return s;
}

Result<Subscription> SubscriptionRegistry::Add(const bj::object& f, std::string_view by) {
  auto s = Validate(f, by, FormatTimestamp(Now()));
  if (!s) return s;
  std::lock_guard change(change_mu_);
  if (Find(s->id)) return Err(Status::Conflict("subscription " + s->id + " exists"));
  if (auto cur = Of(s->machine); cur && cur->sub.state != "terminated") {
    return Err(Status::Conflict("machine " + s->machine + " has subscription " + cur->sub.id +
                                " (" + cur->sub.state + "): terminate it first"));
  }
  if (Status w = Write(*s); !w.ok()) return Err(w);
  auto live = MakeLive(*s);
  std::unique_lock lock(mu_);
  InstallLocked(std::move(live));
  return s;
}

Result<Subscription> SubscriptionRegistry::UpdateProfile(std::string_view id,
                                                         const bj::object& profile,
                                                         std::string_view by) {
  auto parsed = SubscriptionProfile::Parse(profile);
  if (!parsed) return Err(parsed.error());
  std::lock_guard change(change_mu_);
  auto cur = Find(id);
  if (!cur) return Err(Status::NotFound("no subscription " + std::string(id)));
  if (cur->sub.state == "terminated") {
    return Err(Status::BadRequest("subscription " + cur->sub.id + " is terminated"));
  }
  Subscription s = cur->sub;
  s.profile = std::move(*parsed);
  s.history.push_back({FormatTimestamp(Now()), "profile", "", json::Serialize(s.profile.ToJson()),
                       std::string(by), ""});
  if (Status w = Write(s); !w.ok()) return Err(w);
  auto live = MakeLive(s);
  std::unique_lock lock(mu_);
  InstallLocked(std::move(live));
  return s;
}

Result<std::optional<Subscription>> SubscriptionRegistry::Plan(const Subscription& cur,
                                                               std::string_view to,
                                                               std::string reason,
                                                               bool override_critical,
                                                               std::string_view by,
                                                               const std::string& now) const {
  if (cur.state == to) return std::optional<Subscription>();  // idempotent: nothing to write
  if (!Allowed(cur.state, to)) {
    return Err(Status::BadRequest("subscription " + cur.id + " is " + cur.state +
                                  ": it cannot be " + std::string(to)));
  }
  if (to == "suspended" || to == "quarantined") {
    auto machine = trust_->FindMachine(cur.machine);
    auto app = machine ? trust_->FindApp(machine->app) : nullptr;
    if (app && IsCritical(app->use_case)) {
      if (!override_critical || reason.empty()) {
        return Err(Status::BadRequest(
            "machine " + cur.machine + " serves a critical class (" +
            std::string(ClassCode(app->use_case)) +
            "): suspending it needs an explicit override with a reason (--override --reason …)"));
      }
      reason += " [override of critical class " + std::string(ClassCode(app->use_case)) + "]";
    }
  }
  Subscription s = cur;
  s.history.push_back({now, "state", s.state, std::string(to), std::string(by), std::move(reason)});
  s.state = std::string(to);
  return std::optional<Subscription>(std::move(s));
}

Result<Subscription> SubscriptionRegistry::Transition(std::string_view id, std::string_view to,
                                                      std::string reason, bool override_critical,
                                                      std::string_view by) {
  if (!KnownState(to)) {
    return Err(
        Status::BadRequest("state is provisioned, active, suspended, quarantined or "
                           "terminated"));
  }
  if (reason.size() > 1024) return Err(Status::BadRequest("the reason is longer than 1024"));
  std::lock_guard change(change_mu_);
  auto cur = Find(id);
  if (!cur) return Err(Status::NotFound("no subscription " + std::string(id)));
  auto next = Plan(cur->sub, to, std::move(reason), override_critical, by, FormatTimestamp(Now()));
  if (!next) return Err(next.error());
  if (!*next) return cur->sub;
  if (Status w = Write(**next); !w.ok()) return Err(w);
  auto live = MakeLive(**next);
  std::unique_lock lock(mu_);
  InstallLocked(std::move(live));
  return std::move(**next);
}

// --- bulk ---

Result<BulkJob> SubscriptionRegistry::CommitStaged(const BulkBatch& batch, size_t count,
                                                   const BulkOutcome& outcome, Staged& staged) {
  auto job = CommitBulkBatch(store_, batch, count, outcome, [&](storage::WriteTxn& txn) {
    for (size_t i = 0; i < staged.live.size(); ++i) {
      if (Status w = txn.PutObject(kKind, staged.live[i]->sub.id, staged.bodies[i]); !w.ok()) {
        return w;
      }
    }
    return Status::Ok();
  });
  if (!job) return job;
  // Made visible a slice at a time: lookups of the request path wait for a slice, not a batch.
  constexpr size_t kSlice = 256;
  for (size_t from = 0; from < staged.live.size(); from += kSlice) {
    std::unique_lock lock(mu_);
    for (size_t i = from; i < std::min(staged.live.size(), from + kSlice); ++i) {
      InstallLocked(std::move(staged.live[i]));
    }
  }
  return job;
}

Result<BulkJob> SubscriptionRegistry::AddBatch(BulkBatch batch, const bj::array& items) {
  batch.op = "subscription.import";
  const std::string now = FormatTimestamp(Now());
  BulkOutcome outcome;
  std::vector<Result<Subscription>> validated;
  validated.reserve(items.size());
  for (const auto& item : items) {
    validated.push_back(item.is_object() ? Validate(item.get_object(), batch.by, now)
                                         : Err(Status::BadRequest("not a JSON object")));
  }
  Staged staged;
  std::lock_guard change(change_mu_);
  StringSet ids_in_batch, machines_in_batch;
  for (size_t i = 0; i < items.size(); ++i) {
    auto& s = validated[i];
    if (!s) {
      outcome.errors.emplace_back(i, s.error().message());
      continue;
    }
    if (Find(s->id) || ids_in_batch.contains(s->id)) {
      outcome.errors.emplace_back(i, "subscription " + s->id + " exists");
      continue;
    }
    auto cur = Of(s->machine);
    if ((cur && cur->sub.state != "terminated") || machines_in_batch.contains(s->machine)) {
      outcome.errors.emplace_back(i, "machine " + s->machine + " has a subscription");
      continue;
    }
    ids_in_batch.insert(s->id);
    machines_in_batch.insert(s->machine);
    staged.bodies.push_back(Body(*s));
    staged.live.push_back(MakeLive(std::move(*s)));
    ++outcome.changed;
  }
  return CommitStaged(batch, items.size(), outcome, staged);
}

Result<BulkJob> SubscriptionRegistry::TransitionBatch(BulkBatch batch,
                                                      const std::vector<std::string>& ids,
                                                      std::string_view to,
                                                      const std::string& reason,
                                                      bool override_critical) {
  if (!KnownState(to)) {
    return Err(Status::BadRequest(
        "to is provisioned, active, suspended, quarantined or terminated"));
  }
  if (reason.size() > 1024) return Err(Status::BadRequest("the reason is longer than 1024"));
  if (override_critical && reason.empty()) {
    return Err(Status::BadRequest("an override of critical classes needs a reason (--reason)"));
  }
  batch.op = "subscription.bulk";
  batch.params = std::string(to) + "\n" + (override_critical ? "override" : "") + "\n" + reason +
                 (batch.params.empty() ? "" : "\n" + batch.params);
  const std::string now = FormatTimestamp(Now());
  const std::string why = reason.empty() ? "bulk job " + batch.job
                                         : reason + " (bulk job " + batch.job + ")";
  BulkOutcome outcome;
  Staged staged;
  std::lock_guard change(change_mu_);
  StringSet done;  // moved or already there in this batch: listed again, it is there now
  for (size_t i = 0; i < ids.size(); ++i) {
    if (done.contains(ids[i])) {
      ++outcome.unchanged;
      continue;
    }
    auto cur = Find(ids[i]);
    if (!cur) {
      outcome.errors.emplace_back(i, "no subscription " + ids[i]);
      continue;
    }
    auto next = Plan(cur->sub, to, why, override_critical, batch.by, now);
    if (next) done.insert(ids[i]);
    if (!next) {
      outcome.errors.emplace_back(i, next.error().message());
    } else if (!*next) {
      ++outcome.unchanged;
    } else {
      staged.bodies.push_back(Body(**next));
      staged.live.push_back(MakeLive(std::move(**next)));
      ++outcome.changed;
    }
  }
  return CommitStaged(batch, ids.size(), outcome, staged);
}

}  // namespace trustcse::security::trust
