// MqttBinding: the oneM2M MQTT binding (TS-0010) on libmosquitto. trustcse is a client of an MQTT
// broker: it subscribes to its request topics "/oneM2M/req/+/<CSE-ID>/+", hands each request to
// the Dispatcher and publishes the response on "/oneM2M/resp/<originator>/<CSE-ID>/<type>"
// (QoS 1). It also delivers notifications to AEs whose point of access is mqtt://: a NOTIFY
// request on "/oneM2M/req/<CSE-ID>/<AE-ID>/json", answered on the matching response topic.
//
// Identity: MQTT carries no sender identity to subscribers; the broker does. With
// `broker_authenticates` (the default) the broker authenticates every client (TLS and
// per-client credentials) and its topic ACL lets a client publish requests only under its own
// name (mosquitto: `pattern write /oneM2M/req/%u/+/+`), so the topic's originator segment is
// what the broker authenticated. It becomes the requests' ChannelIdentity (method broker), and
// the security chain refuses any request whose fr is not that originator (4106). Without it,
// MQTT requests are treated like plain HTTP (development only). Broker set-up: docs/mqtt.md.
//
// libmosquitto runs its own network thread; callbacks arrive there and completions may come
// from the storage writer — publishing is thread-safe. libmosquitto stays out of this header.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "dispatcher/dispatcher.h"

namespace trustcse::mqtt {

struct MqttOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string client_id;       // default: the CSE-ID in topic form
  std::string username;        // the broker account of this CSE ("" = none)
  std::string password;        // its password (from a file or the environment; never logged)
  std::string ca_file;         // TLS to the broker: trust anchor ("" = plain MQTT)
  std::string cert_file;       // optional client certificate and key for the broker
  std::string key_file;
  std::string prefix;          // topic prefix ("" = none)
  std::string cse_id = "/id-in";
  bool broker_authenticates = true;
  int keepalive_s = 60;
};

class MqttBinding {
 public:
  explicit MqttBinding(MqttOptions options);
  ~MqttBinding();
  MqttBinding(const MqttBinding&) = delete;
  MqttBinding& operator=(const MqttBinding&) = delete;

  // Starts the network thread and the (re)connection to the broker. 5000 for a bad set-up.
  Status Connect();
  // Starts taking requests; `dispatcher` must outlive Stop().
  void Serve(dispatcher::Dispatcher& dispatcher);
  // Any request primitive to `receiver` (an AE-ID or CSE-ID): published on
  // "/oneM2M/req/<this CSE>/<receiver>/json", its answer taken from the response topic (matched
  // by rqi). `done` is called once, on libmosquitto's thread or the timeout thread: OK with the
  // response primitive, 4008 when `deadline` passes first, 5103 without a broker connection or
  // when stopping. The function stays callable after this object is gone (then 5103). The
  // notification sender and the egress adapter (mqtt_client_adapter.h) both send through it.
  using Answer = std::function<void(Status, ResponsePrimitive)>;
  using RequestFn = std::function<void(RequestPrimitive request, const std::string& receiver,
                                       std::chrono::steady_clock::time_point deadline,
                                       Answer done)>;
  RequestFn MakeRequester();
  const std::string& cse_id() const;
  bool connected() const;
  void Stop();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace trustcse::mqtt
