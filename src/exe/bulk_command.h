// Bulk jobs from files (security/trust/bulk_job.h, admin/item_file.h): `trustcse device import
// FILE`, `subscription import FILE`, `subscription bulk --to STATE FILE`.
//
// The file is read twice: once to count and check every item before anything changes (a
// malformed item stops the command there, naming it), then to send the items in batches of at
// most kBatchItems items (or --batch) and kBatchBytes bytes, each committed by the instance
// together with the job's progress. The job is named after the SHA-256 of the operation, its
// parameters and the file (or --job), so that the same command run again — after the CLI or the
// server was killed, or a batch failed — asks where the job stands and goes on from there; a
// finished job is reported, not run again. Progress goes to stderr (in place on a terminal, a line
// per tenth otherwise); the job's final record is printed as JSON on stdout.
//
// Exit codes (src/exe/README.md): 0 the job finished and every item was applied or already so;
// 1 the job finished with failed items (the first ones listed), or it stopped (run the same
// command again to resume); 2 a usage error or a malformed file (nothing changed).
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <string>

#include "server/config.h"

namespace trustcse::exe {

struct BulkJobSpec {
  std::string op;  // device.import | subscription.import | subscription.bulk
  std::string file;
  std::string job;            // "" = named after the operation, its parameters and the file
  boost::json::object fixed;  // what every batch carries besides its items (to, reason, override)
  size_t batch = 0;           // items per batch (1 to kBatchItems; 0 = kBatchItems)
};

inline constexpr size_t kBatchItems = 5000;
inline constexpr size_t kBatchBytes = 512 * 1024;

int RunBulkJob(const BulkJobSpec& spec, const server::Config& config,
               const std::string& config_file);

}  // namespace trustcse::exe
