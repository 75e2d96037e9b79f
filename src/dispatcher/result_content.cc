// The content of answers that list resources (TS-0001 §8.1.2 resultContent; TS-0004 §7.2.1.2):
// child listings of rcn 4, 5, 6 and 8 over every listed descendant, discovery results (rcn 6
// and 11), and the modified attributes of rcn 9.
#include <unordered_map>
#include <unordered_set>

#include "dispatcher/internal.h"
#include "primitive/json_util.h"

namespace trustcse::dispatcher {

namespace {

// Appends `kids` ({"<tag>": {…}} each, gathered in reverse order) to `node`, each under its
// tag's array, in path order.
void Attach(bj::object& node, std::vector<bj::object>& kids) {
  for (auto it = kids.rbegin(); it != kids.rend(); ++it) {
    auto& [tag, value] = *it->begin();
    bj::value& list = node[tag];
    if (!list.is_array()) list = bj::array{};
    list.get_array().push_back(std::move(value));
  }
}

bj::object Reference(const ResourceRecord& r, int drt) {
  return bj::object{{"nm", r.rn}, {"typ", r.ty}, {"val", drt == 2 ? r.ri : r.path}};
}

}  // namespace

std::string NestedRepresentation(const Resource& target, bool with_attributes,
                                 const std::vector<ResourceRecord>& records) {
  bj::object rep = target.Representation();
  bj::object& body = rep.begin()->value().get_object();
  if (!with_attributes) body.clear();
  std::unordered_set<std::string_view> listed;
  listed.reserve(records.size());
  for (const auto& r : records) listed.insert(r.path);
  // Records come in path order, so in reverse a resource comes after all its descendants: its
  // own listed children are complete when it is reached. Each goes under its nearest listed
  // ancestor — or the target, when filters left every resource in between out.
  std::unordered_map<std::string_view, std::vector<bj::object>> under;
  const std::string_view root = target.path;
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    auto child = Resource::FromRecord(*it);
    if (!child) continue;
    bj::object crep = child->Representation();
    if (auto found = under.find(it->path); found != under.end()) {
      Attach(crep.begin()->value().get_object(), found->second);
      under.erase(found);
    }
    std::string_view anchor = root;
    for (std::string_view p = it->path;;) {
      const size_t slash = p.rfind('/');
      if (slash == std::string_view::npos || slash <= root.size()) break;
      p = p.substr(0, slash);
      if (listed.contains(p)) {
        anchor = p;
        break;
      }
    }
    under[anchor].push_back(std::move(crep));
  }
  if (auto top = under.find(root); top != under.end()) Attach(body, top->second);
  return json::Serialize(rep);
}

bj::array ChildReferences(const std::vector<ResourceRecord>& records, int drt) {
  bj::array refs;
  refs.reserve(records.size());
  for (const auto& r : records) refs.push_back(Reference(r, drt));
  return refs;
}

std::string DiscoveryContent(ResultContent rcn, int drt,
                             const std::vector<ResourceRecord>& records) {
  if (rcn == ResultContent::kChildReferences) {
    return json::Serialize(
        bj::object{{"m2m:rrl", bj::object{{"rrf", ChildReferences(records, drt)}}}});
  }
  bj::array uris;
  uris.reserve(records.size());
  for (const auto& r : records) uris.emplace_back(drt == 2 ? r.ri : r.path);
  return json::Serialize(bj::object{{"m2m:uril", std::move(uris)}});
}

std::string ModifiedAttributes(const bj::object& given, const Resource& res,
                               const bj::object* before) {
  bj::object rep = res.Representation();
  auto& [tag, value] = *rep.begin();
  bj::object out;
  for (const auto& [k, v] : value.get_object()) {
    if (const bj::value* g = given.if_contains(k); g != nullptr && *g == v) continue;
    if (before != nullptr && !given.contains(k)) {
      if (const bj::value* b = before->if_contains(k); b != nullptr && *b == v) continue;
    }
    out.emplace(k, v);
  }
  return json::Serialize(bj::object{{tag, std::move(out)}});
}

}  // namespace trustcse::dispatcher
