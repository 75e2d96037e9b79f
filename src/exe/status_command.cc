#include "exe/status_command.h"

#include <boost/json.hpp>
#include <cstdlib>
#include <iostream>
#include <string>

#include "admin/admin_server.h"
#include "exe/instance.h"
#include "primitive/json_util.h"
#include "server/config.h"

namespace trustcse::exe {

namespace bj = boost::json;

namespace {

struct StatusOptions {
  InstanceFlags instance;
  std::string socket;
  bool json = false;
};

std::string Duration(int64_t s) {
  std::string out;
  if (s >= 86400) out += std::to_string(s / 86400) + "d ";
  if (s >= 3600) out += std::to_string(s / 3600 % 24) + "h ";
  if (s >= 60) out += std::to_string(s / 60 % 60) + "m ";
  return out + std::to_string(s % 60) + "s";
}

std::string Bytes(uint64_t b) {
  if (b >= (uint64_t{1} << 30)) return std::to_string(b >> 30) + " GiB";
  if (b >= (uint64_t{1} << 20)) return std::to_string(b >> 20) + " MiB";
  if (b >= 1024) return std::to_string(b >> 10) + " KiB";
  return std::to_string(b) + " B";
}

int64_t Int(const bj::object& o, std::string_view k) { return json::GetInt(o, k).value_or(0); }
std::string Str(const bj::object& o, std::string_view k) {
  return std::string(json::GetString(o, k).value_or(""));
}
const bj::object& Obj(const bj::object& o, std::string_view k) {
  static const bj::object kEmpty;
  const bj::value* v = o.if_contains(k);
  return v && v->is_object() ? v->get_object() : kEmpty;
}

void Print(const bj::object& s) {
  std::cout << "trustcse " << Str(s, "version") << " (commit " << Str(s, "commit") << "), CSE "
            << Str(s, "cse_id") << ", pid " << Int(s, "pid") << "\n";
  std::cout << "uptime:      " << Duration(Int(s, "uptime_seconds")) << "\n";
  std::cout << "listeners:  ";
  if (const bj::value* l = s.if_contains("listeners"); l && l->is_array()) {
    bool first = true;
    for (const auto& e : l->get_array()) {
      if (!e.is_object()) continue;
      const auto& o = e.get_object();
      const bj::value* up = o.if_contains("up");
      std::cout << (first ? " " : ", ") << Str(o, "name") << " " << Str(o, "address") << ":"
                << Int(o, "port") << (up && up->is_bool() && up->get_bool() ? "" : " (down)");
      first = false;
    }
  }
  std::cout << "\n";
  const auto& store = Obj(s, "store");
  std::cout << "store:       " << Str(store, "path") << " ("
            << Bytes(static_cast<uint64_t>(Int(store, "bytes"))) << ")\n";
  const auto& conn = Obj(s, "connections");
  std::cout << "connections: " << Int(conn, "active") << " open (max " << Int(conn, "max") << ")\n";
  std::cout << "requests:    " << Int(s, "requests") << " served\n";
  std::cout << "denials:     " << Int(s, "denials")
            << " (handshake failures: " << Int(s, "handshake_failures") << ")\n";
  const auto& n = Obj(s, "notifications");
  std::cout << "notifications: " << Int(n, "sent") << " sent, " << Int(n, "failed") << " failed, "
            << Int(n, "retried") << " retried\n";
  std::cout << "memory:      " << Bytes(static_cast<uint64_t>(Int(s, "memory_bytes")))
            << " resident\n";
}

int Run(const StatusOptions& o) {
  server::Config c;
  if (o.socket.empty()) {
    if (auto s = LoadInstanceConfig(o.instance, c); !s.ok()) {
      PrintConfigError(s, ConfigFileFor(o.instance));
      return kExitUsage;
    }
  }
  const std::string socket = o.socket.empty() ? server::AdminSocketPath(c) : o.socket;
  auto r = admin::CallAdmin(socket, "status", {});
  if (!r) {
    PrintError("status: " + r.error().message() + " (" +
               std::to_string(static_cast<int>(r.error().code())) + ")");
    return kExitRuntime;
  }
  if (o.json) {
    std::cout << json::Serialize(*r) << "\n";
  } else {
    Print(*r);
  }
  return 0;
}

}  // namespace

void AddStatusCommand(CLI::App& app) {
  auto opts = std::make_shared<StatusOptions>();
  auto* cmd =
      app.add_subcommand("status", "summarise the running server (through its admin socket)");
  AddInstanceOptions(cmd, opts->instance);
  cmd->add_option("--socket", opts->socket, "the admin socket (default: from the configuration)");
  cmd->add_flag("--json", opts->json, "print the summary as JSON");
  cmd->callback([opts] {
    std::cout.flush();
    std::exit(Run(*opts));
  });
}

}  // namespace trustcse::exe
