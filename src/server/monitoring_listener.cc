// MonitoringListener on asio: an acceptor and every connection on one io thread, the slow
// handler calls (/readyz, /metrics) on a small worker io_context, each connection a Session
// that reads one header, answers once and closes.
#include "server/monitoring_listener.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

namespace trustcse::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr std::chrono::milliseconds kTimeout{MonitoringListener::kTimeoutMs};
// Lingering close: how long to read and discard what a client still sends after the answer.
constexpr std::chrono::milliseconds kLinger{500};
constexpr std::chrono::milliseconds kAcceptBackoff{100};

std::string Response(int status, std::string_view reason, std::string_view content_type,
                     std::string_view body, bool head) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  out += "Server: trustcse\r\nConnection: close\r\nCache-Control: no-store\r\n";
  out += "Content-Type: " + std::string(content_type) + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  if (!head) out += body;
  return out;
}

// A header read that ended without a request: answered 431, 400, or closed silently.
enum class ReadFailure { kTooLarge, kMalformed, kGone };

ReadFailure Classify(const beast::error_code& ec) {
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
    return ReadFailure::kTooLarge;
  }
  // The peer closed (before or in the middle of a header): nobody to answer.
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) {
    return ReadFailure::kGone;
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
    return ReadFailure::kMalformed;
  }
  return ReadFailure::kGone;  // timeout, reset, shutdown
}

}  // namespace

struct MonitoringListener::Impl {
  Impl(std::string a, uint16_t p, admin::GetHandler h, size_t max)
      : address(std::move(a)),
        port(p),
        handler(std::move(h)),
        max_connections(max == 0 ? kMaxConnections : max) {}

  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);

  std::string address;
  uint16_t port;
  std::atomic<uint16_t> bound_port{0};
  admin::GetHandler handler;
  const size_t max_connections;
  // Open sessions; declared before the io_contexts, whose destruction destroys the sessions
  // still queued in them.
  std::atomic<size_t> active{0};
  // Declared before `work`: a session released by a dropped worker job still closes its
  // socket on a live io_context.
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  net::steady_timer accept_timer{ioc};
  std::thread io_thread;
  net::io_context work;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_guard;
  std::vector<std::thread> workers;
};

namespace {

// One connection: a header, one answer, a lingering close. Lives on the io thread; a worker
// holds a reference only while it runs the handler, and hands the answer back by posting.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(MonitoringListener::Impl& impl, tcp::socket socket)
      : impl_(impl), stream_(std::move(socket)), timer_(impl.ioc) {
    impl_.active.fetch_add(1, std::memory_order_relaxed);
  }
  ~Session() { impl_.active.fetch_sub(1, std::memory_order_relaxed); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Run() {
    parser_.header_limit(MonitoringListener::kHeaderLimit);
    parser_.eager(false);
    stream_.expires_after(kTimeout);  // one deadline for the whole header, however it trickles
    bhttp::async_read_header(
        stream_, buffer_, parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

 private:
  void OnHeader(beast::error_code ec) {
    deadline_ = std::chrono::steady_clock::now() + kTimeout;
    if (ec) {
      switch (Classify(ec)) {
        case ReadFailure::kTooLarge:
          return Send(Response(431, "Request Header Fields Too Large", "text/plain", "", false));
        case ReadFailure::kMalformed:
          return Send(Response(400, "Bad Request", "text/plain", "bad request\n", false));
        case ReadFailure::kGone:
          return;
      }
    }
    const auto& req = parser_.get();
    head_ = req.method() == bhttp::verb::head;
    if (req.method() != bhttp::verb::get && !head_) {
      return Send(Response(405, "Method Not Allowed", "text/plain", "only GET\n", false));
    }
    std::string_view target = req.target();
    target = target.substr(0, target.find('?'));
    if (target != "/healthz" && target != "/readyz" && target != "/metrics") {
      return Send(Response(404, "Not Found", "text/plain", "not found\n", head_));
    }
    if (target == "/healthz") return Answer(impl_.handler(target));
    // A slow answer must not hold the io thread; it is abandoned at the deadline.
    timer_.expires_at(deadline_);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->answered_) return;  // answered in time
      self->abandoned_ = true;
      beast::error_code ignored;
      self->stream_.socket().close(ignored);
    });
    net::post(impl_.work, [self = shared_from_this(), path = std::string(target)]() mutable {
      admin::PlainAnswer a = self->impl_.handler(path);
      auto& ioc = self->impl_.ioc;
      net::post(ioc, [self = std::move(self), a = std::move(a)] {
        if (self->abandoned_) return;
        self->answered_ = true;
        self->timer_.cancel();
        self->Answer(a);
      });
    });
  }

  void Answer(const admin::PlainAnswer& a) {
    std::string_view reason = a.status == 200   ? "OK"
                              : a.status == 503 ? "Service Unavailable"
                                                : "Not Found";
    Send(Response(a.status, reason, a.content_type, a.body, head_));
  }

  void Send(std::string response) {
    out_ = std::move(response);
    stream_.expires_at(deadline_);
    net::async_write(stream_, net::buffer(out_),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (!ec) self->Linger();
                     });
  }

  // Closing with unread input (a refused body, the rest of an oversized header) would reset
  // the connection, and the reset can destroy the answer before the client has read it.
  void Linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return;
    stream_.expires_after(kLinger);
    Drain();
  }

  void Drain() {
    stream_.async_read_some(net::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (!ec) self->Drain();
                            });
  }

  MonitoringListener::Impl& impl_;
  beast::tcp_stream stream_;
  net::steady_timer timer_;  // the answer's deadline while a worker runs the handler
  // Room for the header and a little more; the parser refuses a header over the limit first.
  beast::flat_buffer buffer_{MonitoringListener::kHeaderLimit + 1024};
  bhttp::request_parser<bhttp::empty_body> parser_;
  std::chrono::steady_clock::time_point deadline_;
  bool head_ = false;
  bool abandoned_ = false;  // the deadline passed while a worker ran the handler
  bool answered_ = false;   // the worker's answer came back first
  std::string out_;
  std::array<char, 1024> discard_{};
};

}  // namespace

void MonitoringListener::Impl::Accept() {
  acceptor.async_accept(
      [this](beast::error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
}

void MonitoringListener::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (ec) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    // EMFILE, ENFILE, ENOBUFS, …: accepting again at once would fail again at once.
    accept_timer.expires_after(kAcceptBackoff);
    accept_timer.async_wait([this](beast::error_code e) {
      if (!e) Accept();
    });
    return;
  }
  if (active.load(std::memory_order_relaxed) < max_connections) {
    std::make_shared<Session>(*this, std::move(socket))->Run();
  }  // else: full; the socket closes here
  Accept();
}

MonitoringListener::MonitoringListener(std::string address, uint16_t port,
                                       admin::GetHandler handler, size_t max_connections)
    : impl_(std::make_unique<Impl>(std::move(address), port, std::move(handler), max_connections)) {
}

MonitoringListener::~MonitoringListener() { Stop(); }

uint16_t MonitoringListener::port() const { return impl_->bound_port.load(); }

Status MonitoringListener::Start() {
  Impl& m = *impl_;
  beast::error_code ec;
  const auto addr = net::ip::make_address(m.address, ec);
  if (ec) return Status::BadRequest("[monitoring] address must be an IP address: " + m.address);
  const tcp::endpoint ep(addr, m.port);
  m.acceptor.open(ep.protocol(), ec);
  if (!ec) m.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) m.acceptor.bind(ep, ec);
  if (!ec) m.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    m.acceptor.close(ignored);
    return Status::Internal("cannot listen for monitoring on " + m.address + ":" +
                            std::to_string(m.port) + ": " + ec.message());
  }
  m.bound_port = m.acceptor.local_endpoint(ec).port();
  m.Accept();
  m.io_thread = std::thread([&m] {
    pthread_setname_np(pthread_self(), "tc-monitor");
    m.ioc.run();
  });
  m.work_guard.emplace(m.work.get_executor());
  for (int i = 0; i < kWorkers; ++i) {
    m.workers.emplace_back([&m] {
      pthread_setname_np(pthread_self(), "tc-monitor-job");
      m.work.run();
    });
  }
  return Status::Ok();
}

void MonitoringListener::Stop() {
  Impl& m = *impl_;
  if (!m.io_thread.joinable()) return;
  // No handler runs once both are joined: the io thread calls it for /healthz, the workers for
  // the rest; what is still queued is destroyed with the io_contexts, unrun.
  m.ioc.stop();
  m.io_thread.join();
  m.work_guard.reset();
  m.work.stop();
  for (auto& t : m.workers) t.join();
  m.workers.clear();
  beast::error_code ignored;
  m.acceptor.close(ignored);
}

}  // namespace trustcse::server
