// Server::Impl: what one trustcse process owns, for the files of server/ that wire parts of it
// (server.cc: start-up and shutdown). Internal to server/; not included elsewhere.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "admin/admin_server.h"
#include "bindings/coap/coap_server.h"
#include "bindings/http/http_server.h"
#include "bindings/mqtt/mqtt_binding.h"
#include "dispatcher/dispatcher.h"
#include "events/event_stream.h"
#include "notification/notifier.h"
#include "notification/polling_channels.h"
#include "security/well_known_endpoints.h"
#include "server/config.h"
#include "server/security_services.h"
#include "server/server.h"
#include "server/upper_tester.h"
#include "storage/store.h"

namespace trustcse::server {

struct Server::Impl {
  Config config;
  // Security, audit and analytics events; today's log lines are its first sink.
  std::shared_ptr<events::EventStream> events;
  std::unique_ptr<InstanceLock> lock;
  std::unique_ptr<storage::Store> store;
  SecurityServices security;
  std::unique_ptr<security::WellKnownEndpoints> endpoints;
  std::unique_ptr<notification::Notifier> notifier;
  std::shared_ptr<notification::PollingChannels> polling;
  std::unique_ptr<UpperTester> upper_tester;
  std::unique_ptr<dispatcher::Dispatcher> dispatcher;
  std::unique_ptr<http::HttpServer> http;
  std::unique_ptr<admin::AdminServer> admin;
  // HTTPS listeners; the revocation listener reaches them under the mutex.
  std::mutex tls_mu;
  std::vector<std::unique_ptr<http::HttpServer>> https;  // guarded by tls_mu after Start
  std::unique_ptr<coap::CoapServer> coap;
  std::unique_ptr<mqtt::MqttBinding> mqtt;
};

}  // namespace trustcse::server
