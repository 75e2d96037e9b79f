// CredentialRegistry: every credential a device, gateway or application may authenticate with,
// and the AE-IDs / CSE-IDs each one may act as (SEC-1, SEC-2, SEC-3).
//
// Kinds: a pre-shared key (the PSK identity is the Credential-ID, "<hex>@<sp-fqdn>" for keys
// this CSE issues), a certificate of the built-in CA ("x509:<serial hex>"; its identities are
// certified in subjectAltName) and a pinned public key ("ni:///sha-256;<base64url of the
// SubjectPublicKeyInfo hash>", RFC 6920 — the raw-public-key model). A bootstrap credential may
// only enrol (and is used once); an operational credential reaches the resource tree.
//
// State lives in the store as objects of kind "credential" (JSON; a PSK only sealed by the
// KeyStore) and in memory for lookups on the handshake and request paths. Changes are written
// through the store's single writer and applied to memory after they are durable, in commit
// order; a change made inside a request's own write (binding an AE-ID at registration) is
// returned by *InWrite and applied with Apply() from the write's completion.
//
// Thread-safety: lookups take a shared lock and may run on any thread; changes are serialized
// by the store's writer. Revocation listeners run on the thread that applied the revocation.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "events/event_stream.h"
#include "common/time.h"
#include "security/crypto/crypto.h"
#include "security/keystore/key_store.h"
#include "storage/store.h"

namespace trustcse::security {

enum class CredentialKind : uint8_t { kPsk, kCertificate, kPinnedKey };
enum class CredentialUse : uint8_t { kOperational, kBootstrap };
const char* CredentialKindName(CredentialKind k);

struct Credential {
  std::string id;
  CredentialKind kind = CredentialKind::kPsk;
  CredentialUse use = CredentialUse::kOperational;
  // Originators it may act as; empty: not bound yet. For a bootstrap credential: the
  // originators the credential it enrols for will be bound to.
  std::vector<std::string> ids;
  std::string sealed_secret;     // PSK only, sealed for purpose PskPurpose(id)
  std::string created;           // oneM2M timestamps
  std::string expires;           // "" = does not expire
  std::string revoked;           // "" = not revoked
  std::string reason;            // why it was revoked
  std::string replaces;          // the credential this one replaced (re-enrolment)
  std::string note;              // operator's note: device serial, certificate subject, …
  // The operator attested that the key is held in hardware (secure element, SIM, TPM) and
  // cannot leave it: `attested` says when, `evidence` what was checked. Authentication level 5
  // (security/trust/use_case_class.h) needs it.
  std::string attested;
  std::string evidence;
  // The hardware the key is held in or certified for, as the trust centre's SIM↔device
  // binding reads them (security/trust/sim_binding.h): the device's IMEI (a certificate's
  // subjectAltName urn:gsma:imei, or attested), the SIM's IMSI and ICCID (attested: a key in the
  // SIM). Normalised by the admin operation that sets them.
  std::string imei, imsi, iccid;

  bool Active(TimePoint now) const;
  bool MayActAs(std::string_view originator) const;
};

// The key-store purpose a PSK is sealed for.
std::string PskPurpose(std::string_view credential_id);
std::string CredentialToJson(const Credential& c);
Result<Credential> CredentialFromJson(std::string_view id, std::string_view body);
// 4000 unless `id` is a usable Credential-ID: 1–128 printable ASCII characters, no spaces.
Status ValidateCredentialId(std::string_view id);

class CredentialRegistry {
 public:
  static constexpr std::string_view kObjectKind = "credential";

  CredentialRegistry(storage::Store& store, std::shared_ptr<const KeyStore> keys);

  // Where the PSKs are sealed in the store (member "secret" of kind "credential").
  static SealedField SealedSecrets() { return {kObjectKind, "secret", &PskPurpose}; }

  // Reads every credential from the store. Start-up.
  Status Load();

  // --- lookups (any thread) ---
  std::shared_ptr<const Credential> Find(std::string_view id) const;
  // A credential `originator` is bound to or reserved for (a bootstrap credential's future
  // IDs), "" if none. The operator may bind one originator to several credentials (a
  // certificate and a fallback PSK, a rotation); only the automatic binding of a registration
  // claims unbound originators alone.
  // Outstanding enrolment tokens reserve their IDs too ("enrolment token <id>…").
  std::string BoundTo(std::string_view originator) const;
  // The active credentials bound to (or, for bootstrap credentials, reserved for) `originator`.
  std::vector<std::string> CredentialsOf(std::string_view originator) const;
  // Reservations of IDs by something that is not a credential yet (an enrolment token): until
  // `until`, or until Release(holder), BoundTo names `holder` for each of `ids`, so no
  // credential bound to nothing can register under them. Thread-safe.
  void Reserve(const std::string& holder, const std::vector<std::string>& ids, TimePoint until);
  void Release(std::string_view holder);
  // The key of the active PSK credential `identity`, unsealed for one handshake; 4106 otherwise.
  Result<crypto::Secret> Psk(std::string_view identity, TimePoint now) const;
  std::vector<Credential> List() const;
  const KeyStore& keys() const { return *keys_; }

  // --- durable changes (wait for the commit: tools, admin API, enrolment; not the request path)
  // Adds `c` (with `psk` sealed into it for a PSK). 4105 if the ID exists.
  Status Add(Credential c, const crypto::Secret* psk);
  // Revokes credential `id` (4004 if unknown) and tells the revocation listeners.
  Result<Credential> Revoke(std::string_view id, std::string reason);
  // Records that credential `id`'s key is hardware-protected (4004 unknown, 4000 no evidence
  // or a PSK — a key the CSE also holds is never hardware-protected).
  // `held_in`: the device / SIM the key is in (its imei, imsi, iccid; empty ones unchanged).
  Result<Credential> Attest(std::string_view id, std::string evidence,
                            const Credential& held_in = {});

  // --- building blocks for a WriteFn (run on the store's writer) ---
  static Result<std::optional<Credential>> ReadInWrite(storage::WriteTxn& txn, std::string_view id);
  static Status WriteInWrite(storage::WriteTxn& txn, const Credential& c);
  // Binds `originator` to credential `id` (registration over an authenticated channel); returns
  // the updated credential for Apply(). 4106 if the credential is not active.
  Result<Credential> BindInWrite(storage::WriteTxn& txn, std::string_view id,
                                 std::string_view originator, TimePoint now) const;
  // Makes a committed change visible to lookups. A revocation reaches the listeners (which
  // close the credential's live connections) unless `notify` is false — a bootstrap credential
  // consumed by an enrolment keeps the connection that is receiving the answer.
  void Apply(Credential c, bool notify = true);

  using RevocationListener = std::function<void(const std::string& credential_id)>;
  void AddRevocationListener(RevocationListener listener);
  // Where issued (first applied) and revoked credentials are published — and, through
  // events(), what the CA, enrolment and the admin operations built on this registry do.
  // Start-up only.
  void SetEventStream(std::shared_ptr<events::EventStream> events) { events_ = std::move(events); }
  events::EventStream* events() const { return events_.get(); }
  // Appends the audit entry of `event` inside a WriteFn (the audit log's writer; server/), for
  // changes whose answer must not precede their record (enrolment). Unset: nothing is appended
  // there, and the event reaches the log through the stream. Start-up only.
  using InWriteAudit = std::function<Status(storage::WriteTxn&, const events::Event&)>;
  void SetInWriteAudit(InWriteAudit audit) { in_write_audit_ = std::move(audit); }
  const InWriteAudit& in_write_audit() const { return in_write_audit_; }

 private:
  // Reads credential `id` in a write, applies `edit`, writes it and applies it (4004 unknown).
  Result<Credential> Change(std::string_view id, const std::function<Status(Credential&)>& edit,
                            bool notify = true);
  void IndexLocked(std::shared_ptr<const Credential> c);

  storage::Store& store_;
  std::shared_ptr<const KeyStore> keys_;
  std::shared_ptr<events::EventStream> events_;
  InWriteAudit in_write_audit_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const Credential>> by_id_;  // guarded by mu_
  std::unordered_multimap<std::string, std::string> owner_;  // originator -> credentials (active)
  struct Reservation {
    std::string holder;
    TimePoint until;
  };
  std::unordered_multimap<std::string, Reservation> reserved_;  // guarded by mu_
  std::vector<RevocationListener> listeners_;            // guarded by mu_
};

}  // namespace trustcse::security
