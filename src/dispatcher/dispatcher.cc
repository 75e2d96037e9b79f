// Operations: CREATE, RETRIEVE, UPDATE, DELETE, NOTIFY and group fan-out.
#include "dispatcher/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>

#include "dispatcher/internal.h"
#include "primitive/json_util.h"
#include "security/authn/channel_binding.h"
#include "security/authn/originator_check.h"
#include "security/authz/token_authorization.h"

namespace trustcse::dispatcher {

namespace bj = boost::json;
using resources::Event;
using resources::HookContext;
using resources::Resource;
using resources::ResourceType;
using resources::WriteEffects;
using storage::ResourceRecord;
namespace rty = resources::ty;

ResponsePrimitive Reply(const RequestPrimitive& req, Rsc rsc, std::string pc) {
  ResponsePrimitive rsp;
  rsp.rsc = rsc;
  rsp.rqi = req.rqi;
  rsp.rvi = req.rvi;
  rsp.pc = std::move(pc);
  return rsp;
}

namespace {

// The single "m2m:xxx" member of a request's content.
Result<std::pair<std::string, bj::object*>> SingleMember(bj::value& pc) {
  if (!pc.is_object() || pc.get_object().size() != 1) {
    return Err(Status::BadRequest("content must be one resource representation"));
  }
  auto& [key, value] = *pc.get_object().begin();
  if (!value.is_object()) return Err(Status::BadRequest("resource representation must be an object"));
  return std::make_pair(std::string(key), &value.get_object());
}

std::string SerializeRepresentation(const Resource& res) {
  return json::Serialize(res.Representation());
}

// Builds the content of a CREATE/UPDATE/DELETE response for rcn.
// The stored record's body is already serialized, so the usual rcn=1 answer is a string
// concatenation, not a JSON round trip (this runs on the storage writer thread).
std::string ResultFor(ResultContent rcn, const Resource& res, const ResourceRecord& rec) {
  switch (rcn) {
    case ResultContent::kNothing:
      return {};
    case ResultContent::kHierarchicalAddress: {
      bj::object o;
      o["m2m:uri"] = res.path;
      return json::Serialize(o);
    }
    case ResultContent::kHierarchicalAddressAndAttributes: {
      bj::object rce;
      rce["uri"] = res.path;
      for (auto& [k, v] : res.Representation()) rce.emplace(k, v);
      bj::object o;
      o["m2m:rce"] = std::move(rce);
      return json::Serialize(o);
    }
    default:
      return RecordRepresentation(rec);
  }
}

// Puts a step the dispatcher also keeps (to feed it) into the chain, which owns its steps.
class ForwardingStep final : public security::SecurityStep {
 public:
  explicit ForwardingStep(std::shared_ptr<security::SecurityStep> step) : step_(std::move(step)) {}
  std::string_view name() const override { return step_->name(); }
  bool deciding() const override { return step_->deciding(); }
  security::Decision Check(const security::SecurityContext& ctx) const override {
    return step_->Check(ctx);
  }

 private:
  std::shared_ptr<security::SecurityStep> step_;
};

}  // namespace

std::string RecordRepresentation(const ResourceRecord& rec) {
  const ResourceType* t = resources::FindType(rec.ty);
  if (t && !t->tag().empty()) {
    std::string out;
    out.reserve(rec.body.size() + t->tag().size() + 6);
    out.append("{\"").append(t->tag()).append("\":").append(rec.body).append("}");
    return out;
  }
  auto res = Resource::FromRecord(rec);
  return res ? SerializeRepresentation(*res) : std::string("{}");
}

Dispatcher::Impl::Impl(const DispatcherOptions& o, storage::Store& s, notification::Notifier& n)
    : opt(o), store(s), notifier(n) {
  gates.Append(std::make_unique<security::ChannelBinding>(o.credentials, o.admin_originator,
                                                          o.free_ae_ids));
  gates.Append(std::make_unique<security::OriginatorCheck>(
      o.admin_originator, o.free_ae_ids ? nullptr : o.credentials));
  // Admission (storm protection) and trust (registry, black/greylists) gates plug in here.
  if (o.tokens) chain.Append(std::make_unique<security::TokenAuthorization>(o.tokens));
  chain.Append(std::make_unique<ForwardingStep>(dynamic_grants));
  chain.Append(std::make_unique<security::AcpAuthorization>(o.admin_originator, acps));
}

Dispatcher::Dispatcher(DispatcherOptions options, storage::Store& store,
                       notification::Notifier& notifier)
    : options_(std::move(options)) {
  impl_ = std::make_unique<Impl>(options_, store, notifier);
}

Dispatcher::~Dispatcher() { Stop(); }

void Dispatcher::Stop() {
  StopReaper();
  impl_->background.Stop();
}

Status Dispatcher::Reset() {
  const std::string cb_ri = options_.self.cse_id.substr(1);
  Status s = impl_->store.SubmitAndWait([cb_ri, quotas = &impl_->writer_quotas](
                                            storage::WriteTxn& txn) -> Status {
    quotas->Clear();  // on the writer thread, where the counts live
    auto removed = txn.DeleteSubtree(cb_ri);
    return removed ? Status::Ok() : removed.error();
  });
  if (!s.ok()) return s;
  impl_->cache.Invalidate({}, {options_.self.cse_name});
  impl_->writer_parents.MarkStale();
  impl_->dynamic_grants->Clear();
  return Bootstrap();
}

void Dispatcher::SetTimings(std::chrono::milliseconds request_lifetime,
                            std::chrono::milliseconds long_poll_timeout) {
  impl_->request_lifetime_ms = request_lifetime.count();
  impl_->long_poll_ms = long_poll_timeout.count();
}

std::chrono::milliseconds Dispatcher::request_lifetime() const {
  return std::chrono::milliseconds(impl_->request_lifetime_ms.load());
}

std::chrono::milliseconds Dispatcher::long_poll_timeout() const {
  return std::chrono::milliseconds(impl_->long_poll_ms.load());
}

Status Dispatcher::Bootstrap() {
  auto existing = impl_->store.GetByPath(options_.self.cse_name);
  if (!existing) return existing.error();
  Resource cb;
  if (*existing) {
    auto r = Resource::FromRecord(**existing);
    if (!r) return r.error();
    cb = std::move(*r);
  } else {
    cb.path = options_.self.cse_name;
    auto now = FormatTimestamp(Now());
    cb.attrs["ty"] = rty::kCseBase;
    cb.attrs["ri"] = options_.self.cse_id.substr(1);
    cb.attrs["pi"] = "";
    cb.attrs["rn"] = options_.self.cse_name;
    cb.attrs["ct"] = now;
    cb.attrs["lt"] = now;
  }
  // Attributes that follow the configuration are refreshed on every start.
  cb.attrs["csi"] = options_.self.cse_id;
  cb.attrs["cst"] = options_.cse_type;
  bj::array srt;
  for (int t : resources::SupportedTypes()) srt.push_back(t);
  cb.attrs["srt"] = std::move(srt);
  bj::array srv;
  for (auto r : kSupportedReleases) srv.emplace_back(r);
  cb.attrs["srv"] = std::move(srv);
  bj::array poa;
  for (const auto& p : options_.poa) poa.emplace_back(p);
  cb.attrs["poa"] = std::move(poa);
  cb.attrs["csz"] = bj::array{"application/json", "application/cbor"};
  cb.attrs["acpi"] = bj::array{};
  bool exists = existing->has_value();
  auto rec = cb.ToRecord();
  if (auto s = impl_->store.SubmitAndWait([rec, exists](storage::WriteTxn& txn) {
        return exists ? txn.Update(rec) : txn.Insert(rec);
      });
      !s.ok()) {
    return s;
  }
  return impl_->FailInterruptedRequests();
}

void Dispatcher::Handle(RequestPrimitive req, Completion done) {
  impl_->Handle(std::move(req), std::move(done));
}

void Dispatcher::Impl::Handle(RequestPrimitive in, Completion done) {
  auto req = std::make_shared<RequestPrimitive>(std::move(in));
  auto fail = [&](Status s) { done(ErrorResponse(*req, s)); };
  // Receiver checks (TS-0004 §7.3.2.1), in the standard's order.
  if (req->rqet && *req->rqet < Now()) return fail({Rsc::kRequestTimeout, "request expired"});
  const bool registration = req->op == Operation::kCreate && req->ty == rty::kAe;
  if (req->fr.empty() && !registration) return fail(Status::BadRequest("missing originator"));
  if (req->rqi.empty()) return fail(Status::BadRequest("missing request identifier"));
  if (req->rvi.empty() || !IsSupportedRelease(req->rvi)) {
    return fail({Rsc::kReleaseVersionNotSupported, "release version not supported"});
  }
  // flexBlocking leaves the choice to the receiver: this one answers blocking.
  if (req->rt == ResponseType::kFlexBlocking) req->rt = ResponseType::kBlocking;
  if (req->rset && *req->rset < Now()) return fail({Rsc::kRequestTimeout, "result expired"});
  if (req->rset) {
    // Result expiration: a result that can no longer be delivered in time is replaced by 4008
    // (the operation itself is not undone).
    done = [done = std::move(done), rset = *req->rset](ResponsePrimitive rsp) {
      if (Now() > rset) {
        rsp.rsc = Rsc::kRequestTimeout;
        rsp.pc = R"({"m2m:dbg":"result expired"})";
        rsp.content_location.clear();
      }
      done(std::move(rsp));
    };
  }
  if (!registration) req->fr = NormalizeOriginator(req->fr);
  // Who is asking is settled once, before anything is looked up or recorded in their name:
  // every path below (blocking, non-blocking, polling channels, consultations of the built-in
  // DAS role) relies on it. There is no exception: this CSE consults its own DAS role in
  // process (ConsultDynamicAuthorization), never through a binding.
  {
    security::SecurityContext ctx;
    ctx.request = req.get();
    ctx.originator = req->fr;
    ctx.registration = registration;
    ctx.authenticated = req->channel && req->channel->authenticated();
    ctx.originator_registered = !registration && IsRegisteredAe(req->fr);
    ctx.time = Now();
    if (auto s = gates.Pass(ctx); !s.ok()) return fail(s);
  }
  if (req->rt == ResponseType::kNonBlockingSynch || req->rt == ResponseType::kNonBlockingAsynch) {
    return HandleNonBlocking(std::move(req), std::move(done));
  }
  if (req->rt == ResponseType::kNoResponse) {
    // noResponse: the operation runs (durably, as always) but its result is not returned.
    done = [req, done = std::move(done)](ResponsePrimitive) {
      done(Reply(*req, Rsc::kAccepted));
    };
  }
  // Dynamic authorization: a request denied on a resource that names consultation servers is
  // sent to them; if one grants, the request runs again (and the grant now decides).
  done = [this, req, done = std::move(done)](ResponsePrimitive rsp) mutable {
    if (rsp.rsc != Rsc::kOriginatorHasNoPrivilege || req->denied.daci.empty() ||
        req->denied.consulted) {
      return done(std::move(rsp));
    }
    req->denied.consulted = true;
    ConsultDynamicAuthorization(req, [this, req, done, rsp](bool granted) mutable {
      if (!granted) return done(std::move(rsp));
      Dispatch(req, std::move(done));
    });
  };
  Dispatch(std::move(req), std::move(done));
}

void Dispatcher::Impl::Dispatch(std::shared_ptr<RequestPrimitive> req, Completion done) {
  auto fail = [&](Status s) { done(ErrorResponse(*req, s)); };
  switch (req->op) {
    case Operation::kCreate:
      return Create(std::move(req), std::move(done));
    case Operation::kRetrieve:
      return Retrieve(std::move(req), std::move(done));
    case Operation::kUpdate:
      return Update(std::move(req), std::move(done));
    case Operation::kDelete:
      return Delete(std::move(req), std::move(done));
    case Operation::kNotify:
      return Notify(std::move(req), std::move(done));
  }
  fail(Status::BadRequest("unknown operation"));
}

namespace {

// The originator's reported location: the `loc` attribute of its AE, a GeoJSON-style point
// {"typ":1,"crd":"[longitude, latitude]"} (the coordinates as a string or as an array).
std::optional<security::GeoPoint> ReportedLocation(const Resource& ae) {
  const auto* loc = ae.attrs.if_contains("loc");
  if (!loc || !loc->is_object()) return std::nullopt;
  const auto* crd = loc->get_object().if_contains("crd");
  if (!crd) return std::nullopt;
  bj::value parsed;
  if (crd->is_string()) {
    auto v = json::Parse(crd->get_string());
    if (!v) return std::nullopt;
    parsed = std::move(*v);
    crd = &parsed;
  }
  if (!crd->is_array() || crd->get_array().size() < 2) return std::nullopt;
  auto num = [](const bj::value& x) -> std::optional<double> {
    if (x.is_double()) return x.get_double();
    if (auto i = json::AsInt(x)) return static_cast<double>(*i);
    return std::nullopt;
  };
  auto lon = num(crd->get_array()[0]), lat = num(crd->get_array()[1]);
  if (!lon || !lat) return std::nullopt;
  return security::GeoPoint{*lat, *lon};
}

}  // namespace

bool Dispatcher::Impl::GovernedByParent(int ty) {
  const ResourceType* type = resources::FindType(ty);
  return type && !type->validate_options().has_acpi && ty != rty::kAcp && ty != rty::kCseBase;
}

Status Dispatcher::Impl::Authorize(const RequestPrimitive& req, const Resource& target,
                                   uint32_t access, bool acpi_change, bool listing,
                                   int create_ty) {
  security::SecurityContext ctx;
  ctx.request = &req;
  ctx.originator = req.fr;
  ctx.access = access;
  ctx.acpi_change = acpi_change;
  ctx.time = Now();
  ctx.create_ty = create_ty;
  ctx.registration = access == security::kCreate && create_ty == rty::kAe;
  // The gates (Handle) have refused any originator the channel does not vouch for.
  ctx.authenticated = req.channel && req.channel->authenticated();
  ctx.groups = &groups;
  auto source = security::IpAddress::Parse(req.peer_address);
  ctx.source = source ? &*source : nullptr;
  std::optional<security::GeoPoint> location;
  auto ae = LoadRi(req.fr);
  if (ae && *ae && (*ae)->ty() == rty::kAe) {
    ctx.originator_registered = true;
    location = ReportedLocation(**ae);
    ctx.location = location ? &*location : nullptr;
  }
  // Listings run after the request itself was authorized, so the originator is known.
  ctx.originator_registered = ctx.originator_registered || listing;
  // Types without acpi (contentInstance, timeSeriesInstance) follow their parent's policies.
  std::shared_ptr<const Resource> parent;
  const Resource* subject = &target;
  if (GovernedByParent(target.ty())) {
    auto loaded = LoadRi(target.pi());
    if (!loaded) return loaded.error();
    if (!*loaded) return Status::NotFound("parent does not exist");
    parent = std::move(*loaded);
    subject = parent.get();
  }
  ctx.subject = subject;
  std::string owner = OwnerAe(subject->path);
  ctx.owner_ae = owner;
  Status s = chain.Evaluate(ctx, /*log_denial=*/!listing);
  if (s.code() == Rsc::kOriginatorHasNoPrivilege && !listing && !acpi_change &&
      !req.denied.consulted) {
    if (const auto* daci = subject->attrs.if_contains("daci");
        daci && daci->is_array() && !daci->get_array().empty()) {
      req.denied.daci.clear();
      for (const auto& d : daci->get_array()) {
        if (d.is_string()) req.denied.daci.emplace_back(d.get_string());
      }
      req.denied.subject_path = subject->path;
      req.denied.subject_ri = std::string(subject->ri());
      req.denied.subject_ty = subject->ty();
      req.denied.access = access;
    }
  }
  return s;
}

bool Dispatcher::Impl::Permits(const RequestPrimitive& req, const Resource& target,
                               uint32_t access) {
  if (req.fr == opt.admin_originator) return true;
  return Authorize(req, target, access, false, /*listing=*/true).ok();
}

namespace {

// Passes everything to the backend's transaction and notes which paths the write touched, so
// the resource cache can be invalidated exactly.
class TrackingTxn final : public storage::WriteTxn {
 public:
  TrackingTxn(storage::WriteTxn& inner, WriterParents& parents, AeQuotas& quotas)
      : inner_(inner), parents_(parents), quotas_(quotas) {}
  Result<std::optional<ResourceRecord>> Get(std::string_view ri) override { return inner_.Get(ri); }
  Result<std::optional<ResourceRecord>> GetByPath(std::string_view path) override {
    return inner_.GetByPath(path);
  }
  Result<std::vector<ResourceRecord>> Children(std::string_view pi, int ty,
                                               storage::ChildOrder order, size_t limit) override {
    return inner_.Children(pi, ty, order, limit);
  }
  Result<std::pair<uint64_t, uint64_t>> CountChildren(std::string_view pi, int ty) override {
    return inner_.CountChildren(pi, ty);
  }
  Result<storage::SubtreeSize> MeasureSubtree(std::string_view path, uint64_t limit) override {
    return inner_.MeasureSubtree(path, limit);
  }
  Result<std::optional<std::string>> GetObject(std::string_view kind,
                                               std::string_view id) override {
    return inner_.GetObject(kind, id);
  }
  Result<std::vector<storage::ObjectRecord>> ListObjects(std::string_view kind) override {
    return inner_.ListObjects(kind);
  }
  Status PutObject(std::string_view kind, std::string_view id, std::string_view body) override {
    return inner_.PutObject(kind, id, body);
  }
  Result<bool> DeleteObject(std::string_view kind, std::string_view id) override {
    return inner_.DeleteObject(kind, id);
  }
  Status Insert(const ResourceRecord& rec) override {
    if (Status q = quotas_.Admit(inner_, rec, quota_changes); !q.ok()) return q;
    Status s = inner_.Insert(rec);
    if (s.ok()) paths.push_back(rec.path);
    return s;
  }
  Status Update(const ResourceRecord& rec) override {
    parents_.Forget(rec.ri);
    if (quotas_.enabled()) {
      // What an update adds counts like what a create adds (a flexContainer grown to the body
      // limit, attribute by attribute).
      auto old = inner_.Get(rec.ri);
      if (!old) return old.error();
      if (*old) {
        Status q = quotas_.Resized(inner_, rec.path, (*old)->body.size(), rec.body.size(),
                                   quota_changes);
        if (!q.ok()) return q;
      }
    }
    Status s = inner_.Update(rec);
    if (s.ok()) paths.push_back(rec.path);
    return s;
  }
  Status UpdateDeferred(const ResourceRecord& rec) override {
    parents_.Forget(rec.ri);
    Status s = inner_.UpdateDeferred(rec);
    if (s.ok()) paths.push_back(rec.path);
    return s;
  }
  Result<std::vector<ResourceRecord>> DeleteSubtree(std::string_view ri) override {
    auto r = inner_.DeleteSubtree(ri);
    if (r && !r->empty()) {
      subtrees.push_back(r->front().path);
      for (const auto& gone : *r) parents_.Forget(gone.ri);
      quotas_.Removed(*r, quota_changes);
    }
    return r;
  }
  std::vector<std::string> paths;
  std::vector<std::string> subtrees;
  AeQuotas::Pending quota_changes;

 private:
  storage::WriteTxn& inner_;
  WriterParents& parents_;
  AeQuotas& quotas_;
};

struct CommitState {
  WriteEffects fx;
  std::vector<std::string> paths;
  std::vector<std::string> subtrees;
};

}  // namespace

void Dispatcher::Impl::Commit(std::function<Status(storage::WriteTxn&, WriteEffects&)> fn,
                              std::function<void(Status)> done) {
  auto state = std::make_shared<CommitState>();
  store.Submit(
      [this, fn = std::move(fn), state](storage::WriteTxn& txn) {
        TrackingTxn tracking(txn, writer_parents, writer_quotas);
        Status s = fn(tracking, state->fx);
        if (s.ok()) {
          writer_quotas.Apply(tracking.quota_changes);
          state->paths = std::move(tracking.paths);
          state->subtrees = std::move(tracking.subtrees);
        } else {
          state->fx = WriteEffects{};
        }
        return s;
      },
      [this, state, done = std::move(done)](Status s) {
        if (s.ok()) {
          // Before the client hears of the write, nobody may read the old version from cache.
          cache.Invalidate(state->paths, state->subtrees);
          notifier.OnCommitted(state->fx);
        } else {
          writer_parents.MarkStale();
          writer_quotas.Clear();
        }
        done(std::move(s));
      });
}

// ---------------------------------------------------------------------------------------------
// CREATE

namespace {

// Validates the originator of an AE registration and picks the AE-ID (TS-0001 §10.2.2.2).
Result<std::string> AssignAeId(std::string_view fr) {
  if (fr.empty() || fr == "C") return "C" + resources::NewResourceId("").substr(0, 16);
  if (fr == "S") return "S" + resources::NewResourceId("").substr(0, 16);
  if ((fr[0] == 'C' || fr[0] == 'S') && resources::ValidResourceName(fr)) return std::string(fr);
  return Err(Rsc::kAppRuleValidationFailed, "originator is not allowed to register an AE");
}

}  // namespace

void Dispatcher::Impl::Create(std::shared_ptr<RequestPrimitive> req, Completion done) {
  auto fail = [&](Status s) { done(ErrorResponse(*req, s)); };
  if (req->fc) return fail(Status::BadRequest("filterCriteria is not permitted on CREATE"));
  ResultContent rcn = req->rcn.value_or(ResultContent::kAttributes);
  if (rcn != ResultContent::kNothing && rcn != ResultContent::kAttributes &&
      rcn != ResultContent::kHierarchicalAddress &&
      rcn != ResultContent::kHierarchicalAddressAndAttributes) {
    return fail(Status::BadRequest("resultContent not valid for CREATE"));
  }
  if (req->ty <= 0) return fail(Status::BadRequest("missing or invalid resource type"));
  const ResourceType* type = resources::FindType(req->ty);
  if (!type) {
    return fail(req->ty <= 66 ? Status::NotImplemented("resource type is not supported")
                              : Status::BadRequest("unknown resource type"));
  }
  if (!type->client_creatable()) {
    return fail(Status::NotAllowed(std::string(type->short_name()) +
                                   " resources are created by the CSE only"));
  }
  auto member = SingleMember(req->pc);
  if (!member) return fail(member.error());
  auto& [key, content] = *member;
  if (resources::FindTypeByTag(key) != type) {
    return fail(Status::BadRequest("content does not match the resource type"));
  }
  auto target = Resolve(req->to);
  if (!target) return fail(target.error());
  if (target->virt == Target::Virtual::kFanOut) return FanOut(req, std::move(*target), done);
  if (target->virt != Target::Virtual::kNone) {
    return fail(Status::NotAllowed("cannot create under a virtual resource"));
  }
  const Resource& parent = target->resource();
  const ResourceType* parent_type = resources::FindType(parent.ty());
  if (!parent_type || !parent_type->AllowsChild(req->ty)) {
    return fail(req->ty == rty::kSubscription
                    ? Status(Rsc::kTargetNotSubscribable, "target cannot be subscribed to")
                    : Status(Rsc::kInvalidChildResourceType,
                             "resource type not allowed under this parent"));
  }
  if (auto s = resources::ValidateContent(*content, type->PoliciesFor(key),
                                          resources::ContentOp::kCreate,
                                          type->validate_options());
      !s.ok()) {
    return fail(s);
  }

  // Authorization before anything is taken from the request: a request that dynamic
  // authorization grants later is dispatched again, whole. For an AE registration the chain's
  // gates (channel binding, and admission and trust later) decide; the registration rules below
  // (4117, 4126) replace the ACP decision.
  if (auto s = Authorize(*req, parent, security::kCreate, false, false, req->ty); !s.ok()) {
    return fail(s);
  }
  auto res = std::make_shared<Resource>();
  res->attrs = std::move(*content);
  std::string ri;
  std::string bind_credential;  // an AE registration binds its AE-ID to this credential
  if (req->ty == rty::kAe) {
    auto aei = AssignAeId(req->fr);
    if (!aei) return fail(aei.error());
    if (IsRegisteredAe(*aei)) {
      return fail({Rsc::kOriginatorHasAlreadyRegistered, "originator has already registered"});
    }
    ri = *aei;
    res->attrs["aei"] = ri;
    req->fr = ri;  // from here on the registree acts as its AE-ID
    if (const ChannelIdentity* ch = req->channel.get(); ch && ch->authenticated()) {
      auto cred = opt.credentials ? opt.credentials->Find(ch->credential_id) : nullptr;
      if (cred && !cred->MayActAs(ri)) bind_credential = cred->id;
    }
  } else {
    ri = resources::NewResourceId(type->short_name());
  }
  res->originator = req->fr;

  TimePoint now = Now();
  std::string rn;
  if (auto given = json::GetString(res->attrs, "rn")) {
    if (!resources::ValidResourceName(*given)) return fail(Status::BadRequest("invalid resourceName"));
    rn = *given;
  } else {
    rn = ri;
  }
  std::string ts = FormatTimestamp(now);
  res->attrs["ty"] = req->ty;
  res->attrs["ri"] = ri;
  res->attrs["pi"] = parent.ri();
  res->attrs["rn"] = rn;
  res->attrs["ct"] = ts;
  res->attrs["lt"] = ts;
  // expirationTime: in the future, and never beyond the parent's.
  TimePoint et = now + opt.default_expiration;
  if (auto given = json::GetString(res->attrs, "et")) {
    et = *ParseTimestamp(*given);
    if (et <= now) return fail(Status::BadRequest("expirationTime is in the past"));
  }
  if (auto pet = json::GetString(parent.attrs, "et")) {
    if (auto p = ParseTimestamp(*pet); p && *p < et) et = *p;
  }
  res->attrs["et"] = FormatTimestamp(et);
  if (res->attrs.contains("cr")) res->attrs["cr"] = req->fr;
  if (type->has_state_tag()) res->attrs["st"] = 0;
  if (type->tag().empty()) res->attrs["__tag"] = key;  // a specialization's own key
  res->path = parent.path + "/" + rn;
  for (const auto& id : res->acpi()) {
    if (!acps.FindAcp(id)) return fail(Status::BadRequest("acpi names an ACP that does not exist"));
  }

  HookContext hctx{req->fr, req->rvi, now, &opt.self};
  if (auto s = type->ValidateCreate(hctx, parent, *res); !s.ok()) return fail(s);
  if (req->ty == rty::kAcp) {
    // Everything the evaluator will need must compile now (CIDRs, schedules, regions).
    if (auto c = security::CompiledAcp::Compile(res->attrs); !c) return fail(c.error());
  }

  auto submit = [this, req, res, type, now, rcn, done, bind_credential]() {
    std::string parent_ri(res->pi());
    auto created = std::make_shared<ResourceRecord>();
    auto bound = std::make_shared<std::optional<security::Credential>>();
    Commit(
        [req, res, type, now, parent_ri, created, self = &opt.self, parents = &writer_parents,
         credentials = opt.credentials, bind_credential,
         bound](storage::WriteTxn& txn, WriteEffects& fx) -> Status {
          if (req->ty == rty::kAe) {
            // Registrations of one AE-ID that raced past IsRegisteredAe meet here, in order:
            // all but the first are 4117, whatever their resourceNames.
            auto existing = txn.Get(res->ri());
            if (!existing) return existing.error();
            if (*existing) {
              return Status(Rsc::kOriginatorHasAlreadyRegistered,
                            "originator has already registered");
            }
          }
          if (!bind_credential.empty()) {
            // Bound or reserved meanwhile (an enrolment, the operator): not free any more.
            if (std::string holder = credentials->BoundTo(res->ri());
                !holder.empty() && holder != bind_credential) {
              return Status(Rsc::kOriginatorNotAuthenticated,
                            "originator does not match the authenticated credential");
            }
            auto c = credentials->BindInWrite(txn, bind_credential, res->ri(), now);
            if (!c) return c.error();
            *bound = std::move(*c);
          }
          auto parent = parents->Take(txn, parent_ri);
          if (!parent) return parent.error();
          HookContext ctx{req->fr, req->rvi, now, self};
          bool parent_changed = false;
          if (auto s = type->OnCreate(txn, ctx, *parent, &parent_changed, *res, fx); !s.ok()) {
            return s;
          }
          *created = res->ToRecord();
          if (auto s = txn.Insert(*created); !s.ok()) {
            return s.code() == Rsc::kConflict
                       ? Status::Conflict("a resource with this name already exists")
                       : s;
          }
          if (parent_changed) {  // counters and stateTag only: see UpdateDeferred
            if (auto s = txn.UpdateDeferred(parent->ToRecord()); !s.ok()) return s;
          }
          fx.events.push_back(
              Event{Event::Kind::kCreateChild, std::string(parent->ri()), parent->path, *created, {}});
          parents->Keep(std::move(*parent));
          return Status::Ok();
        },
        [req, res, rcn, created, done, bound, credentials = opt.credentials](Status s) {
          if (!s.ok()) return done(ErrorResponse(*req, s));
          if (*bound) credentials->Apply(std::move(**bound));
          auto rsp = Reply(*req, Rsc::kCreated, ResultFor(rcn, *res, *created));
          rsp.content_location = created->ri;
          done(std::move(rsp));
        });
  };

  if (req->ty != rty::kSubscription) return submit();

  // A subscription is created only after every notification target other than the originator
  // accepted the verification request.
  std::vector<std::string> targets;
  for (const auto& nu : res->attrs.at("nu").get_array()) {
    std::string t(nu.get_string());
    if (t == req->fr) continue;
    // A target that is a resource of this CSE (an AE) must grant the subscriber NOTIFY.
    if (t.find("://") == std::string::npos) {
      auto local = LoadId(t);
      if (local && *local) {
        if (!Authorize(*req, **local, security::kNotify).ok()) {
          return fail({Rsc::kSubscriptionCreatorHasNoPrivilege,
                       "the subscriber may not notify a notification target"});
        }
      }
    }
    targets.push_back(std::move(t));
  }
  if (targets.empty()) return submit();
  struct Pending {
    std::mutex mu;
    size_t left;
    Status first_error;
  };
  auto pending = std::make_shared<Pending>();
  pending->left = targets.size();
  for (const auto& t : targets) {
    notifier.Verify(*res, t, req->fr, [pending, submit, req, done](Status s) {
      bool last;
      Status err;
      {
        std::lock_guard lock(pending->mu);
        if (!s.ok() && pending->first_error.ok()) pending->first_error = s;
        last = --pending->left == 0;
        err = pending->first_error;
      }
      if (!last) return;
      if (!err.ok()) return done(ErrorResponse(*req, err));
      submit();
    });
  }
}

// ---------------------------------------------------------------------------------------------
// RETRIEVE

void Dispatcher::Impl::Retrieve(std::shared_ptr<RequestPrimitive> req, Completion done) {
  auto fail = [&](Status s) { done(ErrorResponse(*req, s)); };
  auto target = Resolve(req->to);
  if (!target) return fail(target.error());
  if (target->virt == Target::Virtual::kFanOut) return FanOut(req, std::move(*target), done);
  if (target->virt == Target::Virtual::kPollingChannelUri) {
    return PollChannel(std::move(req), *target, std::move(done));
  }

  if (req->fc && req->fc->fu == 1) {
    if (target->virt != Target::Virtual::kNone) {
      return fail(Status::BadRequest("discovery on a virtual resource"));
    }
    auto rcn = req->rcn.value_or(ResultContent::kAttributes);
    if (rcn != ResultContent::kAttributes && rcn != ResultContent::kChildReferences) {
      return fail(Status::BadRequest("resultContent not valid for discovery"));
    }
    auto result = Discover(*req, *target);
    if (!result) return fail(result.error());
    bj::array uris;
    uris.reserve(result->records.size());
    for (const auto& r : result->records) uris.emplace_back(req->drt == 2 ? r.ri : r.path);
    return done(ListingReply(*req, *result, json::Serialize(bj::object{{"m2m:uril", std::move(uris)}})));
  }

  if (target->virt == Target::Virtual::kLatest || target->virt == Target::Virtual::kOldest) {
    if (auto s = Authorize(*req, target->resource(), security::kRetrieve); !s.ok()) return fail(s);
    auto rcn = req->rcn.value_or(ResultContent::kAttributes);
    if (rcn != ResultContent::kAttributes) {
      return fail(Status::BadRequest("resultContent not valid for latest/oldest"));
    }
    const bool latest = target->virt == Target::Virtual::kLatest;
    const std::string& path = target->resource().path;
    // The latest instance is the hottest read of all: it is cached with its container.
    if (latest) {
      if (auto hit = cache.FindLatest(path)) {
        return done(Reply(*req, Rsc::kOk, RecordRepresentation(*hit)));
      }
    }
    uint64_t gen = cache.generation();
    int instance_ty = target->resource().ty() == rty::kTimeSeries ? rty::kTimeSeriesInstance
                                                                : rty::kContentInstance;
    auto kids = store.Children(target->resource().ri(), instance_ty,
                               latest ? storage::ChildOrder::kNewestFirst
                                      : storage::ChildOrder::kOldestFirst,
                               1);
    if (!kids) return fail(kids.error());
    if (kids->empty()) return fail(Status::NotFound("the container has no instances"));
    auto rsp = Reply(*req, Rsc::kOk, RecordRepresentation(kids->front()));
    if (latest) {
      cache.PutLatest(gen, path, std::make_shared<const ResourceRecord>(std::move(kids->front())));
    }
    return done(std::move(rsp));
  }

  const Resource& res = target->resource();
  if (auto s = Authorize(*req, res, security::kRetrieve); !s.ok()) return fail(s);
  auto rcn = req->rcn.value_or(ResultContent::kAttributes);
  switch (rcn) {
    case ResultContent::kAttributes: {
      if (req->atrl.empty()) {
        return done(Reply(*req, Rsc::kOk, SerializeRepresentation(res)));
      }
      // Partial retrieve: only the listed attributes.
      auto rep = res.Representation();
      auto& body = rep.begin()->value().get_object();
      bj::object partial;
      for (const auto& a : req->atrl) {
        const auto* v = body.if_contains(a);
        if (!v) return fail(Status::BadRequest("unknown attribute in attribute list"));
        partial[a] = *v;
      }
      body = std::move(partial);
      return done(Reply(*req, Rsc::kOk, json::Serialize(rep)));
    }
    case ResultContent::kAttributesAndChildResources:
    case ResultContent::kAttributesAndChildReferences:
    case ResultContent::kChildReferences:
    case ResultContent::kChildResources: {
      auto kids = ListChildren(*req, res);
      if (!kids) return fail(kids.error());
      auto rep = res.Representation();
      auto& body = rep.begin()->value().get_object();
      if (rcn == ResultContent::kChildResources) body.clear();
      bj::array refs;
      for (const auto& k : kids->records) {
        if (rcn == ResultContent::kAttributesAndChildResources ||
            rcn == ResultContent::kChildResources) {
          auto child = Resource::FromRecord(k);
          if (!child) continue;
          auto crep = child->Representation();
          auto& [ctag, cval] = *crep.begin();
          auto& list = body[ctag];
          if (!list.is_array()) list = bj::array{};
          list.get_array().push_back(std::move(cval));
        } else {
          refs.push_back(bj::object{{"nm", k.rn}, {"typ", k.ty}, {"val", k.path}});
        }
      }
      if (rcn == ResultContent::kAttributesAndChildReferences) body["ch"] = std::move(refs);
      if (rcn == ResultContent::kChildReferences) {
        bj::object o;
        o["m2m:rrl"] = bj::object{{"rrf", std::move(refs)}};
        return done(ListingReply(*req, *kids, json::Serialize(o)));
      }
      return done(ListingReply(*req, *kids, json::Serialize(rep)));
    }
    default:
      return fail(Status::BadRequest("resultContent not valid for RETRIEVE"));
  }
}

// ---------------------------------------------------------------------------------------------
// UPDATE

void Dispatcher::Impl::Update(std::shared_ptr<RequestPrimitive> req, Completion done) {
  auto fail = [&](Status s) { done(ErrorResponse(*req, s)); };
  if (req->ty != 0) return fail(Status::BadRequest("resource type is not permitted on UPDATE"));
  auto rcn = req->rcn.value_or(ResultContent::kAttributes);
  if (rcn != ResultContent::kNothing && rcn != ResultContent::kAttributes) {
    return fail(Status::BadRequest("resultContent not valid for UPDATE"));
  }
  auto target = Resolve(req->to);
  if (!target) return fail(target.error());
  if (target->virt == Target::Virtual::kFanOut) return FanOut(req, std::move(*target), done);
  if (target->virt != Target::Virtual::kNone) {
    return fail(Status::NotAllowed("a virtual resource cannot be updated"));
  }
  const Resource& current = target->resource();
  const ResourceType* type = resources::FindType(current.ty());
  if (!type) return fail(Status::Internal("unknown stored resource type"));
  if (auto s = type->CheckUpdatable(); !s.ok()) return fail(s);
  auto member = SingleMember(req->pc);
  if (!member) return fail(member.error());
  auto& [key, content] = *member;
  std::string_view expected_tag =
      type->tag().empty() ? json::GetString(current.attrs, "__tag").value_or("") : type->tag();
  if (key != expected_tag) return fail(Status::BadRequest("content does not match the resource"));
  if (auto s = resources::ValidateContent(*content, type->PoliciesFor(key),
                                          resources::ContentOp::kUpdate,
                                          type->validate_options());
      !s.ok()) {
    return fail(s);
  }
  const bool acpi_change = content->contains("acpi");
  if (acpi_change && content->size() > 1) {
    return fail(Status::BadRequest("an update of acpi must not change other attributes"));
  }
  if (auto s = Authorize(*req, current, security::kUpdate, acpi_change); !s.ok()) return fail(s);
  TimePoint now = Now();
  if (auto et = json::GetString(*content, "et")) {
    if (*ParseTimestamp(*et) <= now) return fail(Status::BadRequest("expirationTime is in the past"));
  }
  if (acpi_change && content->at("acpi").is_array()) {
    for (const auto& id : content->at("acpi").get_array()) {
      if (!acps.FindAcp(id.get_string())) {
        return fail(Status::BadRequest("acpi names an ACP that does not exist"));
      }
    }
  }
  auto changes = std::make_shared<bj::object>(std::move(*content));
  auto result = std::make_shared<Resource>();
  auto result_rec = std::make_shared<ResourceRecord>();
  std::string ri(current.ri());
  Commit(
      [req, changes, type, now, ri, result, result_rec, self = &opt.self](storage::WriteTxn& txn,
                                                                WriteEffects& fx) -> Status {
        auto rec = txn.Get(ri);
        if (!rec) return rec.error();
        if (!*rec) return Status::NotFound("resource does not exist");
        auto res = Resource::FromRecord(**rec);
        if (!res) return res.error();
        std::vector<std::string> modified;
        for (const auto& [k, v] : *changes) {
          modified.emplace_back(k);
          if (v.is_null()) {
            res->attrs.erase(k);
          } else {
            res->attrs[k] = v;
          }
        }
        res->attrs["lt"] = FormatTimestamp(now);
        if (type->has_state_tag()) res->attrs["st"] = res->st() + 1;
        HookContext ctx{req->fr, req->rvi, now, self};
        if (auto s = type->ValidateUpdate(ctx, *changes, *res); !s.ok()) return s;
        if (res->ty() == rty::kAcp) {
          if (auto c = security::CompiledAcp::Compile(res->attrs); !c) return c.error();
        }
        if (auto s = type->OnUpdate(txn, ctx, *res, fx); !s.ok()) return s;
        auto updated = res->ToRecord();
        if (auto s = txn.Update(updated); !s.ok()) return s;
        fx.events.push_back(Event{Event::Kind::kUpdate, ri, res->path, updated, std::move(modified)});
        *result_rec = std::move(updated);
        *result = std::move(*res);
        return Status::Ok();
      },
      [req, result, result_rec, rcn, done](Status s) {
        if (!s.ok()) return done(ErrorResponse(*req, s));
        done(Reply(*req, Rsc::kUpdated, ResultFor(rcn, *result, *result_rec)));
      });
}

// ---------------------------------------------------------------------------------------------
// DELETE

void Dispatcher::Impl::DeleteResource(std::string ri, std::string originator, std::string rvi,
                                      std::function<void(Result<ResourceRecord>)> done) {
  auto deleted = std::make_shared<ResourceRecord>();
  TimePoint now = Now();
  Commit(
      [ri, originator, rvi, now, deleted, self = &opt.self](storage::WriteTxn& txn,
                                                            WriteEffects& fx) -> Status {
        auto rec = txn.Get(ri);
        if (!rec) return rec.error();
        if (!*rec) return Status::NotFound("resource does not exist");
        auto res = Resource::FromRecord(**rec);
        if (!res) return res.error();
        auto removed = txn.DeleteSubtree(ri);
        if (!removed) return removed.error();
        auto prec = txn.Get(res->pi());
        if (!prec) return prec.error();
        if (*prec) {
          auto parent = Resource::FromRecord(**prec);
          if (!parent) return parent.error();
          const ResourceType* type = resources::FindType(res->ty());
          bool changed = false;
          HookContext ctx{originator, rvi, now, self};
          if (type) {
            if (auto s = type->OnDelete(txn, ctx, *parent, &changed, *res, fx); !s.ok()) return s;
          }
          if (changed) {
            if (auto s = txn.UpdateDeferred(parent->ToRecord()); !s.ok()) return s;
          }
          fx.events.push_back(
              Event{Event::Kind::kDeleteChild, std::string(parent->ri()), parent->path, **rec, {}});
        }
        fx.events.push_back(Event{Event::Kind::kDelete, ri, res->path, **rec, {}});
        for (auto& r : *removed) fx.deleted.push_back(std::move(r));
        *deleted = **rec;
        return Status::Ok();
      },
      [deleted, done](Status s) {
        if (!s.ok()) return done(Err(s));
        done(std::move(*deleted));
      });
}

void Dispatcher::Impl::Delete(std::shared_ptr<RequestPrimitive> req, Completion done) {
  auto fail = [&](Status s) { done(ErrorResponse(*req, s)); };
  auto rcn = req->rcn.value_or(ResultContent::kNothing);
  if (rcn != ResultContent::kNothing && rcn != ResultContent::kAttributes) {
    return fail(Status::BadRequest("resultContent not valid for DELETE"));
  }
  auto target = Resolve(req->to);
  if (!target) return fail(target.error());
  if (target->virt == Target::Virtual::kFanOut) return FanOut(req, std::move(*target), done);
  if (target->virt == Target::Virtual::kPollingChannelUri) {
    return fail(Status::NotAllowed("the pollingChannelURI cannot be deleted"));
  }
  Resource victim;
  if (target->virt == Target::Virtual::kLatest || target->virt == Target::Virtual::kOldest) {
    int instance_ty = target->resource().ty() == rty::kTimeSeries ? rty::kTimeSeriesInstance
                                                                : rty::kContentInstance;
    auto kids = store.Children(target->resource().ri(), instance_ty,
                               target->virt == Target::Virtual::kLatest
                                   ? storage::ChildOrder::kNewestFirst
                                   : storage::ChildOrder::kOldestFirst,
                               1);
    if (!kids) return fail(kids.error());
    if (kids->empty()) return fail(Status::NotFound("the container has no instances"));
    auto res = Resource::FromRecord(kids->front());
    if (!res) return fail(res.error());
    victim = std::move(*res);
  } else {
    victim = target->resource();
  }
  const ResourceType* type = resources::FindType(victim.ty());
  if (!type) return fail(Status::Internal("unknown stored resource type"));
  if (auto s = type->CheckDeletable(); !s.ok()) return fail(s);
  if (auto s = Authorize(*req, victim, security::kDelete); !s.ok()) return fail(s);
  DeleteResource(std::string(victim.ri()), req->fr, req->rvi,
                 [req, rcn, done](Result<ResourceRecord> r) {
                   if (!r) return done(ErrorResponse(*req, r.error()));
                   done(Reply(*req, Rsc::kDeleted,
                              rcn == ResultContent::kAttributes ? RecordRepresentation(*r) : ""));
                 });
}

// ---------------------------------------------------------------------------------------------
// NOTIFY

void Dispatcher::Impl::Notify(std::shared_ptr<RequestPrimitive> req, Completion done) {
  // A NOTIFY addressed to this CSE's resources is accepted after the NOTIFY privilege check; one
  // addressed to an AE is sent on to that AE (its point of access or its polling channel) and
  // answered with the AE's answer; one to a pollingChannelURI answers a request the polling AE
  // received.
  auto target = Resolve(req->to);
  if (!target) return done(ErrorResponse(*req, target.error()));
  if (target->virt == Target::Virtual::kPollingChannelUri) {
    return AnswerThroughChannel(std::move(req), *target, std::move(done));
  }
  if (target->virt != Target::Virtual::kNone) {
    return done(ErrorResponse(*req, Status::NotAllowed("cannot notify a virtual resource")));
  }
  if (const bj::object* seci = ConsultationOf(*req);
      seci != nullptr && target->resource().ty() == rty::kCseBase) {
    // A consultation from a configured consulting entity (authenticated by the gates, like
    // every originator) informs; it grants nothing by itself, so it needs no privilege here.
    return done(AnswerConsultation(*req, *seci));
  }
  if (auto s = Authorize(*req, target->resource(), security::kNotify); !s.ok()) {
    return done(ErrorResponse(*req, s));
  }
  if (target->resource().ty() == rty::kAe) {
    if (ViaNames(req->via, ViaPseudonym(opt.self.cse_id))) {
      // Sent by this CSE: the AE's point of access leads back here.
      return done(ErrorResponse(
          *req, Status(Rsc::kTargetNotReachable,
                       "forwarding loop: the AE's point of access leads back to this CSE")));
    }
    std::string body = req->pc.is_null() ? std::string() : json::Serialize(req->pc);
    return notifier.Forward(target->resource(), req->fr, std::move(body), req->rqet,
                            [req, done = std::move(done)](Status s, std::string pc) {
                              if (s.ok()) return done(Reply(*req, Rsc::kOk, std::move(pc)));
                              if (req->rqet && Now() >= *req->rqet) {
                                s = Status(Rsc::kRequestTimeout,
                                           "the request expired before the AE answered");
                              }
                              done(ErrorResponse(*req, s));
                            });
  }
  done(Reply(*req, Rsc::kOk));
}

// ---------------------------------------------------------------------------------------------
// Group fan-out: <group>/fopt[/rest]

void Dispatcher::Impl::FanOut(std::shared_ptr<RequestPrimitive> req, Target target,
                              Completion done) {
  const Resource& group = target.resource();
  // Access to fopt is governed by the group's membersAccessControlPolicyIDs when set.
  Resource gate = group;
  if (const auto* macp = group.attrs.if_contains("macp");
      macp && macp->is_array() && !macp->get_array().empty()) {
    gate.attrs["acpi"] = *macp;
  }
  uint32_t access = req->op == Operation::kCreate     ? security::kCreate
                    : req->op == Operation::kRetrieve ? security::kRetrieve
                    : req->op == Operation::kUpdate   ? security::kUpdate
                    : req->op == Operation::kDelete   ? security::kDelete
                                                      : security::kNotify;
  if (auto s = Authorize(*req, gate, access); !s.ok()) return done(ErrorResponse(*req, s));
  std::vector<std::string> members;
  if (const auto* mid = group.attrs.if_contains("mid"); mid && mid->is_array()) {
    for (const auto& m : mid->get_array()) members.emplace_back(m.get_string());
  }
  struct Aggregate {
    std::mutex mu;
    size_t left;
    bj::array responses;
  };
  auto agg = std::make_shared<Aggregate>();
  agg->left = members.size();
  auto finish = [req, done](bj::array responses) {
    bj::object o;
    o["m2m:agr"] = bj::object{{"m2m:rsp", std::move(responses)}};
    done(Reply(*req, Rsc::kOk, json::Serialize(o)));
  };
  if (members.empty()) return finish({});
  for (const auto& m : members) {
    RequestPrimitive sub = *req;
    sub.to = target.fanout_rest.empty() ? m : m + "/" + target.fanout_rest;
    // Each member is a request of its own through the whole chain (every member is checked).
    Handle(std::move(sub), [agg, m, finish](ResponsePrimitive rsp) {
      bj::object r;
      r["rsc"] = static_cast<int>(rsp.rsc);
      r["rqi"] = rsp.rqi;
      r["to"] = m;
      if (!rsp.pc.empty()) {
        if (auto v = json::Parse(rsp.pc)) r["pc"] = std::move(*v);
      }
      bool last;
      {
        std::lock_guard lock(agg->mu);
        agg->responses.push_back(std::move(r));
        last = --agg->left == 0;
      }
      if (last) finish(std::move(agg->responses));
    });
  }
}

}  // namespace trustcse::dispatcher
