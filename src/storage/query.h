// Declarative queries over the resource tree.
//
// A DiscoveryQuery describes which resources of a subtree to list, in data a database can run
// natively (SQL in the SQLite and PostgreSQL backends) instead of a callable the storage would
// have to apply row by row. The semantics follow oneM2M filterCriteria (TS-0004 §6.3.5.8):
//  - conditions of different kinds are combined with `combine` (AND by default, OR if fo=2);
//  - several values of one kind (types, labels, names, content types) are OR'ed among themselves;
//  - the subtree root itself is never part of the result;
//  - results are ordered by path (a parent before its children) and then cut by offset/limit.
// Value types, thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/record.h"

namespace trustcse::storage {

enum class Combine { kAnd, kOr };

// An attribute condition: the record's attribute `name` ("rn" is the record's name) has the
// value `value` — a scalar's text (strings as they are, numbers as written, true/false), or any
// element of a list does. With `wildcard`, '*' in `value` matches any run of characters.
struct AttributeMatch {
  std::string name;
  std::string value;
  bool wildcard = false;
};

struct DiscoveryQuery {
  std::string root_path;      // structured path of the subtree root
  int max_level = 0;          // 0 = unlimited; 1 = direct children only
  std::vector<int> types;     // ty
  std::vector<std::string> labels;         // lbl
  std::vector<AttributeMatch> attributes;  // rn and other attributes: one condition, OR'ed
  std::vector<std::string> content_types;  // cty
  // The bounds of TS-0004 Table 7.3.3.17.0-1: lower bounds inclusive, upper ones exclusive.
  std::optional<std::string> created_before;    // crb: ct <  value
  std::optional<std::string> created_after;     // cra: ct >= value
  std::optional<std::string> modified_since;    // ms:  lt >= value
  std::optional<std::string> unmodified_since;  // us:  lt <  value
  std::optional<std::string> expire_before;     // exb: et <  value
  std::optional<std::string> expire_after;      // exa: et >= value
  std::optional<uint64_t> state_tag_smaller;    // sts: st <  value
  std::optional<uint64_t> state_tag_bigger;     // stb: st >= value
  std::optional<uint64_t> size_above;           // sza: cs >= value
  std::optional<uint64_t> size_below;           // szb: cs <  value
  Combine combine = Combine::kAnd;
  size_t offset = 0;             // rows to skip (fc ofst − 1)
  size_t limit = SIZE_MAX;       // max rows

};

// Evaluates the query's conditions against one record, exactly as the SQL backends do.
// `level` is the record's depth below root_path (1 = direct child). Used by the memory backend
// and by tests that check backends agree.
bool Matches(const DiscoveryQuery& q, const ResourceRecord& r, int level);
// One attribute condition against one record (Matches uses it; so may callers that hold a
// record already).
bool MatchesAttribute(const AttributeMatch& m, const ResourceRecord& r);

// Depth of a structured path ("cse-in" = 1, "cse-in/ae1" = 2).
int PathDepth(const std::string& path);
// True if `path` lies strictly below `root` in the tree.
bool IsBelow(const std::string& path, const std::string& root);

}  // namespace trustcse::storage
