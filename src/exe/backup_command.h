// `trustcse backup --out FILE`: a consistent copy of the instance's database, taken while the
// server runs (or not), with progress on stderr; the copy is checked (integrity_check), written
// owner-only and appears under its name only once complete (storage/embedded/sqlite_backup.h).
// It holds no master key: the sealed secrets in it open only with the key of the instance, which
// is kept apart (docs/operations.md, "Back up and restore"). Run as the database's owner
// (exe/instance.h, CheckRunsAsOwner). Exit codes as exe/instance.h: 0 copied; 1 a run-time
// failure, an existing --out, or interrupted (nothing is left behind); 2 usage.
#pragma once

#include <CLI/CLI.hpp>

namespace trustcse::exe {

// Registers `backup` on `app`; it runs during app.parse() and ends the process.
void AddBackupCommand(CLI::App& app);

}  // namespace trustcse::exe
