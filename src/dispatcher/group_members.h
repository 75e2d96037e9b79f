// GroupMemberIndex: which <group>s list a resource in their memberIDs, so that a member that is
// deleted — by a DELETE, through a group's fopt, by expiry — leaves the mid (and cnm) of every
// group listing it in the very transaction that deletes it (TS-0001 §9.6.13: mid holds the
// members; a deleted member is no member).
//
// The index maps a member as groups name it — reduced to the CSE-relative form: a resource ID
// ("cnt123") or a structured path ("cse-in/ae/cnt"); SP-relative and absolute forms and a
// nested group's "/fopt" are taken off — to the IDs of the groups listing it. It is learned at
// start (every stored group) and from every committed write that creates, updates or deletes a
// group, and read by the write that deletes members. An entry may be stale (a group dropped
// the member since): the write reads the group itself and changes nothing then. Bounded: at
// most kMaxEntries members; beyond that it stops learning (logged once), and members of the
// groups it missed keep their mid entries until the group is updated.
//
// Thread-safety: all methods may be called from any thread (one mutex; the writer thread uses
// it).
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "primitive/address.h"
#include "resources/resource.h"
#include "storage/store.h"

namespace trustcse::dispatcher {

class GroupMemberIndex {
 public:
  static constexpr size_t kMaxEntries = 1'000'000;

  explicit GroupMemberIndex(const CseIdentity& self) : self_(self) {}

  // Every stored group (start-up).
  Status Load(storage::Store& store);
  // Forgets everything (every resource was deleted).
  void Clear();
  // Whether a write created, updated or deleted a group.
  static bool Touches(const resources::WriteEffects& fx);
  // A committed write's groups: created or updated ones list their members now; deleted ones
  // list nothing. Called on the writer after the commit (WriteTxn::AfterCommit), so that the
  // next write deleting a member finds every group committed before it.
  void Learn(const resources::WriteEffects& fx);
  // Inside a write that removed `gone`: takes them out of the mid of every group listing them
  // (cnm, st and lt follow; an update event per group changed).
  Status RemoveMembers(storage::WriteTxn& txn, const std::vector<storage::ResourceRecord>& gone,
                       TimePoint now, resources::WriteEffects& fx);

  // A member ID as the index keys it (see the file comment).
  std::string Normalize(std::string_view member) const;

 private:
  void Add(const storage::ResourceRecord& group);  // mu_ held
  void Drop(const std::string& group_ri);          // mu_ held

  const CseIdentity& self_;
  std::mutex mu_;
  std::unordered_map<std::string, std::unordered_set<std::string>> groups_of_;  // member → groups
  std::unordered_map<std::string, std::vector<std::string>> members_of_;        // group → members
  size_t entries_ = 0;
  bool full_ = false;
};

}  // namespace trustcse::dispatcher
