// Internal to server/config*.cc: typed reads of TOML tables with the configuration's error
// messages (4000 naming the key: a wrong type, an unknown key, a malformed array of tables).
#pragma once

#include <toml++/toml.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace trustcse::server::config_toml {

template <typename T>
Status Read(const toml::table& t, std::string_view key, T& out, const std::string& where) {
  const toml::node* n = t.get(key);
  if (!n) return Status::Ok();
  if constexpr (std::is_same_v<T, std::string>) {
    if (auto v = n->value<std::string>()) {
      out = *v;
      return Status::Ok();
    }
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    if (const auto* a = n->as_array()) {
      std::vector<std::string> v;
      bool all = true;
      for (const auto& e : *a) {
        if (auto x = e.value<std::string>()) v.push_back(*x);
        else all = false;
      }
      if (all) {
        out = std::move(v);
        return Status::Ok();
      }
    }
  } else if constexpr (std::is_same_v<T, bool>) {
    if (auto v = n->value<bool>()) {
      out = *v;
      return Status::Ok();
    }
  } else {
    if (auto v = n->value<int64_t>(); v && *v >= 0) {
      out = static_cast<T>(*v);
      return Status::Ok();
    }
  }
  return Status::BadRequest("config: wrong type for " + where + "." + std::string(key));
}

inline Status CheckKeys(const toml::table& t, std::initializer_list<std::string_view> allowed,
                 const std::string& where) {
  for (const auto& [k, _] : t) {
    bool ok = false;
    for (auto a : allowed) ok |= k.str() == a;
    if (!ok) return Status::BadRequest("config: unknown key " + where + "." + std::string(k.str()));
  }
  return Status::Ok();
}

// The array of tables [[<where>]] (where = "<section>.<key>", `t` the section): each entry is
// checked for `allowed` keys and read by `read` into a fresh element; if present, it replaces
// `out` (the defaults).
template <class T, class ReadFn>
Status ReadTables(const toml::table& t, const std::string& where,
                  std::initializer_list<std::string_view> allowed, std::vector<T>& out,
                  ReadFn read) {
  const toml::node* l = t.get(where.substr(where.find('.') + 1));
  if (l == nullptr) return Status::Ok();
  const auto* arr = l->as_array();
  if (!arr) {
    return Status::BadRequest("config: " + where + " must be an array of tables ([[" + where + "]])");
  }
  out.clear();
  for (const auto& e : *arr) {
    const auto* entry = e.as_table();
    if (!entry) return Status::BadRequest("config: " + where + " entries must be tables");
    if (auto s = CheckKeys(*entry, allowed, where); !s.ok()) return s;
    T item;
    if (auto s = read(*entry, item); !s.ok()) return s;
    out.push_back(std::move(item));
  }
  return Status::Ok();
}

}  // namespace trustcse::server::config_toml
