// The authorization chain's context for each access: the subject whose policies apply, the
// owner of its subtree, the originator's facts (looked up once per request), and privilege
// checks that never wait (listings, checks inside an operation).
#include "dispatcher/internal.h"
#include "dispatcher/type_services.h"
#include "primitive/json_util.h"

namespace trustcse::dispatcher {


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

bool CachedDirectory::IsRegistered(std::string_view originator) const {
  return d_.IsRegisteredAe(originator);
}

std::string CachedDirectory::AppIdOf(std::string_view originator) const {
  if (originator.empty()) return {};
  auto ae = d_.LoadRi(originator);
  if (!ae || !*ae || (*ae)->ty() != rty::kAe) return {};
  return std::string(json::GetString((*ae)->attrs, "api").value_or(""));
}

bool Dispatcher::Impl::GovernedByParent(int ty) {
  const ResourceType* type = resources::FindType(ty);
  return type && !type->validate_options().has_acpi && ty != rty::kAcp && ty != rty::kCseBase;
}

void Dispatcher::Impl::LearnOriginator(InFlight& req) {
  if (req.originator_known) return;
  req.originator_known = true;
  auto ae = LoadRi(req.fr);
  if (ae && *ae && (*ae)->ty() == rty::kAe) {
    req.originator_registered = true;
    req.location = ReportedLocation(**ae);
  }
}

Status Dispatcher::Impl::PrepareAccess(InFlight& req, std::shared_ptr<const Resource> target,
                                       const AccessSpec& spec) {
  if (const TypeServices* ts = FindTypeServices(target->ty());
      ts != nullptr && ts->owner_only && spec.access != security::kCreate &&
      req.fr != target->originator && req.fr != target->pi()) {
    return Status(Rsc::kOriginatorHasNoPrivilege, "only the AE it belongs to may use it");
  }
  security::SecurityContext& ctx = req.access;
  ctx = req.facts;
  ctx.originator = req.fr;  // a registration acts as its new AE-ID from its first write on
  ctx.directory = nullptr;
  ctx.access = spec.access;
  ctx.acpi_change = spec.acpi_change;
  ctx.create_ty = spec.create_ty;
  ctx.registration = spec.access == security::kCreate && spec.create_ty == rty::kAe;
  LearnOriginator(req);
  ctx.originator_registered = req.originator_registered;
  ctx.location = req.location ? &*req.location : nullptr;
  if (req.operation_target.empty()) req.operation_target = std::string(target->ri());
  // Types without acpi (contentInstance, timeSeriesInstance) follow their parent's policies.
  if (GovernedByParent(target->ty())) {
    auto loaded = LoadRi(target->pi());
    if (!loaded) return loaded.error();
    if (!*loaded) return Status::NotFound("parent does not exist");
    req.subject = std::move(*loaded);
  } else {
    req.subject = std::move(target);
  }
  ctx.subject = req.subject.get();
  req.owner_ae = OwnerAe(req.subject->path);
  ctx.owner_ae = req.owner_ae;
  return Status::Ok();
}

bool Dispatcher::Impl::Permits(InFlight& req, const Resource& target, uint32_t access,
                               bool listing, Rsc refusal) {
  if (req.fr == opt.admin_originator) return true;
  security::SecurityContext ctx = req.facts;
  ctx.originator = req.fr;
  ctx.directory = nullptr;
  ctx.access = access;
  ctx.listing = listing;
  ctx.refusal = refusal;
  LearnOriginator(req);
  // Listings run after the request itself was authorized, so the originator is known.
  ctx.originator_registered = listing || req.originator_registered;
  ctx.location = req.location ? &*req.location : nullptr;
  std::shared_ptr<const Resource> parent;
  const Resource* subject = &target;
  if (GovernedByParent(target.ty())) {
    auto loaded = LoadRi(target.pi());
    if (!loaded || !*loaded) return false;
    parent = std::move(*loaded);
    subject = parent.get();
  }
  ctx.subject = subject;
  std::string owner = OwnerAe(subject->path);
  ctx.owner_ae = owner;
  return chains.authorization.RunNow(ctx).status.ok();
}

}  // namespace trustcse::dispatcher
