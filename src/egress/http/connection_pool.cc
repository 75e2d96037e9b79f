#include "egress/http/connection_pool.h"

#include <boost/asio/ip/tcp.hpp>
#include <utility>

namespace trustcse::egress {

Connection::Connection(boost::asio::io_context& ioc) : plain_(std::in_place, ioc) {}

Connection::Connection(boost::asio::io_context& ioc, boost::asio::ssl::context& tls)
    : tls_(std::make_unique<TlsStream>(ioc, tls)) {}

void Connection::Close() {
  boost::beast::error_code ignored;
  auto& s = tcp().socket();
  s.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  s.close(ignored);
}

std::unique_ptr<Connection> IdlePool::Take(const std::string& key) {
  auto it = idle_.find(key);
  if (it == idle_.end()) return nullptr;
  auto& list = it->second;
  std::unique_ptr<Connection> out;
  while (!list.empty() && !out) {
    Idle e = std::move(list.back());
    list.pop_back();
    --count_;
    if (SteadyClock::now() - e.since < idle_timeout_) {
      out = std::move(e.connection);
    } else {
      e.connection->Close();
    }
  }
  if (list.empty()) idle_.erase(it);
  return out;
}

void IdlePool::Put(const std::string& key, std::unique_ptr<Connection> c) {
  auto& list = idle_[key];
  if (list.size() >= max_per_host_ || count_ >= max_total_) {
    if (list.empty()) idle_.erase(key);
    c->Close();
    return;
  }
  list.push_back(Idle{std::move(c), SteadyClock::now()});
  ++count_;
}

void IdlePool::Expire() {
  const auto now = SteadyClock::now();
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& list = it->second;
    while (!list.empty() && now - list.front().since >= idle_timeout_) {
      list.front().connection->Close();
      list.pop_front();
      --count_;
    }
    it = list.empty() ? idle_.erase(it) : std::next(it);
  }
}

void IdlePool::Clear() {
  for (auto& [_, list] : idle_) {
    for (auto& e : list) e.connection->Close();
  }
  idle_.clear();
  count_ = 0;
}

bool HostSlots::Acquire(const std::string& key, std::shared_ptr<Exchange> waiting) {
  Host& h = hosts_[key];
  if (h.in_flight < max_per_host_) {
    ++h.in_flight;
    return true;
  }
  h.waiting.push_back(std::move(waiting));
  return false;
}

std::shared_ptr<Exchange> HostSlots::Release(const std::string& key) {
  auto it = hosts_.find(key);
  if (it == hosts_.end()) return nullptr;
  Host& h = it->second;
  if (!h.waiting.empty()) {
    auto next = std::move(h.waiting.front());
    h.waiting.pop_front();
    return next;  // keeps the slot
  }
  if (--h.in_flight <= 0) hosts_.erase(it);
  return nullptr;
}

std::vector<std::shared_ptr<Exchange>> HostSlots::TakeAllWaiting() {
  closed_ = true;
  std::vector<std::shared_ptr<Exchange>> out;
  for (auto& [_, h] : hosts_) {
    for (auto& e : h.waiting) out.push_back(std::move(e));
  }
  hosts_.clear();
  return out;
}

}  // namespace trustcse::egress
