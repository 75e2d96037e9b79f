// Fuzz target for the trust centre's record fields (security/trust/trust_records.h) and identity
// validators (identifiers.h): the JSON an operator's tool sends to device.add / device.update,
// and the identities in it. The first byte picks creating or updating; the rest is the JSON
// text (or, when it is not JSON, the identity strings). Nothing may crash or throw; a field set
// that is accepted holds only valid identities (IMEI and ICCID Luhn-checked, IMSI split into
// its MCC and MNC), and its stored body reads back to the same record. The same text is also a
// device's report (sim_binding.h): a deviceLabel, or the content of a CREATE; what is observed
// in it is valid, and the binding check of the record against it does not fail. A "profile"
// member is a device subscription's profile (subscription_profile.h): accepted, it reads back
// to itself.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "primitive/json_util.h"
#include "security/trust/identifiers.h"
#include "security/trust/sim_binding.h"
#include "security/trust/subscription_profile.h"
#include "security/trust/trust_records.h"

namespace {

using namespace trustcse;
using namespace trustcse::security::trust;

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool creating = (data[0] & 1) != 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  // The validators alone, on the raw text.
  if (auto imei = ValidateImei(text)) Check(imei->size() == 15 && LuhnValid(*imei));
  if (auto iccid = ValidateIccid(text)) Check(LuhnValid(*iccid) && iccid->starts_with("89"));
  if (auto imsi = ValidateImsi(text, data[0] % 4)) {
    Check(imsi->mcc.size() == 3 && (imsi->mnc.size() == 2 || imsi->mnc.size() == 3) &&
          imsi->imsi.starts_with(imsi->mcc + imsi->mnc));
  }
  if (auto eid = ValidateEid(text)) Check(eid->size() == 32);
  if (std::string imei = ImeiOfLabel(text); !imei.empty()) Check(LuhnValid(imei));

  auto v = json::ParseUntrusted(text);
  if (!v || !v->is_object()) return 0;
  RequestPrimitive report;
  report.op = creating ? Operation::kCreate : Operation::kUpdate;
  report.pc = *v;
  Observed seen = ObservedIdentities(&report, nullptr);
  Check(seen.imei.empty() || (seen.imei.size() == 15 && LuhnValid(seen.imei)));
  Check(seen.iccid.empty() || LuhnValid(seen.iccid));
  // A subscription profile under "profile": parsed, it reads back to itself.
  if (const auto* p = v->get_object().if_contains("profile"); p && p->is_object()) {
    if (auto profile = SubscriptionProfile::Parse(p->get_object())) {
      auto again = SubscriptionProfile::Parse(profile->ToJson());
      Check(again.has_value() && again->ToJson() == profile->ToJson());
      (void)profile->AllowsPath(text);
    }
  }
  // The record: the same object without the reports and the profile.
  boost::json::object fields = v->get_object();
  fields.erase("m2m:dvi");
  fields.erase("dcfg:sim");
  fields.erase("profile");
  Machine m;
  m.id = "M1";
  if (!records::ApplyMachineFields(m, fields, creating).ok()) return 0;
  Check(m.binding.empty() || m.binding == "learn" || m.binding == "strict");
  BindingVerdict verdict = CheckBinding(m, seen);
  Check(verdict.kind != BindingVerdict::Kind::kMismatch || !verdict.what.empty());
  Check(m.imei.empty() || (m.imei.size() == 15 && LuhnValid(m.imei)));
  Check(m.iccid.empty() || LuhnValid(m.iccid));
  Check(m.imsi.empty() || m.imsi.starts_with(m.mcc + m.mnc));
  auto back = records::MachineFrom(m.id, records::MachineBody(m));
  Check(back.has_value());
  Check(back->imei == m.imei && back->iccid == m.iccid && back->imsi == m.imsi &&
        back->entities == m.entities && back->credentials == m.credentials &&
        back->model == m.model && back->user_kyc == m.user_kyc && back->app == m.app &&
        back->binding == m.binding && back->allowed_imeis == m.allowed_imeis);
  return 0;
}
