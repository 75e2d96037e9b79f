// NOTIFY: to this CSE's resources, forwarded to AEs, answers through polling channels, and
// consultations of the built-in DAS role.
#include "dispatcher/internal.h"
#include "dispatcher/type_services.h"
#include "primitive/json_util.h"

namespace trustcse::dispatcher {


void Dispatcher::Impl::Notify(RequestRef req, Completion done) {
  // A NOTIFY addressed to this CSE's resources is accepted after the NOTIFY privilege check; one
  // addressed to an AE is sent on to that AE (its point of access or its polling channel) and
  // answered with the AE's answer; one to a pollingChannelURI answers a request the polling AE
  // received.
  auto target = Resolve(req->to);
  if (!target) return done(ErrorResponse(*req, target.error()));
  if (target->virt == Target::Virtual::kPollingChannelUri) {
    return AnswerThroughChannel(std::move(req), *target, std::move(done));
  }
  if (target->virt != Target::Virtual::kNone) {
    return done(ErrorResponse(*req, Status::NotAllowed("cannot notify a virtual resource")));
  }
  if (const bj::object* seci = ConsultationOf(*req);
      seci != nullptr && target->resource().ty() == rty::kCseBase) {
    // A consultation from a configured consulting entity (authenticated by the gates, like
    // every originator) informs; it grants nothing by itself, so it needs no privilege here.
    return done(AnswerConsultation(*req, *seci));
  }
  auto ptr = target->ptr;
  Authorize(req, std::move(ptr), AccessSpec{security::kNotify},
            [this, req, target = std::move(*target), done = std::move(done)](Status s) mutable {
              if (!s.ok()) return done(ErrorResponse(*req, s));
              NotifyAuthorized(std::move(req), target, std::move(done));
            });
}

void Dispatcher::Impl::NotifyAuthorized(RequestRef req, const Target& target, Completion done) {
  if (const TypeServices* ts = FindTypeServices(target.resource().ty());
      ts && ts->forwards_notify) {
    if (ViaNames(req->via, ViaPseudonym(opt.self.cse_id))) {
      // Sent by this CSE: the AE's point of access leads back here.
      return done(ErrorResponse(
          *req, Status(Rsc::kTargetNotReachable,
                       "forwarding loop: the AE's point of access leads back to this CSE")));
    }
    std::string body = req->pc.is_null() ? std::string() : json::Serialize(req->pc);
    return notifier.Forward(target.resource(), req->fr, std::move(body), req->rqet,
                            [req, done = std::move(done)](Status s, std::string pc) {
                              if (s.ok()) return done(Reply(*req, Rsc::kOk, std::move(pc)));
                              if (req->rqet && Now() >= *req->rqet) {
                                s = Status(Rsc::kRequestTimeout,
                                           "the request expired before the AE answered");
                              }
                              done(ErrorResponse(*req, s));
                            });
  }
  done(Reply(*req, Rsc::kOk));
}

}  // namespace trustcse::dispatcher
