#include "resources/link_lists.h"

#include "primitive/json_util.h"

namespace trustcse::resources {

Result<std::optional<Resource>> FindLinked(storage::WriteTxn& txn, const HookContext& ctx,
                                           std::string_view address, int ty, std::string_view tag) {
  if (address.empty() || ctx.self == nullptr) return std::optional<Resource>();
  auto addr = ParseAddress(address, *ctx.self);
  if (!addr || addr->kind == LocalAddress::Kind::kRemote) return std::optional<Resource>();
  if (addr->kind == LocalAddress::Kind::kUnstructured && !addr->path.empty()) {
    return std::optional<Resource>();  // "ri/tail": not the resource's own address
  }
  auto rec =
      addr->kind == LocalAddress::Kind::kStructured ? txn.GetByPath(addr->path) : txn.Get(addr->ri);
  if (!rec) return Err(rec.error());
  if (!*rec || (*rec)->ty != ty) return std::optional<Resource>();
  auto res = Resource::FromRecord(**rec);
  if (!res) return Err(res.error());
  if (!tag.empty() && json::GetString(res->attrs, "__tag").value_or("") != tag) {
    return std::optional<Resource>();
  }
  return std::optional<Resource>(std::move(*res));
}

Status UpdateLinkList(storage::WriteTxn& txn, const HookContext& ctx, std::string_view address,
                      int ty, std::string_view tag, std::string_view sn, std::string_view ri,
                      bool add, WriteEffects& fx) {
  auto found = FindLinked(txn, ctx, address, ty, tag);
  if (!found) return found.error();
  if (!*found) return Status::Ok();
  Resource& target = **found;
  bj::array list;
  bool present = false;
  if (const bj::value* v = target.attrs.if_contains(sn); v && v->is_array()) {
    for (const auto& e : v->get_array()) {
      if (e.is_string() && e.get_string() == ri) {
        present = true;
        if (!add) continue;
      }
      list.push_back(e);
    }
  }
  if (add == present) return Status::Ok();
  if (add) list.emplace_back(ri);
  if (list.empty()) {
    target.attrs.erase(sn);
  } else {
    target.attrs[sn] = std::move(list);
  }
  target.attrs["lt"] = FormatTimestamp(ctx.now);
  if (const ResourceType* type = FindType(ty); type && type->has_state_tag()) {
    target.attrs["st"] = target.st() + 1;
  }
  auto out = target.ToRecord();
  if (auto s = txn.Update(out); !s.ok()) return s;
  fx.events.push_back(
      {Event::Kind::kUpdate, std::string(target.ri()), target.path, out, {std::string(sn)}});
  return Status::Ok();
}

}  // namespace trustcse::resources
