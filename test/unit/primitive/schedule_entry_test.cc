// Tests of scheduleEntry matching (primitive/schedule_entry.h): each of the seven fields, ranges
// that wrap, steps, lists, Sunday as 0 and 7, and the texts that are refused.
#include "primitive/schedule_entry.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>

namespace trustcse {
namespace {

using namespace std::chrono;

// 2024-01-02 is a Tuesday.
TimePoint At(year_month_day ymd, int h, int m, int s) {
  return time_point_cast<microseconds>(sys_days{ymd} + hours{h} + minutes{m} + seconds{s});
}

bool Matches(const char* text, TimePoint t) {
  auto e = ScheduleEntry::Parse(text);
  EXPECT_TRUE(e.has_value()) << text;
  return e && e->Matches(t);
}

TEST(ScheduleEntry, EveryFieldConstrainsTheMatch) {
  const TimePoint t = At(2024y / January / 2, 3, 4, 5);
  EXPECT_TRUE(Matches("* * * * * * *", t));
  EXPECT_TRUE(Matches("5 4 3 2 1 2 2024", t));
  EXPECT_FALSE(Matches("6 * * * * * *", t));
  EXPECT_FALSE(Matches("* 5 * * * * *", t));
  EXPECT_FALSE(Matches("* * 4 * * * *", t));
  EXPECT_FALSE(Matches("* * * 3 * * *", t));
  EXPECT_FALSE(Matches("* * * * 2 * *", t));
  EXPECT_FALSE(Matches("* * * * * 3 *", t));
  EXPECT_FALSE(Matches("* * * * * * 2025", t));
}

TEST(ScheduleEntry, RangesStepsListsAndWrapAround) {
  const TimePoint night = At(2024y / January / 2, 23, 30, 0);
  const TimePoint noon = At(2024y / January / 2, 12, 0, 0);
  EXPECT_TRUE(Matches("* * 22-5 * * * *", night));
  EXPECT_FALSE(Matches("* * 22-5 * * * *", noon));
  EXPECT_TRUE(Matches("* */15 * * * * *", night));
  EXPECT_FALSE(Matches("* */20 * * * * *", night));
  EXPECT_TRUE(Matches("* * 1,12,20 * * * *", noon));
  EXPECT_FALSE(Matches("* * 1,11,20 * * * *", noon));
  // Sunday is 0 and 7.
  const TimePoint sunday = At(2024y / January / 7, 0, 0, 0);
  EXPECT_TRUE(Matches("* * * * * 0 *", sunday));
  EXPECT_TRUE(Matches("* * * * * 7 *", sunday));
  EXPECT_FALSE(Matches("* * * * * 1-6 *", sunday));
}

std::optional<TimePoint> Next(const char* text, TimePoint from, seconds horizon = hours{24 * 8}) {
  auto e = ScheduleEntry::Parse(text);
  EXPECT_TRUE(e.has_value()) << text;
  return e ? e->NextMatch(from, horizon) : std::nullopt;
}

TEST(ScheduleEntry, NextMatchFindsTheFirstAllowedSecond) {
  const TimePoint t = At(2024y / January / 2, 3, 4, 5);  // a Tuesday
  EXPECT_EQ(Next("* * * * * * *", t), t);
  EXPECT_EQ(Next("* * * * * * *", t + milliseconds{300}), t + seconds{1});
  EXPECT_EQ(Next("0 * * * * * *", t), At(2024y / January / 2, 3, 5, 0));
  EXPECT_EQ(Next("* 0-30 8 * * * *", t), At(2024y / January / 2, 8, 0, 0));
  EXPECT_EQ(Next("30 15 2 * * * *", t), At(2024y / January / 3, 2, 15, 30));
  EXPECT_EQ(Next("0 0 12 * * 6 *", t), At(2024y / January / 6, 12, 0, 0));  // Saturday
  EXPECT_EQ(Next("0 0 0 1 2 * *", t), std::nullopt);  // February: beyond the horizon
  EXPECT_EQ(Next("0 0 0 1 2 * *", t, hours{24 * 40}), At(2024y / February / 1, 0, 0, 0));
  EXPECT_EQ(Next("* * * * * * 2023", t), std::nullopt);
  // Whatever NextMatch returns, Matches agrees with.
  for (const char* text : {"*/7 */11 */5 * * * *", "59 59 23 * * * *", "0 0 0 29 2 * *"}) {
    auto n = Next(text, t, hours{24 * 366 * 4});
    ASSERT_TRUE(n.has_value()) << text;
    EXPECT_TRUE(ScheduleEntry::Parse(text)->Matches(*n)) << text;
  }
}

TEST(ScheduleEntry, RefusesMalformedText) {
  for (const char* bad : {"", "* * * * * *", "* * * * * * * *", "60 * * * * * *", "* * 24 * * * *",
                          "* * * 0 * * *", "* * * * 13 * *", "* * * * * 8 *", "x * * * * * *",
                          "*/0 * * * * * *", "1- * * * * * *", "1,,2 * * * * * *"}) {
    EXPECT_FALSE(ScheduleEntry::Parse(bad).has_value()) << '"' << bad << '"';
  }
}

}  // namespace
}  // namespace trustcse
