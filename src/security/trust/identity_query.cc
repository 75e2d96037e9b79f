#include "security/trust/identity_query.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "common/time.h"
#include "events/event_stream.h"
#include "primitive/json_util.h"
#include "security/crypto/crypto.h"

namespace trustcse::security::trust {

namespace bj = boost::json;

std::string IdentityQueryBody(const Machine& m) {
  return json::Serialize(bj::object{
      {"trustcse:identityQuery", bj::object{{"query", m.query_id},
                                            {"machine", m.id},
                                            {"report", bj::array{"m2m:dvi", "dcfg:sim"}}}}});
}

std::string CompareWithRecord(const Machine& m, const Observed& o) {
  std::string out;
  auto differ = [&](const char* what, const std::string& seen, const std::string& recorded) {
    if (seen.empty() || recorded.empty() || seen == recorded) return;
    out.append(out.empty() ? "" : "; ")
        .append(what)
        .append(" ")
        .append(seen)
        .append(", recorded ")
        .append(recorded);
  };
  differ("IMEI", o.imei, m.imei);
  differ("IMSI", o.imsi, m.imsi);
  differ("ICCID", o.iccid, m.iccid);
  differ("model", o.model, m.model);
  if (!o.conflict.empty()) out.append(out.empty() ? "" : "; ").append(o.conflict);
  return out;
}

// --- TrustRegistry: the query's changes ---

Result<Machine> TrustRegistry::StartQuery(std::string_view id, std::string_view by) {
  auto qid = crypto::RandomBytes(8);
  if (!qid) return Err(qid.error());
  return ChangeMachine(id, [&](Machine& m) {
    if (m.entities.empty()) {
      return Status::BadRequest("machine " + m.id +
                                " names no AE-ID to ask: add its entities first (device update "
                                "--entity …)");
    }
    m.query_id = crypto::Hex(*qid);
    m.query_at = FormatTimestamp(Now());
    m.history.push_back({m.query_at, "query", "", m.query_id, std::string(by), ""});
    return Status::Ok();
  });
}

std::shared_ptr<const Machine> TrustRegistry::AnswerQuery(
    const std::shared_ptr<const Machine>& seen, const Observed& o, std::string_view by) {
  if (seen->query_id.empty() || !o.report) return seen;
  std::lock_guard change(change_mu_);
  auto cur = FindMachine(seen->id);
  if (!cur || cur->query_id.empty()) return cur ? cur : seen;
  Machine m = *cur;
  const std::string mismatch = CompareWithRecord(m, o);
  const std::string at = FormatTimestamp(Now());
  m.answer = {at,      o.imei,     o.imsi,     o.iccid,
              o.model, o.firmware, o.software, mismatch.empty() ? "matches the record" : mismatch};
  m.history.push_back({at, "query.answer", m.query_id, m.answer.result, std::string(by), ""});
  const std::string qid = m.query_id;
  m.query_id.clear();
  m.query_at.clear();
  auto answered = std::make_shared<const Machine>(std::move(m));
  StoreQueued(answered);
  if (!mismatch.empty()) {
    spdlog::warn("trust: machine {} answered query {} with a mismatch: {}", answered->id, qid,
                 mismatch);
  }
  events::Emit(events_.get(), events::Kind::kTrust, "trust.query", by, answered->id,
               mismatch.empty() ? "query.answered" : "query.mismatch",
               "query " + qid + ": " + answered->answer.result);
  return answered;
}

}  // namespace trustcse::security::trust
