#include "bindings/coap/block1_reassembly.h"

#include <algorithm>

namespace trustcse::coap {

Block1Reassembly::Result Block1Reassembly::Add(const void* session, std::string_view peer,
                                               const std::string& key, const Block1Piece& piece,
                                               Clock::time_point now) {
  if (piece.szx > 6) return {Outcome::kIncomplete, {}};  // BERT is for reliable transports
  const uint64_t chunk = uint64_t{16} << piece.szx;
  const uint64_t offset = uint64_t{piece.num} * chunk;
  auto it = transfers_.find(Key{session, key});
  const bool too_large = (piece.size1 && *piece.size1 > limits_.body_limit) ||
                         offset + piece.data.size() > limits_.body_limit ||
                         (piece.more && offset + piece.data.size() >= limits_.body_limit);
  if (too_large) {
    if (it != transfers_.end()) Forget(it);
    return {Outcome::kTooLarge, {}};
  }
  if (piece.num == 0) {
    if (it != transfers_.end()) Forget(it);  // a new transfer replaces an old one
    if (!piece.more) return {Outcome::kComplete, std::string(piece.data)};
    Transfer t;
    t.peer = std::string(peer);
    t.szx = piece.szx;
    it = transfers_.emplace(Key{session, key}, std::move(t)).first;
  } else {
    if (it == transfers_.end()) return {Outcome::kIncomplete, {}};
    Transfer& t = it->second;
    if (piece.num == t.last_num && piece.szx == t.szx && piece.more) {
      t.last_seen = now;  // a retransmission of the block we acknowledged last
      return {Outcome::kContinue, {}};
    }
    if (piece.num != t.last_num + 1 || piece.szx != t.szx || offset != t.body.size()) {
      Forget(it);
      return {Outcome::kIncomplete, {}};
    }
  }
  Transfer& t = it->second;
  // Every block but the last is exactly one chunk (RFC 7959 §2.2).
  if (piece.more && piece.data.size() != chunk) {
    Forget(it);
    return {Outcome::kIncomplete, {}};
  }
  const size_t need = t.body.size() + piece.data.size();
  size_t capacity = t.body.capacity();
  if (need > capacity) {
    capacity = std::max(need, std::min(limits_.body_limit, std::max(capacity * 2, 4 * chunk)));
  }
  const size_t charge = capacity + kTransferOverhead + key.size();
  if (charge > t.charged) {
    const size_t delta = charge - t.charged;
    if (total_ + delta > limits_.total_bytes || peer_bytes_[t.peer] + delta > limits_.peer_bytes) {
      Forget(it);
      return {Outcome::kOverBudget, {}};
    }
  }
  t.body.reserve(capacity);
  t.body.append(piece.data);
  t.last_num = piece.num;
  t.last_seen = now;
  Charge(t, charge);
  if (piece.more) return {Outcome::kContinue, {}};
  Result done{Outcome::kComplete, std::move(t.body)};
  Forget(it);
  return done;
}

void Block1Reassembly::Charge(Transfer& t, size_t charge) {
  size_t& peer = peer_bytes_[t.peer];
  total_ = total_ - t.charged + charge;
  peer = peer - t.charged + charge;
  t.charged = charge;
}

void Block1Reassembly::Forget(std::map<Key, Transfer>::iterator it) {
  Transfer& t = it->second;
  Charge(t, 0);
  if (auto p = peer_bytes_.find(t.peer); p != peer_bytes_.end() && p->second == 0) {
    peer_bytes_.erase(p);
  }
  transfers_.erase(it);
}

size_t Block1Reassembly::Expire(Clock::time_point now) {
  size_t n = 0;
  for (auto it = transfers_.begin(); it != transfers_.end();) {
    auto next = std::next(it);
    if (now - it->second.last_seen >= limits_.expiry) {
      Forget(it);
      ++n;
    }
    it = next;
  }
  return n;
}

void Block1Reassembly::DropSession(const void* session) {
  auto it = transfers_.lower_bound(Key{session, std::string()});
  while (it != transfers_.end() && it->first.first == session) {
    auto next = std::next(it);
    Forget(it);
    it = next;
  }
}

}  // namespace trustcse::coap
