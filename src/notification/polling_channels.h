// PollingChannels: requests waiting for request-unreachable AEs, which fetch them by long
// polling their <pollingChannel> (TS-0001 §10.2.5.17–10.2.5.19, TS-0004 §7.4.21–7.4.22).
//
// A request for an AE whose requestReachability is false and which has a <pollingChannel> is
// queued here under the AE's ID (the owner). A RETRIEVE of <pollingChannel>/pcu by the owner
// takes the oldest queued request at once, or waits for one until the poll's deadline. The owner
// answers each request it received with a NOTIFY to the same pcu carrying the response
// primitive; the answer completes the request for whoever sent it. Deadlines:
//   - a queued or delivered request that is not answered by its deadline fails with 4008;
//   - a poll that receives nothing by its deadline ends empty (the pcu answers 4008);
//   - a channel that is deleted (Close) fails its requests with 5103 and ends its polls.
// In memory only: a request lives as long as its sender waits for the answer (a notification is
// retried by the notifier like any other). A queue holds at most `max_queued` requests per owner
// (beyond that: 5000, the sender retries later).
//
// Thread-safe. Callbacks run on the calling thread (when they can complete at once) or on the
// channel's timer thread (`tc-polling`), never under the internal lock.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "common/status.h"
#include "common/time.h"
#include "notification/notifier.h"

namespace trustcse::notification {

class PollingChannels {
 public:
  struct Options {
    size_t max_queued = 1000;  // per owner
    std::chrono::milliseconds request_timeout{30000};  // for MakePollingSender's requests
  };
  // The answer to a queued request: OK (or the error the owner answered) and the m2m:rsp
  // object; or 4008 / 5103 / 5000 with an empty object.
  using AnswerFn = std::function<void(Status, boost::json::object rsp)>;
  // A poll's result: the request primitive object, or nothing at the deadline or on Close.
  using DeliverFn = std::function<void(std::optional<boost::json::object> request)>;

  explicit PollingChannels(Options options);
  ~PollingChannels();
  PollingChannels(const PollingChannels&) = delete;
  PollingChannels& operator=(const PollingChannels&) = delete;

  // Queues `request` (a request primitive in short names, with "rqi") for `owner`.
  void Enqueue(const std::string& owner, boost::json::object request, TimePoint deadline,
               AnswerFn done);
  // A long poll by `owner`, ending at `deadline`.
  void Poll(const std::string& owner, TimePoint deadline, DeliverFn deliver);
  // The same with request aggregation (a channel's rqag, Release 4): every request queued now,
  // in order; or, when none is, the next one to arrive. Empty at the deadline or on Close.
  using DeliverAllFn = std::function<void(std::vector<boost::json::object> requests)>;
  void PollAll(const std::string& owner, TimePoint deadline, DeliverAllFn deliver);
  // The owner's answer (an m2m:rsp object with "rqi" and "rsc") to a request it polled; 4004 if
  // no request with that rqi waits for an answer from `owner`, 4000 if the answer is malformed.
  Status Answer(const std::string& owner, const boost::json::object& rsp);
  // The owner's channel is gone.
  void Close(const std::string& owner);
  // Every channel is gone (a reset of the CSE).
  void CloseAll();
  // How long requests queued by MakePollingSender wait for their answer; adjustable at run time.
  std::chrono::milliseconds request_timeout() const;
  void set_request_timeout(std::chrono::milliseconds t);
  // Fails everything pending (5103) and stops the timer thread. Idempotent.
  void Stop();

  // Requests queued or delivered and unanswered, for tests and metrics.
  size_t pending(const std::string& owner) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// A Sender for "pch:<owner>" targets (the notifier resolves an AE with requestReachability
// false and a <pollingChannel> to one): each NOTIFY becomes a request primitive from `originator`
// queued for the owner, answered through its polling channel within the channels'
// request_timeout().
std::unique_ptr<Sender> MakePollingSender(std::shared_ptr<PollingChannels> channels,
                                          std::string originator);

}  // namespace trustcse::notification
