// Tests of the WebSocket binding's pure mapping (bindings/websocket/ws_mapping.h): subprotocol
// negotiation (TS-0020 §6.2.2.7, §6.2.2.9), messages as request and response primitives in JSON
// and CBOR, refusals with their status and rqi, and which entity a successful request makes the
// connection reach.
#include "bindings/websocket/ws_mapping.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "primitive/json_util.h"

namespace trustcse::websocket {
namespace {

namespace bj = boost::json;

std::optional<Subprotocol> Select(std::vector<std::string_view> offers) {
  return SelectSubprotocol(offers);
}

TEST(WsSubprotocol, PicksTheClientsFirstServedName) {
  auto p = Select({"oneM2M.json"});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "oneM2M.json");
  EXPECT_EQ(p->serialization, Serialization::kJson);
  p = Select({"oneM2M.xml, oneM2M.cbor, oneM2M.json"});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "oneM2M.cbor") << "xml is not served; cbor comes before json";
  EXPECT_EQ(p->serialization, Serialization::kCbor);
  // Several headers are one list, in order (TS-0020 §6.2.2.7).
  p = Select({"oneM2M.xml", "oneM2M.json", "oneM2M.cbor"});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "oneM2M.json");
}

TEST(WsSubprotocol, RefusesWithoutAServedName) {
  EXPECT_FALSE(Select({}));
  EXPECT_FALSE(Select({""}));
  EXPECT_FALSE(Select({"oneM2M.xml"}));
  EXPECT_FALSE(Select({"chat, superchat"}));
  EXPECT_FALSE(Select({"onem2m.json"})) << "subprotocol names compare exactly";
  EXPECT_FALSE(Select({"oneM2M.json2"}));
}

TEST(WsMessage, ARequestBecomesAPrimitive) {
  auto in = ParseMessage(
      R"({"op":1,"to":"//example.net/mncse1234","rqi":"A1000","rcn":7,"ty":2,)"
      R"("pc":{"m2m:ae":{"rn":"app","api":"Na56","rr":true,"srv":["3"]}}})",
      Serialization::kJson);
  ASSERT_EQ(in.kind, InboundMessage::Kind::kRequest);
  EXPECT_EQ(in.request.op, Operation::kCreate);
  EXPECT_EQ(in.request.ty, 2);
  EXPECT_EQ(in.request.to, "//example.net/mncse1234");
  EXPECT_EQ(in.request.rqi, "A1000");
  EXPECT_TRUE(in.request.fr.empty()) << "an AE registration may come without fr";
  ASSERT_TRUE(in.request.rcn);
  EXPECT_EQ(static_cast<int>(*in.request.rcn), 7);
  EXPECT_TRUE(in.request.pc.is_object());
}

TEST(WsMessage, WrappedPrimitivesAreReadToo) {
  auto in = ParseMessage(R"({"m2m:rqp":{"op":2,"to":"cse-in","fr":"CAdmin","rqi":"r1"}})",
                         Serialization::kJson);
  ASSERT_EQ(in.kind, InboundMessage::Kind::kRequest);
  EXPECT_EQ(in.request.op, Operation::kRetrieve);
  in = ParseMessage(R"({"m2m:rsp":{"rsc":2000,"rqi":"n1","pc":{"x":1}}})", Serialization::kJson);
  ASSERT_EQ(in.kind, InboundMessage::Kind::kResponse);
  EXPECT_EQ(in.response.rqi, "n1");
  EXPECT_EQ(in.response.rsc, Rsc::kOk);
  EXPECT_EQ(in.response.pc, R"({"x":1})");
}

TEST(WsMessage, CborMessagesDecodeLikeJson) {
  bj::value v = bj::object{{"op", 2}, {"to", "cse-in"}, {"fr", "CAdmin"}, {"rqi", "c1"}};
  const std::string bytes = EncodeContent(v, Serialization::kCbor);
  auto in = ParseMessage(bytes, Serialization::kCbor);
  ASSERT_EQ(in.kind, InboundMessage::Kind::kRequest);
  EXPECT_EQ(in.request.rqi, "c1");
  // JSON text on a CBOR connection is not CBOR.
  auto bad = ParseMessage(R"({"op":2,"to":"cse-in","fr":"C","rqi":"c1"})", Serialization::kCbor);
  EXPECT_EQ(bad.kind, InboundMessage::Kind::kRefused);
  EXPECT_EQ(bad.response.rsc, Rsc::kBadRequest);
}

TEST(WsMessage, BadInputIsRefusedWithItsStatusAndRqi) {
  struct Case {
    std::string bytes;
    Rsc rsc;
    std::string rqi;
  };
  const std::vector<Case> cases = {
      {"not json", Rsc::kBadRequest, ""},
      {"[1,2]", Rsc::kBadRequest, ""},
      {R"({"rqi":"x"})", Rsc::kBadRequest, ""},  // neither op nor rsc
      {R"({"op":2,"rsc":2000,"rqi":"x"})", Rsc::kBadRequest, ""},
      {R"({"op":9,"to":"cse-in","fr":"C","rqi":"r9"})", Rsc::kBadRequest, "r9"},
      {R"({"op":2,"fr":"C","rqi":"r2"})", Rsc::kBadRequest, "r2"},            // no to
      {R"({"op":2,"to":"cse-in","rqi":"r3"})", Rsc::kBadRequest, "r3"},       // no fr
      {R"({"op":1,"to":"cse-in","fr":"C","rqi":"r4","pc":{}})", Rsc::kBadRequest, "r4"},  // no ty
      {R"({"op":2,"to":"cse-in","fr":"C","rqi":"r5","rcn":"x"})", Rsc::kBadRequest, "r5"},
      {R"({"op":4,"to":"cse-in","fr":"C","rqi":"r6","pc":{"a":1}})", Rsc::kBadRequest, "r6"},
      {R"({"op":3,"to":"cse-in","fr":"C","rqi":"r7"})", Rsc::kBadRequest, "r7"},  // no pc
      {R"({"op":2,"to":"cse-in","fr":"C","rqi":"r8","rqet":"tomorrow"})", Rsc::kBadRequest, "r8"},
  };
  for (const auto& c : cases) {
    auto in = ParseMessage(c.bytes, Serialization::kJson);
    EXPECT_EQ(in.kind, InboundMessage::Kind::kRefused) << c.bytes;
    EXPECT_EQ(in.response.rsc, c.rsc) << c.bytes;
    EXPECT_EQ(in.response.rqi, c.rqi) << c.bytes;
    // The refusal is a response primitive a client can read.
    auto back = json::Parse(EncodeResponse(in.response, Serialization::kJson));
    ASSERT_TRUE(back) << c.bytes;
    EXPECT_EQ(json::GetInt(back->get_object(), "rsc"), static_cast<int>(c.rsc));
    EXPECT_TRUE(back->get_object().contains("pc")) << "an m2m:dbg says why";
  }
}

TEST(WsMessage, AMalformedResponseIsDroppedNotAnswered) {
  auto in = ParseMessage(R"({"rsc":"soon","rqi":"n1"})", Serialization::kJson);
  EXPECT_EQ(in.kind, InboundMessage::Kind::kDropped);
  in = ParseMessage(R"({"rsc":1234,"rqi":"n1"})", Serialization::kJson);
  EXPECT_EQ(in.kind, InboundMessage::Kind::kDropped) << "not a status code of the standard";
}

TEST(WsMessage, ResponsesAndRequestsEncodeAsBarePrimitives) {
  ResponsePrimitive rsp;
  rsp.rsc = Rsc::kCreated;
  rsp.rqi = "A1000";
  rsp.rvi = "3";
  rsp.pc = R"({"m2m:ae":{"aei":"Cae1"}})";
  for (auto s : {Serialization::kJson, Serialization::kCbor}) {
    auto v = DecodeContent(EncodeResponse(rsp, s), s);
    ASSERT_TRUE(v);
    const auto& o = v->get_object();
    EXPECT_EQ(json::GetInt(o, "rsc"), 2001);
    EXPECT_EQ(json::GetString(o, "rqi"), "A1000");
    EXPECT_EQ(json::GetString(o, "rvi"), "3");
    ASSERT_TRUE(o.contains("pc"));
    EXPECT_TRUE(o.at("pc").is_object()) << "content is a value, not text";
    EXPECT_FALSE(o.contains("m2m:rsp"));
  }
  RequestPrimitive req;
  req.op = Operation::kNotify;
  req.to = "Cae1";
  req.fr = "/id-in";
  req.rqi = "ntf1";
  req.pc = bj::object{{"m2m:sgn", bj::object{{"vrq", true}}}};
  auto v = DecodeContent(EncodeRequest(req, Serialization::kJson), Serialization::kJson);
  ASSERT_TRUE(v);
  EXPECT_EQ(json::GetInt(v->get_object(), "op"), 5);
  EXPECT_EQ(json::GetString(v->get_object(), "to"), "Cae1");
  EXPECT_EQ(json::GetString(v->get_object(), "fr"), "/id-in");
  // What the CSE sends, its client reads back as the same request.
  auto back = ParseMessage(EncodeRequest(req, Serialization::kCbor), Serialization::kCbor);
  ASSERT_EQ(back.kind, InboundMessage::Kind::kRequest);
  EXPECT_EQ(back.request.op, Operation::kNotify);
  EXPECT_EQ(back.request.pc, req.pc);
}

RequestPrimitive Req(Operation op, int ty, std::string fr) {
  RequestPrimitive r;
  r.op = op;
  r.ty = ty;
  r.fr = std::move(fr);
  return r;
}

ResponsePrimitive Rsp(Rsc rsc, std::string pc = "", std::string location = "") {
  ResponsePrimitive r;
  r.rsc = rsc;
  r.pc = std::move(pc);
  r.content_location = std::move(location);
  return r;
}

TEST(WsReachable, ARegistrationReachesTheAssignedAeId) {
  EXPECT_EQ(ReachableAs(Req(Operation::kCreate, 2, ""), Rsp(Rsc::kCreated, "", "Cabc"), "/id-in"),
            "Cabc");
  EXPECT_EQ(ReachableAs(Req(Operation::kCreate, 2, "C"),
                        Rsp(Rsc::kCreated, R"({"m2m:ae":{"aei":"Cxyz"}})"), "/id-in"),
            "Cxyz");
  // A refused registration reaches nobody, whatever it claimed.
  EXPECT_EQ(ReachableAs(Req(Operation::kCreate, 2, "Cvictim"), Rsp(Rsc::kOriginatorNotAuthenticated),
                        "/id-in"),
            "");
}

TEST(WsReachable, OtherRequestsReachTheirOriginatorOnlyOnSuccess) {
  EXPECT_EQ(ReachableAs(Req(Operation::kRetrieve, 0, "Cae1"), Rsp(Rsc::kOk), "/id-in"), "Cae1");
  EXPECT_EQ(ReachableAs(Req(Operation::kRetrieve, 0, "/id-in/Cae1"), Rsp(Rsc::kOk), "/id-in"),
            "Cae1");
  EXPECT_EQ(ReachableAs(Req(Operation::kCreate, 16, "/id-mn"), Rsp(Rsc::kCreated), "/id-in"),
            "/id-mn");
  EXPECT_EQ(ReachableAs(Req(Operation::kRetrieve, 0, "Cae1"), Rsp(Rsc::kOriginatorNotAuthenticated),
                        "/id-in"),
            "");
  EXPECT_EQ(ReachableAs(Req(Operation::kRetrieve, 0, "Cae1"), Rsp(Rsc::kOriginatorHasNoPrivilege),
                        "/id-in"),
            "");
  EXPECT_EQ(ReachableAs(Req(Operation::kRetrieve, 0, "Cae1"), Rsp(Rsc::kAcceptedNonBlockingSynch),
                        "/id-in"),
            "") << "an accepted request has not been let through yet";
  EXPECT_EQ(ReachableAs(Req(Operation::kRetrieve, 0, "//sp/id-x/Cae1"), Rsp(Rsc::kOk), "/id-in"),
            "") << "another CSE's entity";
  EXPECT_EQ(ReachableAs(Req(Operation::kRetrieve, 0, "/id-other/Cae1"), Rsp(Rsc::kOk), "/id-in"),
            "");
  EXPECT_EQ(ReachableAs(Req(Operation::kRetrieve, 0, "C"), Rsp(Rsc::kOk), "/id-in"), "");
}

}  // namespace
}  // namespace trustcse::websocket
