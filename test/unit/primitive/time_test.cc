// Tests of the oneM2M timestamp helpers (common/time.h): the basic ISO 8601 form round-trips,
// fractions and a 'Z' suffix are understood, out-of-range fields are refused, and the string
// form sorts in time order (storage range queries depend on it).
#include "common/time.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

namespace trustcse {
namespace {

using namespace std::chrono;

TimePoint At(year_month_day ymd, int h, int m, int s, int us = 0) {
  return time_point_cast<microseconds>(sys_days{ymd} + hours{h} + minutes{m} + seconds{s}) +
         microseconds{us};
}

TEST(Timestamp, FormatsInTheBasicFormWithMicroseconds) {
  EXPECT_EQ(FormatTimestamp(At(2024y / January / 2, 3, 4, 5, 6)), "20240102T030405,000006");
  EXPECT_EQ(FormatTimestamp(At(1970y / January / 1, 0, 0, 0)), "19700101T000000,000000");
  EXPECT_EQ(FormatTimestamp(At(2024y / February / 29, 23, 59, 59, 999999)),
            "20240229T235959,999999");
}

TEST(Timestamp, MaxTimestampIsTheEndOfYear9999) {
  EXPECT_EQ(FormatTimestamp(MaxTimestamp()), "99991231T235959,000000");
}

TEST(Timestamp, RoundTripsThroughParse) {
  for (const char* s : {"20240102T030405,000006", "19700101T000000,000000",
                        "20240229T235959,999999", "99991231T235959,000000",
                        "20001231T120000,500000"}) {
    auto t = ParseTimestamp(s);
    ASSERT_TRUE(t.has_value()) << s;
    EXPECT_EQ(FormatTimestamp(*t), s);
  }
}

TEST(Timestamp, RoundTripsRandomInstants) {
  std::mt19937_64 rng(42);
  const int64_t max_us = MaxTimestamp().time_since_epoch().count();
  std::uniform_int_distribution<int64_t> dist(0, max_us);
  for (int i = 0; i < 1000; ++i) {
    TimePoint t{microseconds{dist(rng)}};
    auto back = ParseTimestamp(FormatTimestamp(t));
    ASSERT_TRUE(back.has_value()) << FormatTimestamp(t);
    EXPECT_EQ(*back, t) << FormatTimestamp(t);
  }
}

TEST(Timestamp, ParsesNowBackToTheSameInstant) {
  TimePoint now = Now();
  EXPECT_EQ(ParseTimestamp(FormatTimestamp(now)), now);
}

TEST(Timestamp, ParsesWithoutFractionAsWholeSecond) {
  EXPECT_EQ(ParseTimestamp("20240102T030405"), At(2024y / January / 2, 3, 4, 5));
}

TEST(Timestamp, ScalesShortFractionsAndTruncatesLongOnes) {
  struct {
    const char* in;
    int us;
  } const kCases[] = {
      {"20240102T030405,5", 500000},     {"20240102T030405,05", 50000},
      {"20240102T030405,123", 123000},   {"20240102T030405,123456", 123456},
      {"20240102T030405,1234567", 123456}, {"20240102T030405.25", 250000},
      {"20240102T030405,000001", 1},
  };
  for (const auto& c : kCases) {
    auto t = ParseTimestamp(c.in);
    ASSERT_TRUE(t.has_value()) << c.in;
    EXPECT_EQ(*t, At(2024y / January / 2, 3, 4, 5, c.us)) << c.in;
  }
}

TEST(Timestamp, AcceptsZuluSuffix) {
  EXPECT_EQ(ParseTimestamp("20240102T030405Z"), At(2024y / January / 2, 3, 4, 5));
  EXPECT_EQ(ParseTimestamp("20240102T030405,25Z"), At(2024y / January / 2, 3, 4, 5, 250000));
}

class TimestampRejects : public testing::TestWithParam<std::string> {};

TEST_P(TimestampRejects, Malformed) { EXPECT_FALSE(ParseTimestamp(GetParam()).has_value()); }

INSTANTIATE_TEST_SUITE_P(
    BadFields, TimestampRejects,
    testing::Values("20240002T030405",  // month 00
                    "20241302T030405",  // month 13
                    "20240100T030405",  // day 00
                    "20240132T030405",  // day 32
                    "20240230T030405",  // 30 February
                    "20230229T030405",  // 29 February of a common year
                    "20240431T030405",  // 31 April
                    "20240102T240000",  // hour 24
                    "20240102T036005",  // minute 60
                    "20240102T030461"   // second 61
                    ));

INSTANTIATE_TEST_SUITE_P(
    BadSyntax, TimestampRejects,
    testing::Values("", "20240102", "20240102T0304", "20240102 030405", "20240102t030405",
                    "2024-01-02T03:04:05", "2024010aT030405", "20240102T03040x",
                    "20240102T030405,", "20240102T030405,Z", "20240102T030405ZZ",
                    "20240102T030405z", "20240102T030405+0100", "20240102T030405 ",
                    " 20240102T030405", "20240102T030405,12a", "+2024010T030405"));

TEST(Timestamp, LexicographicOrderIsTimeOrder) {
  std::mt19937_64 rng(7);
  const int64_t max_us = MaxTimestamp().time_since_epoch().count();
  std::uniform_int_distribution<int64_t> dist(0, max_us);
  std::vector<TimePoint> times;
  for (int i = 0; i < 500; ++i) times.push_back(TimePoint{microseconds{dist(rng)}});
  // Neighbours that differ in a single field, where a naive format would sort wrongly.
  times.push_back(At(2024y / January / 2, 3, 4, 5, 9));
  times.push_back(At(2024y / January / 2, 3, 4, 5, 10));
  times.push_back(At(2024y / January / 2, 3, 4, 5, 100000));
  times.push_back(At(2024y / September / 30, 0, 0, 0));
  times.push_back(At(2024y / October / 1, 0, 0, 0));
  times.push_back(At(999y / December / 31, 23, 59, 59));
  times.push_back(At(1000y / January / 1, 0, 0, 0));
  std::vector<std::string> strings;
  for (auto t : times) strings.push_back(FormatTimestamp(t));
  for (size_t i = 0; i < times.size(); ++i) {
    for (size_t j = 0; j < times.size(); j += 37) {
      EXPECT_EQ(times[i] < times[j], strings[i] < strings[j]) << strings[i] << " vs " << strings[j];
    }
  }
  std::sort(times.begin(), times.end());
  std::sort(strings.begin(), strings.end());
  for (size_t i = 0; i < times.size(); ++i) EXPECT_EQ(FormatTimestamp(times[i]), strings[i]);
}

}  // namespace
}  // namespace trustcse
