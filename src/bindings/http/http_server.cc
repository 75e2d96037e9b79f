#include <pthread.h>
#include "bindings/http/http_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "bindings/http/http_mapping.h"

namespace trustcse::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

std::string_view Field(const bhttp::request<bhttp::string_body>& r, std::string_view name) {
  auto it = r.find(name);
  return it == r.end() ? std::string_view() : std::string_view(it->value());
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, dispatcher::Dispatcher& d, const HttpServerOptions& o)
      : stream_(std::move(socket)), dispatcher_(d), options_(o) {
    boost::system::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) peer_ = ep.address().to_string();
  }

  void Run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::DoRead, shared_from_this()));
  }

 private:
  void DoRead() {
    parser_.emplace();
    parser_->body_limit(options_.body_limit);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(options_.idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == bhttp::error::end_of_stream) return Close();
    if (ec) {
      if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit ||
          ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
        keep_alive_ = false;
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
    HttpRequestParts parts;
    parts.method = req.method_string();
    parts.target = req.target();
    auto origin = req.find("X-M2M-Origin");
    parts.has_origin = origin != req.end();
    if (parts.has_origin) parts.origin = origin->value();
    parts.request_id = Field(req, "X-M2M-RI");
    parts.rvi = Field(req, "X-M2M-RVI");
    parts.content_type = Field(req, "Content-Type");
    parts.accept = Field(req, "Accept");
    parts.rtu = Field(req, "X-M2M-RTU");
    parts.rqet = Field(req, "X-M2M-RET");
    parts.rset = Field(req, "X-M2M-RST");
    parts.authorization = Field(req, "Authorization");
    parts.body = req.body();
    parts.peer_address = peer_;
    auto prim = ToPrimitive(parts);
    if (!prim) {
      ResponsePrimitive rsp;
      rsp.rsc = prim.error().code();
      rsp.rqi = std::string(parts.request_id);
      rsp.rvi = std::string(parts.rvi);
      rsp.pc = ErrorResponse(RequestPrimitive{}, prim.error()).pc;
      return Send(rsp);
    }
    dispatcher_.Handle(std::move(*prim), [self = shared_from_this()](ResponsePrimitive rsp) {
      // Writes complete on the storage writer thread: hop back onto this connection's strand.
      net::dispatch(self->stream_.get_executor(),
                    [self, rsp = std::move(rsp)]() mutable { self->Send(rsp); });
    });
  }

  void Send(const ResponsePrimitive& rsp) {
    HttpResponseParts parts = FromPrimitive(rsp);
    res_ = {};
    res_.version(11);
    res_.result(static_cast<bhttp::status>(parts.status));
    res_.set(bhttp::field::server, "trustcse");
    for (auto& [k, v] : parts.headers) res_.set(k, v);
    res_.body() = std::move(parts.body);
    res_.keep_alive(keep_alive_);
    res_.prepare_payload();
    bhttp::async_write(stream_, res_,
                       beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t) {
    if (ec) return;
    if (!keep_alive_) return Close();
    DoRead();
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
  dispatcher::Dispatcher& dispatcher_;
  const HttpServerOptions& options_;
  std::string peer_;
  bool keep_alive_ = true;
};

}  // namespace

struct HttpServer::Impl {
  explicit Impl(HttpServerOptions o)
      : options(std::move(o)), ioc(options.threads), acceptor(net::make_strand(ioc)) {}

  void Accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
        spdlog::warn("http: accept failed: {}", ec.message());
      } else {
        std::make_shared<Session>(std::move(socket), *dispatcher, options)->Run();
      }
      Accept();
    });
  }

  HttpServerOptions options;
  dispatcher::Dispatcher* dispatcher = nullptr;
  net::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  uint16_t bound_port = 0;
  bool stopped = false;
};

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
      pthread_setname_np(pthread_self(), "tc-http");
      impl_->ioc.run();
    });
  }
}

uint16_t HttpServer::port() const { return impl_->bound_port; }

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
