#include "resources/resource.h"

#include <atomic>
#include <chrono>
#include <random>

#include "primitive/json_util.h"

namespace trustcse::resources {

int Resource::ty() const { return static_cast<int>(json::GetInt(attrs, "ty").value_or(0)); }
std::string_view Resource::ri() const { return json::GetString(attrs, "ri").value_or(""); }
std::string_view Resource::pi() const { return json::GetString(attrs, "pi").value_or(""); }
std::string_view Resource::rn() const { return json::GetString(attrs, "rn").value_or(""); }
std::string_view Resource::cr() const { return json::GetString(attrs, "cr").value_or(""); }
uint64_t Resource::st() const {
  return static_cast<uint64_t>(json::GetInt(attrs, "st").value_or(0));
}

std::vector<std::string> Resource::acpi() const {
  std::vector<std::string> out;
  if (const auto* v = attrs.if_contains("acpi"); v && v->is_array()) {
    for (const auto& e : v->get_array()) {
      if (e.is_string()) out.emplace_back(e.get_string());
    }
  }
  return out;
}

storage::ResourceRecord Resource::ToRecord() const {
  storage::ResourceRecord r;
  r.ri = ri();
  r.pi = pi();
  r.rn = rn();
  r.path = path;
  r.ty = ty();
  r.ct = json::GetString(attrs, "ct").value_or("");
  r.lt = json::GetString(attrs, "lt").value_or("");
  r.et = json::GetString(attrs, "et").value_or("");
  r.st = st();
  r.cr = originator;
  r.cs = static_cast<uint64_t>(json::GetInt(attrs, "cs").value_or(0));
  if (auto cnf = json::GetString(attrs, "cnf")) {
    // cnf is "type/subtype:encoding[:security]"; the cty filter matches the media type part.
    r.cty = std::string(cnf->substr(0, cnf->find(':')));
  }
  if (const auto* v = attrs.if_contains("lbl"); v && v->is_array()) {
    for (const auto& e : v->get_array()) {
      if (e.is_string()) r.lbl.emplace_back(e.get_string());
    }
  }
  r.body = json::Serialize(attrs);
  return r;
}

Result<Resource> Resource::FromRecord(const storage::ResourceRecord& rec) {
  auto v = json::Parse(rec.body);
  if (!v || !v->is_object()) return Err(Status::Internal("stored resource is corrupt"));
  return Resource{rec.path, std::move(v->get_object()), rec.cr};
}

bj::object Resource::Representation() const {
  bj::object out;
  const ResourceType* t = FindType(ty());
  std::string_view tag = t ? t->tag() : "m2m:unknown";
  if (t && tag.empty()) tag = json::GetString(attrs, "__tag").value_or("m2m:fcnt");
  bj::object body;
  for (const auto& [k, v] : attrs) {
    if (!k.starts_with("__")) body.emplace(k, v);
  }
  out.emplace(tag, std::move(body));
  return out;
}

std::string NewResourceId(std::string_view short_name) {
  // Time-ordered: 11 base-36 digits of a strictly increasing 64-bit value (microseconds since
  // the epoch, bumped on collision) followed by 5 random digits. New IDs therefore sort after
  // old ones, so the storage indexes on ri and on default resource names grow at their end
  // instead of at random places (far fewer pages written per commit), and the random tail keeps
  // them unguessable enough to not be enumerable by counting.
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  static std::atomic<uint64_t> last{0};
  uint64_t now = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch())
          .count());
  uint64_t prev = last.load(std::memory_order_relaxed);
  uint64_t next;
  do {
    next = now > prev ? now : prev + 1;
  } while (!last.compare_exchange_weak(prev, next, std::memory_order_relaxed));
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id(short_name);
  char digits[11];
  for (int i = 10; i >= 0; --i, next /= 36) digits[i] = kAlphabet[next % 36];
  id.append(digits, sizeof digits);
  uint64_t r = rng();
  for (int i = 0; i < 5; ++i, r /= 36) id.push_back(kAlphabet[r % 36]);
  return id;
}

bool ValidResourceName(std::string_view rn) {
  if (rn.empty() || rn.size() > 255) return false;
  if (rn == "la" || rn == "ol" || rn == "fopt" || rn == "pcu" || rn == "-") return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(rn[0])) return false;
  for (char c : rn) {
    if (!alnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

}  // namespace trustcse::resources
