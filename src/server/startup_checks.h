// What Server::Start checks before it opens or binds, so that a failed start is one line naming
// what and where, and what to do: the database's directory, the CoAP UDP ports (libcoap's own
// message names neither the listener nor the setting), a listener's bind failure, the admin
// socket's directory. Internal to server/; start-up only; stateless, thread-safe.
// Codes: 5000 (a run-time failure: `trustcse serve` exits 1).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace trustcse::server {

// `s`, a listener's failure to bind, prefixed with its `kind` ("HTTP", "HTTPS") and followed by
// the `setting` that moves it ("[http] port (--http-port)").
Status ListenFailed(const Status& s, std::string_view kind, std::string_view setting);
// Binds and releases UDP `port` on `address` (IPv4): in use or refused names the port and
// `setting`. Port 0 (any free port) and addresses that are not IPv4 are not tried.
Status ProbeUdpPort(const std::string& address, int port, std::string_view setting);
// The directory of `db_path` exists (created if missing) and is writable — access(2), which
// reports a read-only file system even to root.
Status PrepareDatabaseDirectory(const std::string& db_path);
// Creates the admin socket's directory (mode 0700) if it is missing, e.g. /run/trustcse when
// the server runs without systemd's RuntimeDirectory=. Failures show when the socket binds.
void MakeSocketDirectory(const std::string& socket_path);

}  // namespace trustcse::server
