#include "server/startup_checks.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace trustcse::server {

// Only an address in use gets "stop the other process"; other errors get "check".
Status ListenFailed(const Status& s, std::string_view kind, std::string_view setting) {
  const bool in_use = s.message().find("is in use") != std::string::npos;
  return Status(s.code(), std::string(kind) + " " + s.message() +
                              (in_use ? ": stop the other process or set " : ": check ") +
                              std::string(setting));
}

// A probe, not a reservation: libcoap binds right after.
Status ProbeUdpPort(const std::string& address, int port, std::string_view setting) {
  if (port == 0) return Status::Ok();
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) return Status::Ok();
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Ok();
  const int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  const int err = errno;
  ::close(fd);
  if (rc == 0) return Status::Ok();
  const std::string where = "CoAP port " + std::to_string(port) + " (UDP) on " + address;
  if (err == EADDRINUSE) {
    return Status::Internal(where + " is in use: stop the other process or set " +
                            std::string(setting));
  }
  return Status::Internal("cannot listen on " + where + ": " + std::strerror(err) + ": check " +
                          std::string(setting));
}

Status PrepareDatabaseDirectory(const std::string& db_path) {
  std::filesystem::path dir = std::filesystem::path(db_path).parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!ec && ::access(dir.c_str(), W_OK | X_OK) != 0) {
    ec = std::error_code(errno, std::generic_category());
  }
  if (ec) {
    return Status::Internal("cannot use the database directory " + dir.string() + " (storage.db " +
                            db_path + "): " + ec.message() +
                            ": give the server a writable directory or set storage.db (--db)");
  }
  return Status::Ok();
}

void MakeSocketDirectory(const std::string& socket_path) {
  std::filesystem::path dir = std::filesystem::path(socket_path).parent_path();
  if (dir.empty()) return;
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) return;
  std::filesystem::create_directories(dir, ec);
  if (!ec) ::chmod(dir.c_str(), 0700);
}

}  // namespace trustcse::server
