// `trustcse key rotate`: replaces the master key of the software key store. Offline: it holds
// the instance lock (a running server makes it refuse, touching nothing), writes a fresh key
// to "<key file>.new" (mode 0600), re-seals every sealed value — the PSKs, the CA's and the
// server's private keys — under it in batches with progress on stderr, then retires the old
// key to "<key file>.old" and moves the new one into place. Interrupted (Ctrl-C, kill -9, a
// crash), it is simply run again: it finds "<key file>.new" and finishes; until then the
// server and the other commands refuse to start (server::CheckMasterKey) rather than run on a
// half-rotated store. The key must come from the key file: with TRUSTCSE_MASTER_KEY set the
// command refuses (exit 2), since it cannot change the variable.
// Exit codes as exe/instance.h: 0 rotated, 1 run-time failure or interrupted, 2 usage.
#pragma once

#include <CLI/CLI.hpp>

namespace trustcse::exe {

// Registers `key rotate` on `app`; it runs during app.parse() and ends the process.
void AddKeyCommand(CLI::App& app);

}  // namespace trustcse::exe
