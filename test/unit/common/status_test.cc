// Status and the response-status-code table.
#include "common/status.h"

#include <gtest/gtest.h>

namespace trustcse {
namespace {

TEST(Status, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Rsc::kOk);
  EXPECT_FALSE(Status::NotFound("x").ok());
  EXPECT_TRUE(Status(Rsc::kCreated, "").ok());
}

TEST(Status, EveryStandardCodeMapsToItsHttpStatus) {
  struct Case {
    int rsc;
    int http;
  };
  const Case cases[] = {
      {1000, 202}, {1001, 202}, {1002, 202}, {2000, 200}, {2001, 201}, {2002, 200}, {2004, 200},
      {4000, 400}, {4102, 400}, {4110, 400}, {4120, 400}, {4143, 400}, {6010, 400}, {6023, 400},
      {4101, 403}, {4103, 403}, {4106, 403}, {4107, 403}, {4108, 403}, {4109, 403}, {4111, 403},
      {4116, 403}, {4117, 403}, {4126, 403}, {4127, 403}, {4128, 403}, {5105, 403}, {5203, 403},
      {5205, 403}, {5208, 403}, {5218, 403}, {4004, 404}, {4118, 404}, {5103, 404}, {5107, 404},
      {6003, 404}, {6005, 404}, {4005, 405}, {5207, 406}, {4104, 409}, {4105, 409}, {4124, 409},
      {5106, 409}, {5219, 409}, {5220, 409}, {6028, 409}, {6029, 409}, {4015, 415}, {5000, 500},
      {5204, 500}, {5209, 500}, {5210, 500}, {5221, 500}, {6020, 500}, {6026, 500}, {4001, 501},
      {4125, 501}, {5001, 501}, {5206, 501}, {4008, 504}, {6030, 504}, {6031, 504}};
  for (const auto& c : cases) {
    EXPECT_TRUE(IsKnownRsc(c.rsc)) << c.rsc;
    EXPECT_EQ(HttpStatusFor(static_cast<Rsc>(c.rsc)), c.http) << c.rsc;
    EXPECT_EQ(RscFromInt(c.rsc), static_cast<Rsc>(c.rsc));
  }
}

TEST(Status, UnknownCodesAreInternalErrors) {
  EXPECT_FALSE(IsKnownRsc(4999));
  EXPECT_EQ(RscFromInt(4999), Rsc::kInternalServerError);
  EXPECT_EQ(HttpStatusFor(static_cast<Rsc>(4999)), 500);
  EXPECT_STREQ(RscName(Rsc::kOriginatorHasNoPrivilege), "ORIGINATOR_HAS_NO_PRIVILEGE");
}

}  // namespace
}  // namespace trustcse
