#include "egress/client.h"

#include <strings.h>

namespace trustcse::egress {

std::string OutboundResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return {};
}

}  // namespace trustcse::egress
