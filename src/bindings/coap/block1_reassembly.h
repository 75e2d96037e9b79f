// Block1Reassembly: the bodies of block-wise requests (RFC 7959 Block1) while they arrive, with
// bounds. libcoap 4.3's own reassembly (COAP_BLOCK_SINGLE_BODY) allocates whatever Size1 the
// first block claims and keeps an abandoned body for EXCHANGE_LIFETIME (247 s) with no cap, so
// 100 sources holding one datagram's worth of state each cost ~90 MB; libcoap 4.3.1 has no
// setting that limits it. trustcse therefore lets libcoap deliver every block to its handler
// and keeps the bodies here:
//   - a whole body may not exceed `body_limit` (the HTTP body limit): 4.13 with Size1;
//   - the bytes held by incomplete bodies (their capacity plus a fixed cost per transfer) are
//     bounded per peer address (over all its sessions and ports) and in total: 5.03 once full;
//   - an incomplete body expires `expiry` after its last block (Expire());
//   - blocks must come in order (a retransmission of the last one is harmless): 4.08 otherwise.
// Memory is charged as received, never as claimed by Size1.
// Pure C++ (no libcoap), single-threaded: the CoAP loop thread owns the one instance.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace trustcse::coap {

struct Block1Limits {
  size_t body_limit = 1 << 20;              // one whole body
  size_t total_bytes = 8 << 20;             // all incomplete bodies
  size_t peer_bytes = 2 << 20;              // the incomplete bodies of one peer address
  std::chrono::milliseconds expiry{30000};  // since the last block of a transfer
};

// One block as the handler sees it: Block1's NUM/M/SZX (chunk = 16 << szx), Size1 if sent.
struct Block1Piece {
  uint32_t num = 0;
  bool more = false;
  unsigned szx = 6;
  std::string_view data;
  std::optional<uint64_t> size1;
};

class Block1Reassembly {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Outcome {
    kContinue,    // stored; answer 2.31 Continue
    kComplete,    // `body` holds the whole request body; the transfer is forgotten
    kTooLarge,    // the body exceeds body_limit: 4.13 with Size1 = body_limit
    kOverBudget,  // the peer's or the global budget is full: 5.03, retry later
    kIncomplete,  // a block out of order or of an unknown/expired transfer: 4.08
  };
  struct Result {
    Outcome outcome;
    std::string body;  // kComplete only
  };

  explicit Block1Reassembly(Block1Limits limits) : limits_(limits) {}

  // A block of the transfer `key` (one per session and request target) from `peer`.
  Result Add(const void* session, std::string_view peer, const std::string& key,
             const Block1Piece& piece, Clock::time_point now);
  // Forgets transfers whose last block is older than the expiry; returns how many.
  size_t Expire(Clock::time_point now);
  // Forgets every transfer of a session that libcoap deleted (its address may be reused).
  void DropSession(const void* session);

  const Block1Limits& limits() const { return limits_; }
  size_t bytes() const { return total_; }  // charged to incomplete transfers
  size_t transfers() const { return transfers_.size(); }

  // The fixed cost charged per transfer besides its body's capacity (bookkeeping, key).
  static constexpr size_t kTransferOverhead = 256;

 private:
  struct Transfer {
    std::string peer;
    std::string body;
    uint32_t last_num = 0;
    unsigned szx = 6;
    size_t charged = 0;
    Clock::time_point last_seen;
  };
  using Key = std::pair<const void*, std::string>;

  void Forget(std::map<Key, Transfer>::iterator it);
  void Charge(Transfer& t, size_t charge);

  Block1Limits limits_;
  std::map<Key, Transfer> transfers_;
  std::unordered_map<std::string, size_t> peer_bytes_;
  size_t total_ = 0;
};

}  // namespace trustcse::coap
