#include "events/security_metrics.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <array>

#include "common/printable.h"

namespace trustcse::events {

std::string JsonEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  return out;
}

std::string SecurityMetrics::ReasonClass(int rsc) {
  switch (rsc) {
    case 4103:
      return "no_privilege";
    case 4106:
      return "not_authenticated";
    case 4107:
      return "security_association_required";
    case 4008:
      return "timeout";
    case 5207:
      return "not_acceptable";
    default:
      return std::to_string(rsc);
  }
}

std::string_view SecurityMetrics::HandshakeReasonClass(std::string_view r) {
  // The TLS and DTLS listeners start their reasons with these phrases (tls/server_context.h).
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kPrefixes = {{
      {"unknown PSK identity", "unknown_psk_identity"},
      {"bad key for PSK identity", "bad_psk_key"},
      {"revoked or inactive certificate", "revoked_certificate"},
      {"foreign certificate", "foreign_certificate"},
      {"key not pinned", "key_not_pinned"},
      {"no client credential", "no_credential"},
      {"timeout", "timeout"},
  }};
  for (const auto& [prefix, cls] : kPrefixes) {
    if (r.starts_with(prefix)) return cls;
  }
  return "protocol";
}

void SecurityMetrics::Add(std::map<std::pair<std::string, std::string>, uint64_t>& m, std::string a,
                          std::string b) {
  auto key = std::make_pair(std::move(a), std::move(b));
  auto it = m.find(key);
  if (it == m.end() && m.size() >= kMaxSeries) key = {"other", "other"};
  ++m[key];
}

void SecurityMetrics::Consume(const Event& e) {
  std::lock_guard lock(mu_);
  switch (e.kind) {
    case Kind::kAccessDenied:
      ++counts_.denials_total;
      Add(counts_.denials, e.source, ReasonClass(e.status));
      return;
    case Kind::kHandshakeFailure:
      Add(counts_.handshake_failures, e.source, std::string(HandshakeReasonClass(e.reason)));
      return;
    case Kind::kCredentialUsed:
      if (e.operation == "handshake") Add(counts_.handshakes_ok, e.source, e.reason);
      return;
    default:
      return;
  }
}

SecurityMetrics::Counts SecurityMetrics::Snapshot() const {
  std::lock_guard lock(mu_);
  return counts_;
}

std::string AccessLogSink::Line(const Event& e) const {
  const auto us = e.latency.count();
  if (!json_) {
    return fmt::format("{} {} fr={} op={} to={} rsc={} {}.{:03}ms", e.peer.empty() ? "-" : e.peer,
                       e.binding.empty() ? "-" : e.binding, Printable(e.originator), e.operation,
                       Printable(e.target),
                       e.status, us / 1000, us % 1000);
  }
  return fmt::format(
      R"({{"peer":"{}","binding":"{}","fr":"{}","op":"{}","to":"{}","rqi":"{}","rsc":{},"duration_us":{}}})",
      JsonEscape(e.peer), JsonEscape(e.binding), JsonEscape(e.originator), JsonEscape(e.operation),
      JsonEscape(e.target), JsonEscape(e.request_id), e.status, us);
}

void AccessLogSink::Consume(const Event& e) {
  if (e.kind != Kind::kRequestCompleted) return;
  static const std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::get("access");
    if (l) return l;
    // The default logger's sinks and format, under its own name (so a JSON line says "access").
    auto def = spdlog::default_logger();
    l = std::make_shared<spdlog::logger>("access", def->sinks().begin(), def->sinks().end());
    l->set_level(spdlog::level::info);
    spdlog::register_logger(l);
    return l;
  }();
  logger->info("{}", Line(e));
}

}  // namespace trustcse::events
