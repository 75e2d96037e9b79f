// Tests of the MQTT binding's mapping (TS-0010): topics, IDs in topics, request primitives in
// JSON and CBOR, responses, and the refusals of malformed primitives.
#include "bindings/mqtt/mqtt_mapping.h"

#include <gtest/gtest.h>

#include "primitive/cbor.h"
#include "primitive/json_util.h"

namespace trustcse::mqtt {
namespace {

TEST(MqttTopic, ParsesRequestAndResponseTopics) {
  auto t = ParseTopic("/oneM2M/req/Cae1/id-in/json", "");
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE(t->request);
  EXPECT_EQ(t->originator, "Cae1");
  EXPECT_EQ(t->receiver, "id-in");
  EXPECT_EQ(t->serialization, Serialization::kJson);
  auto r = ParseTopic("/site/oneM2M/resp/Cae1/id-in/cbor", "/site");
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->request);
  EXPECT_EQ(r->serialization, Serialization::kCbor);
  EXPECT_EQ(TopicFor(*r, "/site"), "/site/oneM2M/resp/Cae1/id-in/cbor");
  for (const char* bad : {"/oneM2M/req/Cae1/id-in/xml", "/oneM2M/req/Cae1/id-in", "/oneM2M/req//id-in/json",
                          "/oneM2M/other/Cae1/id-in/json", "/oneM2M/req/Cae1/id-in/json/x",
                          "oneM2M/req/a/b/json", "/site/oneM2M/req/a/b/json"}) {
    EXPECT_FALSE(ParseTopic(bad, "").has_value()) << bad;
  }
}

TEST(MqttTopic, EncodesIdsTheTs0010Way) {
  EXPECT_EQ(TopicId("/id-in"), "id-in");
  EXPECT_EQ(TopicId("/id-in/Cae1"), "id-in:Cae1");
  EXPECT_EQ(TopicId("//sp.example/id-in"), ":sp.example:id-in");
  EXPECT_EQ(TopicId("Cae1"), "Cae1");
  EXPECT_EQ(IdFromTopic("id-in"), "/id-in");
  EXPECT_EQ(IdFromTopic("id-in:Cae1"), "/id-in/Cae1");
  EXPECT_EQ(IdFromTopic(":sp.example:id-in"), "//sp.example/id-in");
  EXPECT_EQ(IdFromTopic("Cae1"), "Cae1");
  EXPECT_EQ(IdFromTopic("Sae1"), "Sae1");
}

TEST(MqttPrimitive, DecodesJsonRequests) {
  auto r = ToPrimitive(
      R"({"op":1,"to":"cse-in","fr":"Cae1","rqi":"1","rvi":"3","ty":3,"pc":{"m2m:cnt":{}},"rcn":1})",
      Serialization::kJson);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->op, Operation::kCreate);
  EXPECT_EQ(r->ty, 3);
  EXPECT_EQ(r->to, "cse-in");
  EXPECT_EQ(r->rcn, ResultContent::kAttributes);
  auto d = ToPrimitive(R"({"op":2,"to":"cse-in","fr":"C","rqi":"2","fc":{"fu":1,"ty":[3,4],"lbl":"a"},"rt":{"rtv":1}})",
                       Serialization::kJson);
  ASSERT_TRUE(d.has_value()) << d.error().message();
  ASSERT_TRUE(d->fc.has_value());
  EXPECT_EQ(d->rt, ResponseType::kNonBlockingSynch);
}

TEST(MqttPrimitive, DecodesCborRequestsIntoTheSameValue) {
  std::string json = R"({"op":1,"to":"cse-in","fr":"Cae1","rqi":"1","ty":4,"pc":{"m2m:cin":{"con":"x"}}})";
  auto a = ToPrimitive(json, Serialization::kJson);
  auto b = ToPrimitive(cbor::Encode(*json::Parse(json)), Serialization::kCbor);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->pc, b->pc);
  EXPECT_EQ(a->to, b->to);
}

TEST(MqttPrimitive, RefusesMalformedRequests) {
  for (const char* bad : {"{", "[]", R"({"to":"x","fr":"C","rqi":"1"})",
                          R"({"op":9,"to":"x","fr":"C","rqi":"1"})",
                          R"({"op":2,"fr":"C","rqi":"1"})", R"({"op":2,"to":"x","fr":"C"})",
                          R"({"op":2,"to":"x","rqi":"1"})", R"({"op":2,"to":5,"fr":"C","rqi":"1"})",
                          R"({"op":1,"to":"x","fr":"C","rqi":"1","pc":{}})",
                          R"({"op":2,"to":"x","fr":"C","rqi":"1","ty":3})",
                          R"({"op":2,"to":"x","fr":"C","rqi":"1","pc":{}})",
                          R"({"op":3,"to":"x","fr":"C","rqi":"1"})",
                          R"({"op":2,"to":"x","fr":"C","rqi":"1","rqet":"soon"})",
                          R"({"op":2,"to":"x","fr":"C","rqi":"1","fc":5})",
                          R"({"op":2,"to":"x","fr":"C","rqi":"1","fc":{"bogus":1}})",
                          R"({"op":2,"to":"x","fr":"C","rqi":"1","rcn":{"a":1}})"}) {
    auto r = ToPrimitive(bad, Serialization::kJson);
    EXPECT_FALSE(r.has_value()) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code(), Rsc::kBadRequest) << bad;
    }
  }
  auto ae = ToPrimitive(R"({"op":1,"to":"cse-in","rqi":"1","ty":2,"pc":{"m2m:ae":{}}})",
                        Serialization::kJson);
  EXPECT_TRUE(ae.has_value()) << "an AE registration may omit fr";
}

TEST(MqttPrimitive, EncodesResponsesAndReadsThemBack) {
  ResponsePrimitive rsp;
  rsp.rsc = Rsc::kCreated;
  rsp.rqi = "r1";
  rsp.rvi = "3";
  rsp.pc = R"({"m2m:cnt":{"ri":"c1"}})";
  for (Serialization s : {Serialization::kJson, Serialization::kCbor}) {
    auto back = DecodeResponse(EncodeResponse(rsp, s), s);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->rsc, Rsc::kCreated);
    EXPECT_EQ(back->rqi, "r1");
    EXPECT_EQ(*json::Parse(back->pc), *json::Parse(rsp.pc));
  }
  EXPECT_FALSE(DecodeResponse(R"({"rsc":"x"})", Serialization::kJson).has_value());
  EXPECT_FALSE(DecodeResponse(R"({"rsc":1234})", Serialization::kJson).has_value());
}

TEST(MqttPrimitive, EncodesNotifyRequests) {
  RequestPrimitive req;
  req.op = Operation::kNotify;
  req.to = "Cae1";
  req.fr = "/id-in";
  req.rqi = "n1";
  req.pc = *json::Parse(R"({"m2m:sgn":{"vrq":true}})");
  auto back = ToPrimitive(EncodeRequest(req, Serialization::kJson), Serialization::kJson);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(back->op, Operation::kNotify);
  EXPECT_EQ(back->to, "Cae1");
  EXPECT_EQ(back->pc, req.pc);
}

}  // namespace
}  // namespace trustcse::mqtt
