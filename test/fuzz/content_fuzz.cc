// Fuzz target for resource content validation: JSON parsing (primitive/json_util.h), the
// attribute-policy check of every registered type for CREATE and UPDATE
// (resources/attribute_policy.h), the representation-key lookup (FindTypeByTag), and — for
// content that passes a type's CREATE policy — that type's ValidateCreate hook, exactly as the
// dispatcher would run it. Nothing may crash or throw.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/time.h"
#include "primitive/json_util.h"
#include "resources/attribute_policy.h"
#include "resources/resource.h"

namespace {

using namespace trustcse;
namespace bj = boost::json;

void ValidateAgainst(const resources::ResourceType& type, const bj::object& content) {
  using resources::ContentOp;
  for (ContentOp op : {ContentOp::kCreate, ContentOp::kUpdate}) {
    Status s = resources::ValidateContent(content, type.policies(), op, type.validate_options());
    if (!s.ok() && s.code() != Rsc::kBadRequest) __builtin_trap();
    if (!s.ok() || op != ContentOp::kCreate) continue;
    static const CseIdentity kSelf{"/id-in", "cse-in", "//trustcse.local"};
    resources::Resource parent;
    parent.attrs["ty"] = resources::ty::kCseBase;
    parent.attrs["ri"] = "cb";
    resources::Resource res;
    res.attrs = content;
    res.attrs["ty"] = type.ty();
    res.attrs["ri"] = "x";
    res.attrs["pi"] = "cb";
    resources::HookContext ctx{"Cfuzz", "3", Now(), &kSelf};
    (void)type.ValidateCreate(ctx, parent, res);
    (void)res.Representation();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto v = json::Parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!v) {
    if (v.error().code() != Rsc::kBadRequest) __builtin_trap();
    return 0;
  }
  if (!v->is_object()) return 0;
  const bj::object& top = v->get_object();
  // As a request body: {"m2m:xxx": {...}} — look the key up and validate the inner object.
  for (const auto& [key, inner] : top) {
    const resources::ResourceType* t = resources::FindTypeByTag(std::string_view(key));
    if (t && inner.is_object()) ValidateAgainst(*t, inner.get_object());
  }
  // As bare content against every type.
  for (int ty : resources::SupportedTypes()) {
    const resources::ResourceType* t = resources::FindType(ty);
    if (!t) __builtin_trap();
    ValidateAgainst(*t, top);
  }
  return 0;
}
