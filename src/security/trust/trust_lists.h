// TrustLists: the operator's black- and greylists (OP-3), checked by the trust gate on every
// request.
//
// An entry lists one identity — an IMEI, IMSI, ICCID (of the machine record the request
// resolves to), a Credential-ID, an AE-ID, or a source address prefix ("10.1.0.0/16",
// "2001:db8::/32") — with a reason, an owner (who investigates), an optional expiry, and:
//   black  refused at once (4128; a registration 4126), and the live TLS/WebSocket sessions of
//          the credentials concerned are closed (SetSessionCloser);
//   grey   "suspend" (refused like black, sessions kept) or "read-only" (writes refused, 4103);
//          a greylisted machine of a critical class (C…) stays served — the exception is
//          recorded in the decision's reason — unless the entry has `override`.
// An expired entry no longer counts (and is dropped on its next change or at start-up).
//
// Entries are store objects of kind "tc-list" (id "<kind>:<value>"; one entry per identity:
// adding one replaces it). Lookups take a shared lock: one hash lookup per identity in the
// map of its kind, keyed by the value itself, and one per prefix length in use for the
// address — no allocation, no parsing (bench/trust_lists_bench: 10,000,000 entries).
// Thread-safety: any thread; changes wait for the store's commit.
#pragma once

#include <array>
#include <atomic>
#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <mutex>
#include <map>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/blocked_bloom.h"
#include "common/status.h"
#include "common/string_hash.h"
#include "common/time.h"
#include "security/context_types.h"
#include "storage/store.h"

namespace trustcse::security::trust {

struct ListEntry {
  std::string list;   // "black" | "grey"
  std::string kind;   // "imei" | "imsi" | "iccid" | "credential" | "ae" | "prefix"
  std::string value;  // normalised (an IMEI with its check digit, a prefix with its host bits 0)
  std::string mode;   // grey: "suspend" | "read-only"; black: ""
  std::string reason, owner, by, created;
  std::string expires;  // oneM2M timestamp; "" = never
  bool override_critical = false;
  TimePoint expires_at = TimePoint::max();  // `expires` parsed (SetExpiry): no parsing per lookup
  std::string key() const { return kind + ":" + value; }
  bool Expired(TimePoint now) const { return expires_at <= now; }
  void SetExpiry();  // expires_at from expires
};
boost::json::object ToJson(const ListEntry& e);

class TrustLists {
 public:
  static constexpr std::string_view kKind = "tc-list";
  explicit TrustLists(storage::Store& store) : store_(store) {}
  Status Load();

  // The identities of one request; empty fields are not looked up.
  struct Identities {
    std::string_view ae, credential, imei, imsi, iccid;
    const IpAddress* source = nullptr;
  };
  // The entry that applies, blacklist entries first; null if none (or all expired).
  std::shared_ptr<const ListEntry> Match(const Identities& ids, TimePoint now) const;

  // list.add: {list, kind, value, reason, owner?, expires? (timestamp) | ttl_seconds?, mode?
  // (grey), override?}. Validates and normalises the value; closes the sessions of a
  // blacklisted credential, or of the credentials `credentials_of` names for any other
  // identity (an AE-ID's, a machine's).
  Result<ListEntry> Add(const boost::json::object& fields, std::string_view by);
  // list.remove {kind, value}: 4004 if not listed.
  Result<ListEntry> Remove(std::string_view kind, std::string_view value);
  std::vector<ListEntry> Entries(std::string_view list, size_t limit) const;
  // Entries held (expired ones included until dropped); lock-free, for the request path.
  size_t size() const { return size_.load(std::memory_order_acquire); }

  using SessionCloser = std::function<void(const std::string& credential_id)>;
  // The credentials of identity (kind, value): an AE-ID's, the machine's of an IMEI/IMSI/ICCID.
  using CredentialsOf =
      std::function<std::vector<std::string>(std::string_view kind, std::string_view value)>;
  // Start-up only.
  void SetSessionCloser(SessionCloser closer, CredentialsOf credentials_of) {
    closer_ = std::move(closer);
    credentials_of_ = std::move(credentials_of);
  }

 private:
  void IndexLocked(std::shared_ptr<const ListEntry> e);
  void UnindexLocked(std::string_view kind, std::string_view value);
  // The entry of (kind, value) under mu_; null if none.
  std::shared_ptr<const ListEntry> FindLocked(std::string_view kind, std::string_view value) const;

  // A prefix entry's key: its length in bits (16-byte form), then the masked address.
  using PrefixKey = std::array<uint8_t, 17>;
  struct PrefixHash {
    size_t operator()(const PrefixKey& k) const {
      return std::hash<std::string_view>{}(
          std::string_view(reinterpret_cast<const char*>(k.data()), k.size()));
    }
  };
  static PrefixKey KeyOf(int bits, const std::array<uint8_t, 16>& masked);

  storage::Store& store_;
  std::mutex change_mu_;
  mutable std::shared_mutex mu_;
  // One map per kind (imei, imsi, iccid, credential, ae, prefix), keyed by the value.
  static constexpr size_t kKinds = 6;
  std::array<StringMap<std::shared_ptr<const ListEntry>>, kKinds> by_kind_;
  std::unordered_map<PrefixKey, std::shared_ptr<const ListEntry>, PrefixHash> by_prefix_;
  // The prefix lengths in use (bits of the 16-byte form) and how many entries have each: a
  // lookup tries each length once, however many prefixes share it.
  std::map<int, size_t> prefix_lengths_;
  std::atomic<size_t> size_{0};        // entries in by_kind_, written under mu_
  // In front of the maps: an identity on no list (most requests) costs one cache line, not
  // the misses of a table of millions. Holds every entry's KeyHash; grown by rebuilding.
  BlockedBloom filter_;
  static uint64_t KeyHash(size_t kind, std::string_view value);
  void FilterLocked(size_t kind, std::string_view value);  // adds, growing the filter if full
  // A filter for `capacity` keys holding every entry's key; under mu_ (shared is enough). An
  // Add builds it before taking mu_ exclusively, so that growing a filter of millions of keys
  // does not hold up the request path's lookups.
  BlockedBloom RebuiltFilter(size_t capacity) const;
  SessionCloser closer_;
  CredentialsOf credentials_of_;
};

// "10.1.2.3/16" → the prefix with its host bits cleared ("10.1.0.0/16"); 4000 if malformed.
Result<std::string> NormalisePrefix(std::string_view text);
// "10.1.0.0/16" → its length in the 16-byte form (an IPv4 length + 96) and the masked address;
// nullopt if malformed.
std::optional<std::pair<int, std::array<uint8_t, 16>>> ParsePrefix(std::string_view text);
// The first `bits` of `a` (16-byte form), the rest cleared.
std::array<uint8_t, 16> Mask(const std::array<uint8_t, 16>& a, int bits);

}  // namespace trustcse::security::trust
