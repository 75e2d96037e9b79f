// Fuzz target for the accessControlPolicy compiler (security/authz/compiled_acp.h): the input is
// parsed as JSON (primitive/json_util.h); an object goes through CompiledAcp::Compile as the
// attributes of an ACP, and the whole value through CompiledPrivileges::Compile as a privileges
// object. Whatever compiles is evaluated against fixed requests (several originators including
// a wildcard-shaped and a group member, every operation, a fixed time, IPv4/IPv6 sources, a
// location, a child type). Nothing may crash or throw; a refusal is 4000 (or 5001 for accc);
// and a grant must survive giving the evaluator more facts (authentication, a source address, a
// location) or dropping the child-type limit.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/time.h"
#include "primitive/json_util.h"
#include "security/authz/compiled_acp.h"

namespace {

using namespace trustcse;
using security::AccessRequest;
using security::CompiledPrivileges;
using security::DenyReason;
namespace bj = boost::json;

// Every group has the members whose ID is longer than the group ID.
class FuzzGroups : public security::GroupMembership {
 public:
  bool IsMember(std::string_view group_id, std::string_view originator) const override {
    return originator.size() > group_id.size();
  }
};

struct Fixed {
  TimePoint noon = *ParseTimestamp("20240611T123045");          // a Tuesday
  TimePoint night = *ParseTimestamp("20240609T233000,250000");  // a Sunday
  security::IpAddress v4 = *security::IpAddress::Parse("10.1.2.3");
  security::IpAddress v6 = *security::IpAddress::Parse("2001:db8::1");
  security::IpAddress mapped = *security::IpAddress::Parse("::ffff:192.168.1.7");
  security::GeoPoint paris{48.8566, 2.3522};
  FuzzGroups groups;
};

const Fixed& F() {
  static const Fixed f;
  return f;
}

void CheckRefusal(const Status& s) {
  if (s.code() != Rsc::kBadRequest && s.code() != Rsc::kNotImplemented) __builtin_trap();
}

void Evaluate(const CompiledPrivileges& p) {
  static constexpr std::string_view kOriginators[] = {"Cae1", "/id-in/C98x", "grp1", "S", ""};
  static constexpr uint32_t kOps[] = {1, 2, 4, 8, 16, 32};
  const Fixed& f = F();
  const security::IpAddress* sources[] = {&f.v4, &f.v6, &f.mapped};
  for (std::string_view originator : kOriginators) {
    for (uint32_t op : kOps) {
      for (TimePoint t : {f.noon, f.night}) {
        AccessRequest bare;
        bare.originator = originator;
        bare.access = op;
        bare.time = t;
        bare.groups = &f.groups;
        DenyReason why = DenyReason::kChildType;
        bool granted = p.Grants(bare, &why);
        // A refusal names one of the reasons (kAttributes, aca, is the last of them).
        if (!granted && static_cast<int>(why) > static_cast<int>(DenyReason::kAttributes)) {
          __builtin_trap();
        }
        if (!granted && p.rule_count() == 0 && why != DenyReason::kNoRules) __builtin_trap();
        if (p.Grants(bare) != granted) __builtin_trap();
        for (const security::IpAddress* src : sources) {
          AccessRequest full = bare;
          full.source = src;
          full.location = &f.paris;
          full.authenticated = true;
          bool full_granted = p.Grants(full, &why);
          // More facts never take a grant away.
          if (granted && !full_granted) __builtin_trap();
          if (op == 1) {
            AccessRequest create = full;
            create.create_ty = 4;
            // A child-type limit only narrows a CREATE.
            if (p.Grants(create, &why) && !full_granted) __builtin_trap();
          }
        }
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto v = json::Parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!v) {
    if (v.error().code() != Rsc::kBadRequest) __builtin_trap();
    return 0;
  }
  if (v->is_object()) {
    auto acp = security::CompiledAcp::Compile(v->get_object());
    if (acp) {
      if (!*acp) __builtin_trap();
      Evaluate((*acp)->pv());
      Evaluate((*acp)->pvs());
    } else {
      CheckRefusal(acp.error());
    }
  }
  auto privileges = CompiledPrivileges::Compile(&*v);
  if (privileges) {
    Evaluate(*privileges);
  } else {
    CheckRefusal(privileges.error());
  }
  return 0;
}
