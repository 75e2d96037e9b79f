// Black-box test harness: starts the real `trustcse` binary on a free port with a fresh database,
// and talks to it over plain HTTP with a minimal blocking client (no Beast: quick to compile).
// Also a tiny HTTP listener that records requests, used as a notification target.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

namespace trustcse::testing {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  int rsc() const;
  boost::json::value json() const;
  std::string header(const std::string& lower_name) const;
};

// Sends one request (Connection: close) and returns the response; status 0 on transport failure.
HttpResponse HttpRequest(uint16_t port, const std::string& method, const std::string& target,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::string& body = "");

// A running trustcse process. The database lives in a fresh temporary directory that is removed
// when the object is destroyed (unless Keep() is called).
class TrustcseProcess {
 public:
  // Starts `trustcse serve` with extra arguments; the binary comes from $TRUSTCSE_BIN.
  explicit TrustcseProcess(std::vector<std::string> extra_args = {}, std::string dir = "");
  ~TrustcseProcess();
  uint16_t port() const { return port_; }
  const std::string& dir() const { return dir_; }
  bool running() const { return pid_ > 0; }
  void Kill(int sig);  // sends the signal and reaps the process
  void Restart();      // starts again on the same database (new port)
  std::string ReadLog() const;

 private:
  void Start();
  std::vector<std::string> extra_;
  std::string dir_;
  bool own_dir_ = false;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

// Convenience client bound to one server and originator.
class Client {
 public:
  Client(uint16_t port, std::string originator) : port_(port), origin_(std::move(originator)) {}
  void set_originator(std::string o) { origin_ = std::move(o); }
  HttpResponse Create(const std::string& path, int ty, const std::string& body,
                      std::vector<std::pair<std::string, std::string>> extra = {});
  HttpResponse Retrieve(const std::string& path,
                        std::vector<std::pair<std::string, std::string>> extra = {});
  HttpResponse Update(const std::string& path, const std::string& body);
  HttpResponse Delete(const std::string& path);
  HttpResponse Notify(const std::string& path, const std::string& body,
                      std::vector<std::pair<std::string, std::string>> extra = {});
  uint16_t port() const { return port_; }

 private:
  std::vector<std::pair<std::string, std::string>> Headers(
      std::vector<std::pair<std::string, std::string>> extra);
  uint16_t port_;
  std::string origin_;
  std::atomic<int> rqi_{0};
};

// Records every request it receives and answers with `status` and X-M2M-RSC `rsc`.
class NotificationSink {
 public:
  struct Received {
    std::string target;
    std::map<std::string, std::string> headers;
    std::string body;
  };
  NotificationSink();
  ~NotificationSink();
  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/notify"; }
  void set_reply(int status, int rsc) {
    status_ = status;
    rsc_ = rsc;
  }
  // Waits until at least `n` requests arrived (or the timeout passed); returns a copy.
  std::vector<Received> WaitFor(size_t n, int timeout_ms = 5000);

 private:
  void Serve();
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> status_{200};
  std::atomic<int> rsc_{2000};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> received_;
};

}  // namespace trustcse::testing
