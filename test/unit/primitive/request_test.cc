// Tests of the Via helpers (primitive/request.h) that keep forwarded requests from looping.
#include "primitive/request.h"

#include <gtest/gtest.h>

namespace trustcse {
namespace {

TEST(Via, PseudonymIsTheCseIdWithoutSlashes) {
  EXPECT_EQ(ViaPseudonym("/id-in"), "id-in");
  EXPECT_EQ(ViaPseudonym("//sp.example/id-in"), "sp.example.id-in");
  EXPECT_EQ(ViaPseudonym("id-in"), "id-in");
}

TEST(Via, FindsThePseudonymAmongTheIntermediaries) {
  EXPECT_TRUE(ViaNames("1.1 id-in", "id-in"));
  EXPECT_TRUE(ViaNames("1.0 fred, 1.1 id-in (trustcse)", "id-in"));
  EXPECT_TRUE(ViaNames("HTTP/1.1 proxy.example:8080,1.1\tid-in", "id-in"));
  EXPECT_FALSE(ViaNames("", "id-in"));
  EXPECT_FALSE(ViaNames("1.1 id-in2", "id-in"));
  EXPECT_FALSE(ViaNames("id-in", "id-in"));            // a protocol without a receiver
  EXPECT_FALSE(ViaNames("1.1 other (id-in)", "id-in"));  // only in a comment
  EXPECT_FALSE(ViaNames(",,, ,", "id-in"));
}

}  // namespace
}  // namespace trustcse
