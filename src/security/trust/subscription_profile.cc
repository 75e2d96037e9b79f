#include "security/trust/subscription_profile.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "security/chain.h"
#include "security/trust/trust_lists.h"

namespace trustcse::security::trust {

namespace bj = boost::json;

namespace {

constexpr std::pair<std::string_view, uint32_t> kOperations[] = {
    {"create", kCreate}, {"retrieve", kRetrieve}, {"update", kUpdate},
    {"delete", kDelete}, {"notify", kNotify},     {"discover", kDiscover}};
constexpr std::string_view kBindings[] = {"http", "https", "coap", "coaps",
                                          "mqtt", "mqtts", "ws",   "wss"};

Status Bad(std::string_view field, std::string_view what) {
  return Status::BadRequest("profile " + std::string(field) + ": " + std::string(what));
}

// The strings of list `field`, at most `max`; 4000 unless a list of non-empty strings.
Result<std::vector<std::string>> Strings(const bj::object& o, std::string_view field, size_t max) {
  std::vector<std::string> out;
  const bj::value* v = o.if_contains(field);
  if (v == nullptr) return out;
  if (!v->is_array()) return Err(Bad(field, "a list"));
  if (v->get_array().size() > max) return Err(Bad(field, "at most " + std::to_string(max)));
  for (const auto& e : v->get_array()) {
    if (!e.is_string() || e.get_string().empty() || e.get_string().size() > 512) {
      return Err(Bad(field, "a list of strings of 1 to 512 characters"));
    }
    out.emplace_back(e.get_string());
  }
  return out;
}

std::string TrimSlashes(std::string_view p) {
  while (!p.empty() && p.front() == '/') p.remove_prefix(1);
  while (!p.empty() && p.back() == '/') p.remove_suffix(1);
  return std::string(p);
}

}  // namespace

uint16_t BindingBit(std::string_view binding) {
  for (size_t i = 0; i < std::size(kBindings); ++i) {
    if (kBindings[i] == binding) return static_cast<uint16_t>(1u << i);
  }
  return 0;
}

Result<SubscriptionProfile> SubscriptionProfile::Parse(const bj::object& o) {
  SubscriptionProfile p;
  for (const auto& kv : o) {
    std::string_view k = kv.key();
    if (k != "operations" && k != "paths" && k != "types" && k != "sources" && k != "bindings" &&
        k != "rate" && k != "burst") {
      return Err(Status::BadRequest("unknown profile field " + std::string(k) +
                                    " (operations, paths, types, sources, bindings, rate, burst)"));
    }
  }
  auto ops = Strings(o, "operations", 8);
  if (!ops) return Err(ops.error());
  for (const auto& name : *ops) {
    auto it = std::find_if(std::begin(kOperations), std::end(kOperations),
                           [&](const auto& e) { return e.first == name; });
    if (it == std::end(kOperations)) {
      return Err(Bad("operations", "create, retrieve, update, delete, notify or discover"));
    }
    p.operations |= it->second;
  }
  if (o.contains("operations") && p.operations == 0) {
    return Err(Bad("operations", "name at least one (absent: all)"));
  }
  auto paths = Strings(o, "paths", 256);
  if (!paths) return Err(paths.error());
  for (const auto& raw : *paths) {
    std::string path = TrimSlashes(raw);
    if (path.empty() || path.find("//") != std::string::npos) {
      return Err(Bad("paths", "structured CSE-relative paths, e.g. cse-in/trk1"));
    }
    p.paths.push_back(std::move(path));
  }
  std::sort(p.paths.begin(), p.paths.end());
  p.paths.erase(std::unique(p.paths.begin(), p.paths.end()), p.paths.end());
  if (const bj::value* v = o.if_contains("types")) {
    if (!v->is_array() || v->get_array().empty() || v->get_array().size() > 127) {
      return Err(Bad("types", "a list of 1 to 127 resource types"));
    }
    for (const auto& e : v->get_array()) {
      if (!e.is_int64() || e.get_int64() < 1 || e.get_int64() > 127) {
        return Err(Bad("types", "resource types are numbers 1 to 127 (ty)"));
      }
      p.types.set(static_cast<size_t>(e.get_int64()));
    }
  }
  auto sources = Strings(o, "sources", 256);
  if (!sources) return Err(sources.error());
  for (const auto& s : *sources) {
    auto n = NormalisePrefix(s);
    auto prefix = ParsePrefix(s);
    if (!n || !prefix) return Err(Bad("sources", "address prefixes, e.g. 10.1.0.0/16"));
    p.sources.push_back(*prefix);
    p.source_text.push_back(*n);
  }
  auto bindings = Strings(o, "bindings", 8);
  if (!bindings) return Err(bindings.error());
  for (const auto& b : *bindings) {
    uint16_t bit = BindingBit(b);
    if (bit == 0) return Err(Bad("bindings", "http, https, coap, coaps, mqtt, mqtts, ws or wss"));
    p.bindings |= bit;
  }
  for (auto [key, field] : {std::pair{"rate", &p.rate}, {"burst", &p.burst}}) {
    if (const bj::value* v = o.if_contains(key)) {
      if (!v->is_number()) return Err(Bad(key, "a number"));
      double d = v->to_number<double>();
      if (!std::isfinite(d) || d < 0 || d > 1e6) return Err(Bad(key, "0 to 1,000,000 per second"));
      *field = d;
    }
  }
  // The default burst (twice the rate) stays inside the range a burst may be given.
  if (p.burst == 0 && p.rate > 0) p.burst = std::min(1e6, std::max(1.0, 2 * p.rate));
  if (p.rate == 0) p.burst = 0;
  return p;
}

bj::object SubscriptionProfile::ToJson() const {
  bj::object o;
  if (operations != 0) {
    bj::array a;
    for (const auto& [name, bit] : kOperations) {
      if (operations & bit) a.emplace_back(name);
    }
    o["operations"] = std::move(a);
  }
  if (!paths.empty()) o["paths"] = bj::array(paths.begin(), paths.end());
  if (types.any()) {
    bj::array a;
    for (size_t t = 1; t < 128; ++t) {
      if (types.test(t)) a.emplace_back(static_cast<int64_t>(t));
    }
    o["types"] = std::move(a);
  }
  if (!source_text.empty()) o["sources"] = bj::array(source_text.begin(), source_text.end());
  if (bindings != 0) {
    bj::array a;
    for (size_t i = 0; i < std::size(kBindings); ++i) {
      if (bindings & (1u << i)) a.emplace_back(kBindings[i]);
    }
    o["bindings"] = std::move(a);
  }
  if (rate > 0) {
    // Whole numbers as integers ("rate": 5, not 5E0).
    auto number = [](double d) {
      return d == std::floor(d) ? bj::value(static_cast<int64_t>(d)) : bj::value(d);
    };
    o["rate"] = number(rate);
    o["burst"] = number(burst);
  }
  return o;
}

bool SubscriptionProfile::AllowsSource(const IpAddress* source) const {
  if (sources.empty()) return true;
  if (source == nullptr) return false;
  return std::any_of(sources.begin(), sources.end(),
                     [&](const auto& s) { return Mask(source->bytes, s.first) == s.second; });
}

bool SubscriptionProfile::AllowsBinding(std::string_view binding) const {
  return bindings == 0 || (bindings & BindingBit(binding)) != 0;
}

bool SubscriptionProfile::AllowsPath(std::string_view path) const {
  if (paths.empty()) return true;
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  // The path and each of its ancestors ("cse-in/a/b", "cse-in/a", "cse-in"), looked up in
  // the sorted list.
  auto less = [](std::string_view a, std::string_view b) { return a < b; };
  for (size_t end = path.size(); end != 0 && end != std::string_view::npos;
       end = path.rfind('/', end - 1)) {
    if (std::binary_search(paths.begin(), paths.end(), path.substr(0, end), less)) return true;
  }
  return false;
}

bool RateBucket::Take(TimePoint now, std::chrono::milliseconds* retry, bool consume) {
  std::lock_guard lock(mu_);
  double tokens = tokens_;
  if (last_ != TimePoint{}) {
    double elapsed = std::chrono::duration<double>(now - last_).count();
    if (elapsed > 0) tokens = std::min(burst_, tokens + elapsed * rate_);
  }
  const bool ok = tokens >= 1;
  if (consume) {
    last_ = now;
    tokens_ = ok ? tokens - 1 : tokens;
  }
  if (!ok && retry != nullptr) {
    *retry =
        std::chrono::milliseconds(static_cast<int64_t>(std::ceil((1 - tokens) / rate_ * 1000)));
  }
  return ok;
}

}  // namespace trustcse::security::trust
