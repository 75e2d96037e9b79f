// The event stream (events/event_stream.h): kinds, order, back-pressure.
#include "events/event_stream.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace trustcse::events {
namespace {

class Recording final : public Sink {
 public:
  void Consume(const Event& e) override {
    std::unique_lock lock(mu);
    gate.wait(lock, [&] { return open; });
    seen.push_back(e);
  }
  void Open() {
    {
      std::lock_guard lock(mu);
      open = true;
    }
    gate.notify_all();
  }
  std::mutex mu;
  std::condition_variable gate;
  bool open = true;
  std::vector<Event> seen;
};

Event Of(Kind k, std::string target) {
  Event e;
  e.kind = k;
  e.target = std::move(target);
  return e;
}

TEST(EventStream, ProducersSkipKindsNobodyWants) {
  EventStream stream;
  EXPECT_FALSE(stream.Wants(Kind::kAccessDenied));
  stream.Subscribe(std::make_shared<Recording>(), {Bit(Kind::kAccessDenied), 10, false, "a"});
  EXPECT_TRUE(stream.Wants(Kind::kAccessDenied));
  EXPECT_FALSE(stream.Wants(Kind::kRequestCompleted));
}

TEST(EventStream, EachSinkGetsItsKindsInPublicationOrder) {
  EventStream stream;
  auto denials = std::make_shared<Recording>();
  auto all = std::make_shared<Recording>();
  stream.Subscribe(denials, {Bit(Kind::kAccessDenied), 100, false, "denials"});
  stream.Subscribe(all, {kAllKinds, 100, false, "all"});
  for (int i = 0; i < 50; ++i) {
    stream.Publish(Of(i % 2 ? Kind::kAccessDenied : Kind::kAdminOperation, std::to_string(i)));
  }
  stream.Stop();  // drains
  ASSERT_EQ(all->seen.size(), 50u);
  ASSERT_EQ(denials->seen.size(), 25u);
  for (size_t i = 0; i < all->seen.size(); ++i) {
    EXPECT_EQ(all->seen[i].target, std::to_string(i));
    if (i > 0) EXPECT_GT(all->seen[i].seq, all->seen[i - 1].seq);
  }
  for (const auto& e : denials->seen) EXPECT_EQ(e.kind, Kind::kAccessDenied);
}

TEST(EventStream, ASlowSinkDropsAndCountsInsteadOfBlockingProducers) {
  EventStream stream;
  auto slow = std::make_shared<Recording>();
  slow->open = false;  // consumes nothing until opened
  auto fast = std::make_shared<Recording>();
  stream.Subscribe(slow, {kAllKinds, 8, false, "slow"});
  stream.Subscribe(fast, {kAllKinds, 1000, false, "fast"});
  for (int i = 0; i < 100; ++i) stream.Publish(Of(Kind::kAccessDenied, std::to_string(i)));
  // Publish returned for all 100 with the slow sink stuck: at most 8 queued + 1 in hand.
  EXPECT_GE(stream.dropped("slow"), 100u - 9u);
  EXPECT_EQ(stream.dropped("fast"), 0u);
  slow->Open();
  stream.Stop();
  EXPECT_EQ(fast->seen.size(), 100u);
  EXPECT_EQ(slow->seen.size() + stream.dropped("slow"), 100u);
  EXPECT_EQ(stream.dropped_total(), stream.dropped("slow"));
}

TEST(EventStream, ContentGoesOnlyToSinksThatAskForIt) {
  EventStream stream;
  auto plain = std::make_shared<Recording>();
  auto with = std::make_shared<Recording>();
  stream.Subscribe(plain, {Bit(Kind::kRequestCompleted), 10, false, "plain"});
  stream.Subscribe(with, {Bit(Kind::kRequestCompleted), 10, true, "with"});
  EXPECT_TRUE(stream.WantsContent(Kind::kRequestCompleted));
  Event e = Of(Kind::kRequestCompleted, "/cse-in");
  e.content = std::make_shared<const std::string>("{\"m2m:cin\":{}}");
  stream.Publish(std::move(e));
  stream.Stop();
  ASSERT_EQ(plain->seen.size(), 1u);
  ASSERT_EQ(with->seen.size(), 1u);
  EXPECT_EQ(plain->seen[0].content, nullptr);
  ASSERT_NE(with->seen[0].content, nullptr);
  EXPECT_EQ(*with->seen[0].content, "{\"m2m:cin\":{}}");
}

TEST(EventStream, ConcurrentProducersLoseNothingWhenQueuesSuffice) {
  EventStream stream;
  auto sink = std::make_shared<Recording>();
  stream.Subscribe(sink, {kAllKinds, 100000, false, "all"});
  std::vector<std::thread> producers;
  for (int t = 0; t < 4; ++t) {
    producers.emplace_back([&stream] {
      for (int i = 0; i < 1000; ++i) stream.Publish(Of(Kind::kCredentialUsed, "x"));
    });
  }
  for (auto& t : producers) t.join();
  stream.Stop();
  EXPECT_EQ(sink->seen.size(), 4000u);
  EXPECT_EQ(stream.dropped_total(), 0u);
}

}  // namespace
}  // namespace trustcse::events
