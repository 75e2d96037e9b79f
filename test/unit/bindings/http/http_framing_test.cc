// Tests of the header screening (bindings/http/http_framing.h, RFC 9112 §6) and of the
// connection caps (bindings/http/connection_limiter.h).
#include "bindings/http/http_framing.h"

#include <gtest/gtest.h>

#include <vector>

#include "bindings/http/connection_limiter.h"

namespace trustcse::http {
namespace {

std::optional<HeaderRefusal> Screen(std::vector<HeaderField> fields) {
  fields.insert(fields.begin(), {{"Host", "localhost"}, {"X-M2M-Origin", "CAdmin"}});
  return ScreenRequestHeader(fields);
}

TEST(HttpFraming, ServesChunkedAloneAndNoTransferEncoding) {
  EXPECT_FALSE(Screen({}));
  EXPECT_FALSE(Screen({{"Content-Length", "12"}}));
  EXPECT_FALSE(Screen({{"Transfer-Encoding", "chunked"}}));
  EXPECT_FALSE(Screen({{"transfer-encoding", " Chunked "}}));
  EXPECT_FALSE(Screen({{"Transfer-Encoding", ", chunked"}}));  // empty list elements
}

TEST(HttpFraming, RefusesALastCodingThatIsNotChunked) {
  for (const char* te :
       {"xchunked", "chunked, identity", "identity", "chunked;q=1", "", "chunked, chunked"}) {
    auto r = Screen({{"Transfer-Encoding", te}});
    ASSERT_TRUE(r) << te;
    EXPECT_EQ(r->rsc, Rsc::kBadRequest) << te;
  }
  auto r = Screen({{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "xchunked"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rsc, Rsc::kBadRequest);
}

TEST(HttpFraming, RefusesCodingsItDoesNotDecodeWith5001) {
  auto r = Screen({{"Transfer-Encoding", "gzip, chunked"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rsc, Rsc::kNotImplemented);
  r = Screen({{"Transfer-Encoding", "gzip"}, {"Transfer-Encoding", "chunked"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rsc, Rsc::kNotImplemented);
}

TEST(HttpFraming, RefusesTransferEncodingWithContentLength) {
  for (auto order :
       {std::vector<HeaderField>{{"Transfer-Encoding", "chunked"}, {"Content-Length", "3"}},
        std::vector<HeaderField>{{"Content-Length", "3"}, {"Transfer-Encoding", "xchunked"}}}) {
    auto r = Screen(order);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->rsc, Rsc::kBadRequest);
    EXPECT_NE(r->pc.find("Content-Length"), std::string::npos) << r->pc;
  }
}

TEST(HttpFraming, RefusesSingleValueFieldsGivenTwiceAndNamesThem) {
  for (std::string_view name : kSingleValueFields) {
    std::string n(name);
    auto r = ScreenRequestHeader(std::vector<HeaderField>{{n, "a"}, {"Via", "x"}, {n, "a"}});
    ASSERT_TRUE(r) << n;
    EXPECT_EQ(r->rsc, Rsc::kBadRequest);
    EXPECT_EQ(r->pc, R"({"m2m:dbg":"duplicate header )" + n + "\"}");
  }
  EXPECT_TRUE(Screen({{"x-m2m-origin", "Cother"}}));  // names are case-insensitive
  EXPECT_FALSE(Screen({{"Accept", "application/json"}, {"Accept", "application/cbor"}}));
  EXPECT_FALSE(Screen({{"Via", "a"}, {"Via", "b"}}));
}

TEST(ConnectionLimiter, CapsTotalAndPerSourceAndGivesPlacesBack) {
  ConnectionLimiter l(3, 2);
  using A = ConnectionLimiter::Admission;
  EXPECT_EQ(l.Admit("a"), A::kAdmitted);
  EXPECT_EQ(l.Admit("a"), A::kAdmitted);
  EXPECT_EQ(l.Admit("a"), A::kSourceAtCapacity);
  EXPECT_EQ(l.Admit("b"), A::kAdmitted);
  EXPECT_TRUE(l.AtCapacity());
  EXPECT_EQ(l.Admit("c"), A::kAtCapacity);
  l.Release("a");
  EXPECT_FALSE(l.AtCapacity());
  EXPECT_EQ(l.active(), 2u);
  EXPECT_EQ(l.Admit("c"), A::kAdmitted);
  l.Release("nobody");  // ignored
  EXPECT_EQ(l.active(), 3u);
}

TEST(ConnectionLimiter, NewCapsApplyToNewConnectionsOnly) {
  ConnectionLimiter l(3, 3);
  using A = ConnectionLimiter::Admission;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(l.Admit("a"), A::kAdmitted);
  l.SetCaps(2, 1);  // a reload lowers the caps: the three stay, new ones wait
  EXPECT_EQ(l.max_total(), 2u);
  EXPECT_EQ(l.max_per_source(), 1u);
  EXPECT_EQ(l.active(), 3u);
  EXPECT_EQ(l.Admit("b"), A::kAtCapacity);
  l.Release("a");
  l.Release("a");
  EXPECT_EQ(l.Admit("b"), A::kAdmitted);
  EXPECT_EQ(l.Admit("c"), A::kAtCapacity);
  l.SetCaps(10, 1);
  EXPECT_EQ(l.Admit("b"), A::kSourceAtCapacity);
  EXPECT_EQ(l.Admit("c"), A::kAdmitted);
}

}  // namespace
}  // namespace trustcse::http
