// Tests of the m2m:sgn bodies (notification/notification_body.h): event notifications by
// notificationContentType, deletion notices and verification requests.
#include "notification/notification_body.h"

#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>

#include "primitive/json_util.h"

namespace trustcse::notification {
namespace {

namespace bj = boost::json;
using resources::Event;
using resources::Resource;

const CseIdentity kSelf{"/id-in", "cse-in", ""};

bj::object SgnOf(const std::string& body) {
  auto v = json::Parse(body);
  EXPECT_TRUE(v && v->is_object()) << body;
  if (!v || !v->is_object()) return {};
  const auto* sgn = v->get_object().if_contains("m2m:sgn");
  EXPECT_TRUE(sgn && sgn->is_object()) << body;
  return sgn && sgn->is_object() ? sgn->get_object() : bj::object{};
}

Resource Sub(bj::object extra) {
  bj::object attrs{{"ty", 23}, {"ri", "sub1"}, {"pi", "cnt1"}, {"rn", "sub1"}};
  for (const auto& [k, v] : extra) attrs[k] = v;
  return Resource{"cse-in/cnt1/sub1", std::move(attrs), ""};
}

Event Update(std::vector<std::string> modified) {
  storage::ResourceRecord cnt = Resource{"cse-in/cnt1",
                                         {{"ty", 3},
                                          {"ri", "cnt1"},
                                          {"pi", "id-in"},
                                          {"rn", "cnt1"},
                                          {"lbl", bj::array{"a"}},
                                          {"__internal", "x"}},
                                         ""}
                                    .ToRecord();
  return Event{Event::Kind::kUpdate, "cnt1", "cse-in/cnt1", cnt, std::move(modified)};
}

TEST(NotificationBody, SubscriptionReferenceIsSpRelative) {
  EXPECT_EQ(SubscriptionRef(kSelf, "sub1"), "/id-in/sub1");
}

TEST(NotificationBody, FullRepresentationLeavesOutInternalAttributes) {
  auto body = EventNotificationBody(kSelf, Sub({{"cr", "Cae1"}}), Update({"lbl"}));
  ASSERT_TRUE(body);
  bj::object sgn = SgnOf(*body);
  EXPECT_EQ(sgn.at("sur").as_string(), "/id-in/sub1");
  EXPECT_EQ(sgn.at("cr").as_string(), "Cae1");
  const auto& nev = sgn.at("nev").as_object();
  EXPECT_EQ(json::AsInt(nev.at("net")), 1);
  const auto& cnt = nev.at("rep").as_object().at("m2m:cnt").as_object();
  EXPECT_EQ(cnt.at("ri").as_string(), "cnt1");
  EXPECT_FALSE(cnt.contains("__internal"));
}

TEST(NotificationBody, ModifiedAttributesReportRemovedOnesAsNull) {
  auto body = EventNotificationBody(kSelf, Sub({{"nct", 2}}), Update({"lbl", "mni", "__x"}));
  ASSERT_TRUE(body);
  bj::object sgn = SgnOf(*body);
  EXPECT_FALSE(sgn.contains("cr"));
  const auto& cnt = sgn.at("nev").as_object().at("rep").as_object().at("m2m:cnt").as_object();
  EXPECT_EQ(cnt.size(), 2u);
  EXPECT_TRUE(cnt.at("lbl").is_array());
  EXPECT_TRUE(cnt.at("mni").is_null());
}

TEST(NotificationBody, ResourceIdContentTypeSendsTheId) {
  auto body = EventNotificationBody(kSelf, Sub({{"nct", 3}}), Update({"lbl"}));
  ASSERT_TRUE(body);
  const bj::object sgn = SgnOf(*body);
  const auto& rep = sgn.at("nev").as_object().at("rep");
  // Table 6.3.5.62-1: the m2m:URI global element.
  ASSERT_TRUE(rep.is_object());
  EXPECT_EQ(rep.as_object().at("m2m:uri").as_string(), "/id-in/cnt1");
}

TEST(NotificationBody, DeletionNotice) {
  bj::object sgn = SgnOf(DeletionNoticeBody(kSelf, "sub1"));
  EXPECT_EQ(sgn.at("sud").as_bool(), true);
  EXPECT_EQ(sgn.at("sur").as_string(), "/id-in/sub1");
  EXPECT_EQ(sgn.size(), 2u);
}

TEST(NotificationBody, VerificationRequestNamesTheCreatorWhenThereIsOne) {
  bj::object with = SgnOf(VerificationRequestBody(kSelf, "sub1", "Cae1"));
  EXPECT_EQ(with.at("vrq").as_bool(), true);
  EXPECT_EQ(with.at("sur").as_string(), "/id-in/sub1");
  EXPECT_EQ(with.at("cr").as_string(), "Cae1");
  EXPECT_FALSE(SgnOf(VerificationRequestBody(kSelf, "sub1", "")).contains("cr"));
}

}  // namespace
}  // namespace trustcse::notification
