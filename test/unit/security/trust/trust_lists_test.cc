// Tests of the black- and greylists (OP-3): entries by each kind of identity with normalised
// values, address prefixes (IPv4 and IPv6), blacklist before greylist, expiry, removal, the
// validation of what an operator sends, the live sessions a blacklisting closes, and a reload.
#include "security/trust/trust_lists.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>

#include "primitive/json_util.h"

namespace trustcse::security::trust {
namespace {

namespace bj = boost::json;

bj::object Fields(std::string_view text) { return json::Parse(text)->get_object(); }

class TrustListsTest : public testing::Test {
 protected:
  TrustListsTest() : store_(storage::OpenMemoryStore()), lists_(*store_) {}
  Rsc Add(std::string_view text) {
    auto r = lists_.Add(Fields(text), "Csoc");
    return r ? Rsc::kOk : r.error().code();
  }
  // The list and value of the entry that applies, "" if none.
  std::string Match(TrustLists::Identities ids, TimePoint now = Now()) {
    auto e = lists_.Match(ids, now);
    return e ? e->list + " " + e->key() : "";
  }

  std::unique_ptr<storage::Store> store_;
  TrustLists lists_;
};

TEST_F(TrustListsTest, EachKindOfIdentityIsLookedUp) {
  EXPECT_EQ(Add(R"({"list":"black","kind":"imei","value":"35209900176148","reason":"stolen"})"),
            Rsc::kOk);  // normalised: the check digit appended
  EXPECT_EQ(Add(R"({"list":"grey","kind":"iccid","value":"8991101200003204514","reason":"r"})"),
            Rsc::kOk);
  EXPECT_EQ(Add(R"({"list":"grey","kind":"imsi","value":"404450123456789","reason":"r"})"),
            Rsc::kOk);
  EXPECT_EQ(Add(R"({"list":"grey","kind":"credential","value":"x509:0a","reason":"r"})"), Rsc::kOk);
  EXPECT_EQ(Add(R"({"list":"grey","kind":"ae","value":"Cmeter1","reason":"r","mode":"read-only"})"),
            Rsc::kOk);
  EXPECT_EQ(Match({.imei = "352099001761481"}), "black imei:352099001761481");
  EXPECT_EQ(Match({.iccid = "8991101200003204514"}), "grey iccid:8991101200003204514");
  EXPECT_EQ(Match({.imsi = "404450123456789"}), "grey imsi:404450123456789");
  EXPECT_EQ(Match({.credential = "x509:0a"}), "grey credential:x509:0a");
  EXPECT_EQ(Match({.ae = "Cmeter1"}), "grey ae:Cmeter1");
  EXPECT_EQ(Match({.ae = "Cmeter2", .credential = "x509:0b"}), "");
  // Blacklist entries win over greylist ones for the same request.
  EXPECT_EQ(Match({.ae = "Cmeter1", .imei = "352099001761481"}), "black imei:352099001761481");
  EXPECT_EQ(lists_.size(), 5u);
  EXPECT_EQ(lists_.Entries("grey", 100).size(), 4u);
  EXPECT_EQ(lists_.Entries("black", 100).front().value, "352099001761481");
}

TEST_F(TrustListsTest, PrefixesMatchTheAddressesInside) {
  EXPECT_EQ(Add(R"({"list":"black","kind":"prefix","value":"10.1.2.3/16","reason":"botnet"})"),
            Rsc::kOk);
  EXPECT_EQ(Add(R"({"list":"grey","kind":"prefix","value":"2001:db8::1/32","reason":"r"})"),
            Rsc::kOk);
  EXPECT_EQ(lists_.Entries("black", 10).front().value, "10.1.0.0/16");
  EXPECT_EQ(lists_.Entries("grey", 10).front().value, "2001:db8::/32");
  auto in4 = IpAddress::Parse("10.1.200.7");
  auto out4 = IpAddress::Parse("10.2.0.1");
  auto in6 = IpAddress::Parse("2001:db8:ffff::5");
  auto out6 = IpAddress::Parse("2001:db9::5");
  EXPECT_EQ(Match({.source = &*in4}), "black prefix:10.1.0.0/16");
  EXPECT_EQ(Match({.source = &*out4}), "");
  EXPECT_EQ(Match({.source = &*in6}), "grey prefix:2001:db8::/32");
  EXPECT_EQ(Match({.source = &*out6}), "");
  ASSERT_TRUE(lists_.Remove("prefix", "10.1.9.9/16").has_value());  // the same prefix
  EXPECT_EQ(Match({.source = &*in4}), "");
  EXPECT_EQ(Match({.source = &*in6}), "grey prefix:2001:db8::/32");
  EXPECT_EQ(NormalisePrefix("10.0.0.1").value_or(""), "10.0.0.1/32");
  EXPECT_FALSE(NormalisePrefix("10.0.0.0/33").has_value());
  EXPECT_FALSE(NormalisePrefix("nonsense/8").has_value());
}

TEST_F(TrustListsTest, ManyPrefixesOfOneLengthAndManyEntries) {
  // Prefixes sharing a length are one lookup each request; removing one keeps the others.
  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ(Add(R"({"list":"grey","kind":"prefix","value":"10.)" + std::to_string(i / 256) +
                  "." + std::to_string(i % 256) + R"(.0/24","reason":"r"})"),
              Rsc::kOk);
  }
  ASSERT_TRUE(lists_.Remove("prefix", "10.0.7.0/24").has_value());
  auto in = IpAddress::Parse("10.1.20.9");
  auto removed = IpAddress::Parse("10.0.7.1");
  EXPECT_EQ(Match({.source = &*in}), "grey prefix:10.1.20.0/24");
  EXPECT_EQ(Match({.source = &*removed}), "");
  // Past the filter's first sizes: every entry is still found, nothing else is.
  for (int i = 0; i < 5000; ++i) {
    ASSERT_EQ(Add(R"({"list":"black","kind":"ae","value":"Cd)" + std::to_string(i) +
                  R"(","reason":"r"})"),
              Rsc::kOk);
  }
  for (int i = 0; i < 5000; i += 7) {
    std::string ae = "Cd" + std::to_string(i);
    ASSERT_EQ(Match({.ae = ae}), "black ae:" + ae);
  }
  EXPECT_EQ(Match({.ae = "Cd5000"}), "");
  EXPECT_EQ(lists_.size(), 5299u);
}

TEST_F(TrustListsTest, EntriesExpire) {
  EXPECT_EQ(Add(R"({"list":"grey","kind":"ae","value":"Ca","reason":"r","ttl_seconds":60})"),
            Rsc::kOk);
  EXPECT_EQ(Match({.ae = "Ca"}), "grey ae:Ca");
  EXPECT_EQ(Match({.ae = "Ca"}, Now() + std::chrono::seconds(61)), "");
  EXPECT_EQ(
      Add(R"({"list":"grey","kind":"ae","value":"Cb","reason":"r","expires":"20200101T000000"})"),
      Rsc::kBadRequest);  // in the past
  // An expired entry is not loaded again.
  TrustLists again(*store_);
  ASSERT_TRUE(again.Load().ok());
  EXPECT_EQ(again.size(), 1u);
}

TEST_F(TrustListsTest, BadEntriesAreRefused) {
  for (const char* bad :
       {R"({"list":"white","kind":"ae","value":"Ca","reason":"r"})",
        R"({"list":"black","kind":"colour","value":"red","reason":"r"})",
        R"({"list":"black","kind":"ae","value":"Ca"})",
        R"({"list":"black","kind":"imei","value":"352099001761482","reason":"r"})",
        R"({"list":"black","kind":"ae","value":"","reason":"r"})",
        R"({"list":"black","kind":"ae","value":"Ca","reason":"r","mode":"read-only"})",
        R"({"list":"grey","kind":"ae","value":"Ca","reason":"r","mode":"sometimes"})",
        R"({"list":"grey","kind":"ae","value":"Ca","reason":"r","ttl_seconds":0})",
        R"({"list":"grey","kind":"ae","value":"Ca","reason":"r","colour":"red"})"}) {
    EXPECT_EQ(Add(bad), Rsc::kBadRequest) << bad;
  }
  EXPECT_EQ(lists_.size(), 0u);
  EXPECT_EQ(lists_.Remove("ae", "Cnobody").error().code(), Rsc::kNotFound);
}

TEST_F(TrustListsTest, BlacklistingClosesTheLiveSessions) {
  std::vector<std::string> closed;
  lists_.SetSessionCloser(
      [&](const std::string& c) { closed.push_back(c); },
      [](std::string_view kind, std::string_view value) {
        return std::vector<std::string>{std::string(value) + "-psk", std::string(kind) + "-cert"};
      });
  EXPECT_EQ(Add(R"({"list":"black","kind":"credential","value":"x509:0a","reason":"leaked"})"),
            Rsc::kOk);
  EXPECT_EQ(Add(R"({"list":"black","kind":"ae","value":"Cm","reason":"stolen"})"), Rsc::kOk);
  EXPECT_EQ(Add(R"({"list":"grey","kind":"credential","value":"x509:0b","reason":"odd"})"),
            Rsc::kOk);  // a greylist keeps the sessions
  EXPECT_EQ(Add(R"({"list":"black","kind":"imei","value":"352099001761481","reason":"stolen"})"),
            Rsc::kOk);  // the machine's credentials
  EXPECT_EQ(Add(R"({"list":"black","kind":"prefix","value":"192.0.2.0/24","reason":"r"})"),
            Rsc::kOk);  // no credential to close
  EXPECT_EQ(closed, (std::vector<std::string>{"x509:0a", "Cm-psk", "ae-cert", "352099001761481-psk",
                                              "imei-cert"}));
}

TEST_F(TrustListsTest, ASecondInstanceLoadsTheSameEntries) {
  EXPECT_EQ(
      Add(R"({"list":"grey","kind":"ae","value":"Ca","reason":"r","owner":"soc","override":true})"),
      Rsc::kOk);
  EXPECT_EQ(Add(R"({"list":"black","kind":"prefix","value":"192.0.2.0/24","reason":"r"})"),
            Rsc::kOk);
  TrustLists again(*store_);
  ASSERT_TRUE(again.Load().ok());
  auto e = again.Match({.ae = "Ca"}, Now());
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->owner, "soc");
  EXPECT_EQ(e->by, "Csoc");
  EXPECT_EQ(e->mode, "suspend");
  EXPECT_TRUE(e->override_critical);
  auto a = IpAddress::Parse("192.0.2.77");
  ASSERT_NE(again.Match({.source = &*a}, Now()), nullptr);
}

}  // namespace
}  // namespace trustcse::security::trust
