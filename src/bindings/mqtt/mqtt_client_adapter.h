// MqttClientAdapter: egress::Client over the MQTT binding's broker connection (TS-0010 as a
// client), so that the egress router (egress/routing_client.h) sends mqtt:// and mqtts://
// targets like any other. It owns no connection: every request goes through
// MqttBinding::MakeRequester — published on "/oneM2M/req/<this CSE>/<receiver>/json", the
// answer taken from the response topic by rqi — the same path the binding's notification
// sender takes.
//
// Targets: "mqtt[s]://host[:port][/prefix]#<receiver>", the form the notification target
// resolver gives an AE's MQTT point of access: the receiver (an AE-ID or CSE-ID) is the
// fragment and also the request's To. The broker named in the URL is not dialled: the CSE has
// one broker connection, the one [mqtt] configures; the destination policy does not apply to
// topic receivers (the broker is configuration, not a client's choice). The body is JSON
// (becomes the primitive's pc).
//
// Answers: OutboundResponse.status is 0 (MQTT carries no status of its own), rsc the
// response primitive's, body its content (JSON), headers X-M2M-RSC and X-M2M-RI.
// Loops: TS-0010 carries no Via either; a request whose `via` names this CSE is refused (5103).
// Deadlines: the one given to Send, the request's rqet if sooner, else `default_timeout`;
// expiry is 4008.
//
// Errors (client.h): 5103 for a target without a receiver, a body that is not JSON, no broker
// connection, a loop, after Stop; 4008 at the deadline. Callbacks run on libmosquitto's thread,
// the binding's timeout thread, or the caller's for refusals. Thread-safety: as egress::Client;
// valid after the binding is gone (then every request is 5103).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "bindings/mqtt/mqtt_binding.h"
#include "egress/client.h"

namespace trustcse::mqtt {

std::unique_ptr<egress::Client> MakeMqttClient(MqttBinding& binding,
                                               std::chrono::milliseconds default_timeout);
// The same over any requester with the binding's contract (the binding's, or a test's); `cse_id`
// is this CSE's ID (the default originator and the Via pseudonym).
std::unique_ptr<egress::Client> MakeMqttClient(MqttBinding::RequestFn request, std::string cse_id,
                                               std::chrono::milliseconds default_timeout);

}  // namespace trustcse::mqtt
