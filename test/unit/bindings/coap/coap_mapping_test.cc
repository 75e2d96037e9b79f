// Tests of the CoAP binding's mapping (TS-0008): methods and options into primitives, responses
// into codes and options, Table 6.2.4-1, and refusals of malformed options.
#include "bindings/coap/coap_mapping.h"

#include <gtest/gtest.h>

#include "primitive/cbor.h"
#include "primitive/json_util.h"

namespace trustcse::coap {
namespace {

CoapRequestParts Req(uint8_t method, std::vector<std::string> path,
                     std::vector<CoapOption> extra = {}) {
  CoapRequestParts r;
  r.method = method;
  for (auto& p : path) r.options.push_back({kUriPath, p});
  r.options.push_back({kFr, "Cae1"});
  r.options.push_back({kRqi, "rq1"});
  r.options.push_back({kRvi, "3"});
  for (auto& o : extra) r.options.push_back(o);
  return r;
}

Result<RequestPrimitive> Map(const CoapRequestParts& r, Serialization* s = nullptr) {
  Serialization local;
  return ToPrimitive(r, s ? s : &local);
}

TEST(CoapToPrimitive, MapsMethodsAndOptions) {
  auto get = Map(Req(1, {"cse-in", "ae1"}));
  ASSERT_TRUE(get.has_value()) << get.error().message();
  EXPECT_EQ(get->op, Operation::kRetrieve);
  EXPECT_EQ(get->to, "cse-in/ae1");
  EXPECT_EQ(get->fr, "Cae1");
  EXPECT_EQ(get->rqi, "rq1");
  EXPECT_EQ(get->rvi, "3");

  auto req = Req(2, {"cse-in"}, {{kTy, EncodeUint(3)}, {kContentFormat, EncodeUint(50)}});
  req.payload = R"({"m2m:cnt":{"rn":"c"}})";
  auto create = Map(req);
  ASSERT_TRUE(create.has_value()) << create.error().message();
  EXPECT_EQ(create->op, Operation::kCreate);
  EXPECT_EQ(create->ty, 3);
  EXPECT_EQ(create->pc, *json::Parse(R"({"m2m:cnt":{"rn":"c"}})"));

  auto notify = Req(2, {"cse-in", "ae1"});
  notify.payload = R"({"m2m:sgn":{}})";
  EXPECT_EQ(Map(notify)->op, Operation::kNotify);
  auto put = Req(3, {"cse-in", "ae1"});
  put.payload = R"({"m2m:ae":{"lbl":["x"]}})";
  EXPECT_EQ(Map(put)->op, Operation::kUpdate);
  EXPECT_EQ(Map(Req(4, {"cse-in", "ae1"}))->op, Operation::kDelete);
}

TEST(CoapToPrimitive, MapsAddressingForms) {
  EXPECT_EQ(Map(Req(1, {"~", "id-in", "cse-in"}))->to, "/id-in/cse-in");
  EXPECT_EQ(Map(Req(1, {"_", "sp.example", "id-in", "cse-in"}))->to, "//sp.example/id-in/cse-in");
  EXPECT_EQ(Map(Req(1, {"cin123"}))->to, "cin123");
}

TEST(CoapToPrimitive, ReadsQueryParametersAndExpirations) {
  auto r = Map(Req(1, {"cse-in"}, {{kUriQuery, "fu=1"}, {kUriQuery, "ty=4"}, {kUriQuery, "rcn=6"},
                                  {kRqet, "20991231T000000"}, {kRturi, "http://x/n"}}));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  ASSERT_TRUE(r->fc.has_value());
  EXPECT_EQ(r->rcn, ResultContent::kChildReferences);
  EXPECT_TRUE(r->rqet.has_value());
  EXPECT_EQ(r->rtu, std::vector<std::string>{"http://x/n"});
}

TEST(CoapToPrimitive, ChoosesTheResponseSerialization) {
  Serialization s;
  auto req = Req(2, {"cse-in"}, {{kTy, EncodeUint(3)}, {kContentFormat, EncodeUint(60)}});
  std::string body = cbor::Encode(*json::Parse(R"({"m2m:cnt":{}})"));
  req.payload = body;
  auto r = Map(req, &s);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(s, Serialization::kCbor) << "no Accept: like the request";
  EXPECT_EQ(r->pc, *json::Parse(R"({"m2m:cnt":{}})"));
  ASSERT_TRUE(Map(Req(1, {"cse-in"}, {{kAccept, EncodeUint(10010)}}), &s).has_value());
  EXPECT_EQ(s, Serialization::kCbor);
  ASSERT_TRUE(Map(Req(1, {"cse-in"}, {{kAccept, EncodeUint(50)}}), &s).has_value());
  EXPECT_EQ(s, Serialization::kJson);
  EXPECT_EQ(Map(Req(1, {"cse-in"}, {{kAccept, EncodeUint(41)}})).error().code(), Rsc::kNotAcceptable);
}

TEST(CoapToPrimitive, RefusesMalformedRequests) {
  auto code = [](const CoapRequestParts& r) { return Map(r).error().code(); };
  EXPECT_EQ(code(Req(1, {})), Rsc::kBadRequest) << "no path";
  EXPECT_EQ(code(Req(1, {"~"})), Rsc::kBadRequest);
  EXPECT_EQ(code(Req(1, {"cse-in", ""})), Rsc::kBadRequest) << "empty segment";
  EXPECT_EQ(code(Req(1, {"a/b"})), Rsc::kBadRequest);
  EXPECT_EQ(code(Req(5, {"cse-in"})), Rsc::kOperationNotAllowed) << "FETCH";
  EXPECT_EQ(code(Req(1, {"cse-in"}, {{kTy, EncodeUint(3)}})), Rsc::kBadRequest) << "TY on GET";
  EXPECT_EQ(code(Req(2, {"cse-in"}, {{kTy, std::string(9, '\1')}})), Rsc::kBadRequest);
  EXPECT_EQ(code(Req(2, {"cse-in"}, {{kTy, ""}})), Rsc::kBadRequest) << "TY 0";
  EXPECT_EQ(code(Req(1, {"cse-in"}, {{kRqet, "soon"}})), Rsc::kBadRequest);
  EXPECT_EQ(code(Req(1, {"cse-in"}, {{kUriQuery, "no.pe=1"}})), Rsc::kBadRequest);
  EXPECT_EQ(code(Req(1, {"cse-in"}, {{kFr, std::string("C\x01", 2)}})), Rsc::kBadRequest);
  auto no_rqi = Req(1, {"cse-in"});
  no_rqi.options.erase(no_rqi.options.begin() + 2);
  EXPECT_EQ(code(no_rqi), Rsc::kBadRequest);
  auto bad_format = Req(2, {"cse-in"}, {{kTy, EncodeUint(3)}, {kContentFormat, EncodeUint(41)}});
  bad_format.payload = "<xml/>";
  EXPECT_EQ(code(bad_format), Rsc::kUnsupportedMediaType);
  auto bad_json = Req(2, {"cse-in"}, {{kTy, EncodeUint(3)}});
  bad_json.payload = "{";
  EXPECT_EQ(code(bad_json), Rsc::kBadRequest);
  auto get_body = Req(1, {"cse-in"});
  get_body.payload = "{}";
  EXPECT_EQ(code(get_body), Rsc::kBadRequest);
  EXPECT_EQ(code(Req(2, {"cse-in"}, {{kTy, EncodeUint(3)}})), Rsc::kBadRequest) << "no content";
}

TEST(CoapToPrimitive, AnAeRegistrationMayOmitTheOriginator) {
  auto r = Req(2, {"cse-in"}, {{kTy, EncodeUint(2)}});
  r.options.erase(r.options.begin() + 1);  // FR
  r.payload = R"({"m2m:ae":{}})";
  EXPECT_TRUE(Map(r).has_value());
  auto other = Req(1, {"cse-in"});
  other.options.erase(other.options.begin() + 1);
  EXPECT_EQ(Map(other).error().code(), Rsc::kBadRequest);
}

TEST(CoapFromPrimitive, SetsCodeOptionsAndPayload) {
  ResponsePrimitive rsp;
  rsp.rsc = Rsc::kCreated;
  rsp.rqi = "rq1";
  rsp.rvi = "3";
  rsp.pc = R"({"m2m:cnt":{"ri":"cnt1"}})";
  rsp.content_location = "cnt1";
  CoapResponseParts out = FromPrimitive(rsp, Operation::kCreate, Serialization::kJson);
  EXPECT_EQ(out.code_class, 2);
  EXPECT_EQ(out.code_detail, 1);
  EXPECT_EQ(out.content_format, kFormatJson);
  EXPECT_EQ(out.payload, rsp.pc);
  ASSERT_EQ(out.options.size(), 4u);
  EXPECT_EQ(out.options[0].number, kLocationPath);
  EXPECT_EQ(out.options[0].value, "cnt1");
  uint16_t last = 0;
  for (const auto& o : out.options) {
    EXPECT_GE(o.number, last) << "options ascend";
    last = o.number;
  }
  EXPECT_EQ(DecodeUint(out.options.back().value), 2001u);
  CoapResponseParts cbor = FromPrimitive(rsp, Operation::kCreate, Serialization::kCbor);
  EXPECT_EQ(cbor.content_format, kFormatCbor);
  EXPECT_EQ(*cbor::Decode(cbor.payload), *json::Parse(rsp.pc));
}

TEST(CoapFromPrimitive, ANotifySuccessIsAnEmpty204) {
  ResponsePrimitive rsp;
  rsp.rsc = Rsc::kOk;
  rsp.pc = R"({"x":1})";
  CoapResponseParts out = FromPrimitive(rsp, Operation::kNotify, Serialization::kJson);
  EXPECT_EQ(out.code_class, 2);
  EXPECT_EQ(out.code_detail, 4);
  EXPECT_TRUE(out.payload.empty());
}

TEST(CoapCodeFor, FollowsTable6_2_4_1) {
  struct Row {
    int rsc;
    int code;
  };
  for (Row r : {Row{2000, 205}, Row{2001, 201}, Row{2002, 202}, Row{2004, 204}, Row{4000, 400},
                Row{4001, 501}, Row{4004, 404}, Row{4005, 405}, Row{4008, 504}, Row{4015, 415},
                Row{4102, 400}, Row{4103, 403}, Row{4105, 403}, Row{4106, 403}, Row{4107, 403},
                Row{4117, 403}, Row{4118, 404}, Row{4120, 402}, Row{4125, 501}, Row{4126, 403},
                Row{5000, 500}, Row{5001, 501}, Row{5103, 404}, Row{5105, 403}, Row{5106, 400},
                Row{5203, 403}, Row{5204, 500}, Row{5206, 501}, Row{5207, 406}, Row{5209, 500},
                Row{6003, 404}, Row{6010, 400}, Row{6020, 500}, Row{6030, 504},
                Row{4128, 403}, Row{4104, 400}, Row{4124, 400}, Row{5220, 400}, Row{6029, 400}}) {
    auto [cls, detail] = CoapCodeFor(static_cast<Rsc>(r.rsc), Operation::kRetrieve);
    EXPECT_EQ(cls * 100 + detail, r.code) << r.rsc;
  }
  EXPECT_EQ(CoapCodeFor(Rsc::kOk, Operation::kNotify), (std::pair<uint8_t, uint8_t>{2, 4}));
}

TEST(CoapUint, RoundTripsInTheShortestForm) {
  EXPECT_EQ(EncodeUint(0), "");
  EXPECT_EQ(EncodeUint(3), "\x03");
  EXPECT_EQ(EncodeUint(2001), "\x07\xd1");
  for (uint64_t v : {0ull, 1ull, 255ull, 256ull, 65535ull, 1ull << 40}) {
    EXPECT_EQ(DecodeUint(EncodeUint(v)), v);
  }
  EXPECT_FALSE(DecodeUint(std::string(9, '\1')).has_value());
}

TEST(CoapToPrimitive, RefusesRepeatedCriticalOptions) {
  // RFC 7252 §5.4.5: a repeated non-repeatable option is an unrecognized one; the oneM2M
  // options are critical (odd numbers), so is Uri-Host (3) and Accept (17).
  for (uint16_t n : std::vector<uint16_t>{kFr, kRqi, kRvi, kTy, kRqet, 3, kAccept, 27}) {
    auto req = Req(1, {"cse-in"}, {{n, "a"}, {n, "b"}});
    if (n == kFr || n == kRqi || n == kRvi) req = Req(1, {"cse-in"}, {{n, "again"}});
    EXPECT_EQ(RepeatedCriticalOption(req.options), n);
    auto r = Map(req);
    ASSERT_FALSE(r.has_value()) << n;
    EXPECT_EQ(r.error().code(), Rsc::kBadRequest);
    EXPECT_NE(r.error().message().find("not repeatable"), std::string::npos);
  }
}

TEST(CoapToPrimitive, AcceptsRepeatableAndIgnoresRepeatedElectiveOptions) {
  auto paths = Req(1, {"cse-in", "ae1"}, {{kUriQuery, "rcn=1"}, {kUriQuery, "lim=2"}});
  EXPECT_FALSE(RepeatedCriticalOption(paths.options).has_value());
  EXPECT_TRUE(Map(paths).has_value());
  // Content-Format (12) is elective: the first one counts, the repetition is ignored.
  auto req = Req(2, {"cse-in"}, {{kTy, EncodeUint(3)}, {kContentFormat, EncodeUint(50)},
                                 {kContentFormat, EncodeUint(60)}});
  req.payload = R"({"m2m:cnt":{}})";
  EXPECT_FALSE(RepeatedCriticalOption(req.options).has_value());
  Serialization s;
  auto r = Map(req, &s);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(s, Serialization::kJson);
  EXPECT_TRUE(IsCritical(kFr) && IsCritical(kUriPath) && !IsCritical(kContentFormat));
  EXPECT_TRUE(IsRepeatable(kUriPath) && IsRepeatable(kRturi) && !IsRepeatable(kFr));
}

}  // namespace
}  // namespace trustcse::coap
