#include "security/trust/bulk_job.h"

#include <boost/json.hpp>

#include "common/time.h"
#include "primitive/json_util.h"

namespace trustcse::security::trust {

namespace bj = boost::json;

namespace {

std::string Str(const bj::object& o, std::string_view k) {
  return std::string(json::GetString(o, k).value_or(""));
}

uint64_t Count(const bj::object& o, std::string_view k) {
  return static_cast<uint64_t>(std::max<int64_t>(0, json::GetInt(o, k).value_or(0)));
}

bool ValidJobId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

Result<BulkJob> FromJson(std::string_view id, std::string_view body) {
  auto v = json::Parse(body);
  if (!v || !v->is_object()) return Err(Status::Internal("stored bulk job " + std::string(id)));
  const bj::object& o = v->get_object();
  BulkJob j;
  j.id = std::string(id);
  j.op = Str(o, "op");
  j.params = Str(o, "params");
  j.by = Str(o, "by");
  j.started = Str(o, "started");
  j.updated = Str(o, "updated");
  j.total = Count(o, "total");
  j.done = Count(o, "done");
  j.changed = Count(o, "changed");
  j.unchanged = Count(o, "unchanged");
  j.failed = Count(o, "failed");
  if (const bj::value* e = o.if_contains("errors"); e && e->is_array()) {
    for (const auto& x : e->get_array()) {
      if (x.is_string()) j.errors.emplace_back(x.get_string());
    }
  }
  return j;
}

}  // namespace

bj::object ToJson(const BulkJob& j) {
  bj::array errors;
  for (const auto& e : j.errors) errors.emplace_back(e);
  return {{"id", j.id},
          {"op", j.op},
          {"params", j.params},
          {"by", j.by},
          {"started", j.started},
          {"updated", j.updated},
          {"total", j.total},
          {"done", j.done},
          {"changed", j.changed},
          {"unchanged", j.unchanged},
          {"failed", j.failed},
          {"errors", std::move(errors)},
          {"finished", j.finished()}};
}

Result<BulkBatch> ParseBulkBatch(const bj::object& a, std::string op, std::string params,
                                 size_t items, std::string_view by) {
  BulkBatch b;
  b.job = Str(a, "job");
  if (!ValidJobId(b.job)) {
    return Err(Status::BadRequest("job: 1 to 64 letters, digits, '.', '_' or '-'"));
  }
  auto total = json::GetInt(a, "total");
  auto offset = json::GetInt(a, "offset");
  if (!total || *total < 1 || !offset || *offset < 0) {
    return Err(Status::BadRequest("a batch names the job's total (≥ 1) and its offset (≥ 0)"));
  }
  if (items < 1 || items > kMaxBulkBatch) {
    return Err(Status::BadRequest("a batch has 1 to " + std::to_string(kMaxBulkBatch) + " items"));
  }
  b.total = static_cast<uint64_t>(*total);
  b.offset = static_cast<uint64_t>(*offset);
  if (b.offset + items > b.total) {
    return Err(Status::BadRequest("the batch ends after the job's total"));
  }
  b.op = std::move(op);
  b.params = std::move(params);
  b.by = std::string(by);
  return b;
}

Result<std::optional<BulkJob>> FindBulkJob(storage::ReadView& view, std::string_view id) {
  auto body = view.GetObject(kBulkJobKind, id);
  if (!body) return Err(body.error());
  if (!*body) return std::optional<BulkJob>();
  auto j = FromJson(id, **body);
  if (!j) return Err(j.error());
  return std::optional<BulkJob>(std::move(*j));
}

Result<BulkJob> CommitBulkBatch(storage::Store& store, const BulkBatch& b, size_t count,
                                const BulkOutcome& outcome,
                                std::function<Status(storage::WriteTxn&)> write) {
  BulkJob committed;
  const std::string now = FormatTimestamp(Now());
  Status s = store.SubmitAndWait([&](storage::WriteTxn& txn) -> Status {
    auto cur = FindBulkJob(txn, b.job);
    if (!cur) return cur.error();
    BulkJob j;
    if (*cur) {
      j = std::move(**cur);
      if (j.op != b.op || j.total != b.total || j.params != b.params) {
        return Status::BadRequest("job " + b.job + " is a " + j.op + " of " +
                                  std::to_string(j.total) +
                                  " items with other parameters: name a new job");
      }
    } else {
      j.id = b.job;
      j.op = b.op;
      j.params = b.params;
      j.total = b.total;
      j.by = b.by;
      j.started = now;
    }
    if (j.done != b.offset) {
      return Status::Conflict("job " + b.job + " stands at item " + std::to_string(j.done) +
                              ", not " + std::to_string(b.offset) + ": resume from there");
    }
    if (Status w = write(txn); !w.ok()) return w;
    j.done += count;
    j.changed += outcome.changed;
    j.unchanged += outcome.unchanged;
    j.failed += outcome.errors.size();
    for (const auto& [index, why] : outcome.errors) {
      if (j.errors.size() >= kMaxBulkErrors) break;
      j.errors.push_back("item " + std::to_string(b.offset + index + 1) + ": " + why);
    }
    j.updated = now;
    bj::object body = ToJson(j);
    body.erase("id");
    body.erase("finished");
    if (Status w = txn.PutObject(kBulkJobKind, j.id, json::Serialize(body)); !w.ok()) return w;
    committed = std::move(j);
    return Status::Ok();
  });
  if (!s.ok()) return Err(s);
  return committed;
}

}  // namespace trustcse::security::trust
