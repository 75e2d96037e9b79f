// `trustcse audit`: the audit log (AUD-1, docs/audit.md) for operators and for third parties.
//   audit key                              the log's verifier key (public: hand it to verifiers)
//   audit prove INDEX [--entry-out FILE]   a C2SP tlog-proof of entry INDEX (stdout)
//   audit export --out FILE [--from N] [--to M]
//                                          entries [N, M) with proofs and the newest checkpoint
//   audit verify FILE --key KEY [--entry FILE]
//                                          checks a bundle (or, with --entry, one tlog-proof)
//                                          offline: no server, no store, no network
// key, prove and export read the instance's store (while the server runs too), as its owner
// (exe/instance.h, CheckRunsAsOwner); they need no master key. verify needs only its files and
// the verifier key (the key itself, or a file holding it). Exit codes as exe/instance.h: 0 done
// (verify: everything verified); 1 a run-time failure, or for verify the first entry or
// checkpoint that does not verify, named on stderr; 2 usage.
#pragma once

#include <CLI/CLI.hpp>

namespace trustcse::exe {

// Registers `audit` and its commands on `app`; they run during app.parse() and end the process.
void AddAuditCommand(CLI::App& app);

}  // namespace trustcse::exe
