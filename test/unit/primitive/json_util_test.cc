// JSON content parsing: two members of one name are refused (issue 11, item 5) — parsers
// disagree about which one counts, which lets a request mean one thing to a proxy or an
// inspecting sink and another to the CSE.
#include "primitive/json_util.h"

#include <gtest/gtest.h>

namespace trustcse::json {
namespace {

TEST(JsonParse, DuplicateMemberNamesAreRefused) {
  for (const char* text : {R"({"a":1,"a":2})", R"({"m2m:cin":{"con":"x","con":"y"}})",
                           R"([{"k":1},{"k":2,"k":3}])", R"({"a":{"b":1},"a":{"b":1}})",
                           R"({"x":"\u0061","x":"b"})"}) {
    auto r = ParseUntrusted(text);
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error().code(), Rsc::kBadRequest) << text;
  }
}

TEST(JsonParse, SameNamesInDifferentObjectsAreFine) {
  for (const char* text : {R"({"a":{"a":{"a":1}}})", R"([{"k":1},{"k":2}])", R"({"a":1,"b":1})",
                           R"("{not an object}")", "[]", "{}", R"({"a\u0062":1,"ab2":2})"}) {
    EXPECT_TRUE(ParseUntrusted(text).has_value()) << text;
  }
  EXPECT_FALSE(ParseUntrusted(R"({"a":1,)").has_value());
  // Stored records (written by this CSE) are read without the second pass.
  EXPECT_TRUE(Parse(R"({"a":1,"a":2})").has_value());
}

}  // namespace
}  // namespace trustcse::json
