#include "security/audit/audit_entry.h"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace trustcse::security::audit {
namespace {

// Appends members in the order they are given: the order is the format.
class Writer {
 public:
  Writer() { out_ = "{\"v\":" + std::to_string(kEntryVersion); }
  void Int(std::string_view name, uint64_t v) {
    if (v == 0) return;
    Name(name);
    out_ += std::to_string(v);
  }
  void Text(std::string_view name, std::string_view v) {
    if (v.empty()) return;
    Name(name);
    out_ += boost::json::serialize(boost::json::string(v));
  }
  std::string Done() && {
    out_ += '}';
    return std::move(out_);
  }

 private:
  void Name(std::string_view name) {
    out_ += ",\"";
    out_ += name;
    out_ += "\":";
  }
  std::string out_;
};

std::string_view Decision(const events::Event& e) {
  switch (e.kind) {
    case events::Kind::kAccessDenied:
    case events::Kind::kHandshakeFailure:
      return "deny";
    case events::Kind::kAccessAudited:
    case events::Kind::kAccessAllowed:
      return "allow";
    default:
      return {};
  }
}

}  // namespace

std::string EncodeEntry(const events::Event& e) {
  Writer w;
  w.Int("seq", e.seq);
  w.Text("time", FormatTimestamp(e.time));
  w.Text("kind", events::KindName(e.kind));
  w.Text("source", e.source);
  w.Text("actor", e.originator);
  w.Text("subject", e.target);
  w.Text("operation", e.operation);
  w.Text("decision", Decision(e));
  w.Text("reason", e.reason);
  w.Int("status", e.status > 0 ? static_cast<uint64_t>(e.status) : 0);
  w.Text("binding", e.binding);
  w.Text("peer", e.peer);
  w.Text("rqi", e.request_id);
  return std::move(w).Done();
}

std::string EncodeGap(TimePoint time, uint64_t dropped, std::string_view reason) {
  Writer w;
  w.Text("time", FormatTimestamp(time));
  w.Text("kind", "audit.gap");
  w.Text("reason", reason);
  w.Int("dropped", dropped);
  return std::move(w).Done();
}

}  // namespace trustcse::security::audit
