// The audit log's building blocks (security/audit/): appends per second to the RFC 9162 tree
// (issue 16's target: >= 50,000/s on one core, here single-threaded), the root of the whole tree,
// an inclusion proof and a consistency proof at 1k, 1M and 10M leaves (each O(log n) look-ups
// and hashes), a proof's verification, and signing / opening a C2SP checkpoint note.
//
//   build/bench/audit_log_bench                      # all
//   build/bench/audit_log_bench --benchmark_filter=Append
// Entries are 200 bytes, the size of a typical security event record.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>

#include "security/audit/checkpoint.h"
#include "security/audit/merkle_tree.h"

namespace {

using namespace trustcse::security::audit;

const std::string kEntry(200, 'e');

// Trees built once per size and shared by the benchmarks that only read.
const MerkleTree& TreeOf(uint64_t n) {
  static std::map<uint64_t, std::unique_ptr<MerkleTree>> trees;
  auto& t = trees[n];
  if (!t) {
    t = std::make_unique<MerkleTree>();
    for (uint64_t i = 0; i < n; ++i) t->Append(kEntry + std::to_string(i));
  }
  return *t;
}

void BM_Append(benchmark::State& state) {
  MerkleTree tree;
  for (auto _ : state) benchmark::DoNotOptimize(tree.Append(kEntry));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Append);

void BM_RootHash(benchmark::State& state) {
  const MerkleTree& tree = TreeOf(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(tree.RootHash());
}
BENCHMARK(BM_RootHash)->Arg(1000)->Arg(1000000)->Arg(10000000)->Unit(benchmark::kMicrosecond);

void BM_InclusionProof(benchmark::State& state) {
  const MerkleTree& tree = TreeOf(state.range(0));
  uint64_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(tree.InclusionProof(i, tree.size()));
    i = (i + 7919) % tree.size();
  }
}
BENCHMARK(BM_InclusionProof)->Arg(1000)->Arg(1000000)->Arg(10000000)->Unit(benchmark::kMicrosecond);

void BM_ConsistencyProof(benchmark::State& state) {
  const MerkleTree& tree = TreeOf(state.range(0));
  uint64_t m = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(tree.ConsistencyProof(m, tree.size()));
    m = 1 + (m + 7919) % (tree.size() - 1);  // 1 <= m < size
  }
}
BENCHMARK(BM_ConsistencyProof)
    ->Arg(1000)
    ->Arg(1000000)
    ->Arg(10000000)
    ->Unit(benchmark::kMicrosecond);

void BM_VerifyInclusion(benchmark::State& state) {
  const MerkleTree& tree = TreeOf(state.range(0));
  const uint64_t leaf = tree.size() / 3;
  auto proof = tree.InclusionProof(leaf, tree.size());
  auto root = tree.RootHash();
  std::string leaf_hash = LeafHash(kEntry + std::to_string(leaf));
  for (auto _ : state) {
    if (!VerifyInclusion(leaf, tree.size(), leaf_hash, *proof, *root).ok()) {
      state.SkipWithError("proof does not verify");
      break;
    }
  }
}
BENCHMARK(BM_VerifyInclusion)->Arg(1000000)->Unit(benchmark::kMicrosecond);

void BM_SignCheckpoint(benchmark::State& state) {
  auto key = GenerateNoteKeyPair("audit.trustcse.example");
  Checkpoint c{"audit.trustcse.example", 1000000, std::string(32, 'r'), {}};
  for (auto _ : state) benchmark::DoNotOptimize(SignCheckpoint(c, *key));
}
BENCHMARK(BM_SignCheckpoint)->Unit(benchmark::kMicrosecond);

void BM_OpenCheckpoint(benchmark::State& state) {
  auto key = GenerateNoteKeyPair("audit.trustcse.example");
  Checkpoint c{"audit.trustcse.example", 1000000, std::string(32, 'r'), {}};
  std::string note = *SignCheckpoint(c, *key);
  NoteVerifierKey verifier = key->verifier_key();
  for (auto _ : state) {
    if (!OpenCheckpoint(note, verifier)) {
      state.SkipWithError("checkpoint does not open");
      break;
    }
  }
}
BENCHMARK(BM_OpenCheckpoint)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
