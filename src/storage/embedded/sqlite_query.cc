// The SQL translation of storage/query.h: a DiscoveryQuery becomes one SELECT over `resources`
// (and `labels` for label criteria), whose results equal Matches() in query.cc.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/embedded/sqlite_internal.h"

namespace trustcse::storage::sqlite {
namespace {

// The types TRUSTCSE_INSTANCE_TYPES lists (the assertion keeps the two spellings together).
bool IsInstanceType(int ty) { return ty == 4 || ty == 30 || ty == 58; }
static_assert(std::string_view(TRUSTCSE_INSTANCE_TYPES) == "(4, 30, 58)");

// Builds the one SELECT that answers a DiscoveryQuery. Values are always bound, never spliced
// into the text, so the text depends only on the query's shape and caches well.
class DiscoverSql {
 public:
  explicit DiscoverSql(const DiscoveryQuery& q) {
    sql_ = "SELECT " TRUSTCSE_COLUMNS " FROM resources r WHERE ";
    // Scope: the subtree as a path range, and the depth limit. Always AND'ed.
    if (q.root_path.empty()) {
      sql_ += "r.path <> ''";
    } else {
      sql_ += "r.path >= ? AND r.path < ?";
      Text(q.root_path + "/");
      Text(q.root_path + "0");  // '0' follows '/' in byte order
    }
    if (q.max_level > 0) {
      // A record's level below the root is its '/' count minus the root's '/' count, and the
      // empty root counts -1 '/' (its children have none). Hence the bound below.
      sql_ += " AND length(r.path) - length(replace(r.path, '/', '')) <= ?";
      Int(static_cast<int64_t>(PathDepth(q.root_path)) + q.max_level - 1);
    }

    std::vector<std::string> conds;
    if (!q.types.empty()) {
      conds.push_back("r.ty IN (" + Placeholders(q.types.size()) + ")");
      for (int ty : q.types) Int(ty);
      // No instance type asked for: the (ty, path) index, which holds every other type, may
      // answer; otherwise the subtree's path range does.
      if (q.combine == Combine::kAnd &&
          std::none_of(q.types.begin(), q.types.end(), IsInstanceType)) {
        sql_ += " AND r.ty NOT IN " TRUSTCSE_INSTANCE_TYPES;
      }
    }
    if (!q.labels.empty()) {
      if (q.combine == Combine::kAnd) {
        // Drive the query from the labels index: (lbl, path) narrows to the few labelled
        // resources of the subtree instead of probing every resource of it.
        std::string range = q.root_path.empty() ? "" : " AND l.path >= ? AND l.path < ?";
        conds.push_back("r.path IN (SELECT l.path FROM labels l WHERE l.lbl IN (" +
                        Placeholders(q.labels.size()) + ")" + range + ")");
        for (const std::string& l : q.labels) Text(l);
        if (!q.root_path.empty()) {
          Text(q.root_path + "/");
          Text(q.root_path + "0");
        }
      } else {
        conds.push_back("EXISTS (SELECT 1 FROM labels l WHERE l.path = r.path AND l.lbl IN (" +
                        Placeholders(q.labels.size()) + "))");
        for (const std::string& l : q.labels) Text(l);
      }
    }
    if (!q.attributes.empty()) {
      // One condition tag: its matches are OR'ed (TS-0004 §7.3.3.17.0).
      std::string any = "(";
      for (size_t i = 0; i < q.attributes.size(); ++i) {
        const AttributeMatch& m = q.attributes[i];
        if (i > 0) any += " OR ";
        const char* op = m.wildcard ? " GLOB ?" : " = ?";
        if (m.name == "rn") {
          any += std::string("r.rn") + op;
        } else {
          // A scalar, or any element of a list, as text (JSON booleans as true/false).
          // json_each yields a scalar itself (key NULL) or a list's elements (integer keys);
          // an object's members (text keys) are no value of the attribute.
          any += "EXISTS (SELECT 1 FROM json_each(r.body, ?) j WHERE (j.key IS NULL OR "
                 "typeof(j.key) = 'integer') AND j.type NOT IN ('object', 'array', 'null') AND "
                 "(CASE j.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE "
                 "CAST(j.value AS TEXT) END)" + std::string(op) + ")";
          Text("$.\"" + m.name + "\"");
        }
        Text(m.wildcard ? GlobPattern(m.value) : m.value);
      }
      conds.push_back(any + ")");
    }
    if (!q.content_types.empty()) {
      conds.push_back("r.cty IN (" + Placeholders(q.content_types.size()) + ")");
      for (const std::string& t : q.content_types) Text(t);
    }
    TextCond(conds, "r.ct < ?", q.created_before);
    TextCond(conds, "r.ct >= ?", q.created_after);
    TextCond(conds, "r.lt >= ?", q.modified_since);
    TextCond(conds, "r.lt < ?", q.unmodified_since);
    // An empty et never expires (see Matches).
    TextCond(conds, "(r.et <> '' AND r.et < ?)", q.expire_before);
    TextCond(conds, "(r.et = '' OR r.et >= ?)", q.expire_after);
    // Stored integers are signed 64-bit; a bound above INT64_MAX decides the comparison alone.
    IntCond(conds, "r.st < ?", q.state_tag_smaller, "1");
    IntCond(conds, "r.st >= ?", q.state_tag_bigger, "0");
    IntCond(conds, "r.cs >= ?", q.size_above, "0");
    IntCond(conds, "r.cs < ?", q.size_below, "1");

    if (!conds.empty()) {
      const char* op = q.combine == Combine::kAnd ? " AND " : " OR ";
      sql_ += " AND (";
      for (size_t i = 0; i < conds.size(); ++i) {
        if (i > 0) sql_ += op;
        sql_ += conds[i];
      }
      sql_ += ")";
    }
    sql_ += " ORDER BY r.path LIMIT ? OFFSET ?";
    Int(SqlLimit(q.limit));
    Int(q.offset > static_cast<size_t>(std::numeric_limits<int64_t>::max())
            ? std::numeric_limits<int64_t>::max()
            : static_cast<int64_t>(q.offset));
  }

  const std::string& sql() const { return sql_; }

  void Bind(Use& u) const {
    for (size_t i = 0; i < params_.size(); ++i) {
      const Param& p = params_[i];
      if (p.is_text) {
        u.Text(static_cast<int>(i + 1), p.text);
      } else {
        u.Int(static_cast<int>(i + 1), p.num);
      }
    }
  }

 private:
  struct Param {
    bool is_text;
    std::string text;
    int64_t num;
  };

  // The wildcard's '*' stays GLOB's; GLOB's other specials are matched as themselves.
  static std::string GlobPattern(std::string_view v) {
    std::string out;
    for (char c : v) {
      if (c == '?' || c == '[') {
        out.push_back('[');
        out.push_back(c);
        out.push_back(']');
      } else {
        out.push_back(c);
      }
    }
    return out;
  }
  static std::string Placeholders(size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += i == 0 ? "?" : ", ?";
    return s;
  }
  void Text(std::string v) { params_.push_back({true, std::move(v), 0}); }
  void Int(int64_t v) { params_.push_back({false, {}, v}); }
  void TextCond(std::vector<std::string>& conds, const char* cond,
                const std::optional<std::string>& v) {
    if (!v) return;
    conds.emplace_back(cond);
    Text(*v);
  }
  void IntCond(std::vector<std::string>& conds, const char* cond, const std::optional<uint64_t>& v,
               const char* if_huge) {
    if (!v) return;
    if (*v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      conds.emplace_back(if_huge);
      return;
    }
    conds.emplace_back(cond);
    Int(static_cast<int64_t>(*v));
  }

  std::string sql_;
  std::vector<Param> params_;
};

}  // namespace

Result<std::vector<ResourceRecord>> DiscoverOn(Connection& c, const DiscoveryQuery& q) {
  DiscoverSql built(q);  // outlives the Use: the bound strings live in it
  Use u(c, c.PreparedQuery(built.sql()));
  if (!u.ok()) return Err(StorageError());
  built.Bind(u);
  return CollectRecords(c, u, "discover");
}

}  // namespace trustcse::storage::sqlite
