// Configuration of one trustcse process: read from a TOML file (`trustcse serve --config …`),
// then overridden by command-line flags. Start-up only; may report errors, never throws.
#pragma once

#include <string>

#include "common/status.h"

namespace trustcse::server {

struct Config {
  // [cse]
  std::string cse_id = "/id-in";
  std::string cse_name = "cse-in";
  std::string sp_id = "//trustcse.local";
  int cse_type = 1;  // 1 IN, 2 MN, 3 ASN
  std::string admin_originator = "CAdmin";
  // [http]
  std::string http_address = "127.0.0.1";
  int http_port = 8080;
  int http_threads = 2;
  size_t http_body_limit = 1 << 20;
  // [storage]
  std::string db_path = "./var/trustcse.db";
  bool storage_fsync = true;  // false trades durability for speed: benchmarks only
  // [notification]
  int notification_timeout_ms = 3000;
  int notification_attempts = 5;
  // [expiration]
  int reaper_interval_ms = 1000;
  // [authz]
  std::string token_key_file;  // key for access tokens; "" = tokens are not accepted
  bool das_role = false;       // answer dynamic authorization consultations (built-in DAS)
  // [log]
  std::string log_level = "info";
};

// Reads `path` into `config` (keys absent from the file keep their current values). Unknown
// sections or keys are errors, so typos do not silently fall back to defaults.
Status LoadConfigFile(const std::string& path, Config& config);
// Checks values (CSE-ID form, ports, names).
Status ValidateConfig(const Config& config);

}  // namespace trustcse::server
