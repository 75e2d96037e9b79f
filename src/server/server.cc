#include "server/server.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "bindings/http/http_server.h"
#include "dispatcher/dispatcher.h"
#include "notification/notifier.h"
#include "storage/store.h"

namespace trustcse::server {

struct Server::Impl {
  Config config;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<notification::Notifier> notifier;
  std::unique_ptr<dispatcher::Dispatcher> dispatcher;
  std::unique_ptr<http::HttpServer> http;
  bool started = false;
};

Server::Server(Config config) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
}

Server::~Server() { Stop(); }

Status Server::Start() {
  const Config& c = impl_->config;
  if (auto s = ValidateConfig(c); !s.ok()) return s;
  std::error_code ec;
  auto dir = std::filesystem::path(c.db_path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Internal("cannot create the database directory");

  storage::SqliteOptions so;
  so.path = c.db_path;
  so.synchronous_full = c.storage_fsync;
  auto store = storage::OpenSqliteStore(so);
  if (!store) return store.error();
  impl_->store = std::move(*store);

  CseIdentity self{c.cse_id, c.cse_name, c.sp_id};
  notification::NotifierOptions no;
  no.self = self;
  no.max_attempts = c.notification_attempts;
  notification::HttpSenderOptions hso;
  hso.originator = c.cse_id;
  hso.timeout_ms = c.notification_timeout_ms;
  impl_->notifier = std::make_unique<notification::Notifier>(no, *impl_->store,
                                                             notification::MakeHttpSender(hso));

  http::HttpServerOptions ho;
  ho.address = c.http_address;
  ho.port = static_cast<uint16_t>(c.http_port);
  ho.threads = c.http_threads;
  ho.body_limit = c.http_body_limit;
  impl_->http = std::make_unique<http::HttpServer>(ho);
  if (auto s = impl_->http->Listen(); !s.ok()) return s;

  dispatcher::DispatcherOptions dopt;
  dopt.self = self;
  dopt.das_role = c.das_role;
  if (!c.token_key_file.empty()) {
    auto key = security::ReadTokenKey(c.token_key_file);
    if (!key) return key.error();
    dopt.tokens = std::make_shared<const security::TokenVerifier>(std::move(*key), c.cse_id);
  }
  dopt.admin_originator = c.admin_originator;
  dopt.cse_type = c.cse_type;
  // The CSEBase advertises where it is reachable (the bound port, also when port 0 was asked).
  dopt.poa = {"http://" + c.http_address + ":" + std::to_string(impl_->http->port())};
  impl_->dispatcher =
      std::make_unique<dispatcher::Dispatcher>(dopt, *impl_->store, *impl_->notifier);
  if (auto s = impl_->dispatcher->Bootstrap(); !s.ok()) return s;
  if (auto s = impl_->notifier->Start(); !s.ok()) return s;
  impl_->dispatcher->StartReaper(std::chrono::milliseconds(c.reaper_interval_ms));
  impl_->http->Serve(*impl_->dispatcher);
  impl_->started = true;
  spdlog::info("trustcse: CSE {} ({}) serving http://{}:{} with store {}", c.cse_id, c.cse_name,
               c.http_address, impl_->http->port(), c.db_path);
  return Status::Ok();
}

uint16_t Server::http_port() const { return impl_->http ? impl_->http->port() : 0; }

void Server::Stop() {
  if (!impl_) return;
  if (impl_->http) impl_->http->Stop();
  if (impl_->dispatcher) impl_->dispatcher->StopReaper();
  if (impl_->notifier) impl_->notifier->Stop();
  if (impl_->store) impl_->store->Close();
  impl_->http.reset();
  impl_->dispatcher.reset();
  impl_->notifier.reset();
  impl_->store.reset();
}

}  // namespace trustcse::server
