// Operations: the operator's security actions (credentials, CA, enrolment tokens), one JSON
// request in and one JSON result out each. The CLI runs them in-process against the store when
// the server is stopped and sends the same JSON to the running server's admin API otherwise
// (admin/admin_server.h), so both paths share one implementation.
//
//   ca.init            {cn?, days?}                          → {certificate}
//   ca.cert            {}                                    → {certificate}
//   ca.issue           {ids[], csr? | generate: true, days?, not_before?, note?}
//                                                            → {serial, credential, certificate, not_after, key?}
//   ca.renew           {serial, days?}                       → same as ca.issue
//   ca.revoke          {serial, reason?}                     → {serial, revoked}
//   ca.crl             {}                                    → {crl}  (PEM)
//   credential.add     {id, kind: "psk"|"pinned-key", ids[]?, bootstrap?, expires_days?, note?,
//                       psk? (hex) | generate?: true (psk), public_key? (PEM, pinned-key)}
//                                                            → {credential, psk? (generated, hex)}
//   credential.list    {}                                    → {credentials: [...]} (no secrets)
//   credential.revoke  {id, reason?}                         → {credential}
//   credential.attest  {id, evidence}                        → {credential} (key held in
//                      hardware: authentication level 5, security/trust/use_case_class.h)
// The trust centre (security/trust/trust_registry.h; docs/trust-centre.md):
//   provider.add       {company, contact, kind?: m2m|asp, start?} → {provider} (ID issued)
//   provider.list      {}                                    → {providers}
//   app.add            {provider, name, class, practice_statement} → {application} (App-ID)
//   app.update         {id, status?: active|suspended, class?, practice_statement?}
//                                                            → {application}
//   app.list           {provider?}                           → {applications}
//   device.add         {app, id?, entities[]?, credentials[]?, imei?, serial?, eid?, iccid?,
//                       imsi?, mnc_digits?, model?, certification?, capability?,
//                       configuration?, purpose?, location?, owner?, provider?,
//                       binding?: off|learn|strict, allowed_imeis[]?} → {device}
//   device.update      {id, the fields of device.add but app/owner/provider, user_kyc?: bool}
//                                                            → {device}
//   device.transfer    {id, owner?, provider?, reason?}      → {device} (history kept)
//   device.flag        {id, reason}  / device.unflag {id}    → {device} (services blocked)
//   device.authorize   {id, reason?}  → {device}: a machine locked by its SIM binding gets the
//                      pairing the locking request showed (4105 if another machine's)
//   device.unlock      {id, reason?}  → {device}: the lock cleared, the binding kept
//   device.query       {id}  → {device, sent_to}: the machine's AEs asked to report identity
//                      and configuration (security/trust/identity_query.h); running server only
//   device.show        {id}                                  → {device}
//   device.list        {app?, after?, limit? (≤ 10,000; 1,000)} → {devices, next?}
//   subscription.add   {machine, id?, state?: provisioned|active, profile?: {operations?, paths?,
//                       types?, sources?, bindings?, rate?, burst?}} → {subscription}
//                      (security/trust/subscriptions.h, subscription_profile.h)
//   subscription.update {id, profile}                        → {subscription}
//   subscription.activate|resume|suspend|quarantine|terminate {id, reason?, override?}
//                                                            → {subscription} (critical classes:
//                      suspend and quarantine need override and a reason)
//   subscription.show  {id} / subscription.list {machine?, after?, limit?} → {subscription(s)}
// In bulk (security/trust/bulk_job.h): one batch of ≤ 10,000 items per call, committed with the
// job's progress; a batch must start where the job stands (offset = done; 4105 otherwise).
// file_sha256 (optional) names the file the items come from: a job's batches must all name
// the same one (4000 otherwise).
//   device.import      {job, total, offset, file_sha256?, devices: [device.add's fields…]}
//                                                            → {job}
//   subscription.import {job, total, offset, subscriptions: [subscription.add's fields…]}
//                                                            → {job}
//   subscription.bulk  {job, total, offset, to: a state, ids: [...], reason?, override?}
//                                                            → {job}
//   bulk.show          {job}                                 → {job} (where it stands)
//   explain            {originator, op?, to?, ty?, binding?, credential?, source?, api?}
//                      → {decision, rsc?, message?, obligations, steps, then?}: why the trust
//                      centre would allow or refuse that request (security/trust/explain.h);
//                      a read, no event
//   list.add           {list: black|grey, kind: imei|imsi|iccid|credential|ae|prefix, value,
//                       reason, owner?, expires? | ttl_seconds?, mode?: suspend|read-only,
//                       override?}                          → {entry} (security/trust/trust_lists.h)
//   list.remove        {kind, value}                         → {entry}
//   list.show          {list?, limit? (1,000)}               → {entries}
//   enrol-token.create {ids[]?, ttl_seconds?, note?}         → {token, expires} (token shown once)
//   enrol-token.list   {}                                    → {tokens: [...]} (hashes, not tokens)
//   audit.key          {}                                    → {key} (the log's verifier key)
//   audit.checkpoint   {tree_size? | sign?}                  → {checkpoint, tree_size} (newest,
//                      the kept one of that size, or — sign: true — one signed now over every
//                      committed entry)
//   audit.entries      {from?, to?}                          → {from, to, entries[], bundle}
//                      (at most kMaxAuditEntries per call; the bundle verifies offline)
//   audit.prove        {index}                               → {index, entry, proof (tlog-proof)}
//   audit.consistency  {checkpoint (a saved note)}           → {bundle} (to the newest)
//   status             {}                                    → the running server's summary
//                      (version, uptime, listeners, store, connections, requests, denials;
//                      server/monitoring.h); 4004 in process, where no server runs
//
// The audit.* operations and status only read: they are not operator actions and raise no
// event (an operator polling the log must not grow it). They need the store (SetAuditLog), which
// a running server gives; in process they answer 4004.
//
// Errors are Statuses with oneM2M codes (4000 bad arguments, 4004 unknown, 4105 exists).
// Secrets appear only in the results that create them (a generated PSK or key), never in logs.
// Thread-safe as the services it uses.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "common/status.h"
#include "security/ca/certificate_authority.h"
#include "security/credentials/credential_registry.h"
#include "security/enrolment/enrolment_service.h"
#include "security/trust/subscriptions.h"
#include "security/trust/trust_gate.h"
#include "security/trust/trust_lists.h"
#include "security/trust/trust_registry.h"
#include "storage/store.h"

namespace trustcse::admin {

class Operations {
 public:
  Operations(std::shared_ptr<security::CredentialRegistry> credentials,
             std::shared_ptr<security::CertificateAuthority> ca,
             std::shared_ptr<security::EnrolmentService> enrolment)
      : credentials_(std::move(credentials)), ca_(std::move(ca)),
        enrolment_(std::move(enrolment)) {}

  // Runs `op` for `actor` (who asked: "cli", "uid:1000"); every operation, with its outcome, is
  // published as an admin event (never its secrets: the event names the op and its target ID).
  Result<boost::json::object> Run(std::string_view op, const boost::json::object& args,
                                  std::string_view actor = "cli");
  // What "status" answers: set by the running server before its admin API starts.
  void SetStatusProvider(std::function<boost::json::object()> provider) {
    status_ = std::move(provider);
  }
  // Where the audit.* operations read the log (committed data only): the running server's store,
  // which outlives the admin API; and what signs a checkpoint on demand (audit.checkpoint with
  // sign: the newest checkpoint, a new one if the log grew since).
  using CheckpointSigner = std::function<Result<std::optional<std::string>>()>;
  // The trust centre's registry (provider.*, app.*, device.*; 4004 without it).
  void SetTrust(std::shared_ptr<security::trust::TrustRegistry> trust,
                std::shared_ptr<security::trust::TrustLists> lists,
                std::shared_ptr<security::trust::SubscriptionRegistry> subscriptions = nullptr) {
    trust_ = std::move(trust);
    lists_ = std::move(lists);
    subscriptions_ = std::move(subscriptions);
  }
  // What explain holds requests to: the trust gate's options of the instance's configuration.
  void SetTrustGateOptions(security::trust::TrustGateOptions options) {
    gate_options_ = std::move(options);
  }
  // How device.query reaches a device: a NOTIFY with `body` to AE-ID `ae` (the running
  // server's notifier; unset: device.query answers that it needs the running server).
  using DeviceNotifier = std::function<void(const std::string& ae, std::string body)>;
  void SetDeviceNotifier(DeviceNotifier notify) { notify_device_ = std::move(notify); }
  void SetAuditLog(storage::ReadView* view, CheckpointSigner sign) {
    audit_view_ = view;
    sign_ = std::move(sign);
  }
  static constexpr uint64_t kMaxAuditEntries = 1000;

 private:
  Result<boost::json::object> Dispatch(std::string_view op, const boost::json::object& args);
  Result<boost::json::object> CaInit(const boost::json::object& a);
  Result<boost::json::object> CaIssue(const boost::json::object& a);
  Result<boost::json::object> CaRenew(const boost::json::object& a);
  Result<boost::json::object> CaRevoke(const boost::json::object& a);
  Result<boost::json::object> CredentialAdd(const boost::json::object& a);
  Result<boost::json::object> CredentialList();
  Result<boost::json::object> CredentialRevoke(const boost::json::object& a);
  Result<boost::json::object> Audit(std::string_view op, const boost::json::object& a);
  Result<boost::json::object> Trust(std::string_view op, const boost::json::object& a,
                                    std::string_view actor);  // trust_operations.cc
  Result<boost::json::object> Subscriptions(std::string_view op, const boost::json::object& args,
                                            std::string_view actor);  // trust_operations.cc

  std::shared_ptr<security::CredentialRegistry> credentials_;
  std::shared_ptr<security::CertificateAuthority> ca_;
  std::shared_ptr<security::EnrolmentService> enrolment_;
  std::function<boost::json::object()> status_;
  std::shared_ptr<security::trust::TrustRegistry> trust_;
  std::shared_ptr<security::trust::TrustLists> lists_;
  std::shared_ptr<security::trust::SubscriptionRegistry> subscriptions_;
  DeviceNotifier notify_device_;
  security::trust::TrustGateOptions gate_options_;
  storage::ReadView* audit_view_ = nullptr;
  CheckpointSigner sign_;
};

// A credential as the admin API shows it (no secret).
boost::json::object CredentialView(const security::Credential& c);

}  // namespace trustcse::admin
