// Master-key rotation: every sealed value in the store re-sealed from one KeyStore to another.
// The command around it (`trustcse key rotate`, exe/key_command.cc) runs it offline, holding
// the instance lock, and swaps the key files afterwards; docs/operations.md tells the story.
//
// Resumable by construction: a value already sealed under `to` (KeyStore::SealedUnderThisKey)
// is left alone, so an interrupted rotation run again with the same two keys finishes the rest.
// Values are rewritten in transactions of `batch` records (each atomic and durable), and a
// value under neither key stops the rotation with 5000 naming the record, before any write of
// that batch: nothing is ever re-sealed twice or lost.
//
// Not thread-safe; start-up/offline only (nothing else may write the store meanwhile).
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>

#include "common/status.h"
#include "security/keystore/key_store.h"
#include "storage/store.h"

namespace trustcse::security {

struct ResealProgress {
  std::string_view kind;  // the object kind being worked on
  size_t done = 0;        // of this kind: re-sealed so far, including those found already done
  size_t total = 0;       // of this kind: records holding a sealed value
};

struct ResealCounts {
  size_t resealed = 0;       // rewritten by this run
  size_t already = 0;        // found sealed under `to` (an earlier, interrupted run)
  bool interrupted = false;  // the progress function asked to stop; run again to finish
};

// Called after each committed batch; returning false stops the rotation there, with every
// batch so far committed (ResealCounts::interrupted).
using ResealProgressFn = std::function<bool(const ResealProgress&)>;

Result<ResealCounts> ResealAll(storage::Store& store, std::span<const SealedField> fields,
                               const KeyStore& from, const KeyStore& to, size_t batch,
                               const ResealProgressFn& progress);

}  // namespace trustcse::security
