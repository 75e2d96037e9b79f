// Registrations (AE, remoteCSE) and access-control policies in the audit log (AUD-1,
// docs/audit.md): the entries are appended inside the write that makes the change, so an
// acknowledged registration, deregistration or policy change is in the log exactly when its
// data is in the store — a rollback takes both, a crash after the commit keeps both.
#include "dispatcher/internal.h"
#include "security/audit/audit_entry.h"
#include "security/audit/audit_log.h"

namespace trustcse::dispatcher {
namespace {

constexpr int kRemoteCse = 16;

// The kind an audited write of a resource of type `ty` is, if it is audited at all.
std::optional<events::Kind> AuditedKind(int ty) {
  switch (ty) {
    case rty::kAe:
    case kRemoteCse:
      return events::Kind::kRegistration;
    case rty::kAcp:
      return events::Kind::kPolicyChange;
    default:
      return std::nullopt;
  }
}

std::string_view OperationName(events::Kind kind, Event::Kind what) {
  const bool registration = kind == events::Kind::kRegistration;
  switch (what) {
    case Event::Kind::kCreateChild: return registration ? "register" : "create";
    case Event::Kind::kUpdate: return "update";
    default: return registration ? "deregister" : "delete";
  }
}

// "pv,pvs": the names of the attributes an update changed (never their values).
std::string AttributeList(const std::vector<std::string>& names) {
  std::string out = "attributes ";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    out += names[i];
  }
  return out;
}

}  // namespace

Status Dispatcher::Impl::AuditWrites(storage::WriteTxn& txn, const WriteEffects& fx,
                                     const InFlight* origin,
                                     std::vector<events::Event>& audited) {
  auto record = [&](events::Kind kind, Event::Kind what, const ResourceRecord& rec,
                    std::string reason) -> Status {
    events::Event e;
    e.kind = kind;
    e.time = Now();
    e.source = "dispatcher";
    e.target = rec.path;
    e.operation = std::string(OperationName(kind, what));
    e.reason = std::move(reason);
    e.status = static_cast<int>(what == Event::Kind::kCreateChild ? Rsc::kCreated
                                : what == Event::Kind::kUpdate    ? Rsc::kUpdated
                                                                  : Rsc::kDeleted);
    if (origin) {
      e.originator = origin->fr;
      e.binding = origin->binding;
      e.peer = origin->peer_address;
      e.request_id = origin->rqi;
      // A registering AE names itself "C", "S" or nothing: it acts as the AE-ID it was given.
      if (what == Event::Kind::kCreateChild && rec.ty == rty::kAe &&
          (e.originator.empty() || e.originator == "C" || e.originator == "S")) {
        e.originator = rec.ri;
      }
    } else {
      e.originator = opt.self.cse_id;
    }
    auto index = opt.audit_log->Append(txn, security::audit::EncodeEntry(e));
    if (!index) return index.error();
    e.recorded = true;
    audited.push_back(std::move(e));
    return Status::Ok();
  };
  for (const auto& ev : fx.events) {
    if (ev.kind != Event::Kind::kCreateChild && ev.kind != Event::Kind::kUpdate) continue;
    auto kind = AuditedKind(ev.resource.ty);
    if (!kind) continue;
    std::string reason = ev.kind == Event::Kind::kUpdate ? AttributeList(ev.modified) : "";
    if (auto s = record(*kind, ev.kind, ev.resource, std::move(reason)); !s.ok()) return s;
  }
  for (const auto& gone : fx.deleted) {
    auto kind = AuditedKind(gone.ty);
    if (!kind) continue;
    // The first record is the deleted resource itself; the others went with it.
    std::string reason;
    if (&gone != &fx.deleted.front()) {
      reason = "with " + fx.deleted.front().path;
    } else if (!origin) {
      reason = "expired";
    }
    if (auto s = record(*kind, Event::Kind::kDelete, gone, std::move(reason)); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace trustcse::dispatcher
