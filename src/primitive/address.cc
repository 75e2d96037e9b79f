#include "primitive/address.h"

#include <cctype>

namespace trustcse {
namespace {

bool ValidSegments(std::string_view p) {
  if (p.empty() || p.front() == '/' || p.back() == '/') return false;
  size_t seg_start = 0;
  for (size_t i = 0; i <= p.size(); ++i) {
    if (i == p.size() || p[i] == '/') {
      if (i == seg_start) return false;  // empty segment "a//b"
      auto seg = p.substr(seg_start, i - seg_start);
      if (seg == "." || seg == "..") return false;
      seg_start = i + 1;
      continue;
    }
    unsigned char c = static_cast<unsigned char>(p[i]);
    if (c < 0x21 || c == 0x7f || c == '?' || c == '#') return false;
  }
  return true;
}

Result<LocalAddress> CseRelative(std::string_view rel, const CseIdentity& self) {
  if (!ValidSegments(rel)) return Err(Status::BadRequest("malformed resource address"));
  LocalAddress a;
  auto slash = rel.find('/');
  std::string_view head = rel.substr(0, slash);
  std::string_view tail = slash == std::string_view::npos ? "" : rel.substr(slash + 1);
  if (head == "-" || head == self.cse_name) {
    a.kind = LocalAddress::Kind::kStructured;
    a.path = self.cse_name;
    if (!tail.empty()) a.path.append("/").append(tail);
    return a;
  }
  a.kind = LocalAddress::Kind::kUnstructured;
  a.ri = head;
  a.path = tail;
  return a;
}

}  // namespace

Result<LocalAddress> ParseAddress(std::string_view to, const CseIdentity& self) {
  if (to.empty()) return Err(Status::BadRequest("missing target address"));
  if (to.size() > 2048) return Err(Status::BadRequest("target address too long"));
  if (to.starts_with("//")) {
    // Absolute: //sp-id/cse-id/rest
    auto rest = to.substr(2);
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return Err(Status::BadRequest("malformed absolute address"));
    std::string sp = "//";
    sp.append(rest.substr(0, slash));
    for (auto& ch : sp) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (!self.sp_id.empty() && sp != self.sp_id) {
      LocalAddress a;
      a.kind = LocalAddress::Kind::kRemote;
      a.ri = std::string(to);
      return a;
    }
    return ParseAddress(rest.substr(slash), self);  // now SP-relative "/cse-id/…"
  }
  if (to.front() == '/') {
    auto rest = to.substr(1);
    auto slash = rest.find('/');
    std::string_view cse = rest.substr(0, slash);
    if (cse.empty()) return Err(Status::BadRequest("malformed resource address"));
    if ("/" + std::string(cse) != self.cse_id) {
      LocalAddress a;
      a.kind = LocalAddress::Kind::kRemote;
      a.ri = "/" + std::string(cse);
      return a;
    }
    if (slash == std::string_view::npos) {
      // "/id-in" addresses the CSEBase itself.
      LocalAddress a;
      a.kind = LocalAddress::Kind::kStructured;
      a.path = self.cse_name;
      return a;
    }
    return CseRelative(rest.substr(slash + 1), self);
  }
  return CseRelative(to, self);
}

}  // namespace trustcse
