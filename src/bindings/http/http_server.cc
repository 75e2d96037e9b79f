#include "bindings/http/http_server.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <openssl/ssl.h>

#include "bindings/http/http_mapping.h"

namespace trustcse::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

namespace {

std::string_view Field(const bhttp::request<bhttp::string_body>& r, std::string_view name) {
  auto it = r.find(name);
  return it == r.end() ? std::string_view() : std::string_view(it->value());
}

// What a connection offers to the server's list of live authenticated connections.
class Closable {
 public:
  virtual ~Closable() = default;
  virtual void CloseFromAnyThread() = 0;
};

}  // namespace

struct HttpServer::Impl {
  explicit Impl(HttpServerOptions o)
      : options(std::move(o)), ioc(options.threads), acceptor(net::make_strand(ioc)) {
    if (options.tls) {
      SSL_CTX_up_ref(options.tls->native());  // the asio context takes over one reference
      ssl_ctx.emplace(options.tls->native());
    }
  }

  void Accept();
  void Track(const std::string& credential, std::weak_ptr<Closable> session) {
    std::lock_guard lock(live_mu);
    live.emplace(credential, std::move(session));
  }
  void Untrack(const std::string& credential, const Closable* session) {
    std::lock_guard lock(live_mu);
    auto [b, e] = live.equal_range(credential);
    for (auto it = b; it != e; ++it) {
      auto s = it->second.lock();
      if (!s || s.get() == session) {
        live.erase(it);
        return;
      }
    }
  }

  HttpServerOptions options;
  dispatcher::Dispatcher* dispatcher = nullptr;
  // Live authenticated connections by credential (declared before ioc: sessions destroyed with
  // the io_context still find it).
  std::mutex live_mu;
  std::unordered_multimap<std::string, std::weak_ptr<Closable>> live;  // guarded by live_mu
  net::io_context ioc;
  std::optional<ssl::context> ssl_ctx;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  uint16_t bound_port = 0;
  bool stopped = false;
};

namespace {

// One HTTP/1.1 connection; Stream is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>.
template <typename Stream>
class Session final : public Closable, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  template <typename... Args>
  Session(HttpServer::Impl& server, tcp::socket&& socket, Args&&... args)
      : stream_(std::move(socket), std::forward<Args>(args)...), server_(server),
        options_(server.options) {
    boost::system::error_code ec;
    auto ep = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) peer_ = ep.address().to_string();
  }

  ~Session() override {
    if (tracked_) server_.Untrack(channel_->credential_id, this);
  }

  void Run() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        beast::get_lowest_layer(self->stream_).expires_after(self->options_.handshake_timeout);
        self->stream_.async_handshake(ssl::stream_base::server,
                                      [self](beast::error_code ec) { self->OnHandshake(ec); });
      } else {
        self->DoRead();
      }
    });
  }

  void CloseFromAnyThread() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      beast::error_code ec;
      beast::get_lowest_layer(self->stream_).socket().close(ec);
    });
  }

 private:
  void OnHandshake(beast::error_code ec) {
    if (ec) {
      spdlog::debug("tls: handshake with {} failed: {}", peer_, ec.message());
      return;
    }
    auto id = std::make_shared<ChannelIdentity>(options_.tls->PeerIdentity(stream_.native_handle()));
    if (!id->authenticated() && (options_.tls->client_auth() & tls::kAuthNone) == 0) {
      return Close();
    }
    channel_ = std::move(id);
    if (channel_->authenticated()) {
      server_.Track(channel_->credential_id, this->weak_from_this());
      tracked_ = true;
    }
    DoRead();
  }

  void DoRead() {
    parser_.emplace();
    parser_->body_limit(options_.body_limit);
    parser_->header_limit(16 * 1024);
    beast::get_lowest_layer(stream_).expires_after(options_.idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, this->shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == bhttp::error::end_of_stream) return Close();
    if (ec) {
      if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit ||
          ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
        keep_alive_ = false;
        serialization_ = Serialization::kJson;
        ResponsePrimitive rsp;
        rsp.rsc = Rsc::kBadRequest;
        rsp.pc = ec == bhttp::error::body_limit ? R"({"m2m:dbg":"request body too large"})"
                                                : R"({"m2m:dbg":"malformed HTTP request"})";
        return Send(rsp);
      }
      return;  // timeouts, resets: drop the connection
    }
    auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    std::string_view target = req.target();
    if (target.starts_with(security::kServicePrefix)) return Service(req, options_.services);
    if (!kTls && options_.upper_tester != nullptr &&
        (target == "/__ut__" || target == "/__ut__/")) {
      return Service(req, options_.upper_tester);
    }
    if (kTls && !channel_->authenticated()) {
      serialization_ = Serialization::kJson;
      ResponsePrimitive rsp;
      rsp.rsc = Rsc::kSecurityAssociationRequired;
      rsp.rqi = std::string(Field(req, "X-M2M-RI"));
      rsp.pc = R"({"m2m:dbg":"a security association is required: authenticate with a credential"})";
      return Send(rsp);
    }
    HttpRequestParts parts;
    parts.method = req.method_string();
    parts.target = target;
    auto origin = req.find("X-M2M-Origin");
    parts.has_origin = origin != req.end();
    if (parts.has_origin) parts.origin = origin->value();
    parts.request_id = Field(req, "X-M2M-RI");
    parts.rvi = Field(req, "X-M2M-RVI");
    parts.content_type = Field(req, "Content-Type");
    parts.accept = Field(req, "Accept");
    parts.rtu = Field(req, "X-M2M-RTU");
    parts.has_rtu = req.find("X-M2M-RTU") != req.end();
    parts.rqet = Field(req, "X-M2M-RET");
    parts.rset = Field(req, "X-M2M-RST");
    parts.authorization = Field(req, "Authorization");
    parts.body = req.body();
    parts.peer_address = peer_;
    parts.via = Field(req, "Via");
    serialization_ =
        ResponseSerialization(parts.accept, parts.content_type).value_or(Serialization::kJson);
    auto prim = ToPrimitive(parts);
    if (!prim) {
      ResponsePrimitive rsp;
      rsp.rsc = prim.error().code();
      rsp.rqi = std::string(parts.request_id);
      rsp.rvi = std::string(parts.rvi);
      rsp.pc = ErrorResponse(RequestPrimitive{}, prim.error()).pc;
      return Send(rsp);
    }
    prim->channel = channel_;
    server_.dispatcher->Handle(std::move(*prim), [self = this->shared_from_this()](ResponsePrimitive rsp) {
      // Writes complete on the storage writer thread: hop back onto this connection's strand.
      net::dispatch(self->stream_.get_executor(),
                    [self, rsp = std::move(rsp)]() mutable { self->Send(rsp); });
    });
  }

  void Service(const bhttp::request<bhttp::string_body>& req,
               security::ServiceEndpoints* endpoints) {
    security::ServiceRequest sr;
    sr.method = std::string(req.method_string());
    std::string_view path = req.target();
    if (path.starts_with(security::kServicePrefix)) path.remove_prefix(security::kServicePrefix.size());
    sr.path = std::string(path.substr(0, path.find('?')));
    for (const auto& f : req) {
      std::string_view name = f.name_string();
      if (name.size() > 6 && beast::iequals(name.substr(0, 6), "X-M2M-")) {
        sr.headers.emplace_back(std::string(name), std::string(f.value()));
      }
    }
    sr.content_type = std::string(Field(req, "Content-Type"));
    sr.body = req.body();
    sr.channel = channel_;
    sr.peer_address = peer_;
    if constexpr (kTls) {
      auto ekm = tls::ServerContext::ExportKeyingMaterial(stream_.native_handle(),
                                                          "EXPORTER-oneM2M-Bootstrap", 48);
      if (ekm) sr.channel_binding = std::move(*ekm);
    }
    auto reply = [self = this->shared_from_this()](security::ServiceResponse r) {
      net::dispatch(self->stream_.get_executor(),
                    [self, r = std::move(r)]() mutable { self->SendService(std::move(r)); });
    };
    if (endpoints == nullptr) {
      return reply(security::ServiceResponse::Error(Status::NotFound("no such endpoint")));
    }
    endpoints->Handle(std::move(sr), std::move(reply));
  }

  void SendService(security::ServiceResponse r) {
    res_ = {};
    res_.version(11);
    res_.result(static_cast<bhttp::status>(HttpStatusFor(r.rsc)));
    res_.set(bhttp::field::server, "trustcse");
    res_.set(bhttp::field::content_type, r.content_type);
    res_.set("X-M2M-RSC", std::to_string(static_cast<int>(r.rsc)));
    res_.set(bhttp::field::cache_control, "no-store");
    for (auto& [k, v] : r.headers) res_.set(k, v);
    res_.body() = std::move(r.body);
    res_.keep_alive(keep_alive_);
    res_.prepare_payload();
    bhttp::async_write(stream_, res_,
                       beast::bind_front_handler(&Session::OnWrite, this->shared_from_this()));
  }

  void Send(const ResponsePrimitive& rsp) {
    HttpResponseParts parts = FromPrimitive(rsp, serialization_);
    res_ = {};
    res_.version(11);
    res_.result(static_cast<bhttp::status>(parts.status));
    res_.set(bhttp::field::server, "trustcse");
    for (auto& [k, v] : parts.headers) res_.set(k, v);
    res_.body() = std::move(parts.body);
    res_.keep_alive(keep_alive_);
    res_.prepare_payload();
    bhttp::async_write(stream_, res_,
                       beast::bind_front_handler(&Session::OnWrite, this->shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t) {
    if (ec) return;
    if (!keep_alive_) return Close();
    DoRead();
  }

  void Close() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ec;
        beast::get_lowest_layer(self->stream_).socket().close(ec);
      });
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
  HttpServer::Impl& server_;
  const HttpServerOptions& options_;
  std::string peer_;
  std::shared_ptr<const ChannelIdentity> channel_;  // TLS: set after the handshake
  bool tracked_ = false;
  Serialization serialization_ = Serialization::kJson;  // of the response being produced
  bool keep_alive_ = true;
};

}  // namespace

void HttpServer::Impl::Accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      spdlog::warn("http: accept failed: {}", ec.message());
    } else if (ssl_ctx) {
      std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(*this, std::move(socket),
                                                                       *ssl_ctx)
          ->Run();
    } else {
      std::make_shared<Session<beast::tcp_stream>>(*this, std::move(socket))->Run();
    }
    Accept();
  });
}

HttpServer::HttpServer(HttpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Listen() {
  beast::error_code ec;
  auto addr = net::ip::make_address(impl_->options.address, ec);
  if (ec) return Status::Internal("invalid listen address");
  tcp::endpoint ep(addr, impl_->options.port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::Internal("cannot listen on " + impl_->options.address + ":" +
                                  std::to_string(impl_->options.port) + ": " + ec.message());
  impl_->bound_port = impl_->acceptor.local_endpoint().port();
  return Status::Ok();
}

void HttpServer::Serve(dispatcher::Dispatcher& dispatcher) {
  impl_->dispatcher = &dispatcher;
  impl_->Accept();
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->threads.emplace_back([this] {
      pthread_setname_np(pthread_self(), impl_->ssl_ctx ? "tc-https" : "tc-http");
      impl_->ioc.run();
    });
  }
}

uint16_t HttpServer::port() const { return impl_->bound_port; }
bool HttpServer::tls() const { return impl_->ssl_ctx.has_value(); }

void HttpServer::CloseSessionsOf(const std::string& credential_id) {
  std::vector<std::shared_ptr<Closable>> sessions;
  {
    std::lock_guard lock(impl_->live_mu);
    auto [b, e] = impl_->live.equal_range(credential_id);
    for (auto it = b; it != e; ++it) {
      if (auto s = it->second.lock()) sessions.push_back(std::move(s));
    }
  }
  if (!sessions.empty()) {
    spdlog::info("tls: closing {} connection(s) of revoked credential {}", sessions.size(),
                 credential_id);
  }
  for (auto& s : sessions) s->CloseFromAnyThread();
}

void HttpServer::Stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  net::post(impl_->acceptor.get_executor(), [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

}  // namespace trustcse::http
