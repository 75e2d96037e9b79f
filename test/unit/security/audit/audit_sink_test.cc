// The audit log's entries (audit_entry.h) and the event stream's audit sink (audit_sink.h):
// canonical encoding, events published to a real EventStream appended to a store in order, the
// tree over them the same as one built from their encodings, and gaps recorded when the stream
// had to drop events.
#include "security/audit/audit_sink.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <memory>
#include <string>
#include <vector>

#include "security/audit/audit_entry.h"
#include "security/audit/audit_log.h"
#include "security/audit/merkle_tree.h"

namespace trustcse::security::audit {
namespace {

events::Event Denial(std::string originator) {
  events::Event e;
  e.kind = events::Kind::kAccessDenied;
  e.seq = 17;
  e.time = *ParseTimestamp("20261207T101112,131415");
  e.source = "authz.acp";
  e.originator = std::move(originator);
  e.target = "/cse-in/room/temp";
  e.operation = "retrieve";
  e.binding = "https";
  e.peer = "192.0.2.7";
  e.request_id = "r-1";
  e.reason = "no rule grants retrieve";
  e.status = 4103;
  return e;
}

TEST(AuditEntry, IsOneCanonicalJsonObjectInTheDocumentedOrder) {
  EXPECT_EQ(EncodeEntry(Denial("CAdmin")),
            R"({"v":1,"seq":17,"time":"20261207T101112,131415","kind":"access.denied",)"
            R"("source":"authz.acp","actor":"CAdmin","subject":"/cse-in/room/temp",)"
            R"("operation":"retrieve","decision":"deny","reason":"no rule grants retrieve",)"
            R"("status":4103,"binding":"https","peer":"192.0.2.7","rqi":"r-1"})");
}

TEST(AuditEntry, LeavesOutEmptyMembersAndEscapesStrings) {
  events::Event e;
  e.kind = events::Kind::kCredentialRevoked;
  e.time = *ParseTimestamp("20261207T000000");
  e.source = "credentials";
  e.target = "psk:\"quoted\"\n\x01";
  std::string entry = EncodeEntry(e);
  EXPECT_EQ(entry, R"({"v":1,"time":"20261207T000000,000000","kind":"credential.revoked",)"
                   R"("source":"credentials","subject":"psk:\"quoted\"\n\u0001"})");
  auto parsed = boost::json::parse(entry);  // valid JSON, whatever the strings held
  EXPECT_EQ(parsed.at("subject").as_string(), "psk:\"quoted\"\n\x01");
  EXPECT_EQ(EncodeGap(*ParseTimestamp("20261207T000000"), 12, "event queue full"),
            R"({"v":1,"time":"20261207T000000,000000","kind":"audit.gap",)"
            R"("reason":"event queue full","dropped":12})");
}

class AuditSinkTest : public ::testing::Test {
 protected:
  std::unique_ptr<storage::Store> store_ = storage::OpenMemoryStore();
  std::shared_ptr<AuditLogWriter> writer_ = std::make_shared<AuditLogWriter>();

  std::vector<std::string> Entries() {
    auto n = CommittedSize(*store_);
    EXPECT_TRUE(n.has_value());
    StoredSubtreeHashes stored(*store_, n.value_or(0));
    std::vector<std::string> out;
    for (uint64_t i = 0; i < stored.size(); ++i) out.push_back(*stored.Entry(i));
    return out;
  }
};

TEST_F(AuditSinkTest, PublishedSecurityEventsBecomeEntriesInOrder) {
  events::EventStream stream;
  auto sink = std::make_shared<AuditSink>(*store_, writer_, &stream, "audit");
  stream.Subscribe(sink, events::Subscription{events::kSecurityKinds, 4096, false, "audit"});
  std::vector<std::string> expected;
  for (int i = 0; i < 50; ++i) {
    events::Event e = Denial("C" + std::to_string(i));
    stream.Publish(e);
  }
  events::Event ignored = Denial("Cnobody");
  ignored.kind = events::Kind::kRequestCompleted;  // not a security kind: not subscribed
  stream.Publish(ignored);
  stream.Stop();
  sink->Flush();
  std::vector<std::string> entries = Entries();
  ASSERT_EQ(entries.size(), 50u);
  MerkleTree reference;
  for (int i = 0; i < 50; ++i) {
    auto parsed = boost::json::parse(entries[i]);
    EXPECT_EQ(parsed.at("actor").as_string(), "C" + std::to_string(i));
    reference.Append(entries[i]);
  }
  EXPECT_EQ(sink->appended(), 50u);
  EXPECT_EQ(sink->failed(), 0u);
  StoredSubtreeHashes stored(*store_, 50);
  EXPECT_EQ(*RootHashAt(stored, 50), *reference.RootHash());
}

TEST_F(AuditSinkTest, EventsTheStreamDroppedAreRecordedAsAGap) {
  events::EventStream stream;
  // A sink that holds its first event until released, so its queue of 2 overflows.
  struct Gate : events::Sink {
    std::shared_ptr<AuditSink> inner;
    std::mutex mu;
    std::condition_variable cv;
    bool open = false;
    void Consume(const events::Event& e) override {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return open; });
      inner->Consume(e);
    }
  };
  auto gate = std::make_shared<Gate>();
  gate->inner = std::make_shared<AuditSink>(*store_, writer_, &stream, "audit");
  stream.Subscribe(gate, events::Subscription{events::kSecurityKinds, 2, false, "audit"});
  for (int i = 0; i < 10; ++i) stream.Publish(Denial("C" + std::to_string(i)));
  const uint64_t dropped = stream.dropped("audit");
  ASSERT_GT(dropped, 0u);
  {
    std::lock_guard lock(gate->mu);
    gate->open = true;
  }
  gate->cv.notify_all();
  stream.Stop();
  gate->inner->Flush();
  std::vector<std::string> entries = Entries();
  ASSERT_EQ(entries.size(), 10 - dropped + 1);
  uint64_t gaps = 0;
  for (const std::string& entry : entries) {
    auto parsed = boost::json::parse(entry).as_object();
    if (parsed.at("kind").as_string() == "audit.gap") gaps += parsed.at("dropped").as_int64();
  }
  EXPECT_EQ(gaps, dropped);
}

TEST_F(AuditSinkTest, AFloodOfDenialsIsCountedPastItsBudgetAndPushesOutNothingElse) {
  // One device with one credential can produce denials at will: 5 per second are logged one by
  // one here, the rest of each second become one counted gap; a revocation in the middle of the
  // flood is logged as itself.
  AuditSink sink(*store_, writer_, nullptr, "audit", 1024, 5);
  for (int i = 0; i < 20; ++i) sink.Consume(Denial("Cflood"));  // all in one second
  events::Event revoked = Denial("Cop");
  revoked.kind = events::Kind::kCredentialRevoked;
  sink.Consume(revoked);
  events::Event later = Denial("Cflood");
  later.time += std::chrono::seconds(1);
  sink.Consume(later);  // a new second: the held-back count is written first
  for (int i = 0; i < 3; ++i) sink.Consume(later);
  for (int i = 0; i < 4; ++i) sink.Consume(later);  // 8 in this second: 3 held back
  sink.Flush();  // writes those 3
  std::vector<std::string> entries = Entries();
  int denials = 0, revocations = 0;
  std::vector<int64_t> gaps;
  for (const std::string& entry : entries) {
    auto o = boost::json::parse(entry).as_object();
    const auto& kind = o.at("kind").as_string();
    if (kind == "access.denied") ++denials;
    if (kind == "credential.revoked") ++revocations;
    if (kind == "audit.gap") {
      EXPECT_EQ(o.at("reason").as_string(), "denials over budget");
      gaps.push_back(o.at("dropped").as_int64());
    }
  }
  EXPECT_EQ(denials, 5 + 5);
  EXPECT_EQ(revocations, 1);
  EXPECT_EQ(gaps, (std::vector<int64_t>{15, 3}));
  EXPECT_EQ(entries.size(), 10u + 1u + 2u);
}

TEST_F(AuditSinkTest, AFailingStoreIsCountedNotRetried) {
  events::EventStream stream;
  auto sink = std::make_shared<AuditSink>(*store_, writer_, &stream, "audit");
  store_->Close();  // every append now fails
  sink->Consume(Denial("Cx"));
  sink->Flush();
  EXPECT_EQ(sink->failed(), 1u);
  EXPECT_EQ(sink->appended(), 0u);
}

TEST_F(AuditSinkTest, EmitDurablyReturnsOnlyOnceTheEntryIsDurable) {
  events::EventStream stream;
  auto sink = std::make_shared<AuditSink>(*store_, writer_, &stream, "audit");
  stream.Subscribe(sink, events::Subscription{kSinkKinds, 4096, false, "audit", true});
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(events::EmitDurably(&stream, events::Kind::kAdminOperation, "admin", "uid:0",
                                    "psk-" + std::to_string(i), "credential.add"));
    // No flush, no stop: the entry is in the store when the call returns.
    auto entries = Entries();
    ASSERT_EQ(entries.size(), static_cast<size_t>(i + 1));
    EXPECT_EQ(boost::json::parse(entries.back()).at("subject").as_string(),
              "psk-" + std::to_string(i));
  }
  stream.Stop();
}

TEST_F(AuditSinkTest, EmitDurablyWaitsOnlyForAnAcknowledgingSinkAndGivesUpAfterItsTimeout) {
  // No acknowledging sink: published, not waited for.
  events::EventStream plain;
  auto sink = std::make_shared<AuditSink>(*store_, writer_, &plain, "audit");
  plain.Subscribe(sink, events::Subscription{kSinkKinds, 4096, false, "audit"});
  EXPECT_TRUE(events::EmitDurably(&plain, events::Kind::kAdminOperation, "admin", "uid:0", "x",
                                  "op", {}, 0, std::chrono::milliseconds(1)));
  plain.Stop();
  sink->Flush();
  EXPECT_EQ(Entries().size(), 1u);
  // A sink that says it acknowledges but never does: the producer is not held forever.
  struct Mute : events::Sink {
    void Consume(const events::Event&) override {}
  };
  events::EventStream mute;
  mute.Subscribe(std::make_shared<Mute>(),
                 events::Subscription{kSinkKinds, 16, false, "mute", true});
  EXPECT_FALSE(events::EmitDurably(&mute, events::Kind::kAdminOperation, "admin", "uid:0", "x",
                                   "op", {}, 0, std::chrono::milliseconds(50)));
  mute.Stop();
}

TEST_F(AuditSinkTest, EventsAlreadyRecordedWithTheirDataAreNotAppendedAgain) {
  events::EventStream stream;
  auto sink = std::make_shared<AuditSink>(*store_, writer_, &stream, "audit");
  stream.Subscribe(sink, events::Subscription{events::kSecurityKinds, 4096, false, "audit"});
  events::Event enrol = Denial("Cmeter");
  enrol.kind = events::Kind::kEnrolment;
  enrol.recorded = true;  // appended in the enrolment's own write
  stream.Publish(enrol);
  stream.Publish(Denial("Cother"));
  stream.Stop();
  sink->Flush();
  auto entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(boost::json::parse(entries[0]).at("actor").as_string(), "Cother");
}

TEST_F(AuditSinkTest, ACredentialUseIsLoggedOncePerAddressAndHour) {
  events::EventStream stream;
  auto sink = std::make_shared<AuditSink>(*store_, writer_, &stream, "audit");
  stream.Subscribe(sink, events::Subscription{events::kSecurityKinds, 4096, false, "audit"});
  auto use = [](const char* credential, const char* peer, const char* time) {
    events::Event e;
    e.kind = events::Kind::kCredentialUsed;
    e.time = *ParseTimestamp(time);
    e.source = "tls";
    e.originator = credential;
    e.operation = "handshake";
    e.peer = peer;
    return e;
  };
  stream.Publish(use("psk-1", "192.0.2.7", "20261207T100000"));  // first use: logged
  stream.Publish(use("psk-1", "192.0.2.7", "20261207T101500"));  // same hour, same place
  stream.Publish(use("psk-1", "192.0.2.7", "20261207T105959"));
  stream.Publish(use("psk-1", "198.51.100.9", "20261207T102000"));  // a new address: logged
  stream.Publish(use("psk-2", "192.0.2.7", "20261207T102000"));     // another credential
  stream.Publish(use("psk-1", "192.0.2.7", "20261207T110000"));     // the next hour: logged
  stream.Stop();
  sink->Flush();
  auto entries = Entries();
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(boost::json::parse(entries[1]).at("peer").as_string(), "198.51.100.9");
  EXPECT_EQ(boost::json::parse(entries[2]).at("actor").as_string(), "psk-2");
  EXPECT_EQ(boost::json::parse(entries[3]).at("time").as_string(), "20261207T110000,000000");
}

}  // namespace
}  // namespace trustcse::security::audit
