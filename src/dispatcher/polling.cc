// <pollingChannel>/pcu: the AE that owns the channel long-polls it for requests (RETRIEVE) and
// answers each one it received (NOTIFY with the response primitive). TS-0004 §7.4.22.2.2 and
// §7.4.22.2.5: only the channel's creator may do either (4103); a poll that receives nothing by
// its deadline (its rqet, else long_poll_timeout) gets 4008.
#include "dispatcher/internal.h"
#include "notification/polling_channels.h"
#include "primitive/json_util.h"

namespace trustcse::dispatcher {

namespace {

// The channel's creator (the AE it belongs to) is the only one who may use it.
Status CheckOwner(const RequestPrimitive& req, const resources::Resource& pch) {
  if (req.fr != pch.originator && req.fr != pch.pi()) {
    return Status(Rsc::kOriginatorHasNoPrivilege, "only the channel's AE may use it");
  }
  return Status::Ok();
}

}  // namespace

void Dispatcher::Impl::PollChannel(RequestRef req, const Target& target,
                                   Completion done) {
  const resources::Resource& pch = target.resource();
  if (auto s = CheckOwner(*req, pch); !s.ok()) return done(ErrorResponse(*req, s));
  if (req->fc) return done(ErrorResponse(*req, Status::BadRequest("filter criteria on pcu")));
  if (!opt.polling) {
    return done(ErrorResponse(*req, Status::NotImplemented("polling channels are not served")));
  }
  const TimePoint deadline = req->rqet.value_or(Now() + std::chrono::milliseconds(long_poll_ms.load()));
  if (json::GetBool(pch.attrs, "rqag").value_or(false)) {
    // requestAggregation (Release 4): everything queued, as one m2m:agrp list of request
    // primitives; the AE answers each as usual.
    return opt.polling->PollAll(
        std::string(pch.pi()), deadline,
        [req, done = std::move(done)](std::vector<bj::object> requests) {
          if (requests.empty()) {
            return done(ErrorResponse(
                *req, Status(Rsc::kRequestTimeout, "no request arrived in time")));
          }
          bj::array list;
          list.reserve(requests.size());
          for (auto& r : requests) list.emplace_back(std::move(r));
          done(Reply(*req, Rsc::kOk, json::Serialize(bj::object{{"m2m:agrp", std::move(list)}})));
        });
  }
  opt.polling->Poll(std::string(pch.pi()), deadline,
                    [req, done = std::move(done)](std::optional<bj::object> request) {
                      if (!request) {
                        return done(ErrorResponse(
                            *req, Status(Rsc::kRequestTimeout, "no request arrived in time")));
                      }
                      bj::object body;
                      body["m2m:rqp"] = std::move(*request);
                      done(Reply(*req, Rsc::kOk, json::Serialize(body)));
                    });
}

void Dispatcher::Impl::AnswerThroughChannel(RequestRef req,
                                            const Target& target, Completion done) {
  const resources::Resource& pch = target.resource();
  if (auto s = CheckOwner(*req, pch); !s.ok()) return done(ErrorResponse(*req, s));
  const bj::object* rsp = nullptr;
  if (req->pc.is_object()) {
    if (const auto* v = req->pc.get_object().if_contains("m2m:rsp"); v && v->is_object()) {
      rsp = &v->get_object();
    }
  }
  if (rsp == nullptr) {
    return done(ErrorResponse(*req, Status::BadRequest("the content must be a response primitive (m2m:rsp)")));
  }
  if (!opt.polling) return done(ErrorResponse(*req, Status::NotFound("no request awaits this answer")));
  if (auto s = opt.polling->Answer(std::string(pch.pi()), *rsp); !s.ok()) {
    return done(ErrorResponse(*req, s));
  }
  done(Reply(*req, Rsc::kOk));
}

}  // namespace trustcse::dispatcher
