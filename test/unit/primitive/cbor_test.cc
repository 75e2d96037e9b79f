// Tests of the CBOR codec against the examples of RFC 8949 Appendix A, round trips through
// JSON values, and the refusals (4000) for everything outside JSON's data model or malformed.
#include "primitive/cbor.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "primitive/json_util.h"

namespace trustcse::cbor {
namespace {

namespace bj = boost::json;

std::string Bytes(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string Hex(std::string_view bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}

bj::value J(std::string_view text) { return *json::Parse(text); }

struct Vector {
  const char* hex;
  const char* json;
};

class Rfc8949Vectors : public testing::TestWithParam<Vector> {};

TEST_P(Rfc8949Vectors, DecodeToTheJsonValue) {
  auto v = Decode(Bytes(GetParam().hex));
  ASSERT_TRUE(v.has_value()) << GetParam().hex << ": " << v.error().message();
  EXPECT_EQ(json::Serialize(*v), json::Serialize(J(GetParam().json))) << GetParam().hex;
}

INSTANTIATE_TEST_SUITE_P(
    AppendixA, Rfc8949Vectors,
    testing::Values(Vector{"00", "0"}, Vector{"17", "23"}, Vector{"1818", "24"},
                    Vector{"1903e8", "1000"}, Vector{"1a000f4240", "1000000"},
                    Vector{"1b000000e8d4a51000", "1000000000000"},
                    Vector{"1bffffffffffffffff", "18446744073709551615"}, Vector{"20", "-1"},
                    Vector{"3863", "-100"}, Vector{"3903e7", "-1000"},
                    Vector{"fb3ff199999999999a", "1.1"}, Vector{"f93e00", "1.5"},
                    Vector{"fa47c35000", "100000.0"}, Vector{"f4", "false"},
                    Vector{"f5", "true"}, Vector{"f6", "null"}, Vector{"f7", "null"},
                    Vector{"60", "\"\""}, Vector{"6449455446", "\"IETF\""},
                    Vector{"62c3bc", "\"\\u00fc\""}, Vector{"80", "[]"},
                    Vector{"83010203", "[1,2,3]"}, Vector{"8301820203820405", "[1,[2,3],[4,5]]"},
                    Vector{"a0", "{}"}, Vector{"a26161016162820203", "{\"a\":1,\"b\":[2,3]}"},
                    Vector{"7f657374726561646d696e67ff", "\"streaming\""}, Vector{"9fff", "[]"},
                    Vector{"9f018202039f0405ffff", "[1,[2,3],[4,5]]"},
                    Vector{"bf61610161629f0203ffff", "{\"a\":1,\"b\":[2,3]}"},
                    Vector{"c074323031332d30332d32315432303a30343a30305a",
                           "\"2013-03-21T20:04:00Z\""}));

TEST(Cbor, EncodesWhatDecodesBackToTheSameValue) {
  for (const char* text :
       {"0", "-1", "23", "24", "-25", "255", "256", "65535", "65536", "4294967296",
        "9223372036854775807", "-9223372036854775808", "18446744073709551615", "1.5", "-0.25",
        "true", "false", "null", "\"\"", "\"h\\u00e9llo\"", "[]", "{}",
        R"({"m2m:cin":{"con":"21.5","cnf":"text/plain:0","lbl":["a","b"],"cs":4,"st":0}})",
        R"({"a":[[[],{}],{"b":{"c":[1,2.5,"x",null]}}]})"}) {
    bj::value v = J(text);
    auto back = Decode(Encode(v));
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(json::Serialize(*back), json::Serialize(v)) << text;
  }
}

TEST(Cbor, EncodesIntegersInTheShortestForm) {
  EXPECT_EQ(Hex(Encode(bj::value(0))), "00");
  EXPECT_EQ(Hex(Encode(bj::value(24))), "1818");
  EXPECT_EQ(Hex(Encode(bj::value(-100))), "3863");
  EXPECT_EQ(Hex(Encode(J(R"({"a":1})"))), "a1616101");
}

TEST(Cbor, RefusesWhatJsonCannotHoldAndMalformedInput) {
  const char* bad[] = {
      "",                     // empty
      "8301",                 // truncated array
      "0000",                 // trailing item
      "4401020304",           // byte string
      "5f42010243030405ff",   // indefinite byte string
      "a10102",               // integer map key
      "a2616101616102",       // duplicate key
      "ff",                   // break outside an indefinite item
      "f97e00",               // NaN
      "fa7f800000",           // infinity
      "3bffffffffffffffff",   // below int64
      "1c",                   // reserved additional information
      "f0",                   // unassigned simple value
      "7f6161 01ff",          // non-string chunk in an indefinite string
      "bf6161ff",             // key without a value
      "c0",                   // tag without content
      "62c3",                 // string shorter than its length
  };
  for (const char* hex : bad) {
    std::string h(hex);
    h.erase(std::remove(h.begin(), h.end(), ' '), h.end());
    auto v = Decode(Bytes(h));
    EXPECT_FALSE(v.has_value()) << hex;
    if (!v) {
      EXPECT_EQ(v.error().code(), Rsc::kBadRequest) << hex;
    }
  }
}

TEST(Cbor, RefusesDeepNestingWithoutRecursing) {
  std::string deep(65, '\x81');
  deep.push_back('\x00');
  EXPECT_FALSE(Decode(deep).has_value());
  std::string ok(63, '\x81');
  ok.push_back('\x00');
  EXPECT_TRUE(Decode(ok).has_value());
  std::string huge(1 << 20, '\x9f');  // a million open indefinite arrays
  EXPECT_FALSE(Decode(huge).has_value());
}

}  // namespace
}  // namespace trustcse::cbor
