#include "security/keystore/key_rotation.h"

#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "primitive/json_util.h"

namespace trustcse::security {
namespace {

namespace bj = boost::json;

struct Pending {
  std::string id;
  std::string body;  // the record with its value re-sealed under `to`
};

}  // namespace

Result<ResealCounts> ResealAll(storage::Store& store, std::span<const SealedField> fields,
                               const KeyStore& from, const KeyStore& to, size_t batch,
                               const ResealProgressFn& progress) {
  if (batch == 0) batch = 1;
  ResealCounts counts;
  for (const SealedField& field : fields) {
    auto records = store.ListObjects(field.kind);
    if (!records) return Err(records.error());
    // The records of this kind that hold a sealed value at all.
    std::vector<storage::ObjectRecord*> sealed;
    for (auto& r : *records) {
      auto v = json::Parse(r.body);
      if (!v || !v->is_object()) {
        return Err(Status::Internal("stored " + std::string(field.kind) + " " + r.id +
                                    " is not a JSON object"));
      }
      if (json::GetString(v->get_object(), field.member).value_or("").empty()) continue;
      sealed.push_back(&r);
    }
    ResealProgress p{field.kind, 0, sealed.size()};
    for (size_t at = 0; at < sealed.size();) {
      std::vector<Pending> out;
      for (; at < sealed.size() && out.size() < batch; ++at) {
        storage::ObjectRecord& r = *sealed[at];
        auto v = json::Parse(r.body);
        bj::object& o = v->get_object();
        const std::string value(json::GetString(o, field.member).value_or(""));
        if (to.SealedUnderThisKey(value)) {
          ++counts.already;
          continue;
        }
        const std::string purpose = field.purpose(r.id);
        auto plain = from.Unseal(value, purpose);
        if (!plain) {
          return Err(Status::Internal("the sealed value of " + std::string(field.kind) + " " +
                                      r.id + " opens under neither key (" +
                                      plain.error().message() + ")"));
        }
        auto resealed = to.Seal(plain->view(), purpose);
        if (!resealed) return Err(resealed.error());
        o[field.member] = *resealed;
        out.push_back({r.id, json::Serialize(o)});
      }
      if (!out.empty()) {
        Status s = store.SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
          for (const Pending& e : out) {
            if (Status w = txn.PutObject(field.kind, e.id, e.body); !w.ok()) return w;
          }
          return Status::Ok();
        });
        if (!s.ok()) return Err(s);
        counts.resealed += out.size();
      }
      p.done = at;
      if (progress && !progress(p)) {
        counts.interrupted = true;
        return counts;
      }
    }
  }
  return counts;
}

}  // namespace trustcse::security
