// Tests of ParseAddress (primitive/address.h): every addressing scope and form reduces to what
// this CSE can look up, and malformed addresses are a 4000.
#include "primitive/address.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trustcse {
namespace {

using Kind = LocalAddress::Kind;

const CseIdentity kSelf{"/id-in", "cse-in", "//trustcse.local"};

struct AddressCase {
  std::string to;
  Kind kind;
  std::string ri;
  std::string path;
};

void PrintTo(const AddressCase& c, std::ostream* os) { *os << '"' << c.to << '"'; }

class ParseAddressResolves : public testing::TestWithParam<AddressCase> {};

TEST_P(ParseAddressResolves, ToExpectedLocalAddress) {
  const auto& c = GetParam();
  auto a = ParseAddress(c.to, kSelf);
  ASSERT_TRUE(a.has_value()) << a.error().message();
  EXPECT_EQ(a->kind, c.kind);
  EXPECT_EQ(a->ri, c.ri);
  EXPECT_EQ(a->path, c.path);
}

INSTANTIATE_TEST_SUITE_P(
    CseRelativeStructured, ParseAddressResolves,
    testing::Values(AddressCase{"cse-in/ae1", Kind::kStructured, "", "cse-in/ae1"},
                    AddressCase{"-/ae1", Kind::kStructured, "", "cse-in/ae1"},
                    AddressCase{"cse-in", Kind::kStructured, "", "cse-in"},
                    AddressCase{"-", Kind::kStructured, "", "cse-in"},
                    AddressCase{"cse-in/ae1/cnt1/la", Kind::kStructured, "", "cse-in/ae1/cnt1/la"},
                    AddressCase{"-/a.b_c-d", Kind::kStructured, "", "cse-in/a.b_c-d"}));

INSTANTIATE_TEST_SUITE_P(
    CseRelativeUnstructured, ParseAddressResolves,
    testing::Values(AddressCase{"cin123", Kind::kUnstructured, "cin123", ""},
                    AddressCase{"cnt1/la", Kind::kUnstructured, "cnt1", "la"},
                    AddressCase{"grp1/fopt/cnt2", Kind::kUnstructured, "grp1", "fopt/cnt2"},
                    // A name that only starts like the CSEBase name is a resource ID.
                    AddressCase{"cse-inx/ae1", Kind::kUnstructured, "cse-inx", "ae1"}));

INSTANTIATE_TEST_SUITE_P(
    SpRelative, ParseAddressResolves,
    testing::Values(AddressCase{"/id-in/cse-in/x", Kind::kStructured, "", "cse-in/x"},
                    AddressCase{"/id-in/-/x", Kind::kStructured, "", "cse-in/x"},
                    AddressCase{"/id-in/cin1", Kind::kUnstructured, "cin1", ""},
                    AddressCase{"/id-in/cnt1/ol", Kind::kUnstructured, "cnt1", "ol"},
                    AddressCase{"/id-in", Kind::kStructured, "", "cse-in"}));

INSTANTIATE_TEST_SUITE_P(
    Absolute, ParseAddressResolves,
    testing::Values(
        AddressCase{"//trustcse.local/id-in/cse-in/x", Kind::kStructured, "", "cse-in/x"},
        AddressCase{"//trustcse.local/id-in/cin9", Kind::kUnstructured, "cin9", ""},
        AddressCase{"//trustcse.local/id-in", Kind::kStructured, "", "cse-in"},
        // SP-IDs are compared in lower case.
        AddressCase{"//TrustCSE.Local/id-in/cse-in/x", Kind::kStructured, "", "cse-in/x"}));

INSTANTIATE_TEST_SUITE_P(
    Remote, ParseAddressResolves,
    testing::Values(AddressCase{"/id-other/x", Kind::kRemote, "/id-other", ""},
                    AddressCase{"/id-other", Kind::kRemote, "/id-other", ""},
                    AddressCase{"/id-inx/cse-in", Kind::kRemote, "/id-inx", ""},
                    AddressCase{"//trustcse.local/id-mn/cse-mn/x", Kind::kRemote, "/id-mn", ""},
                    AddressCase{"//other.sp/id-in/cse-in/x", Kind::kRemote,
                                "//other.sp/id-in/cse-in/x", ""}));

class ParseAddressRejects : public testing::TestWithParam<std::string> {};

TEST_P(ParseAddressRejects, WithBadRequest) {
  auto a = ParseAddress(GetParam(), kSelf);
  ASSERT_FALSE(a.has_value()) << "accepted: kind=" << static_cast<int>(a->kind) << " ri=" << a->ri
                              << " path=" << a->path;
  EXPECT_EQ(a.error().code(), Rsc::kBadRequest);
  EXPECT_FALSE(a.error().message().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, ParseAddressRejects,
    testing::Values(std::string(""), std::string("cse-in//x"), std::string("cse-in/../x"),
                    std::string("cse-in/./x"), std::string(".."), std::string("cse-in/x/"),
                    std::string("cnt1/"), std::string("/"), std::string("//"),
                    std::string("/id-in/"), std::string("/id-in/cse-in/"),
                    std::string("/id-in//x"), std::string("//trustcse.local"),
                    std::string("//trustcse.local/"), std::string("//trustcse.local/id-in/"),
                    std::string("cse-in/a\x01" "b"), std::string("cse-in/a\nb"),
                    std::string("cse-in/a\x7f"), std::string("cse-in/a b"),
                    std::string("cse-in/a\tb"), std::string("cse-in/a?b"),
                    std::string("cse-in/a#b"), std::string("cse-in/\0x", 9),
                    std::string("cse-in/") + std::string(3000, 'a')));

TEST(ParseAddress, AcceptsAddressAtTheLengthLimit) {
  std::string to = "cse-in/" + std::string(2048 - 7, 'a');
  ASSERT_EQ(to.size(), 2048u);
  EXPECT_TRUE(ParseAddress(to, kSelf).has_value());
  to.push_back('a');
  auto a = ParseAddress(to, kSelf);
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().code(), Rsc::kBadRequest);
}

TEST(ParseAddress, TreatsEveryAbsoluteAddressAsLocalWhenNoSpIdIsConfigured) {
  CseIdentity self{"/id-in", "cse-in", ""};
  auto a = ParseAddress("//any.sp/id-in/cse-in/x", self);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->kind, Kind::kStructured);
  EXPECT_EQ(a->path, "cse-in/x");
}

TEST(ParseAddress, UsesTheConfiguredCseBaseName) {
  CseIdentity self{"/mn1", "base", "//sp"};
  auto a = ParseAddress("-/ae1", self);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->path, "base/ae1");
  auto b = ParseAddress("/mn1/base/ae1", self);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->kind, Kind::kStructured);
  EXPECT_EQ(b->path, "base/ae1");
  // "cse-in" is just a resource ID on this CSE.
  auto c = ParseAddress("cse-in/ae1", self);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->kind, Kind::kUnstructured);
  EXPECT_EQ(c->ri, "cse-in");
}

}  // namespace
}  // namespace trustcse
