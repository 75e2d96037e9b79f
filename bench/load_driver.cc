// load_driver: a closed-loop HTTP/1.1 keep-alive load generator on Boost.Asio (no Beast: the
// response parser is hand-rolled — status line, headers up to "\r\n\r\n", then Content-Length
// bytes). Each of --connections connections sends one request, waits for the whole response,
// records the latency and sends the next, until --duration seconds have passed (after --warmup
// seconds that are not recorded) or --requests requests have been sent in total.
//
// With --rate R the load is open loop instead: the connections together start R requests per
// second on a fixed schedule (each connection every connections/R seconds, phases spread), and
// a request's latency counts from the moment the schedule meant to send it, not from when the
// connection was free again — so a stall in the server shows up in the percentiles of every
// request it delayed (no coordinated omission). A connection still carries one request at a
// time; if the server falls behind, requests start late and the latencies say so.
//
// Templates: the path, header values and body may contain {n}, {n%K} or {n/K}; each request
// takes the next value of a process-wide counter (starting at --start) and substitutes it, so
// creates can carry unique names or labels. Other braces (JSON) are left alone.
//
// Output: one line on stdout,
//   requests=… seconds=… rps=… p50_us=… p99_us=… errors=… io_errors=… p90_us=… p999_us=… max_us=…
// `requests` counts completed, recorded responses (errors included); `errors` counts non-2xx
// responses; `io_errors` counts connect/read/write failures and malformed responses. The first
// non-2xx response is echoed on stderr to help debug a set-up.
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::string port;
  int connections = 1;
  double duration = 10;
  double warmup = 0;
  uint64_t requests = 0;  // > 0: stop after this many requests (duration and warmup ignored)
  std::string method = "GET";
  std::string path = "/";
  std::vector<std::string> headers;
  std::string body;
  bool has_body = false;
  int threads = 1;
  uint64_t start = 0;
  std::string dump_body;  // write the last response body here
  double rate = 0;        // > 0: open loop, this many requests per second over all connections
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "load_driver: %s\n"
               "usage: load_driver --port P [--host H] [--connections N] [--duration S | "
               "--requests N] [--warmup S]\n"
               "       [--method M] [--path P] [--header 'K: V']... [--body STRING] [--threads T]\n"
               "       [--start N] [--dump-body FILE] [--rate R]\n"
               "  path, header values and body may contain {n}, {n%%K}, {n/K}\n",
               why);
  std::exit(2);
}

// A string with {n}, {n%K}, {n/K} placeholders, split into literal text and placeholders.
class Template {
 public:
  explicit Template(std::string_view s) {
    std::string lit;
    size_t i = 0;
    while (i < s.size()) {
      Part p;
      size_t len = 0;
      if (s[i] == '{' && ParsePlaceholder(s.substr(i), p, len)) {
        if (!lit.empty()) parts_.push_back({Part::kLiteral, 0, std::move(lit)}), lit.clear();
        parts_.push_back(p);
        i += len;
      } else {
        lit += s[i++];
      }
    }
    if (!lit.empty()) parts_.push_back({Part::kLiteral, 0, std::move(lit)});
  }
  bool constant() const {
    return std::all_of(parts_.begin(), parts_.end(),
                       [](const Part& p) { return p.kind == Part::kLiteral; });
  }
  void Render(uint64_t n, std::string& out) const {
    for (const Part& p : parts_) {
      uint64_t v = n;
      switch (p.kind) {
        case Part::kLiteral: out += p.text; continue;
        case Part::kN: break;
        case Part::kMod: v = n % p.k; break;
        case Part::kDiv: v = n / p.k; break;
      }
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, v);
      out.append(buf, r.ptr);
    }
  }
  std::string Render(uint64_t n) const {
    std::string s;
    Render(n, s);
    return s;
  }

 private:
  struct Part {
    enum Kind { kLiteral, kN, kMod, kDiv } kind;
    uint64_t k;
    std::string text;
  };
  // "{n}", "{n%K}", "{n/K}" with K > 0.
  static bool ParsePlaceholder(std::string_view s, Part& p, size_t& len) {
    if (s.size() < 3 || s[1] != 'n') return false;
    if (s[2] == '}') {
      p = {Part::kN, 0, {}};
      len = 3;
      return true;
    }
    if (s[2] != '%' && s[2] != '/') return false;
    uint64_t k = 0;
    auto r = std::from_chars(s.data() + 3, s.data() + s.size(), k);
    if (r.ec != std::errc() || k == 0 || r.ptr == s.data() + s.size() || *r.ptr != '}')
      return false;
    p = {s[2] == '%' ? Part::kMod : Part::kDiv, k, {}};
    len = static_cast<size_t>(r.ptr - s.data()) + 1;
    return true;
  }
  std::vector<Part> parts_;
};

// Everything shared by all connections.
struct Shared {
  Options opt;
  Template path{""};
  std::vector<std::pair<std::string, Template>> headers;  // name, value template
  Template body{""};
  bool constant = true;
  std::string constant_request;
  tcp::endpoint endpoint;

  Clock::time_point measure_start;  // requests started before this are not recorded
  Clock::time_point deadline;       // no request is started at or after this
  std::atomic<uint64_t> counter{0};
  std::atomic<uint64_t> issued{0};
  std::atomic<bool> reported_error{false};
  std::mutex dump_mutex;
  std::string last_body;

  void BuildRequest(std::string& out) {
    if (constant) {
      out = constant_request;
      return;
    }
    uint64_t n = opt.start + counter.fetch_add(1, std::memory_order_relaxed);
    out.clear();
    out += opt.method;
    out += ' ';
    path.Render(n, out);
    out += " HTTP/1.1\r\nHost: ";
    out += opt.host;
    out += "\r\n";
    for (auto& [name, value] : headers) {
      out += name;
      out += ": ";
      value.Render(n, out);
      out += "\r\n";
    }
    if (opt.has_body) {
      std::string b = body.Render(n);
      out += "Content-Length: ";
      out += std::to_string(b.size());
      out += "\r\n\r\n";
      out += b;
    } else {
      out += "\r\n";
    }
  }
};

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

class Connection {
 public:
  Connection(net::io_context& ioc, Shared& shared) : socket_(ioc), timer_(ioc), shared_(shared) {
    buf_.resize(16 * 1024);
    latencies_.reserve(1 << 16);
  }

  // phase: this connection's first scheduled send (open loop only).
  void Start(Clock::time_point phase) {
    next_send_ = phase;
    Connect();
  }

  std::vector<uint32_t> latencies_;
  uint64_t non2xx_ = 0;
  uint64_t io_errors_ = 0;
  Clock::time_point last_done_{};

 private:
  void Connect() {
    if (++connects_ > 100) return;  // bounded reconnects after failures
    have_ = 0;
    boost::system::error_code ignored;
    socket_.close(ignored);
    socket_.async_connect(shared_.endpoint, [this](boost::system::error_code ec) {
      if (ec) {
        ++io_errors_;
        return Connect();
      }
      boost::system::error_code ignored;
      socket_.set_option(tcp::no_delay(true), ignored);
      Next();
    });
  }

  void Next() {
    if (shared_.opt.requests > 0) {
      if (shared_.issued.fetch_add(1, std::memory_order_relaxed) >= shared_.opt.requests)
        return Finish();
    } else if (Clock::now() >= shared_.deadline) {
      return Finish();
    }
    if (shared_.opt.rate > 0) {
      Clock::time_point due = next_send_;
      next_send_ += interval();
      if (due > Clock::now()) {
        timer_.expires_at(due);
        return timer_.async_wait([this, due](boost::system::error_code ec) {
          if (!ec) Send(due);
        });
      }
      return Send(due);
    }
    Send(Clock::now());
  }

  Clock::duration interval() const {
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(shared_.opt.connections / shared_.opt.rate));
  }

  // Sends the next request; its latency counts from t0 (its scheduled time when open loop).
  void Send(Clock::time_point t0) {
    if (shared_.opt.requests == 0 && t0 >= shared_.deadline) return Finish();
    shared_.BuildRequest(request_);
    t0_ = t0;
    net::async_write(socket_, net::buffer(request_),
                     [this](boost::system::error_code ec, size_t) {
                       if (ec) return Fail();
                       Parse();
                     });
  }

  void Finish() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  void Fail() {
    ++io_errors_;
    if (shared_.opt.requests > 0) {
      shared_.issued.fetch_sub(1, std::memory_order_relaxed);  // the request is not done
    }
    Connect();
  }

  void ReadMore() {
    if (have_ == buf_.size()) buf_.resize(buf_.size() * 2);
    socket_.async_read_some(net::buffer(buf_.data() + have_, buf_.size() - have_),
                            [this](boost::system::error_code ec, size_t n) {
                              if (ec) return Fail();
                              have_ += n;
                              Parse();
                            });
  }

  // Looks for one whole response in buf_[0, have_); reads more if it is not there yet.
  void Parse() {
    std::string_view data(buf_.data(), have_);
    size_t hdr_end = data.find("\r\n\r\n");
    if (hdr_end == std::string_view::npos) return ReadMore();
    size_t header_len = hdr_end + 4;
    std::string_view head = data.substr(0, hdr_end);
    // Status line: HTTP/1.x SSS ...
    if (head.size() < 12 || head.substr(0, 5) != "HTTP/") return Malformed();
    int status = 0;
    auto r = std::from_chars(head.data() + 9, head.data() + 12, status);
    if (r.ec != std::errc()) return Malformed();
    size_t content_length = 0;
    bool close = false;
    size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos < head.size()) {
      size_t next = head.find("\r\n", pos + 2);
      std::string_view line =
          head.substr(pos + 2, (next == std::string_view::npos ? head.size() : next) - pos - 2);
      pos = next;
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view name = Trim(line.substr(0, colon));
      std::string_view value = Trim(line.substr(colon + 1));
      if (IEquals(name, "content-length")) {
        auto cr = std::from_chars(value.data(), value.data() + value.size(), content_length);
        if (cr.ec != std::errc()) return Malformed();
      } else if (IEquals(name, "transfer-encoding")) {
        return Malformed();  // chunked responses are not supported
      } else if (IEquals(name, "connection") && IEquals(value, "close")) {
        close = true;
      }
    }
    size_t total = header_len + content_length;
    if (have_ < total) {
      if (buf_.size() < total) buf_.resize(total);
      return ReadMore();
    }
    // One complete response.
    auto now = Clock::now();
    if (t0_ >= shared_.measure_start) {
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - t0_).count();
      latencies_.push_back(static_cast<uint32_t>(std::min<int64_t>(us, UINT32_MAX)));
      if (status < 200 || status > 299) ++non2xx_;
      last_done_ = now;
    }
    std::string_view body = data.substr(header_len, content_length);
    if ((status < 200 || status > 299) && !shared_.reported_error.exchange(true)) {
      std::fprintf(stderr, "load_driver: first non-2xx response: %.*s | %.*s\n",
                   static_cast<int>(std::min<size_t>(head.size(), 400)), head.data(),
                   static_cast<int>(std::min<size_t>(body.size(), 400)), body.data());
    }
    if (!shared_.opt.dump_body.empty()) {
      std::lock_guard lock(shared_.dump_mutex);
      shared_.last_body.assign(body);
    }
    std::memmove(buf_.data(), buf_.data() + total, have_ - total);
    have_ -= total;
    if (close) return Connect();
    Next();
  }

  void Malformed() {
    ++io_errors_;
    Finish();  // the stream cannot be resynchronized; stop this connection
  }

  tcp::socket socket_;
  net::steady_timer timer_;
  Shared& shared_;
  Clock::time_point next_send_{};
  std::vector<char> buf_;
  size_t have_ = 0;
  std::string request_;
  Clock::time_point t0_;
  int connects_ = 0;
};

uint32_t Percentile(std::vector<uint32_t>& v, double p) {
  if (v.empty()) return 0;
  size_t rank = static_cast<size_t>(p * static_cast<double>(v.size()));
  if (rank >= v.size()) rank = v.size() - 1;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rank), v.end());
  return v[rank];
}

}  // namespace

int main(int argc, char** argv) {
  auto shared = std::make_unique<Shared>();
  Options& o = shared->opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) Usage(("missing value for " + a).c_str());
    std::string v = argv[++i];
    if (a == "--host") o.host = v;
    else if (a == "--port") o.port = v;
    else if (a == "--connections") o.connections = std::atoi(v.c_str());
    else if (a == "--duration") o.duration = std::atof(v.c_str());
    else if (a == "--warmup") o.warmup = std::atof(v.c_str());
    else if (a == "--requests") o.requests = std::strtoull(v.c_str(), nullptr, 10);
    else if (a == "--method") o.method = v;
    else if (a == "--path") o.path = v;
    else if (a == "--header") o.headers.push_back(v);
    else if (a == "--body") o.body = v, o.has_body = true;
    else if (a == "--threads") o.threads = std::atoi(v.c_str());
    else if (a == "--start") o.start = std::strtoull(v.c_str(), nullptr, 10);
    else if (a == "--dump-body") o.dump_body = v;
    else if (a == "--rate") o.rate = std::atof(v.c_str());
    else Usage(("unknown option " + a).c_str());
  }
  if (o.port.empty()) Usage("--port is required");
  if (o.connections < 1 || o.threads < 1 || o.duration <= 0 || o.warmup < 0 || o.rate < 0)
    Usage("bad numeric option");
  if (o.method == "POST" || o.method == "PUT") o.has_body = true;  // Content-Length: 0 at least

  shared->path = Template(o.path);
  shared->body = Template(o.body);
  shared->constant = shared->path.constant() && shared->body.constant();
  for (const std::string& h : o.headers) {
    size_t colon = h.find(':');
    if (colon == std::string::npos) Usage("--header needs 'Name: value'");
    std::string name(Trim(std::string_view(h).substr(0, colon)));
    Template value(Trim(std::string_view(h).substr(colon + 1)));
    shared->constant = shared->constant && value.constant();
    shared->headers.emplace_back(std::move(name), std::move(value));
  }
  if (shared->constant) {
    shared->constant = false;
    shared->BuildRequest(shared->constant_request);
    shared->constant = true;
  }

  {
    net::io_context ioc;
    tcp::resolver resolver(ioc);
    boost::system::error_code ec;
    auto results = resolver.resolve(o.host, o.port, ec);
    if (ec || results.empty()) {
      std::fprintf(stderr, "load_driver: cannot resolve %s:%s\n", o.host.c_str(), o.port.c_str());
      return 1;
    }
    shared->endpoint = *results.begin();
  }

  std::vector<std::unique_ptr<net::io_context>> contexts;
  for (int t = 0; t < o.threads; ++t) contexts.push_back(std::make_unique<net::io_context>(1));
  std::vector<std::unique_ptr<Connection>> conns;
  for (int c = 0; c < o.connections; ++c)
    conns.push_back(std::make_unique<Connection>(*contexts[c % o.threads], *shared));

  auto start = Clock::now();
  if (o.requests > 0) {
    shared->measure_start = start;
    shared->deadline = Clock::time_point::max();
  } else {
    shared->measure_start =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup));
    shared->deadline = shared->measure_start + std::chrono::duration_cast<Clock::duration>(
                                                   std::chrono::duration<double>(o.duration));
  }
  // Open loop: connection c first sends at start + c/rate, then every connections/rate seconds,
  // so that together they send evenly, one request every 1/rate seconds.
  for (size_t c = 0; c < conns.size(); ++c) {
    auto phase = o.rate > 0 ? std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(static_cast<double>(c) / o.rate))
                            : Clock::duration::zero();
    conns[c]->Start(start + phase);
  }
  std::vector<std::thread> threads;
  for (auto& ctx : contexts) threads.emplace_back([&ctx] { ctx->run(); });
  for (auto& t : threads) t.join();

  std::vector<uint32_t> all;
  uint64_t non2xx = 0, io_errors = 0;
  Clock::time_point last = shared->measure_start;
  for (auto& c : conns) {
    all.insert(all.end(), c->latencies_.begin(), c->latencies_.end());
    non2xx += c->non2xx_;
    io_errors += c->io_errors_;
    last = std::max(last, c->last_done_);
  }
  double seconds = std::chrono::duration<double>(last - shared->measure_start).count();
  uint64_t n = all.size();
  double rps = seconds > 0 ? static_cast<double>(n) / seconds : 0;
  uint32_t max_us = n ? *std::max_element(all.begin(), all.end()) : 0;
  uint32_t p50 = Percentile(all, 0.50);
  uint32_t p90 = Percentile(all, 0.90);
  uint32_t p99 = Percentile(all, 0.99);
  uint32_t p999 = Percentile(all, 0.999);
  std::printf(
      "requests=%llu seconds=%.3f rps=%.1f p50_us=%u p99_us=%u errors=%llu io_errors=%llu "
      "p90_us=%u p999_us=%u max_us=%u\n",
      static_cast<unsigned long long>(n), seconds, rps, p50, p99,
      static_cast<unsigned long long>(non2xx), static_cast<unsigned long long>(io_errors), p90,
      p999, max_us);
  if (!o.dump_body.empty()) {
    std::ofstream(o.dump_body, std::ios::binary) << shared->last_body;
  }
  return 0;
}
