#include "bindings/coap/coap_logging.h"

#include <coap3/coap.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string_view>

namespace trustcse::coap {

namespace {

std::atomic<int> g_lines_per_second{5};
std::atomic<bool> g_debug{false};  // TRUSTCSE_COAP_DEBUG
std::mutex g_mu;
std::chrono::steady_clock::time_point g_window;  // guarded by g_mu
int g_written = 0;                               // guarded by g_mu
unsigned long g_suppressed = 0;                  // guarded by g_mu

// libcoap reports peers' mistakes (a stray RST, a malformed datagram) as ALRT/CRIT/ERR: they
// say nothing about the server's health, so they become warnings.
spdlog::level::level_enum SpdlogLevel(coap_log_t level) {
  if (level <= LOG_WARNING) return spdlog::level::warn;
  if (level <= LOG_INFO || g_debug.load()) return spdlog::level::info;
  return spdlog::level::debug;
}

coap_log_t LibcoapLevel(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return LOG_DEBUG;
    case spdlog::level::info:
      return LOG_INFO;
    case spdlog::level::warn:
      return LOG_WARNING;
    case spdlog::level::err:
      return LOG_ERR;
    default:
      return LOG_CRIT;
  }
}

void ReportSuppressed(unsigned long suppressed) {
  if (suppressed == 0) return;
  spdlog::warn("coap: libcoap: {} more lines suppressed (at most {} a second)", suppressed,
               g_lines_per_second.load());
}

// Starts a new one-second window if the last one is over; returns the lines it suppressed.
unsigned long NextWindow(std::chrono::steady_clock::time_point now) {
  if (now - g_window < std::chrono::seconds(1)) return 0;
  g_window = now;
  g_written = 0;
  unsigned long suppressed = g_suppressed;
  g_suppressed = 0;
  return suppressed;
}

void OnLibcoapLog(coap_log_t level, const char* message) {
  std::string_view text(message != nullptr ? message : "");
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (text.empty()) return;
  const auto lvl = SpdlogLevel(level);
  if (!spdlog::should_log(lvl)) return;
  unsigned long suppressed = 0;
  {
    std::lock_guard lock(g_mu);
    suppressed = NextWindow(std::chrono::steady_clock::now());
    if (g_written >= g_lines_per_second.load()) {
      ++g_suppressed;
      return;
    }
    ++g_written;
  }
  ReportSuppressed(suppressed);
  spdlog::log(lvl, "coap: libcoap: {}", text);
}

}  // namespace

void FlushLibcoapLog() {
  unsigned long suppressed;
  {
    std::lock_guard lock(g_mu);
    suppressed = NextWindow(std::chrono::steady_clock::now());
  }
  ReportSuppressed(suppressed);
}

void RouteLibcoapLogging(int lines_per_second) {
  g_lines_per_second = lines_per_second > 0 ? lines_per_second : 1;
  coap_set_log_handler(&OnLibcoapLog);
  // TRUSTCSE_COAP_DEBUG: everything libcoap says, at info and unlimited (for debugging).
  g_debug = std::getenv("TRUSTCSE_COAP_DEBUG") != nullptr;
  if (g_debug) g_lines_per_second = 1 << 30;
  const coap_log_t level = g_debug ? LOG_DEBUG : LibcoapLevel(spdlog::get_level());
  coap_set_log_level(level);
  coap_dtls_set_log_level(level);
}

}  // namespace trustcse::coap
