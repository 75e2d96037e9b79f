// ceiling_server: the "bare Beast" baseline for bench/run.sh. A minimal HTTP/1.1 keep-alive server
// that answers every request "200 OK" with a small fixed JSON body. It copies trustcse's HTTP
// threading model (src/bindings/http/http_server.cc): one io_context run on N threads, a strand
// per connection, beast::tcp_stream with an idle timeout, request_parser<string_body>, one
// async_write per response. The only thing it skips is the CSE itself, so trustcse's throughput
// divided by this server's is the share of the HTTP stack's ceiling that trustcse reaches.
//
//   ceiling_server [--port P] [--address A] [--threads N]
// --port 0 (the default) picks a free port; the bound port is printed as "listening http <port>".
// SIGINT/SIGTERM stop it.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::string_view kBody = R"({"m2m:dbg":"ok"})";

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket&& socket) : stream_(std::move(socket)) {}

  void Run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::DoRead, shared_from_this()));
  }

 private:
  void DoRead() {
    parser_.emplace();
    parser_->body_limit(1 << 20);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(std::chrono::seconds(60));
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == bhttp::error::end_of_stream) return Close();
    if (ec) return;
    keep_alive_ = parser_->get().keep_alive();
    res_ = {};
    res_.version(11);
    res_.result(bhttp::status::ok);
    res_.set(bhttp::field::server, "ceiling");
    res_.set(bhttp::field::content_type, "application/json");
    res_.body() = std::string(kBody);
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
  bool keep_alive_ = true;
};

void Accept(net::io_context& ioc, tcp::acceptor& acceptor) {
  acceptor.async_accept(net::make_strand(ioc), [&ioc, &acceptor](beast::error_code ec,
                                                                 tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) std::make_shared<Session>(std::move(socket))->Run();
    Accept(ioc, acceptor);
  });
}

[[noreturn]] void Usage() {
  std::fprintf(stderr, "usage: ceiling_server [--port P] [--address A] [--threads N]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string address = "127.0.0.1";
  int port = 0;
  int threads = 2;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) Usage();
    if (a == "--port") port = std::atoi(argv[++i]);
    else if (a == "--address") address = argv[++i];
    else if (a == "--threads") threads = std::atoi(argv[++i]);
    else Usage();
  }
  if (threads < 1 || port < 0 || port > 65535) Usage();

  net::io_context ioc(threads);
  tcp::acceptor acceptor(net::make_strand(ioc));
  beast::error_code ec;
  tcp::endpoint ep(net::ip::make_address(address, ec), static_cast<uint16_t>(port));
  if (ec) Usage();
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "ceiling_server: cannot listen: %s\n", ec.message().c_str());
    return 1;
  }
  std::printf("listening http %u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) {
    net::post(acceptor.get_executor(), [&] {
      beast::error_code ignored;
      acceptor.close(ignored);
    });
    ioc.stop();
  });
  Accept(ioc, acceptor);

  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  for (auto& t : pool) t.join();
  return 0;
}
