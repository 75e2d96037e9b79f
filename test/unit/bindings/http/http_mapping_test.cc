// Tests of the HTTP binding mapping (bindings/http/http_mapping.h, TS-0009): requests become
// primitives with the right operation, target, parameters and content, malformed requests get
// the right oneM2M status, and responses get the right HTTP status and headers.
#include "bindings/http/http_mapping.h"

#include "primitive/json_util.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace trustcse::http {
namespace {

// A well-formed retrieve of /cse-in with every mandatory header; tests change what they need.
HttpRequestParts Get(std::string_view target = "/cse-in") {
  HttpRequestParts in;
  in.method = "GET";
  in.target = target;
  in.origin = "Cae1";
  in.has_origin = true;
  in.request_id = "req-1";
  in.rvi = "3";
  return in;
}

HttpRequestParts WithBody(std::string_view method, std::string_view content_type,
                          std::string_view body, std::string_view target = "/cse-in") {
  HttpRequestParts in = Get(target);
  in.method = method;
  in.content_type = content_type;
  in.body = body;
  return in;
}

// Expects ToPrimitive to fail with `code`.
void ExpectError(const HttpRequestParts& in, Rsc code) {
  auto r = ToPrimitive(in);
  ASSERT_FALSE(r.has_value()) << "accepted: to=" << r->to;
  EXPECT_EQ(r.error().code(), code) << r.error().message();
  EXPECT_FALSE(r.error().message().empty());
}

// ---- methods -----------------------------------------------------------------------------------

TEST(ToPrimitive, MapsPostWithTyToCreate) {
  auto r = ToPrimitive(WithBody("POST", "application/json;ty=3", R"({"m2m:cnt":{}})"));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->op, Operation::kCreate);
  EXPECT_EQ(r->ty, 3);
  EXPECT_TRUE(r->pc.is_object());
  EXPECT_TRUE(r->pc.as_object().contains("m2m:cnt"));
}

TEST(ToPrimitive, MapsPostWithoutTyToNotify) {
  auto r = ToPrimitive(WithBody("POST", "application/json", R"({"m2m:sgn":{}})"));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->op, Operation::kNotify);
  EXPECT_EQ(r->ty, 0);
}

TEST(ToPrimitive, MapsGetPutAndDelete) {
  auto get = ToPrimitive(Get());
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->op, Operation::kRetrieve);
  EXPECT_TRUE(get->pc.is_null());

  auto put = ToPrimitive(WithBody("PUT", "application/json", R"({"m2m:cnt":{"lbl":["a"]}})"));
  ASSERT_TRUE(put.has_value()) << put.error().message();
  EXPECT_EQ(put->op, Operation::kUpdate);

  HttpRequestParts del = Get();
  del.method = "DELETE";
  auto d = ToPrimitive(del);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->op, Operation::kDelete);
}

TEST(ToPrimitive, RefusesOtherMethodsAsOperationNotAllowed) {
  for (std::string_view m : {"PATCH", "HEAD", "OPTIONS", "get", "", "CONNECT"}) {
    HttpRequestParts in = Get();
    in.method = m;
    SCOPED_TRACE(m);
    ExpectError(in, Rsc::kOperationNotAllowed);
  }
}

TEST(ToPrimitive, CopiesHeadersIntoThePrimitive) {
  HttpRequestParts in = Get();
  in.peer_address = "192.0.2.7";
  auto r = ToPrimitive(in);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->fr, "Cae1");
  EXPECT_EQ(r->rqi, "req-1");
  EXPECT_EQ(r->rvi, "3");
  EXPECT_EQ(r->peer_address, "192.0.2.7");
  EXPECT_EQ(r->rt, ResponseType::kBlocking);
  EXPECT_EQ(r->drt, 1);
  EXPECT_FALSE(r->rcn.has_value());
  EXPECT_FALSE(r->fc.has_value());
  EXPECT_FALSE(r->rqet.has_value());
  EXPECT_TRUE(r->rtu.empty());
}

// ---- paths -------------------------------------------------------------------------------------

struct PathCase {
  std::string target;
  std::string to;
};

void PrintTo(const PathCase& c, std::ostream* os) { *os << c.target; }

class ToPrimitivePath : public testing::TestWithParam<PathCase> {};

TEST_P(ToPrimitivePath, BecomesTheToParameter) {
  auto r = ToPrimitive(Get(GetParam().target));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->to, GetParam().to);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ToPrimitivePath,
    testing::Values(PathCase{"/cse-in/ae", "cse-in/ae"}, PathCase{"/cse-in", "cse-in"},
                    PathCase{"/cin00856", "cin00856"}, PathCase{"/-/ae1", "-/ae1"},
                    PathCase{"/~/id-in/cse-in", "/id-in/cse-in"},
                    PathCase{"/~/id-in", "/id-in"},
                    PathCase{"/_/sp.com/id-in/x", "//sp.com/id-in/x"},
                    PathCase{"/cse-in/a%20b", "cse-in/a b"},
                    PathCase{"/cse-in/%41e", "cse-in/Ae"},
                    PathCase{"/%7E/id-in/x", "/id-in/x"},
                    PathCase{"/cse-in/ae?rcn=1", "cse-in/ae"},
                    PathCase{"/cse-in/ae?", "cse-in/ae"}));

class ToPrimitiveBadTarget : public testing::TestWithParam<std::string> {};

TEST_P(ToPrimitiveBadTarget, IsBadRequest) { ExpectError(Get(GetParam()), Rsc::kBadRequest); }

INSTANTIATE_TEST_SUITE_P(Table, ToPrimitiveBadTarget,
                         testing::Values("/cse-in/%zz", "/cse-in/%4", "/cse-in/%", "/%g0",
                                         "/cse-in/%00x", "", "cse-in", "?rcn=1", "/",
                                         "/?rcn=1"));

TEST(PercentDecode, DecodesEscapesAndRejectsMalformedOnes) {
  EXPECT_EQ(PercentDecode("a%41b"), "aAb");
  EXPECT_EQ(PercentDecode("%41"), "A");
  EXPECT_EQ(PercentDecode("%7e%7E"), "~~");
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
  EXPECT_EQ(PercentDecode(""), "");
  EXPECT_EQ(PercentDecode("%e2%82%ac"), "\xe2\x82\xac");
  for (std::string_view bad : {"%", "%4", "a%4", "%zz", "%4g", "%00", "%%41"}) {
    EXPECT_FALSE(PercentDecode(bad).has_value()) << bad;
  }
}

// ---- query parameters --------------------------------------------------------------------------

TEST(ToPrimitive, ParsesResultContent) {
  for (int rcn = 0; rcn <= 9; ++rcn) {
    std::string target = "/cse-in?rcn=" + std::to_string(rcn);
    auto r = ToPrimitive(Get(target));
    ASSERT_TRUE(r.has_value()) << rcn;
    ASSERT_TRUE(r->rcn.has_value());
    EXPECT_EQ(static_cast<int>(*r->rcn), rcn);
  }
  for (std::string_view bad : {"/cse-in?rcn=10", "/cse-in?rcn=12", "/cse-in?rcn=13",
                               "/cse-in?rcn=-1", "/cse-in?rcn=x", "/cse-in?rcn=", "/cse-in?rcn"}) {
    SCOPED_TRACE(bad);
    ExpectError(Get(bad), Rsc::kBadRequest);
  }
}

TEST(ToPrimitive, ParsesResponseType) {
  for (int rt = 1; rt <= 5; ++rt) {
    std::string target = "/cse-in?rt=" + std::to_string(rt);
    auto r = ToPrimitive(Get(target));
    ASSERT_TRUE(r.has_value()) << rt;
    EXPECT_EQ(static_cast<int>(r->rt), rt);
  }
  ExpectError(Get("/cse-in?rt=0"), Rsc::kBadRequest);
  ExpectError(Get("/cse-in?rt=6"), Rsc::kBadRequest);
}

TEST(ToPrimitive, ParsesDesiredIdentifierResultType) {
  auto r = ToPrimitive(Get("/cse-in?drt=2"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->drt, 2);
  ExpectError(Get("/cse-in?drt=3"), Rsc::kBadRequest);
  ExpectError(Get("/cse-in?drt=0"), Rsc::kBadRequest);
}

TEST(ToPrimitive, SplitsTheAttributeList) {
  for (std::string_view target :
       {"/cse-in?atrl=rn+lbl", "/cse-in?atrl=rn%2Blbl", "/cse-in?atrl=rn%20lbl",
        "/cse-in?atrl=rn++lbl+"}) {
    auto r = ToPrimitive(Get(target));
    ASSERT_TRUE(r.has_value()) << target;
    EXPECT_EQ(r->atrl, (std::vector<std::string>{"rn", "lbl"})) << target;
  }
  ExpectError(Get("/cse-in?atrl="), Rsc::kBadRequest);
  ExpectError(Get("/cse-in?atrl=+"), Rsc::kBadRequest);
}

TEST(ToPrimitive, CollectsFilterCriteria) {
  auto r = ToPrimitive(Get("/cse-in?fu=1&ty=3+4&lbl=a&lim=10&crb=20240101T000000&rcn=6"));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  ASSERT_TRUE(r->fc.has_value());
  EXPECT_EQ(r->fc->fu, 1);
  EXPECT_EQ(r->fc->ty, (std::vector<int>{3, 4}));
  EXPECT_EQ(r->fc->lbl, (std::vector<std::string>{"a"}));
  EXPECT_EQ(r->fc->lim, 10u);
  EXPECT_EQ(r->fc->crb, "20240101T000000,000000");
  EXPECT_EQ(r->rcn, ResultContent::kChildReferences);
}

TEST(ToPrimitive, DecodesFilterValuesBeforeParsing) {
  auto r = ToPrimitive(Get("/cse-in?lbl=k%3Av&ty=2&ty=3"));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  ASSERT_TRUE(r->fc.has_value());
  EXPECT_EQ(r->fc->lbl, (std::vector<std::string>{"k:v"}));
  EXPECT_EQ(r->fc->ty, (std::vector<int>{2, 3}));
}

TEST(ToPrimitive, PropagatesFilterCriteriaErrors) {
  ExpectError(Get("/cse-in?fu=3"), Rsc::kNotImplemented);
  ExpectError(Get("/cse-in?fu=9"), Rsc::kBadRequest);
  ExpectError(Get("/cse-in?lim=x"), Rsc::kBadRequest);
  ExpectError(Get("/cse-in?ofst=0"), Rsc::kBadRequest);
}

// A key shaped like an attribute's short name is an attribute condition (whether any resource
// type has that attribute is the dispatcher's to say); other unknown keys are refused here.
TEST(ToPrimitive, RefusesUnknownQueryParameters) {
  ExpectError(Get("/cse-in?f.o=1"), Rsc::kBadRequest);
  ExpectError(Get("/cse-in?rcn=1&bo-gus"), Rsc::kBadRequest);
  ExpectError(Get("/cse-in?RCN=1"), Rsc::kBadRequest);
  ExpectError(Get("/cse-in?mni="), Rsc::kBadRequest);  // a condition needs a value
  auto r = ToPrimitive(Get("/cse-in?fu=1&mni=7"));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  ASSERT_TRUE(r->fc.has_value());
  ASSERT_EQ(r->fc->atr.size(), 1u);
  EXPECT_EQ(r->fc->atr[0].name, "mni");
}

TEST(ToPrimitive, AcceptsKnownButUnusedParameters) {
  auto r = ToPrimitive(Get("/cse-in?rp=PT1H&da=true&rids=r1&tids=t1&ltids=l&sqi=false&tqi=1"));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_FALSE(r->fc.has_value());
}

TEST(ToPrimitive, IgnoresEmptyQueryItemsAndRejectsBadEscapes) {
  auto r = ToPrimitive(Get("/cse-in?&&rcn=1&"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->rcn, ResultContent::kAttributes);
  ExpectError(Get("/cse-in?rcn=%zz"), Rsc::kBadRequest);
  ExpectError(Get("/cse-in?%zz=1"), Rsc::kBadRequest);
}

// ---- mandatory headers -------------------------------------------------------------------------

TEST(ToPrimitive, RequiresOriginExceptForAeCreate) {
  HttpRequestParts get = Get();
  get.has_origin = false;
  get.origin = "";
  ExpectError(get, Rsc::kBadRequest);

  HttpRequestParts ae = WithBody("POST", "application/json;ty=2", R"({"m2m:ae":{}})");
  ae.has_origin = false;
  ae.origin = "";
  auto r = ToPrimitive(ae);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->op, Operation::kCreate);
  EXPECT_EQ(r->fr, "");

  HttpRequestParts cnt = WithBody("POST", "application/json;ty=3", R"({"m2m:cnt":{}})");
  cnt.has_origin = false;
  ExpectError(cnt, Rsc::kBadRequest);

  HttpRequestParts notify = WithBody("POST", "application/json", R"({"m2m:sgn":{}})");
  notify.has_origin = false;
  ExpectError(notify, Rsc::kBadRequest);
}

TEST(ToPrimitive, RequiresRequestIdentifier) {
  HttpRequestParts in = Get();
  in.request_id = "";
  ExpectError(in, Rsc::kBadRequest);
  HttpRequestParts ae = WithBody("POST", "application/json;ty=2", R"({"m2m:ae":{}})");
  ae.request_id = "";
  ExpectError(ae, Rsc::kBadRequest);
}

// ---- media types -------------------------------------------------------------------------------

TEST(ToPrimitive, AcceptsJsonOrCborResponses) {
  for (std::string_view ok : {"", "*/*", "application/json", "application/*",
                              "application/vnd.onem2m-res+json", "APPLICATION/JSON",
                              "application/xml, application/json;q=0.5",
                              "text/html ,  */*;q=0.1", "application/cbor",
                              "application/vnd.onem2m-res+cbor"}) {
    HttpRequestParts in = Get();
    in.accept = ok;
    EXPECT_TRUE(ToPrimitive(in).has_value()) << ok;
  }
  for (std::string_view bad : {"application/xml", "text/html", "application/vnd.onem2m-res+xml",
                               "application/json-seq"}) {
    HttpRequestParts in = Get();
    in.accept = bad;
    SCOPED_TRACE(bad);
    ExpectError(in, Rsc::kNotAcceptable);
  }
}

TEST(ResponseSerialization, FollowsAcceptElseTheRequestContent) {
  EXPECT_EQ(ResponseSerialization("", ""), Serialization::kJson);
  EXPECT_EQ(ResponseSerialization("", "application/cbor;ty=4"), Serialization::kCbor);
  EXPECT_EQ(ResponseSerialization("application/json", "application/cbor"), Serialization::kJson);
  EXPECT_EQ(ResponseSerialization("application/cbor", ""), Serialization::kCbor);
  EXPECT_EQ(ResponseSerialization("text/html, application/vnd.onem2m-res+cbor", ""),
            Serialization::kCbor);
  EXPECT_FALSE(ResponseSerialization("application/xml", "").has_value());
}

TEST(ToPrimitive, DecodesCborContentLikeJson) {
  // {"m2m:cnt":{"rn":"c"}} in CBOR
  std::string cbor = "\xa1\x67m2m:cnt\xa1\x62rn\x61" "c";
  for (std::string_view ct : {"application/cbor;ty=3", "application/vnd.onem2m-res+cbor;ty=3"}) {
    auto r = ToPrimitive(WithBody("POST", ct, cbor));
    ASSERT_TRUE(r.has_value()) << ct << ": " << r.error().message();
    EXPECT_EQ(r->pc, *json::Parse(R"({"m2m:cnt":{"rn":"c"}})"));
  }
  ExpectError(WithBody("PUT", "application/cbor", "\x83\x01"), Rsc::kBadRequest);
}

TEST(FromPrimitive, EncodesTheContentForACborClient) {
  ResponsePrimitive rsp;
  rsp.rsc = Rsc::kOk;
  rsp.pc = R"({"m2m:cin":{"con":"1"}})";
  HttpResponseParts out = FromPrimitive(rsp, Serialization::kCbor);
  EXPECT_EQ(out.body, std::string("\xa1\x67m2m:cin\xa1\x63" "con\x61" "1"));
  bool cbor_type = false;
  for (auto& [k, v] : out.headers) cbor_type |= k == "Content-Type" && v == "application/cbor";
  EXPECT_TRUE(cbor_type);
}

TEST(ToPrimitive, RefusesOtherContentAsUnsupportedMediaType) {
  for (std::string_view ct : {"application/xml;ty=3", "text/plain;ty=3", ";ty=3"}) {
    SCOPED_TRACE(ct);
    ExpectError(WithBody("POST", ct, "{}"), Rsc::kUnsupportedMediaType);
  }
  ExpectError(WithBody("PUT", "", R"({"m2m:cnt":{}})"), Rsc::kUnsupportedMediaType);
}

TEST(ToPrimitive, ParsesContentTypeParametersLeniently) {
  for (std::string_view ct : {"application/vnd.onem2m-res+json; ty=4", "APPLICATION/JSON;TY=4",
                              "application/json ; charset=utf-8 ; ty = 4 "}) {
    auto r = ToPrimitive(WithBody("POST", ct, R"({"m2m:cin":{"con":"x"}})"));
    ASSERT_TRUE(r.has_value()) << ct << ": " << r.error().message();
    EXPECT_EQ(r->op, Operation::kCreate) << ct;
    EXPECT_EQ(r->ty, 4) << ct;
  }
}

TEST(ToPrimitive, RefusesBadResourceTypeInContentType) {
  for (std::string_view ct : {"application/json;ty=abc", "application/json;ty=0",
                              "application/json;ty=-1", "application/json;ty=",
                              "application/json;ty=3x", "application/json;ty=99999999999"}) {
    SCOPED_TRACE(ct);
    ExpectError(WithBody("POST", ct, "{}"), Rsc::kBadRequest);
  }
}

// ---- content -----------------------------------------------------------------------------------

TEST(ToPrimitive, RefusesMalformedJson) {
  for (std::string_view body : {"{", "{\"a\":}", "{} x", "nul", "{'a':1}"}) {
    SCOPED_TRACE(body);
    ExpectError(WithBody("PUT", "application/json", body), Rsc::kBadRequest);
  }
  std::string deep(100, '[');
  deep += std::string(100, ']');
  ExpectError(WithBody("PUT", "application/json", deep), Rsc::kBadRequest);
}

TEST(ToPrimitive, RefusesContentOnRetrieveAndDelete) {
  ExpectError(WithBody("GET", "application/json", "{}"), Rsc::kBadRequest);
  ExpectError(WithBody("DELETE", "application/json", "{}"), Rsc::kBadRequest);
}

TEST(ToPrimitive, RequiresContentOnCreateUpdateAndNotify) {
  ExpectError(WithBody("POST", "application/json;ty=3", ""), Rsc::kBadRequest);
  ExpectError(WithBody("PUT", "application/json", ""), Rsc::kBadRequest);
  ExpectError(WithBody("POST", "application/json", ""), Rsc::kBadRequest);
}

// ---- X-M2M-RET / X-M2M-RST / X-M2M-RTU ----------------------------------------------------------

TEST(ToPrimitive, ReadsRelativeExpirationAsMillisecondsFromNow) {
  HttpRequestParts in = Get();
  in.rqet = "5000";
  in.rset = "0";
  TimePoint before = Now();
  auto r = ToPrimitive(in);
  TimePoint after = Now();
  ASSERT_TRUE(r.has_value()) << r.error().message();
  ASSERT_TRUE(r->rqet.has_value());
  EXPECT_GE(*r->rqet, before + std::chrono::seconds(5));
  EXPECT_LE(*r->rqet, after + std::chrono::seconds(5));
  ASSERT_TRUE(r->rset.has_value());
  EXPECT_GE(*r->rset, before);
  EXPECT_LE(*r->rset, after);
}

TEST(ToPrimitive, ReadsAbsoluteExpirationTimestamps) {
  HttpRequestParts in = Get();
  in.rqet = "20300101T000000";
  in.rset = "20300101T000001,5Z";
  auto r = ToPrimitive(in);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->rqet, ParseTimestamp("20300101T000000"));
  EXPECT_EQ(r->rset, ParseTimestamp("20300101T000001,500000"));
}

TEST(ToPrimitive, RefusesMalformedExpirations) {
  for (std::string_view bad : {"soon", "-5s", "5s", "2030-01-01", "20301301T000000"}) {
    HttpRequestParts in = Get();
    in.rqet = bad;
    SCOPED_TRACE(bad);
    ExpectError(in, Rsc::kBadRequest);
    HttpRequestParts rs = Get();
    rs.rset = bad;
    ExpectError(rs, Rsc::kBadRequest);
  }
}

TEST(ToPrimitive, HugeRelativeExpirationDoesNotWrapIntoThePast) {
  HttpRequestParts in = Get();
  in.rqet = "9223372036854775807";
  auto r = ToPrimitive(in);
  if (r.has_value()) {
    ASSERT_TRUE(r->rqet.has_value());
    EXPECT_GT(*r->rqet, Now());
  } else {
    EXPECT_EQ(r.error().code(), Rsc::kBadRequest);
  }
}

TEST(ToPrimitive, SplitsResponseTargetsOnAmpersand) {
  HttpRequestParts in = Get();
  in.rtu = "http://h1:80/n&mqtt://h2/x&&Cae2";
  auto r = ToPrimitive(in);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->rtu, (std::vector<std::string>{"http://h1:80/n", "mqtt://h2/x", "Cae2"}));
  in.rtu = "http://only";
  r = ToPrimitive(in);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->rtu, (std::vector<std::string>{"http://only"}));
}

// ---- responses ---------------------------------------------------------------------------------

struct StatusCase {
  Rsc rsc;
  int http;
};

void PrintTo(const StatusCase& c, std::ostream* os) { *os << static_cast<int>(c.rsc); }

class FromPrimitiveStatus : public testing::TestWithParam<StatusCase> {};

TEST_P(FromPrimitiveStatus, MapsToTheHttpStatusAndAlwaysSetsRsc) {
  ResponsePrimitive rsp;
  rsp.rsc = GetParam().rsc;
  rsp.rqi = "req-1";
  HttpResponseParts out = FromPrimitive(rsp);
  EXPECT_EQ(out.status, GetParam().http);
  int rsc_headers = 0;
  for (const auto& [name, value] : out.headers) {
    if (name == "X-M2M-RSC") {
      ++rsc_headers;
      EXPECT_EQ(value, std::to_string(static_cast<int>(GetParam().rsc)));
    }
  }
  EXPECT_EQ(rsc_headers, 1);
}

INSTANTIATE_TEST_SUITE_P(
    Table, FromPrimitiveStatus,
    testing::Values(StatusCase{Rsc::kOk, 200}, StatusCase{Rsc::kCreated, 201},
                    StatusCase{Rsc::kDeleted, 200}, StatusCase{Rsc::kUpdated, 200},
                    StatusCase{Rsc::kAccepted, 202}, StatusCase{Rsc::kBadRequest, 400},
                    StatusCase{Rsc::kReleaseVersionNotSupported, 501},
                    StatusCase{Rsc::kNotFound, 404}, StatusCase{Rsc::kOperationNotAllowed, 405},
                    StatusCase{Rsc::kRequestTimeout, 504},
                    StatusCase{Rsc::kUnsupportedMediaType, 415},
                    StatusCase{Rsc::kOriginatorHasNoPrivilege, 403},
                    StatusCase{Rsc::kConflict, 409},
                    StatusCase{Rsc::kOriginatorNotAuthenticated, 403},
                    StatusCase{Rsc::kSecurityAssociationRequired, 403},
                    StatusCase{Rsc::kInvalidChildResourceType, 403},
                    StatusCase{Rsc::kInternalServerError, 500},
                    StatusCase{Rsc::kNotImplemented, 501}, StatusCase{Rsc::kAlreadyExists, 409},
                    StatusCase{Rsc::kNotAcceptable, 406},
                    StatusCase{Rsc::kTargetNotReachable, 404},
                    StatusCase{Rsc::kMaxNumberOfMemberExceeded, 400}));

std::optional<std::string> Header(const HttpResponseParts& out, std::string_view name) {
  for (const auto& [n, v] : out.headers) {
    if (n == name) return v;
  }
  return std::nullopt;
}

TEST(FromPrimitive, SetsContentLocationOnCreate) {
  ResponsePrimitive rsp;
  rsp.rsc = Rsc::kCreated;
  rsp.rqi = "req-9";
  rsp.rvi = "3";
  rsp.content_location = "cnt0123";
  rsp.pc = R"({"m2m:cnt":{"ri":"cnt0123"}})";
  HttpResponseParts out = FromPrimitive(rsp);
  EXPECT_EQ(out.status, 201);
  EXPECT_EQ(Header(out, "Content-Location"), "cnt0123");
  EXPECT_EQ(Header(out, "X-M2M-RI"), "req-9");
  EXPECT_EQ(Header(out, "X-M2M-RVI"), "3");
  EXPECT_EQ(Header(out, "Content-Type"), "application/json");
  EXPECT_EQ(out.body, rsp.pc);
}

TEST(FromPrimitive, OmitsEmptyOptionalHeaders) {
  ResponsePrimitive rsp;
  rsp.rsc = Rsc::kDeleted;
  HttpResponseParts out = FromPrimitive(rsp);
  EXPECT_EQ(Header(out, "X-M2M-RSC"), "2002");
  EXPECT_FALSE(Header(out, "Content-Location").has_value());
  EXPECT_FALSE(Header(out, "X-M2M-RI").has_value());
  EXPECT_FALSE(Header(out, "X-M2M-RVI").has_value());
  EXPECT_FALSE(Header(out, "Content-Type").has_value());
  EXPECT_TRUE(out.body.empty());
}

TEST(FromPrimitive, CarriesErrorResponsesWithDebugContent) {
  RequestPrimitive req;
  req.rqi = "r7";
  req.rvi = "2a";
  HttpResponseParts out = FromPrimitive(ErrorResponse(req, Status::NotFound("no such resource")));
  EXPECT_EQ(out.status, 404);
  EXPECT_EQ(Header(out, "X-M2M-RSC"), "4004");
  EXPECT_EQ(Header(out, "X-M2M-RI"), "r7");
  EXPECT_EQ(Header(out, "X-M2M-RVI"), "2a");
  EXPECT_EQ(out.body, R"({"m2m:dbg":"no such resource"})");
}

}  // namespace
}  // namespace trustcse::http
