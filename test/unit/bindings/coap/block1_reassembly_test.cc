// Tests of the bounded Block1 reassembly (bindings/coap/block1_reassembly.h) and of the
// oversized-datagram rewrite (bindings/coap/datagram.h).
#include "bindings/coap/block1_reassembly.h"

#include <gtest/gtest.h>

#include "bindings/coap/coap_mapping.h"
#include "bindings/coap/datagram.h"

namespace trustcse::coap {
namespace {

using Outcome = Block1Reassembly::Outcome;
const auto t0 = Block1Reassembly::Clock::time_point{};
const std::string kChunk(1024, 'x');  // szx 6
int s1, s2;                           // two sessions' addresses

Block1Piece Piece(uint32_t num, bool more, std::string_view data = kChunk,
                  std::optional<uint64_t> size1 = std::nullopt) {
  return Block1Piece{num, more, 6, data, size1};
}

TEST(Block1Reassembly, AssemblesBlocksInOrder) {
  Block1Reassembly r({});
  EXPECT_EQ(r.Add(&s1, "10.0.0.1", "k", Piece(0, true), t0).outcome, Outcome::kContinue);
  EXPECT_EQ(r.Add(&s1, "10.0.0.1", "k", Piece(1, true), t0).outcome, Outcome::kContinue);
  EXPECT_EQ(r.Add(&s1, "10.0.0.1", "k", Piece(1, true), t0).outcome, Outcome::kContinue)
      << "a retransmission of the last block";
  auto done = r.Add(&s1, "10.0.0.1", "k", Piece(2, false, "end"), t0);
  ASSERT_EQ(done.outcome, Outcome::kComplete);
  EXPECT_EQ(done.body, kChunk + kChunk + "end");
  EXPECT_EQ(r.transfers(), 0u);
  EXPECT_EQ(r.bytes(), 0u);
}

TEST(Block1Reassembly, RefusesBodiesBeyondTheLimit) {
  Block1Limits limits;
  limits.body_limit = 4096;
  Block1Reassembly r(limits);
  EXPECT_EQ(r.Add(&s1, "p", "a", Piece(0, true, kChunk, 5000), t0).outcome, Outcome::kTooLarge)
      << "Size1 claims too much";
  EXPECT_EQ(r.Add(&s1, "p", "b", Piece(4, true), t0).outcome, Outcome::kTooLarge);
  for (uint32_t n = 0; n < 3; ++n) r.Add(&s1, "p", "c", Piece(n, true), t0);
  EXPECT_EQ(r.Add(&s1, "p", "c", Piece(3, true), t0).outcome, Outcome::kTooLarge)
      << "4096 bytes with more to come";
  EXPECT_EQ(r.transfers(), 0u);
}

TEST(Block1Reassembly, RefusesBlocksOutOfOrderOrOfUnknownTransfers) {
  Block1Reassembly r({});
  EXPECT_EQ(r.Add(&s1, "p", "k", Piece(3, true), t0).outcome, Outcome::kIncomplete);
  r.Add(&s1, "p", "k", Piece(0, true), t0);
  EXPECT_EQ(r.Add(&s2, "p", "k", Piece(1, true), t0).outcome, Outcome::kIncomplete)
      << "another session's transfer";
  EXPECT_EQ(r.Add(&s1, "p", "k", Piece(2, true), t0).outcome, Outcome::kIncomplete);
  EXPECT_EQ(r.transfers(), 0u) << "a gap ends the transfer";
  r.Add(&s1, "p", "k", Piece(0, true), t0);
  EXPECT_EQ(r.Add(&s1, "p", "k", Piece(1, true, "short"), t0).outcome, Outcome::kIncomplete)
      << "a block before the last must be a whole chunk";
}

TEST(Block1Reassembly, BoundsThePeerAndTheTotal) {
  Block1Limits limits;
  limits.peer_bytes = 3 * (4096 + Block1Reassembly::kTransferOverhead + 2);
  limits.total_bytes = 5 * (4096 + Block1Reassembly::kTransferOverhead + 2);
  Block1Reassembly r(limits);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(r.Add(&s1, "a", "k" + std::to_string(i), Piece(0, true), t0).outcome,
              Outcome::kContinue);
  }
  EXPECT_EQ(r.Add(&s2, "a", "k9", Piece(0, true), t0).outcome, Outcome::kOverBudget)
      << "same address, another session";
  EXPECT_EQ(r.Add(&s2, "b", "k0", Piece(0, true), t0).outcome, Outcome::kContinue);
  EXPECT_EQ(r.Add(&s2, "b", "k1", Piece(0, true), t0).outcome, Outcome::kContinue);
  EXPECT_EQ(r.Add(&s2, "c", "k2", Piece(0, true), t0).outcome, Outcome::kOverBudget)
      << "the total is full";
  EXPECT_LE(r.bytes(), limits.total_bytes);
  r.DropSession(&s1);
  EXPECT_EQ(r.transfers(), 2u);
  EXPECT_EQ(r.Add(&s2, "c", "k2", Piece(0, true), t0).outcome, Outcome::kContinue);
}

TEST(Block1Reassembly, ExpiresIncompleteTransfers) {
  Block1Limits limits;
  limits.expiry = std::chrono::seconds(30);
  Block1Reassembly r(limits);
  r.Add(&s1, "p", "old", Piece(0, true), t0);
  r.Add(&s1, "p", "new", Piece(0, true), t0 + std::chrono::seconds(20));
  EXPECT_EQ(r.Expire(t0 + std::chrono::seconds(29)), 0u);
  EXPECT_EQ(r.Expire(t0 + std::chrono::seconds(31)), 1u);
  EXPECT_EQ(r.transfers(), 1u);
  EXPECT_EQ(r.Add(&s1, "p", "old", Piece(1, true), t0 + std::chrono::seconds(31)).outcome,
            Outcome::kIncomplete);
}

TEST(OversizeDatagram, DropsThePayloadAndMarksTheRequest) {
  // CON POST, token 0x01, Uri-Path "cse-in", Content-Format 50, payload "{...}".
  std::string d = std::string("\x41\x02\x00\x07\x01", 5) +
                  "\xb6"
                  "cse-in" +
                  "\x11\x32" + "\xff" + std::string(2000, 'x');
  auto out = WithoutPayload(d);
  ASSERT_TRUE(out.has_value());
  // The same header and options, then kOversizeMarker (delta 65004 - 12) with the length.
  const std::string head = d.substr(0, 5 + 7 + 2);
  EXPECT_EQ(out->substr(0, head.size()), head);
  const std::string marker = out->substr(head.size());
  ASSERT_EQ(marker.size(), 1u + 2 + 2);
  EXPECT_EQ(static_cast<uint8_t>(marker[0]), 0xe2);
  EXPECT_EQ((static_cast<uint8_t>(marker[1]) << 8 | static_cast<uint8_t>(marker[2])) + 269,
            kOversizeMarker - 12);
  EXPECT_EQ(DecodeUint(marker.substr(3)), d.size());
  EXPECT_EQ(out->find('\xff'), std::string::npos);

  EXPECT_FALSE(WithoutPayload(std::string("\x61\x45\x00\x07", 4)).has_value()) << "a response";
  EXPECT_FALSE(WithoutPayload(std::string("\x40\x01\x00\x07\xf1x", 6)).has_value())
      << "a malformed option";
  EXPECT_FALSE(WithoutPayload(std::string("\x40\x01\x00\x07\xff", 5)).has_value())
      << "a payload marker without a payload";
}

}  // namespace
}  // namespace trustcse::coap
