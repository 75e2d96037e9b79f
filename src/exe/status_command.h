// `trustcse status`: asks the running server, through its admin socket, for a short summary —
// version, uptime, listeners and their ports, store path and size, open connections, requests
// served, denials — and prints it for people (--json: the admin operation's JSON as it is).
// Exit codes: 0 printed, 1 no server answers on the instance's admin socket, 2 usage or
// configuration errors.
#pragma once

#include <CLI/CLI.hpp>

namespace trustcse::exe {

// Registers the `status` subcommand on `app`; it runs during app.parse() and ends the process.
void AddStatusCommand(CLI::App& app);

}  // namespace trustcse::exe
