// Resource: one oneM2M resource in memory, and ResourceType: the lifecycle interface that every
// resource type implements in its own file (cse_base.cc, ae.cc, container.cc, …).
//
// A Resource is its attribute object (short names, exactly what goes on the wire inside
// "m2m:<type>") plus its structured path. ToRecord()/FromRecord() convert to and from the storage
// row, keeping the indexed columns in step with the attributes.
//
// The lifecycle of a write, driven by the dispatcher:
//   1. Validate*  — on the I/O thread: the content against the type's attribute table and the
//                   type's own rules. No storage writes.
//   2. On*        — on the storage writer thread inside the request's transaction: hooks may read
//                   and change the parent (counters, eviction) through the WriteTxn and record
//                   events for the notification layer.
// ResourceType objects are immutable singletons, safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "common/status.h"
#include "common/time.h"
#include "primitive/address.h"
#include "resources/attribute_policy.h"
#include "storage/store.h"

namespace trustcse::resources {

namespace bj = boost::json;

// Resource type numbers used in code (digest §1.1).
namespace ty {
inline constexpr int kAcp = 1, kAe = 2, kContainer = 3, kContentInstance = 4, kCseBase = 5,
                     kGroup = 9, kLocationPolicy = 10, kMgmtObj = 13, kNode = 14,
                     kPollingChannel = 15, kRequest = 17, kSchedule = 18, kSubscription = 23,
                     kFlexContainer = 28,
                     kTimeSeries = 29, kTimeSeriesInstance = 30,
                     kRole = 31, kDynamicAuthorizationConsultation = 34,
                     kFlexContainerInstance = 58;
}  // namespace ty

// requestStatus (rs) of a <request> (TS-0004 m2m:requestStatus).
namespace request_status {
inline constexpr int kCompleted = 1, kFailed = 2, kPending = 3;
}  // namespace request_status

struct Resource {
  std::string path;   // structured CSE-relative path, "cse-in/ae1/cnt1"
  bj::object attrs;   // every attribute, short names
  // The originator of the CREATE, kept even when the creator attribute (cr) was not requested:
  // the default access policy grants the creator access. Stored in the record's cr column.
  std::string originator;

  int ty() const;
  std::string_view ri() const;
  std::string_view pi() const;
  std::string_view rn() const;
  std::string_view cr() const;
  uint64_t st() const;
  std::vector<std::string> acpi() const;

  storage::ResourceRecord ToRecord() const;
  // {"<tag>": attrs} with internal attributes ("__…") left out: the wire representation.
  bj::object Representation() const;
  static Result<Resource> FromRecord(const storage::ResourceRecord& rec);
};

// What happened in a write, for the notification layer (TS-0004 notificationEventType).
struct Event {
  enum class Kind : uint8_t {
    kUpdate = 1,
    kDelete = 2,
    kCreateChild = 3,
    kDeleteChild = 4,
    // Report_on_missing_data_points: a <timeSeries> found expected data points missing
    // (TS-0004 §7.5.1.2.9); `resource` is the timeSeries as written.
    kMissingData = 8,
  };
  Kind kind;
  std::string subject_ri;          // the subscribed-to resource
  std::string subject_path;
  storage::ResourceRecord resource;  // the representation the event is about
  // kUpdate: the attribute names the update changed. kMissingData: the expected
  // dataGenerationTimes of the points found missing by this write, oldest first.
  std::vector<std::string> modified;
};

struct WriteEffects {
  std::vector<Event> events;
  std::vector<storage::ResourceRecord> deleted;  // every resource removed, for caches
  // <timeSeries> whose missing-data monitoring this write started, changed or stopped (the
  // record as written), for the dispatcher's missing-data monitor.
  std::vector<storage::ResourceRecord> series;
  // Resources this write changed whose new version is at hand already parsed (a container
  // after a new instance's counters), for the resource cache to hold instead of dropping them.
  std::vector<std::shared_ptr<const Resource>> cached_after;
};

// Facts about the request that hooks need.
struct HookContext {
  std::string_view originator;
  std::string_view rvi;
  TimePoint now;
  const CseIdentity* self = nullptr;
  // In an UPDATE's hooks: the values the changed attributes had before it (absent if they had
  // none). Null elsewhere.
  const bj::object* before = nullptr;
  // In an UPDATE's hooks: the request's content (a null value removes that attribute). Null
  // elsewhere.
  const bj::object* changes = nullptr;
};

class ResourceType {
 public:
  virtual ~ResourceType() = default;

  virtual int ty() const = 0;
  // The JSON key of the representation: "m2m:cnt". flexContainers use their specialization's key.
  virtual std::string_view tag() const = 0;
  // Short name used for generated resource IDs and names ("cnt").
  virtual std::string_view short_name() const = 0;
  virtual std::span<const AttributePolicy> policies() const = 0;
  // Types whose representation key varies with a specialization (flexContainer: "cod:color",
  // mgmtObj: "m2m:fwr") have an empty tag(); the key of each resource is kept in its internal
  // attribute "__tag". HasTag() tells whether `key` names this type (or one of its
  // specializations); PoliciesFor() gives the attribute table of that specialization.
  virtual bool HasTag(std::string_view key) const { return !tag().empty() && tag() == key; }
  virtual std::span<const AttributePolicy> PoliciesFor(std::string_view key) const {
    return policies();
  }
  // Attribute names beyond policies(): those of the specializations (mgmtObj, flexContainer).
  virtual void AddSpecializationAttributes(std::vector<std::string_view>& names) const {}
  // For types whose key varies (empty tag()): whether a CREATE's key and content name a
  // specialization this CSE has a table for. Called before the content is checked against
  // PoliciesFor(key), also with namespaced keys no type claims. Refusals: 4125 for a
  // flexContainer whose containerDefinition names a schema the CSE does not have (TS-0004
  // §7.4.37.2.1), 5001 for a standard mgmtObj specialization it does not implement (§7.3.3.3),
  // 4000 for anything else that matches no specialization.
  virtual Status CheckSpecialization(std::string_view key, const bj::object& content) const {
    return HasTag(key) ? Status::Ok()
                       : Status::BadRequest("content does not match the resource type");
  }
  virtual ValidateOptions validate_options() const { return {}; }
  virtual bool has_state_tag() const { return false; }
  virtual bool has_creator() const { return false; }
  virtual bool AllowsChild(int child_ty) const = 0;
  // False for types only the CSE creates (CSEBase, request): a CREATE of one is 4005.
  virtual bool client_creatable() const { return true; }
  // 4005 for types that cannot be updated (contentInstance) or deleted (CSEBase).
  virtual Status CheckUpdatable() const { return Status::Ok(); }
  virtual Status CheckDeletable() const { return Status::Ok(); }

  // Type-specific checks of a CREATE's content beyond the attribute table, and defaults. `res`
  // already has the universal attributes set (ri, pi, rn, ct, lt, et, ty).
  virtual Status ValidateCreate(const HookContext& ctx, const Resource& parent,
                                Resource& res) const {
    return Status::Ok();
  }
  // Type-specific checks of an UPDATE; `merged` is the resource with the changes applied.
  virtual Status ValidateUpdate(const HookContext& ctx, const bj::object& changes,
                                Resource& merged) const {
    return Status::Ok();
  }
  // Writer-thread hooks. `parent` is the parent as of this transaction; a hook that changes it
  // sets *parent_changed so the dispatcher writes it back.
  virtual Status OnCreate(storage::WriteTxn& txn, const HookContext& ctx, Resource& parent,
                          bool* parent_changed, Resource& res, WriteEffects& fx) const {
    return Status::Ok();
  }
  virtual Status OnUpdate(storage::WriteTxn& txn, const HookContext& ctx, Resource& res,
                          WriteEffects& fx) const {
    return Status::Ok();
  }
  virtual Status OnDelete(storage::WriteTxn& txn, const HookContext& ctx, Resource& parent,
                          bool* parent_changed, const Resource& res, WriteEffects& fx) const {
    return Status::Ok();
  }
};

// Registry: ty → handler. Lookup is lock-free (a fixed table built at start-up).
const ResourceType* FindType(int ty);
// The handler whose tag() is `key` ("m2m:cnt"); flexContainer keys ("cod:xyz") map to ty 28.
const ResourceType* FindTypeByTag(std::string_view key);
// Resource types this CSE supports, ascending: the CSEBase's supportedResourceType (TS-0001
// §9.6.3: the types supported in the CSE), which names those only the CSE creates as well.
std::vector<int> SupportedTypes();
// True if some resource type of this CSE has an attribute with this short name (the universal
// and common ones, every type's table and its specializations'): what an attribute condition
// of a filterCriteria may name.
bool IsAttributeName(std::string_view name);

// A resourceName a client may give: 1–255 characters, letters, digits, '.', '_' and '-',
// starting with a letter or digit, and none of the virtual names (la, ol, fopt, pcu, -).
bool ValidResourceName(std::string_view rn);

// A fresh resource ID: the type's short name + 16 base-36 characters, time-ordered (IDs created
// later sort after earlier ones) with a random tail. Thread-safe.
std::string NewResourceId(std::string_view short_name);

}  // namespace trustcse::resources
