// Monitoring's scrape: the request table, the security sink, the storage writer, the notifier,
// the listeners and /proc/self read into Prometheus metric families, serialized as text; the
// readiness checks; the status summary.
#include "server/monitoring.h"

#include <dirent.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cmath>
#include <fstream>
#include <limits>

#include "primitive/json_util.h"
#include "server/monitoring_listener.h"
#include "trustcse_version.h"

namespace trustcse::server {

namespace bj = boost::json;
namespace prom = prometheus;

namespace {

using Labels = std::vector<prom::ClientMetric::Label>;

prom::MetricFamily Family(std::string name, std::string help, prom::MetricType type) {
  prom::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

void AddValue(prom::MetricFamily& f, Labels labels, double v) {
  prom::ClientMetric m;
  m.label = std::move(labels);
  if (f.type == prom::MetricType::Counter)
    m.counter.value = v;
  else
    m.gauge.value = v;
  f.metric.push_back(std::move(m));
}

prom::MetricFamily Single(std::string name, std::string help, prom::MetricType type, double v) {
  auto f = Family(std::move(name), std::move(help), type);
  AddValue(f, {}, v);
  return f;
}

// A FixedHistogram snapshot as a Prometheus histogram; bucket bounds divided by `scale` (µs → s).
template <typename Snap>
void AddHistogram(prom::MetricFamily& f, Labels labels, const Snap& s, double scale) {
  prom::ClientMetric m;
  m.label = std::move(labels);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < s.bounds.size(); ++i) {
    cumulative += s.counts[i];
    m.histogram.bucket.push_back({cumulative, static_cast<double>(s.bounds[i]) / scale});
  }
  cumulative += s.counts[s.bounds.size()];
  m.histogram.bucket.push_back({cumulative, std::numeric_limits<double>::infinity()});
  m.histogram.sample_count = cumulative;
  m.histogram.sample_sum = static_cast<double>(s.sum) / scale;
  f.metric.push_back(std::move(m));
}

uint64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

}  // namespace

ProcessFacts ReadProcessFacts() {
  ProcessFacts p;
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (statm >> size >> resident) {
    const auto page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    p.virtual_bytes = size * page;
    p.resident_bytes = resident * page;
  }
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') ++p.open_fds;
    }
    ::closedir(d);
    if (p.open_fds > 0) --p.open_fds;  // the directory stream's own descriptor
  }
  return p;
}

Monitoring::Monitoring(Sources sources)
    : src_(std::move(sources)),
      requests_(std::make_shared<events::RequestMetrics>()),
      security_(std::make_shared<events::SecurityMetrics>()),
      started_wall_(std::chrono::system_clock::now()),
      started_(std::chrono::steady_clock::now()) {
  if (src_.events) {
    src_.events->Subscribe(
        security_, events::Subscription{events::SecurityMetrics::kKinds, 4096, false, "metrics"});
    if (src_.config && src_.config->log_access) {
      src_.events->Subscribe(
          std::make_shared<events::AccessLogSink>(src_.config->log_format == "json"),
          events::Subscription{events::Bit(events::Kind::kRequestCompleted), 8192, false,
                               "access"});
    }
  }
}

Monitoring::~Monitoring() { Stop(); }

void Monitoring::AttachTo(admin::AdminServer& admin) {
  admin.SetGetHandler([this](std::string_view path) { return Get(path); });
  admin.operations().SetStatusProvider([this] { return StatusSummary(); });
}

Status Monitoring::Start() {
  ready_ = true;
  const Config& c = *src_.config;
  if (c.monitoring_port == 0) return Status::Ok();
  listener_ = std::make_unique<MonitoringListener>(
      c.monitoring_address, static_cast<uint16_t>(c.monitoring_port),
      [this](std::string_view path) { return Get(path); });
  if (auto s = listener_->Start(); !s.ok()) {
    listener_.reset();
    return Status(s.code(), s.message() + ": stop the other process or set [monitoring] port");
  }
  listener_port_ = listener_->port();
  spdlog::info("trustcse: monitoring (GET /healthz /readyz /metrics) on http://{}:{}",
               c.monitoring_address, listener_port_.load());
  return Status::Ok();
}

void Monitoring::Stop() {
  stopping_ = true;
  if (listener_) listener_->Stop();
}

uint16_t Monitoring::port() const { return listener_port_; }

admin::PlainAnswer Monitoring::Get(std::string_view path) {
  if (path == "/healthz") {
    if (stopping_) return {503, "text/plain; charset=utf-8", "stopping\n"};
    return {200, "text/plain; charset=utf-8", "ok\n"};
  }
  if (path == "/readyz") return Ready();
  if (path == "/metrics") {
    return {200, "text/plain; version=0.0.4; charset=utf-8", MetricsText()};
  }
  return {};
}

std::vector<Monitoring::Listener> Monitoring::Listeners() const {
  const Config& c = *src_.config;
  std::vector<Listener> out;
  if (c.http_enabled) {
    const auto& h = *src_.http;
    out.push_back({"http", c.http_address, h ? h->port() : uint16_t{0}, h && h->port() != 0});
  }
  if (c.tls_enabled) {
    std::lock_guard g(*src_.tls_mu);
    const size_t configured = std::max<size_t>(c.tls_listeners.size(), 1);
    for (size_t i = 0; i < configured; ++i) {
      const std::unique_ptr<http::HttpServer>* s =
          i < src_.https->size() ? &(*src_.https)[i] : nullptr;
      std::string address = i < c.tls_listeners.size() ? c.tls_listeners[i].address : "127.0.0.1";
      const uint16_t port = s ? (*s)->port() : 0;
      out.push_back({"https", address, port, port != 0});
    }
  }
  if (c.coap_enabled) {
    const auto& co = *src_.coap;
    if (c.coap_plain) {
      const uint16_t p = co ? co->port() : 0;
      out.push_back({"coap", c.coap_address, p, p != 0});
    }
    const auto ports = co ? co->dtls_ports() : std::vector<uint16_t>{};
    for (size_t i = 0; i < c.coap_listeners.size(); ++i) {
      const uint16_t p = i < ports.size() ? ports[i] : 0;
      out.push_back({"coaps", c.coap_address, p, p != 0});
    }
  }
  if (c.ws_enabled && src_.websockets != nullptr) {
    std::lock_guard g(*src_.tls_mu);
    const auto& ws = *src_.websockets;
    size_t i = 0;
    if (c.ws_plain) {
      const uint16_t p = i < ws.size() ? ws[i]->port() : 0;
      out.push_back({"ws", c.ws_address, p, p != 0});
      ++i;
    }
    for (const auto& l : c.ws_listeners) {
      const uint16_t p = i < ws.size() ? ws[i]->port() : 0;
      out.push_back({"wss", l.address, p, p != 0});
      ++i;
    }
  }
  if (c.mqtt_enabled) {
    const auto& mq = *src_.mqtt;
    out.push_back({"mqtt", c.mqtt_host, static_cast<uint16_t>(c.mqtt_port), mq && mq->connected()});
  }
  if (const uint16_t p = listener_port_; p != 0) {
    out.push_back({"monitoring", c.monitoring_address, p, true});
  }
  return out;
}

size_t Monitoring::ActiveConnections(size_t* max_total) const {
  std::shared_ptr<http::ConnectionLimiter> limiter;
  if (*src_.http) limiter = (*src_.http)->limiter();
  if (!limiter) {
    std::lock_guard g(*src_.tls_mu);
    if (!src_.https->empty()) limiter = src_.https->front()->limiter();
  }
  if (max_total) *max_total = limiter ? limiter->max_total() : 0;
  return limiter ? limiter->active() : 0;
}

admin::PlainAnswer Monitoring::Ready() {
  bj::object checks;
  bool ok = true;
  auto check = [&](const std::string& name, std::string verdict) {
    if (verdict != "ok") ok = false;
    checks[name] = std::move(verdict);
  };
  check("started", stopping_ ? "stopping" : ready_ ? "ok" : "starting");
  if (src_.store) {
    Status s = src_.store->Probe(std::chrono::seconds(2));
    check("store", s.ok() ? "ok" : s.message());
  }
  for (const auto& l : Listeners()) {
    check(l.name + ":" + std::to_string(l.port), l.up ? "ok" : "down");
  }
  bj::object body{{"ready", ok}, {"checks", std::move(checks)}};
  return {ok ? 200 : 503, "application/json", json::Serialize(body) + "\n"};
}

std::string Monitoring::MetricsText() {
  using MT = prom::MetricType;
  std::vector<prom::MetricFamily> out;

  // Requests, from the dispatcher's table.
  auto requests = Family("trustcse_requests_total",
                         "Requests answered, by binding, operation, resource type and status code",
                         MT::Counter);
  using RM = events::RequestMetrics;
  requests_->ForEachCount([&](size_t b, size_t o, size_t t, size_t r, uint64_t n) {
    AddValue(requests,
             {{"binding", std::string(RM::BindingName(b))},
              {"operation", std::string(RM::OperationName(o))},
              {"rsc", RM::RscName(r)},
              {"ty", RM::TyName(t)}},
             static_cast<double>(n));
  });
  out.push_back(std::move(requests));
  auto latency = Family("trustcse_request_duration_seconds",
                        "Time from a request's arrival to its response, by binding and operation",
                        MT::Histogram);
  for (size_t b = 0; b < RM::kBindings; ++b) {
    for (size_t o = 0; o < RM::kOperations; ++o) {
      auto snap = requests_->latency(b, o).Read();
      if (snap.count() == 0) continue;
      AddHistogram(latency,
                   {{"binding", std::string(RM::BindingName(b))},
                    {"operation", std::string(RM::OperationName(o))}},
                   snap, 1e6);
    }
  }
  out.push_back(std::move(latency));

  // Security: denials and handshakes, from the event sink.
  auto sec = security_->Snapshot();
  auto denials =
      Family("trustcse_security_denials_total",
             "Accesses the security chain refused, by deciding step and reason", MT::Counter);
  for (const auto& [k, n] : sec.denials) {
    AddValue(denials, {{"reason", k.second}, {"step", k.first}}, static_cast<double>(n));
  }
  out.push_back(std::move(denials));
  auto hs_fail = Family("trustcse_tls_handshake_failures_total",
                        "TLS (tls) and DTLS (dtls) handshakes that failed, by reason", MT::Counter);
  for (const auto& [k, n] : sec.handshake_failures) {
    AddValue(hs_fail, {{"protocol", k.first}, {"reason", k.second}}, static_cast<double>(n));
  }
  out.push_back(std::move(hs_fail));
  auto hs_ok =
      Family("trustcse_tls_handshakes_total",
             "TLS and DTLS handshakes that authenticated a credential, by method", MT::Counter);
  for (const auto& [k, n] : sec.handshakes_ok) {
    AddValue(hs_ok, {{"method", k.second}, {"protocol", k.first}}, static_cast<double>(n));
  }
  out.push_back(std::move(hs_ok));

  // Connections.
  size_t max_total = 0;
  const size_t active = ActiveConnections(&max_total);
  out.push_back(Single("trustcse_http_connections_active",
                       "Open HTTP and HTTPS connections, all listeners together", MT::Gauge,
                       static_cast<double>(active)));
  out.push_back(Single("trustcse_http_connections_max", "The cap of open HTTP(S) connections",
                       MT::Gauge, static_cast<double>(max_total)));

  // WebSocket: connections of the ws and wss listeners together, and the entities reachable
  // over them (notifications go there first).
  if (src_.websockets != nullptr) {
    std::shared_ptr<http::ConnectionLimiter> ws_limiter;
    {
      std::lock_guard g(*src_.tls_mu);
      if (!src_.websockets->empty()) ws_limiter = src_.websockets->front()->limiter();
    }
    if (ws_limiter) {
      out.push_back(Single("trustcse_websocket_connections_active",
                           "Open WebSocket connections (ws and wss together)", MT::Gauge,
                           static_cast<double>(ws_limiter->active())));
      out.push_back(Single("trustcse_websocket_connections_max",
                           "The cap of open WebSocket connections", MT::Gauge,
                           static_cast<double>(ws_limiter->max_total())));
    }
  }
  if (src_.connections) {
    out.push_back(Single("trustcse_websocket_entities_connected",
                         "AEs and CSEs reachable over an open WebSocket connection", MT::Gauge,
                         static_cast<double>(src_.connections->size())));
  }

  // Storage.
  if (src_.store) {
    auto w = src_.store->writer_stats();
    out.push_back(Single("trustcse_storage_queue_depth", "Writes waiting for the storage writer",
                         MT::Gauge, static_cast<double>(w.queue_depth)));
    out.push_back(Single("trustcse_storage_commits_total", "Group commits made durable",
                         MT::Counter, static_cast<double>(w.commits)));
    out.push_back(Single("trustcse_storage_commit_failures_total",
                         "Write batches that failed as a whole", MT::Counter,
                         static_cast<double>(w.failed_commits)));
    auto commit = Family("trustcse_storage_commit_duration_seconds",
                         "Time from BEGIN to a durable COMMIT of one group commit", MT::Histogram);
    AddHistogram(commit, {}, w.commit_latency, 1e6);
    out.push_back(std::move(commit));
    auto batch = Family("trustcse_storage_batch_size", "Writes per group commit", MT::Histogram);
    AddHistogram(batch, {}, w.batch_size, 1.0);
    out.push_back(std::move(batch));
    out.push_back(Single("trustcse_storage_database_bytes",
                         "Size of the database file and its write-ahead log", MT::Gauge,
                         static_cast<double>(FileSize(src_.config->db_path) +
                                             FileSize(src_.config->db_path + "-wal"))));
  }

  // Notifications.
  if (src_.notifier) {
    const auto& n = src_.notifier->delivery_counters();
    out.push_back(Single("trustcse_notifications_sent_total", "Notifications their target accepted",
                         MT::Counter, static_cast<double>(n.sent.load(std::memory_order_relaxed))));
    out.push_back(Single("trustcse_notifications_failed_total",
                         "Notifications given up after their last attempt, or dropped", MT::Counter,
                         static_cast<double>(n.failed.load(std::memory_order_relaxed))));
    out.push_back(Single("trustcse_notifications_retried_total",
                         "Notification attempts scheduled again after a failure", MT::Counter,
                         static_cast<double>(n.retried.load(std::memory_order_relaxed))));
  }

  // The event stream, the listeners, the process.
  if (src_.events) {
    out.push_back(Single("trustcse_events_dropped_total",
                         "Events a sink (log, metrics, access log) dropped: its queue was full",
                         MT::Counter, static_cast<double>(src_.events->dropped_total())));
  }
  auto up = Family("trustcse_listener_up", "1 if the listener is up", MT::Gauge);
  for (const auto& l : Listeners()) {
    AddValue(up, {{"listener", l.name}, {"port", std::to_string(l.port)}}, l.up ? 1 : 0);
  }
  out.push_back(std::move(up));
  auto info = Family("trustcse_build_info", "The version and commit running", MT::Gauge);
  AddValue(info, {{"commit", TRUSTCSE_COMMIT}, {"version", TRUSTCSE_VERSION}}, 1);
  out.push_back(std::move(info));
  const ProcessFacts p = ReadProcessFacts();
  out.push_back(Single("process_resident_memory_bytes", "Resident memory size in bytes", MT::Gauge,
                       static_cast<double>(p.resident_bytes)));
  out.push_back(Single("process_virtual_memory_bytes", "Virtual memory size in bytes", MT::Gauge,
                       static_cast<double>(p.virtual_bytes)));
  out.push_back(Single("process_open_fds", "Number of open file descriptors", MT::Gauge,
                       static_cast<double>(p.open_fds)));
  out.push_back(Single("process_start_time_seconds",
                       "Start time of the process since the Unix epoch in seconds", MT::Gauge,
                       std::chrono::duration<double>(started_wall_.time_since_epoch()).count()));
  return prom::TextSerializer().Serialize(out);
}

bj::object Monitoring::StatusSummary() {
  const Config& c = *src_.config;
  bj::array listeners;
  for (const auto& l : Listeners()) {
    listeners.emplace_back(
        bj::object{{"name", l.name}, {"address", l.address}, {"port", l.port}, {"up", l.up}});
  }
  size_t max_total = 0;
  const size_t active = ActiveConnections(&max_total);
  auto sec = security_->Snapshot();
  bj::object store{{"path", c.db_path},
                   {"bytes", FileSize(c.db_path) + FileSize(c.db_path + "-wal")}};
  if (src_.store) {
    auto w = src_.store->writer_stats();
    store["queue_depth"] = w.queue_depth;
    store["commits"] = w.commits;
  }
  const auto uptime =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
  uint64_t handshake_failures = 0;
  for (const auto& [k, n] : sec.handshake_failures) handshake_failures += n;
  bj::object out{{"version", TRUSTCSE_VERSION},
                 {"commit", TRUSTCSE_COMMIT},
                 {"cse_id", c.cse_id},
                 {"pid", static_cast<int64_t>(::getpid())},
                 {"uptime_seconds", uptime.count()},
                 {"listeners", std::move(listeners)},
                 {"store", std::move(store)},
                 {"connections", bj::object{{"active", active}, {"max", max_total}}},
                 {"websocket_entities",
                  src_.connections ? static_cast<int64_t>(src_.connections->size()) : 0},
                 {"requests", requests_->total()},
                 {"denials", sec.denials_total},
                 {"handshake_failures", handshake_failures},
                 {"memory_bytes", ReadProcessFacts().resident_bytes}};
  if (src_.notifier) {
    const auto& n = src_.notifier->delivery_counters();
    out["notifications"] = bj::object{
        {"sent", n.sent.load()}, {"failed", n.failed.load()}, {"retried", n.retried.load()}};
  }
  return out;
}

namespace {

// {"time":…,"level":…,"logger":…,"msg":…}; an access line (already a JSON object) as "request".
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto t = std::chrono::system_clock::to_time_t(msg.time);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count() %
        1000;
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string_view text(msg.payload.data(), msg.payload.size());
    std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
    std::string line =
        fmt::format(R"({{"time":"{}.{:03}Z","level":"{}","logger":"{}",)", when, ms,
                    spdlog::level::to_string_view(msg.level), events::JsonEscape(logger));
    if (logger == "access" && text.starts_with('{')) {
      line += "\"request\":";
      line += text;
    } else {
      line += "\"msg\":\"" + events::JsonEscape(text) + "\"";
    }
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

void UseJsonLogFormat() {
  spdlog::default_logger()->set_formatter(std::make_unique<JsonFormatter>());
}

}  // namespace trustcse::server
