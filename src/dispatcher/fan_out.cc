// Group fan-out: <group>/fopt[/rest] — one request per member, each through the whole chain.
#include <mutex>
#include "dispatcher/internal.h"
#include "primitive/json_util.h"

namespace trustcse::dispatcher {


void Dispatcher::Impl::FanOut(RequestRef req, Target target,
                              Completion done) {
  const Resource& group = target.resource();
  // Access to fopt is governed by the group's membersAccessControlPolicyIDs when set.
  std::shared_ptr<const Resource> gate = target.ptr;
  if (const auto* macp = group.attrs.if_contains("macp");
      macp && macp->is_array() && !macp->get_array().empty()) {
    auto with_macp = std::make_shared<Resource>(group);
    with_macp->attrs["acpi"] = *macp;
    gate = std::move(with_macp);
  }
  Authorize(req, std::move(gate), AccessSpec{AccessOf(req->op)},
            [this, req, target = std::move(target), done = std::move(done)](Status s) mutable {
              if (!s.ok()) return done(ErrorResponse(*req, s));
              FanOutAuthorized(std::move(req), target, std::move(done));
            });
}

void Dispatcher::Impl::FanOutAuthorized(RequestRef req, const Target& target, Completion done) {
  const Resource& group = target.resource();
  std::vector<std::string> members;
  if (const auto* mid = group.attrs.if_contains("mid"); mid && mid->is_array()) {
    for (const auto& m : mid->get_array()) members.emplace_back(m.get_string());
  }
  struct Aggregate {
    std::mutex mu;
    size_t left;
    bj::array responses;
  };
  auto agg = std::make_shared<Aggregate>();
  agg->left = members.size();
  auto finish = [req, done](bj::array responses) {
    bj::object o;
    o["m2m:agr"] = bj::object{{"m2m:rsp", std::move(responses)}};
    done(Reply(*req, Rsc::kOk, json::Serialize(o)));
  };
  if (members.empty()) {
    return done(ErrorResponse(*req, Status(Rsc::kNoMembers, "the group has no members")));
  }
  for (const auto& m : members) {
    RequestPrimitive sub = *req;
    sub.to = target.fanout_rest.empty() ? m : m + "/" + target.fanout_rest;
    // Each member is a request of its own through the whole chain (every member is checked).
    Handle(std::move(sub), [agg, m, originator = req->fr, finish](ResponsePrimitive rsp) {
      // Each member's response primitive: from the member, to the originator (TS-0004
      // §7.4.14.2.5).
      bj::object r;
      r["rsc"] = static_cast<int>(rsp.rsc);
      r["rqi"] = rsp.rqi;
      r["fr"] = m;
      r["to"] = originator;
      if (!rsp.pc.empty()) {
        if (auto v = json::Parse(rsp.pc)) r["pc"] = std::move(*v);
      }
      bool last;
      {
        std::lock_guard lock(agg->mu);
        agg->responses.push_back(std::move(r));
        last = --agg->left == 0;
      }
      if (last) finish(std::move(agg->responses));
    });
  }
}

}  // namespace trustcse::dispatcher
