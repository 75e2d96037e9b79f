// ConnectionLimiter: the live connections of a set of HTTP listeners against a total cap and a
// cap per source address (the server shares one between its plain and TLS listeners, so the
// caps count all of them together). A listener asks Admit() for each accepted connection and
// gives the place back with Release() when the connection closes; at the total cap it stops
// accepting, beyond a source's cap it closes the connection at once (http_server.h).
// The caps may be changed while connections are live (a reload): connections above a lowered cap
// stay open; new ones wait until the count is below it.
// Thread-safe: connections close on any I/O thread. Memory: one entry per source address with
// a live connection, so at most the total cap.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace trustcse::http {

class ConnectionLimiter {
 public:
  enum class Admission { kAdmitted, kAtCapacity, kSourceAtCapacity };
  // Caps of 0 admit nothing.
  ConnectionLimiter(size_t max_total, size_t max_per_source)
      : max_total_(max_total), max_per_source_(max_per_source) {}
  ConnectionLimiter(const ConnectionLimiter&) = delete;
  ConnectionLimiter& operator=(const ConnectionLimiter&) = delete;

  // Counts a connection from `source` unless a cap is reached; each kAdmitted needs one
  // Release(source).
  Admission Admit(const std::string& source);
  void Release(const std::string& source);
  bool AtCapacity() const;
  size_t active() const;
  size_t max_total() const;
  size_t max_per_source() const;
  void SetCaps(size_t max_total, size_t max_per_source);

 private:
  mutable std::mutex mu_;
  size_t max_total_;                                    // guarded by mu_
  size_t max_per_source_;                               // guarded by mu_
  size_t total_ = 0;                                    // guarded by mu_
  std::unordered_map<std::string, size_t> per_source_;  // guarded by mu_; no zero counts
};

}  // namespace trustcse::http
