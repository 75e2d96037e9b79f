// The target of one HTTP exchange, parsed from an http:// or https:// URL. Pure functions;
// thread-safe.
#pragma once

#include <optional>
#include <string>

namespace trustcse::egress {

struct HttpTarget {
  bool tls = false;         // https://
  std::string host;         // for the resolver and the certificate check: no brackets
  std::string port;         // "80" / "443" when absent
  std::string host_header;  // as written in the URL, with the port if any
  std::string path;         // origin-form request target: path and query
  std::string safe;         // scheme://host:port/path, for logs (no userinfo, no query)
  std::string key;          // scheme://host:port: connections are pooled and bounded per key
};

// Parses `url`; everything but an http(s) URL with a usable host is refused, with the reason in
// `why` (safe to log and to answer with).
std::optional<HttpTarget> ParseHttpTarget(const std::string& url, std::string* why);

}  // namespace trustcse::egress
