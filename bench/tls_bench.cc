// tls_bench: handshakes and requests against an HTTPS server, with OpenSSL as the client, for
// bench/tls.sh. Closed loop: each of --threads workers repeats one operation for --duration
// seconds (after --warmup unrecorded seconds) and records its latency.
//
//   --mode tcp        TCP connect + close (the baseline for handshake costs)
//   --mode full       TCP connect + full TLS handshake + close
//   --mode resume     the same, resuming a session ticket from a first full handshake
//   --mode requests   keep-alive HTTP requests on one connection per worker (TLS, or --plain)
//
// Credentials: --cert/--key (client certificate) or --psk-identity/--psk HEX (TLS 1.2 PSK suites
// or a TLS 1.3 external PSK); --cafile verifies the server. --tls12 / --tls13 pin the version;
// --ciphers sets the TLS 1.2 suites offered.
// Requests: --path, --header 'K: V' (repeatable). Prints one line:
//   ops=… seconds=… rate=… p50_us=… p99_us=… errors=…
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string mode = "full";
  int threads = 1;
  double duration = 5, warmup = 1;
  int version = 0;  // 0 any, 12, 13
  std::string cert, key, cafile, psk_identity, psk_hex, ciphers;
  bool plain = false;
  std::string path = "/";
  std::vector<std::string> headers;
};

Options g;
std::string g_psk;  // raw key

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr, "tls_bench: %s\nusage: tls_bench --port P --mode tcp|full|resume|requests "
               "[--threads N] [--duration S] [--warmup S] [--tls12|--tls13] [--cert F --key F] "
               "[--psk-identity ID --psk HEX] [--cafile F] [--ciphers LIST] [--plain] [--path P] "
               "[--header 'K: V']\n",
               why);
  std::exit(2);
}

int Connect() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(g.port));
  ::inet_pton(AF_INET, g.host.c_str(), &a.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

unsigned int Psk12(SSL*, const char*, char* identity, unsigned int max_id, unsigned char* psk,
                   unsigned int max_psk) {
  if (g.psk_identity.size() + 1 > max_id || g_psk.size() > max_psk) return 0;
  std::memcpy(identity, g.psk_identity.c_str(), g.psk_identity.size() + 1);
  std::memcpy(psk, g_psk.data(), g_psk.size());
  return static_cast<unsigned int>(g_psk.size());
}

int Psk13(SSL* ssl, const EVP_MD* md, const unsigned char** id, size_t* idlen,
          SSL_SESSION** sess) {
  static const unsigned char kAes128GcmSha256[] = {0x13, 0x01};
  const SSL_CIPHER* c = SSL_CIPHER_find(ssl, kAes128GcmSha256);
  if (md != nullptr && md != SSL_CIPHER_get_handshake_digest(c)) {
    *sess = nullptr;
    return 1;
  }
  SSL_SESSION* s = SSL_SESSION_new();
  SSL_SESSION_set1_master_key(s, reinterpret_cast<const unsigned char*>(g_psk.data()), g_psk.size());
  SSL_SESSION_set_cipher(s, c);
  SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION);
  *sess = s;
  *id = reinterpret_cast<const unsigned char*>(g.psk_identity.data());
  *idlen = g.psk_identity.size();
  return 1;
}

SSL_CTX* MakeContext() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (g.version == 12) SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
  if (g.version == 13) SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  if (!g.ciphers.empty() && SSL_CTX_set_cipher_list(ctx, g.ciphers.c_str()) != 1) {
    Usage("unknown TLS 1.2 cipher list");
  }
  if (!g.cafile.empty()) {
    SSL_CTX_load_verify_locations(ctx, g.cafile.c_str(), nullptr);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  }
  if (!g.cert.empty() &&
      (SSL_CTX_use_certificate_chain_file(ctx, g.cert.c_str()) != 1 ||
       SSL_CTX_use_PrivateKey_file(ctx, g.key.c_str(), SSL_FILETYPE_PEM) != 1)) {
    Usage("cannot load the client certificate or key");
  }
  if (!g.psk_identity.empty()) {
    SSL_CTX_set_psk_client_callback(ctx, Psk12);
    SSL_CTX_set_psk_use_session_callback(ctx, Psk13);
  }
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL);
  return ctx;
}

std::string Request() {
  std::string r = "GET " + g.path + " HTTP/1.1\r\nHost: localhost\r\n";
  for (const auto& h : g.headers) r += h + "\r\n";
  return r + "\r\n";
}

// Reads one HTTP response (headers, then Content-Length bytes); false on error or non-2xx.
template <typename Read>
bool ReadResponse(Read&& read, std::string& buf) {
  buf.clear();
  char chunk[16384];
  size_t header_end = std::string::npos;
  while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
    int n = read(chunk, sizeof chunk);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<size_t>(n));
  }
  size_t len = 0;
  auto cl = buf.find("Content-Length: ");
  if (cl == std::string::npos) cl = buf.find("content-length: ");
  if (cl != std::string::npos && cl < header_end) len = std::strtoul(buf.c_str() + cl + 16, nullptr, 10);
  while (buf.size() < header_end + 4 + len) {
    int n = read(chunk, sizeof chunk);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<size_t>(n));
  }
  return buf.compare(9, 1, "2") == 0;
}

struct Stats {
  std::mutex mu;
  std::vector<uint32_t> lat_us;
  uint64_t errors = 0;
};

void Worker(SSL_CTX* ctx, SSL_SESSION* resume, Clock::time_point record_from,
            Clock::time_point end, Stats& stats) {
  std::vector<uint32_t> lat;
  uint64_t errors = 0;
  const std::string request = Request();
  SSL* keep = nullptr;
  int keep_fd = -1;
  std::string buf;
  while (Clock::now() < end) {
    auto t0 = Clock::now();
    bool ok = true;
    if (g.mode == "tcp") {
      int fd = Connect();
      ok = fd >= 0;
      if (ok) ::close(fd);
    } else if (g.mode == "full" || g.mode == "resume") {
      int fd = Connect();
      SSL* ssl = SSL_new(ctx);
      SSL_set_fd(ssl, fd);
      SSL_set_tlsext_host_name(ssl, "localhost");
      if (resume) {
        // A TLS 1.3 client uses a ticket once; a fresh copy each time offers the same ticket.
        SSL_SESSION* copy = SSL_SESSION_dup(resume);
        SSL_set_session(ssl, copy);
        SSL_SESSION_free(copy);
      }
      ok = fd >= 0 && SSL_connect(ssl) == 1 && (!resume || SSL_session_reused(ssl) == 1);
      if (ok) SSL_shutdown(ssl);
      SSL_free(ssl);
      if (fd >= 0) ::close(fd);
    } else {  // requests
      if (keep_fd < 0) {
        keep_fd = Connect();
        if (!g.plain) {
          keep = SSL_new(ctx);
          SSL_set_fd(keep, keep_fd);
          SSL_set_tlsext_host_name(keep, "localhost");
          if (SSL_connect(keep) != 1) ok = false;
        }
      }
      if (ok) {
        if (g.plain) {
          ok = ::send(keep_fd, request.data(), request.size(), MSG_NOSIGNAL) ==
                   static_cast<ssize_t>(request.size()) &&
               ReadResponse([&](char* p, size_t n) { return static_cast<int>(::recv(keep_fd, p, n, 0)); }, buf);
        } else {
          ok = SSL_write(keep, request.data(), static_cast<int>(request.size())) > 0 &&
               ReadResponse([&](char* p, size_t n) { return SSL_read(keep, p, static_cast<int>(n)); }, buf);
        }
      }
      if (!ok) {
        if (keep) SSL_free(keep);
        if (keep_fd >= 0) ::close(keep_fd);
        keep = nullptr;
        keep_fd = -1;
      }
    }
    auto t1 = Clock::now();
    if (t0 >= record_from) {
      if (ok) {
        lat.push_back(static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count()));
      } else {
        ++errors;
      }
    }
    ERR_clear_error();
  }
  if (keep) SSL_free(keep);
  if (keep_fd >= 0) ::close(keep_fd);
  std::lock_guard lock(stats.mu);
  stats.lat_us.insert(stats.lat_us.end(), lat.begin(), lat.end());
  stats.errors += errors;
}

// A full handshake plus one request, so that a TLS 1.3 ticket has arrived.
SSL_SESSION* FirstSession(SSL_CTX* ctx) {
  int fd = Connect();
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  SSL_set_tlsext_host_name(ssl, "localhost");
  if (SSL_connect(ssl) != 1) Usage("the first handshake failed");
  std::string req = Request(), buf;
  SSL_write(ssl, req.data(), static_cast<int>(req.size()));
  ReadResponse([&](char* p, size_t n) { return SSL_read(ssl, p, static_cast<int>(n)); }, buf);
  SSL_SESSION* s = SSL_get1_session(ssl);
  if (s == nullptr || !SSL_SESSION_is_resumable(s)) Usage("the server gave no resumable session");
  SSL_shutdown(ssl);
  SSL_free(ssl);
  ::close(fd);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Usage("missing value");
      return argv[++i];
    };
    if (a == "--host") g.host = next();
    else if (a == "--port") g.port = std::atoi(next().c_str());
    else if (a == "--mode") g.mode = next();
    else if (a == "--threads") g.threads = std::atoi(next().c_str());
    else if (a == "--duration") g.duration = std::atof(next().c_str());
    else if (a == "--warmup") g.warmup = std::atof(next().c_str());
    else if (a == "--tls12") g.version = 12;
    else if (a == "--tls13") g.version = 13;
    else if (a == "--cert") g.cert = next();
    else if (a == "--key") g.key = next();
    else if (a == "--cafile") g.cafile = next();
    else if (a == "--psk-identity") g.psk_identity = next();
    else if (a == "--psk") g.psk_hex = next();
    else if (a == "--ciphers") g.ciphers = next();
    else if (a == "--plain") g.plain = true;
    else if (a == "--path") g.path = next();
    else if (a == "--header") g.headers.push_back(next());
    else Usage(("unknown option " + a).c_str());
  }
  if (g.port <= 0 || g.threads < 1) Usage("--port and --threads");
  for (size_t i = 0; i + 1 < g.psk_hex.size(); i += 2) {
    g_psk.push_back(static_cast<char>(std::strtol(g.psk_hex.substr(i, 2).c_str(), nullptr, 16)));
  }
  SSL_CTX* ctx = MakeContext();
  SSL_SESSION* resume = g.mode == "resume" ? FirstSession(ctx) : nullptr;
  auto start = Clock::now();
  auto record_from = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(g.warmup));
  auto end = record_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(g.duration));
  Stats stats;
  std::vector<std::thread> workers;
  for (int t = 0; t < g.threads; ++t) {
    workers.emplace_back(Worker, ctx, resume, record_from, end, std::ref(stats));
  }
  for (auto& w : workers) w.join();
  auto& l = stats.lat_us;
  std::sort(l.begin(), l.end());
  auto pct = [&](double p) { return l.empty() ? 0u : l[std::min(l.size() - 1, static_cast<size_t>(p * l.size()))]; };
  std::printf("ops=%zu seconds=%.3f rate=%.1f p50_us=%u p99_us=%u errors=%llu\n", l.size(),
              g.duration, l.size() / g.duration, pct(0.50), pct(0.99),
              static_cast<unsigned long long>(stats.errors));
  if (resume) SSL_SESSION_free(resume);
  SSL_CTX_free(ctx);
  return 0;
}
