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
// adding one replaces it). Lookups take a shared lock: hash lookups per identity, one per
// prefix length in use for the address.
// Thread-safety: any thread; changes wait for the store's commit.
#pragma once

#include <array>
#include <atomic>
#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

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
  std::string key() const { return kind + ":" + value; }
  bool Expired(TimePoint now) const;
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
  void UnindexLocked(const std::string& key);

  storage::Store& store_;
  std::mutex change_mu_;
  mutable std::shared_mutex mu_;
  StringMap<std::shared_ptr<const ListEntry>> by_key_;     // "<kind>:<value>"
  StringMap<std::shared_ptr<const ListEntry>> by_prefix_;  // PrefixKey(bits, masked address)
  std::multiset<int> prefix_lengths_;  // of the prefix entries, in bits of the 16-byte form
  std::atomic<size_t> size_{0};        // by_key_.size(), written under mu_
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
