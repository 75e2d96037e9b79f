#include "egress/http/target.h"

#include <boost/url/parse.hpp>
#include <boost/url/scheme.hpp>

namespace trustcse::egress {

std::optional<HttpTarget> ParseHttpTarget(const std::string& url, std::string* why) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    *why = "the target is not a valid URI";
    return std::nullopt;
  }
  const boost::urls::url_view& u = *parsed;
  HttpTarget t;
  if (u.scheme_id() == boost::urls::scheme::https) {
    t.tls = true;
  } else if (u.scheme_id() != boost::urls::scheme::http) {
    *why = "the target's scheme is neither http nor https";
    return std::nullopt;
  }
  const auto host_type = u.host_type();
  if (host_type != boost::urls::host_type::name && host_type != boost::urls::host_type::ipv4 &&
      host_type != boost::urls::host_type::ipv6) {
    *why = "the target has no usable host";
    return std::nullopt;
  }
  t.host = u.host_address();
  if (t.host.empty()) {
    *why = "the target has no usable host";
    return std::nullopt;
  }
  const std::string scheme = t.tls ? "https" : "http";
  t.port = u.has_port() && !u.port().empty() ? std::string(u.port())
                                             : std::string(t.tls ? "443" : "80");
  t.host_header = std::string(u.encoded_host_and_port());
  t.path = std::string(u.encoded_target());
  if (t.path.empty()) {
    t.path = "/";
  } else if (t.path.front() != '/') {
    t.path.insert(0, "/");
  }
  t.safe = scheme + "://" + std::string(u.encoded_host_and_port()) + std::string(u.encoded_path());
  t.key = scheme + "://" + t.host + ":" + t.port;
  return t;
}

}  // namespace trustcse::egress
