// Which networks the CSE sends requests to (issue 11, item 12): allow wins, then deny; an allow
// list is exhaustive; the default deny list covers link-local, metadata, multicast, unspecified.
#include "egress/destination_policy.h"

#include <gtest/gtest.h>

namespace trustcse::egress {
namespace {

DestinationPolicy Policy(std::vector<std::string> allow, std::vector<std::string> deny) {
  auto p = DestinationPolicy::Parse(allow, deny);
  EXPECT_TRUE(p.has_value());
  return p ? *p : DestinationPolicy();
}

TEST(DestinationPolicy, TheDefaultDenyListKeepsMetadataAndLinkLocalOut) {
  auto p = Policy({}, DestinationPolicy::DefaultDeny());
  EXPECT_FALSE(p.Permits("169.254.169.254"));
  EXPECT_FALSE(p.Permits("169.254.1.1"));
  EXPECT_FALSE(p.Permits("fe80::1"));
  EXPECT_FALSE(p.Permits("fd00:ec2::254"));
  EXPECT_FALSE(p.Permits("::ffff:169.254.169.254")) << "IPv4-mapped is checked as IPv4";
  EXPECT_FALSE(p.Permits("64:ff9b::a9fe:a9fe")) << "NAT64 of 169.254.169.254";
  EXPECT_FALSE(p.Permits("2002:a9fe:a9fe::1")) << "6to4 of 169.254.169.254";
  EXPECT_TRUE(p.Permits("64:ff9b::a00:1")) << "NAT64 of 10.0.0.1";
  EXPECT_FALSE(p.Permits("0.0.0.0"));
  EXPECT_FALSE(p.Permits("::"));
  EXPECT_FALSE(p.Permits("239.1.2.3"));
  EXPECT_FALSE(p.Permits("255.255.255.255"));
  // Application servers: loopback, private ranges, public addresses.
  EXPECT_TRUE(p.Permits("127.0.0.1"));
  EXPECT_TRUE(p.Permits("::1"));
  EXPECT_TRUE(p.Permits("10.1.2.3"));
  EXPECT_TRUE(p.Permits("192.168.0.10"));
  EXPECT_TRUE(p.Permits("2001:db8::1"));
}

TEST(DestinationPolicy, AllowWinsAndIsExhaustive) {
  auto p = Policy({"10.20.0.0/16", "169.254.10.10"}, DestinationPolicy::DefaultDeny());
  EXPECT_TRUE(p.Permits("10.20.3.4"));
  EXPECT_TRUE(p.Permits("169.254.10.10")) << "an allowed address inside a denied block";
  EXPECT_FALSE(p.Permits("10.21.0.1")) << "not in the allow list";
  EXPECT_FALSE(p.Permits("127.0.0.1"));
  EXPECT_FALSE(p.Permits("169.254.169.254"));
}

TEST(DestinationPolicy, PrefixesCutInsideAByte) {
  auto p = Policy({}, {"192.168.64.0/18", "2001:db8:8000::/33"});
  EXPECT_FALSE(p.Permits("192.168.64.1"));
  EXPECT_FALSE(p.Permits("192.168.127.255"));
  EXPECT_TRUE(p.Permits("192.168.128.0"));
  EXPECT_TRUE(p.Permits("192.168.63.255"));
  EXPECT_FALSE(p.Permits("2001:db8:8000::1"));
  EXPECT_TRUE(p.Permits("2001:db8:7fff::1"));
}

TEST(DestinationPolicy, ItRefusesWhatIsNotANetwork) {
  for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0/8", "example.com", "10.0.0.0/", "",
                          "10.0.0.0/-1", "10.0.0.0/8x"}) {
    EXPECT_FALSE(DestinationPolicy::Parse({}, {bad}).has_value()) << bad;
    EXPECT_FALSE(DestinationPolicy::Parse({bad}, {}).has_value()) << bad;
  }
  EXPECT_FALSE(DestinationPolicy().Permits("not an address"));
  EXPECT_TRUE(DestinationPolicy().Permits("169.254.169.254")) << "the empty policy permits all";
}

}  // namespace
}  // namespace trustcse::egress
