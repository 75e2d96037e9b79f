#include "bindings/http/http_server.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <openssl/ssl.h>

#include "bindings/http/http_framing.h"
#include "bindings/http/http_mapping.h"

namespace trustcse::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

namespace {

// TLS without an asio ssl::context: each connection's SSL comes from the ServerContext's SSL_CTX
// (SSL_new). An ssl::context wrapping that SSL_CTX would, in its destructor, take the SSL_CTX's
// app data — where ServerContext keeps itself — for its own verify callback and delete it: the
// segfault on shutdown and on every failed start with a TLS listener. flat_stream coalesces
// the header and body buffers of a write into one TLS record, as beast::ssl_stream does.
using TlsStream = beast::flat_stream<ssl::stream<beast::tcp_stream>>;

using Millis = std::chrono::milliseconds;
constexpr auto kLogInterval = std::chrono::seconds(5);
constexpr Millis kFirstBackoff{50};
constexpr Millis kMaxBackoff{1000};
constexpr Millis kCapacityPoll{50};
constexpr auto kLinger = std::chrono::seconds(2);
constexpr size_t kReadChunk = 4096;

std::string_view Field(const bhttp::request<bhttp::string_body>& r, std::string_view name) {
  auto it = r.find(name);
  return it == r.end() ? std::string_view() : std::string_view(it->value());
}

// The header's fields as http_framing screens them.
std::vector<HeaderField> FieldsOf(const bhttp::fields& h) {
  std::vector<HeaderField> out;
  for (const auto& f : h) out.push_back({f.name_string(), f.value()});
  return out;
}

// At most one log line per kLogInterval for a condition that may recur thousands of times a
// second (a flood, descriptor exhaustion). Used on the acceptor's strand only.
class LogThrottle {
 public:
  // True when a line may be written now; `suffix` is then what to append to it: how many
  // occurrences were not logged since the last line ("" if none).
  bool Allow(std::string& suffix) {
    const auto now = std::chrono::steady_clock::now();
    if (logged_ && now - last_ < kLogInterval) {
      ++suppressed_;
      return false;
    }
    logged_ = true;
    last_ = now;
    const uint64_t n = std::exchange(suppressed_, 0);
    suffix = n == 0 ? "" : " (" + std::to_string(n) + " more not logged since the last report)";
    return true;
  }

 private:
  bool logged_ = false;
  std::chrono::steady_clock::time_point last_;
  uint64_t suppressed_ = 0;
};

// One admitted connection's place in the ConnectionLimiter, given back when it closes.
class ConnectionSlot {
 public:
  ConnectionSlot(std::shared_ptr<ConnectionLimiter> limiter, std::string source)
      : limiter_(std::move(limiter)), source_(std::move(source)) {}
  ~ConnectionSlot() {
    if (limiter_) limiter_->Release(source_);
  }
  ConnectionSlot(ConnectionSlot&&) noexcept = default;  // the moved-from one releases nothing
  const std::string& source() const { return source_; }

 private:
  std::shared_ptr<ConnectionLimiter> limiter_;
  std::string source_;
};

// What a connection offers to the server's list of live authenticated connections.
class Closable {
 public:
  virtual ~Closable() = default;
  virtual void CloseFromAnyThread() = 0;
};

}  // namespace

struct HttpServer::Impl {
  explicit Impl(HttpServerOptions o)
      : options(std::move(o)), ioc(options.threads), acceptor(net::make_strand(ioc)),
        accept_timer(acceptor.get_executor()) {
    if (!options.limiter) options.limiter = std::make_shared<ConnectionLimiter>(10000, 256);
  }

  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void AcceptAfter(Millis delay);
  void StartSession(tcp::socket socket, ConnectionSlot slot);
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
  // Declared after what sessions use (options, live): the io_context destroys the sessions
  // still queued in it.
  net::io_context ioc;
  tcp::acceptor acceptor;
  net::steady_timer accept_timer;  // back-off and capacity waits; on the acceptor's strand
  std::vector<std::thread> threads;
  uint16_t bound_port = 0;
  bool stopped = false;
  // On the acceptor's strand:
  Millis backoff{0};            // 0: the last accept succeeded
  uint64_t refused_source = 0;  // connections closed at once: beyond their source's cap
  LogThrottle accept_log, refused_log, capacity_log;
};

namespace {

// One HTTP/1.1 connection; Stream is beast::tcp_stream or TlsStream.
template <typename Stream>
class Session final : public Closable, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  template <typename... Args>
  Session(HttpServer::Impl& server, ConnectionSlot slot, tcp::socket&& socket, Args&&... args)
      : stream_(std::move(socket), std::forward<Args>(args)...), server_(server),
        options_(server.options), slot_(std::move(slot)), peer_(slot_.source()) {}

  ~Session() override {
    if (tracked_) server_.Untrack(channel_->credential_id, this);
  }

  void Run() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->lowest().expires_after(self->options_.handshake_timeout);
        self->stream_.next_layer().async_handshake(
            ssl::stream_base::server, [self](beast::error_code ec) { self->OnHandshake(ec); });
      } else {
        self->ReadRequest();
      }
    });
  }

  void CloseFromAnyThread() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      beast::error_code ec;
      self->lowest().socket().close(ec);
    });
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  ssl_st* native() {
    if constexpr (kTls) return stream_.next_layer().native_handle();
    return nullptr;
  }

  void OnHandshake(beast::error_code ec) {
    if (ec) {
      spdlog::debug("tls: handshake with {} failed: {}", peer_, ec.message());
      events::Emit(options_.events.get(), events::Kind::kHandshakeFailure, "tls", "", "",
                   "handshake", ec.message(), 0, peer_);
      return;
    }
    auto id = std::make_shared<ChannelIdentity>(options_.tls->PeerIdentity(native()));
    id->secure = true;
    if (!id->authenticated() && (options_.tls->client_auth() & tls::kAuthNone) == 0) {
      return Close();
    }
    channel_ = std::move(id);
    if (channel_->authenticated()) {
      events::Emit(options_.events.get(), events::Kind::kCredentialUsed, "tls",
                   channel_->credential_id, "", "handshake", ChannelMethodName(channel_->method),
                   0, peer_);
      server_.Track(channel_->credential_id, this->weak_from_this());
      tracked_ = true;
    }
    ReadRequest();
  }

  // The next request: its header within header_timeout — of the connection for the first one;
  // after a response, the connection may first idle for idle_timeout until bytes arrive.
  void ReadRequest() {
    parser_.emplace();
    parser_->body_limit(options_.body_limit);
    parser_->header_limit(16 * 1024);
    if (buffer_.size() > 0) return ParseBuffered();
    if (requests_ == 0) return ReadHeader();
    lowest().expires_after(options_.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->OnReadError(ec);
                              self->buffer_.commit(n);
                              self->ParseBuffered();
                            });
  }

  // What one read brought is usually a whole small request: its header is parsed here, without
  // another asynchronous read and its timer; the rest (more header, a body) is read as usual.
  void ParseBuffered() {
    beast::error_code ec;
    while (buffer_.size() > 0 && !parser_->is_header_done()) {
      const size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == bhttp::error::need_more) break;
      if (ec) return OnReadError(ec);
      if (used == 0) break;
    }
    if (!parser_->is_header_done()) return ReadHeader();
    OnHeader({}, 0);
  }

  void ReadHeader() {
    lowest().expires_after(options_.header_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::OnHeader, this->shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    if (auto refusal = ScreenRequestHeader(FieldsOf(parser_->get()))) {
      return Refuse(refusal->rsc, refusal->pc);
    }
    if (parser_->is_done()) return OnRequest();
    lowest().expires_after(options_.body_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnBody, this->shared_from_this()));
  }

  void OnBody(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    OnRequest();
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof) return Close();
    if (ec == bhttp::error::partial_message) return;  // the client went away mid-request
    if (ec == bhttp::error::body_limit) {
      return Refuse(Rsc::kBadRequest, R"({"m2m:dbg":"request body too large"})");
    }
    if (ec == bhttp::error::bad_transfer_encoding || ec == bhttp::error::bad_content_length ||
        ec == bhttp::error::multiple_content_length) {
      return Refuse(Rsc::kBadRequest,
                    R"({"m2m:dbg":"malformed Transfer-Encoding or Content-Length"})");
    }
    if (ec == bhttp::error::header_limit ||
        ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
      return Refuse(Rsc::kBadRequest, R"({"m2m:dbg":"malformed HTTP request"})");
    }
    // timeouts (the stream closed the socket), resets: drop the connection
  }

  // Answers with a oneM2M error and closes the connection: what follows on it cannot be trusted
  // to start a request.
  void Refuse(Rsc rsc, std::string_view pc) {
    keep_alive_ = false;
    serialization_ = Serialization::kJson;
    ResponsePrimitive rsp;
    rsp.rsc = rsc;
    rsp.pc = std::string(pc);
    Send(rsp);
  }

  void OnRequest() {
    lowest().expires_never();  // the dispatcher may take its time (long polls)
    auto& req = parser_->get();
    ++requests_;
    keep_alive_ = req.keep_alive() && requests_ < options_.max_requests_per_connection;
    std::string_view target = req.target();
    if (target.starts_with(security::kServicePrefix)) return Service(req, options_.services);
    if (!kTls && options_.upper_tester != nullptr &&
        (target == "/__ut__" || target == "/__ut__/")) {
      return Service(req, options_.upper_tester);
    }
    // A TLS channel without a credential reaches the gates, which answer 4107 (a chain
    // decision, with its event), like every other refusal of who is asking.
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
    prim->binding = kTls ? "https" : "http";
    prim->content_size = req.body().size();
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
      auto ekm =
          tls::ServerContext::ExportKeyingMaterial(native(), "EXPORTER-oneM2M-Bootstrap", 48);
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
    Write();
  }

  void Send(const ResponsePrimitive& rsp) {
    HttpResponseParts parts = FromPrimitive(rsp, serialization_);
    res_ = {};
    res_.version(11);
    res_.result(static_cast<bhttp::status>(parts.status));
    res_.set(bhttp::field::server, "trustcse");
    for (auto& [k, v] : parts.headers) res_.set(k, v);
    res_.body() = std::move(parts.body);
    Write();
  }

  void Write() {
    res_.keep_alive(keep_alive_);
    res_.prepare_payload();
    lowest().expires_after(options_.idle_timeout);  // a client that does not read is dropped
    bhttp::async_write(stream_, res_,
                       beast::bind_front_handler(&Session::OnWrite, this->shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t) {
    if (ec) return;
    if (!keep_alive_) return Close();
    ReadRequest();
  }

  void Close() {
    if constexpr (kTls) {
      lowest().expires_after(std::chrono::seconds(5));
      stream_.next_layer().async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ec;
        self->lowest().socket().close(ec);
      });
    } else {
      // Lingering close: read and discard what the client still sends (a refused body, a
      // pipelined request) for a moment; closing with unread input would reset the connection,
      // and the reset can destroy the response before the client has read it.
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return;
      lowest().expires_after(kLinger);
      Drain();
    }
  }

  void Drain() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              if (!ec) self->Drain();
                            });
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
  HttpServer::Impl& server_;
  const HttpServerOptions& options_;
  ConnectionSlot slot_;
  std::string peer_;
  std::shared_ptr<const ChannelIdentity> channel_;  // TLS: set after the handshake
  bool tracked_ = false;
  Serialization serialization_ = Serialization::kJson;  // of the response being produced
  bool keep_alive_ = true;
  size_t requests_ = 0;  // requests read on this connection
};

}  // namespace

void HttpServer::Impl::Accept() {
  if (!acceptor.is_open()) return;
  if (options.limiter->AtCapacity()) {
    // Full: new connections wait in the listen backlog until one of ours closes.
    std::string more;
    if (capacity_log.Allow(more)) {
      spdlog::warn("http: port {}: at the connection cap ({} connections, http.max_connections): "
                   "new connections wait{}", bound_port, options.limiter->max_total(), more);
    }
    return AcceptAfter(kCapacityPoll);
  }
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void HttpServer::Impl::AcceptAfter(Millis delay) {
  accept_timer.expires_after(delay);
  accept_timer.async_wait([this](beast::error_code ec) {
    if (!ec) Accept();
  });
}

void HttpServer::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (ec) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    // EMFILE, ENFILE, ENOBUFS, …: accepting again at once would fail again at once.
    backoff = backoff.count() == 0 ? kFirstBackoff : std::min(backoff * 2, kMaxBackoff);
    std::string more;
    if (accept_log.Allow(more)) {
      spdlog::warn("http: port {}: accept failed: {}; retrying in {} ms{}", bound_port,
                   ec.message(), backoff.count(), more);
    }
    return AcceptAfter(backoff);
  }
  backoff = Millis(0);
  beast::error_code ep_ec;
  auto ep = socket.remote_endpoint(ep_ec);
  if (!ep_ec) {
    std::string source = ep.address().to_string();
    switch (options.limiter->Admit(source)) {
      case ConnectionLimiter::Admission::kAdmitted:
        StartSession(std::move(socket), ConnectionSlot(options.limiter, std::move(source)));
        break;
      case ConnectionLimiter::Admission::kSourceAtCapacity: {
        ++refused_source;
        std::string more;
        if (refused_log.Allow(more)) {
          spdlog::warn("http: port {}: refused a connection from {}: {} open from there already "
                       "(http.max_connections_per_source); {} refused so far{}",
                       bound_port, source, options.limiter->max_per_source(), refused_source, more);
        }
        break;
      }
      case ConnectionLimiter::Admission::kAtCapacity:
        break;  // another listener took the last place since Accept() looked: close this one
    }
  }
  // A socket not handed to a session closes here.
  Accept();
}

void HttpServer::Impl::StartSession(tcp::socket socket, ConnectionSlot slot) {
  if (!options.tls) {
    std::make_shared<Session<beast::tcp_stream>>(*this, std::move(slot), std::move(socket))->Run();
    return;
  }
  SSL* ssl = SSL_new(options.tls->native());
  if (ssl == nullptr) {
    spdlog::error("tls: cannot create a TLS session (out of memory?)");
    return;
  }
  std::make_shared<Session<TlsStream>>(*this, std::move(slot), std::move(socket), ssl)->Run();
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
  if (ec == net::error::address_in_use) {
    return Status::Internal("port " + std::to_string(impl_->options.port) + " on " +
                            impl_->options.address + " is in use");
  }
  if (ec) return Status::Internal("cannot listen on " + impl_->options.address + ":" +
                                  std::to_string(impl_->options.port) + ": " + ec.message());
  impl_->bound_port = impl_->acceptor.local_endpoint().port();
  return Status::Ok();
}

void HttpServer::Serve(dispatcher::Dispatcher& dispatcher) {
  impl_->dispatcher = &dispatcher;
  net::dispatch(impl_->acceptor.get_executor(), [this] { impl_->Accept(); });
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->threads.emplace_back([this] {
      pthread_setname_np(pthread_self(), impl_->options.tls ? "tc-https" : "tc-http");
      impl_->ioc.run();
    });
  }
}

uint16_t HttpServer::port() const { return impl_->bound_port; }
bool HttpServer::tls() const { return impl_->options.tls != nullptr; }

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
    impl_->accept_timer.cancel();
  });
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

}  // namespace trustcse::http
