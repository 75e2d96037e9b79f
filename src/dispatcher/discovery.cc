// Discovery (fu=1) and filtered child listings: filterCriteria become a storage DiscoveryQuery
// that the backend runs natively; privilege filtering follows (each result needs DISCOVER, or
// RETRIEVE for child listings).
#include <algorithm>
#include <unordered_map>

#include "dispatcher/internal.h"
#include "primitive/json_util.h"

namespace trustcse::dispatcher {

namespace bj = boost::json;
using resources::Resource;
using storage::ResourceRecord;

namespace {

storage::DiscoveryQuery ToQuery(const FilterCriteria& fc, const std::string& root) {
  storage::DiscoveryQuery q;
  q.root_path = root;
  q.max_level = fc.lvl.value_or(0);
  q.types = fc.ty;
  q.labels = fc.lbl;
  for (const AttributeCondition& c : fc.atr) {
    // The wildcard is a discovery's (TS-0004 §7.3.3.17.9); elsewhere '*' is itself.
    q.attributes.push_back({c.name, c.value, fc.fu == 1 && c.value.find('*') != std::string::npos});
  }
  q.content_types = fc.cty;
  q.created_before = fc.crb;
  q.created_after = fc.cra;
  q.modified_since = fc.ms;
  q.unmodified_since = fc.us;
  q.expire_before = fc.exb;
  q.expire_after = fc.exa;
  q.state_tag_smaller = fc.sts;
  q.state_tag_bigger = fc.stb;
  q.size_above = fc.sza;
  q.size_below = fc.szb;
  q.combine = fc.fo == 2 ? storage::Combine::kOr : storage::Combine::kAnd;
  return q;
}

}  // namespace

// The most rows one read of the store brings into memory (bodies included): windows grow up to
// this, never to the whole scan bound, whatever offset the client asks for.
constexpr size_t kMaxWindow = 4096;

Result<std::vector<ResourceRecord>> FilterAndPage(
    Dispatcher::Impl& d, InFlight& req, storage::DiscoveryQuery q, uint32_t access,
    size_t offset, size_t limit) {
  const bool admin = req.fr == d.opt.admin_originator;
  if (admin) {
    // Nothing to filter: the store pages, in pieces, up to the byte budget.
    std::vector<ResourceRecord> out;
    size_t bytes = 0;
    while (out.size() < limit) {
      q.offset = offset + out.size();
      q.limit = std::min<size_t>(limit - out.size(), 256);
      auto recs = d.store.Discover(q);
      if (!recs) return recs;
      for (auto& r : *recs) {
        bytes += r.body.size() + r.path.size();
        out.push_back(std::move(r));
        if (bytes > d.opt.max_answer_bytes && out.size() > 1) return out;
      }
      if (recs->size() < q.limit) break;
    }
    return out;
  }
  // The store is read in windows that grow, so that a small page (lim) does not read every
  // match, and at most max_discovery_scan rows in all; what is kept stops at the byte budget.
  const size_t max_scan = d.opt.max_discovery_scan;
  const size_t want = limit > max_scan - std::min(offset, max_scan) ? max_scan : offset + limit;
  size_t window = std::max<size_t>(want + want / 2, 64);
  window = std::max<size_t>(std::min({window, max_scan, kMaxWindow}), 1);
  size_t kept_bytes = 0;
  size_t scanned = 0;
  std::vector<ResourceRecord> out;
  size_t skipped = 0;
  // Children that follow their parent's policies share its decision: one evaluation (and no
  // parse of their bodies) per parent, however many instances a container lists.
  std::unordered_map<std::string, bool> by_parent;
  while (out.size() < limit && scanned < max_scan) {
    q.offset = scanned;
    q.limit = std::min(window, max_scan - scanned);
    auto recs = d.store.Discover(q);
    if (!recs) return recs;
    for (auto& r : *recs) {
      if (out.size() >= limit) break;
      const bool inherits = Dispatcher::Impl::GovernedByParent(r.ty);
      if (auto it = inherits ? by_parent.find(r.pi) : by_parent.end(); it != by_parent.end()) {
        if (!it->second) continue;
      } else {
        auto res = Resource::FromRecord(r);
        const bool permitted = res && d.Permits(req, *res, access);
        if (inherits && res) by_parent.emplace(r.pi, permitted);
        if (!permitted) continue;
      }
      if (skipped < offset) {
        ++skipped;
        continue;
      }
      kept_bytes += r.body.size() + r.path.size();
      out.push_back(std::move(r));
      // One record past the budget tells Page that the answer is cut.
      if (kept_bytes > d.opt.max_answer_bytes && out.size() > 1) return out;
    }
    scanned += recs->size();
    if (recs->size() < q.limit) break;  // the matches are exhausted
    window = std::min(window * 2, kMaxWindow);
  }
  return out;
}

namespace {

// Reads one page of at most d.opt.max_results records, one more to learn whether the cap cut it.
Result<Dispatcher::Impl::Listing> Page(Dispatcher::Impl& d, InFlight& req,
                                       storage::DiscoveryQuery q, uint32_t access,
                                       const FilterCriteria* fc) {
  const size_t offset = fc && fc->ofst ? *fc->ofst - 1 : 0;
  const size_t cap = std::max<size_t>(d.opt.max_results, 1);
  const size_t asked = fc && fc->lim ? *fc->lim : SIZE_MAX;
  const size_t limit = std::min(asked, cap);
  auto recs = FilterAndPage(d, req, std::move(q), access, offset,
                            asked > cap ? limit + 1 : limit);
  if (!recs) return Err(recs.error());
  Dispatcher::Impl::Listing out;
  out.records = std::move(*recs);
  size_t keep = std::min(out.records.size(), limit);
  // The records' bodies are the answer's bulk (rcn 4 and 5 return them whole): past the byte
  // budget the answer ends, always with at least one record so that paging moves on.
  size_t bytes = 0;
  for (size_t i = 0; i < keep; ++i) {
    bytes += out.records[i].body.size() + out.records[i].path.size();
    if (bytes > d.opt.max_answer_bytes && i > 0) {
      keep = i;
      break;
    }
  }
  if (keep < out.records.size()) {
    out.records.resize(keep);
    out.incomplete = true;
    out.next_offset = offset + keep + 1;
  }
  return out;
}

}  // namespace

ResponsePrimitive ListingReply(const RequestPrimitive& req, const Dispatcher::Impl::Listing& l,
                               std::string pc) {
  ResponsePrimitive rsp = Reply(req, Rsc::kOk, std::move(pc));
  if (l.incomplete) {
    rsp.cnst = 1;
    rsp.cnot = l.next_offset;
  }
  return rsp;
}

Result<Dispatcher::Impl::Listing> Dispatcher::Impl::Discover(InFlight& req,
                                                             const Target& target) {
  return Page(*this, req, ToQuery(*req.fc, target.resource().path), security::kDiscover,
              req.fc ? &*req.fc : nullptr);
}

Result<Dispatcher::Impl::Listing> Dispatcher::Impl::ListChildren(InFlight& req,
                                                                 const Resource& parent) {
  // Every descendant, down to lvl if given (TS-0001 §8.1.2: rcn 4, 5, 6 and 8 represent the
  // children and their descendants; TS-0004 §7.3.3.17.14).
  storage::DiscoveryQuery q;
  if (req.fc) {
    q = ToQuery(*req.fc, parent.path);
  } else {
    q.root_path = parent.path;
  }
  return Page(*this, req, std::move(q), security::kRetrieve, req.fc ? &*req.fc : nullptr);
}

}  // namespace trustcse::dispatcher
