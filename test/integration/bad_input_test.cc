// Black-box: malformed requests get the right oneM2M error, and the server keeps serving.
#include "fixture.h"

namespace trustcse::testing {
namespace {

class BadInput : public CseTest {
 protected:
  HttpResponse Raw(const std::string& method, const std::string& target,
                   std::vector<std::pair<std::string, std::string>> headers,
                   const std::string& body = "") {
    return HttpRequest(port(), method, target, headers, body);
  }
  void ExpectStillServing() { EXPECT_EQ(Admin().Retrieve("/cse-in").rsc(), 2000); }
};

const std::vector<std::pair<std::string, std::string>> kAdmin = {
    {"X-M2M-Origin", "CAdmin"}, {"X-M2M-RI", "b"}, {"X-M2M-RVI", "3"}};

std::vector<std::pair<std::string, std::string>> With(std::string k, std::string v) {
  auto h = kAdmin;
  h.emplace_back(std::move(k), std::move(v));
  return h;
}

TEST_F(BadInput, MalformedJsonAndWrongTypes) {
  auto ct = With("Content-Type", "application/json;ty=3");
  for (const std::string& body : std::vector<std::string>{"{", "[]", "null", "\"x\"", "{\"m2m:cnt\":5}", "{\"m2m:cnt\":{},\"m2m:x\":{}}",
                           "{\"m2m:cnt\":{\"mni\":\"ten\"}}", "{\"m2m:cnt\":{\"mni\":-1}}",
                           "{\"m2m:cnt\":{\"lbl\":\"notalist\"}}", "{\"m2m:cnt\":{\"lbl\":[1]}}",
                           "{\"m2m:cnt\":{\"et\":\"tomorrow\"}}", "{\"m2m:cnt\":{\"mni\":1.5}}",
                           std::string(100, '[') + std::string(100, ']')}) {
    auto r = Raw("POST", "/cse-in", ct, body);
    EXPECT_EQ(r.rsc(), 4000) << body << " → " << r.body;
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(r.json().as_object().contains("m2m:dbg")) << r.body;
  }
  ExpectStillServing();
}

TEST_F(BadInput, MissingHeadersAndBadTypes) {
  EXPECT_EQ(Raw("GET", "/cse-in", {{"X-M2M-RI", "1"}, {"X-M2M-RVI", "3"}}).rsc(), 4000);
  EXPECT_EQ(Raw("GET", "/cse-in", {{"X-M2M-Origin", "CAdmin"}, {"X-M2M-RVI", "3"}}).rsc(), 4000);
  EXPECT_EQ(Raw("GET", "/cse-in", {{"X-M2M-Origin", "CAdmin"}, {"X-M2M-RI", "1"}}).rsc(), 4001);
  EXPECT_EQ(Raw("POST", "/cse-in", With("Content-Type", "application/json;ty=abc"), "{}").rsc(), 4000);
  EXPECT_EQ(Raw("POST", "/cse-in", With("Content-Type", "text/plain;ty=3"), "x").rsc(), 4015);
  EXPECT_EQ(Raw("POST", "/cse-in", With("Content-Type", "application/json;ty=3"), "").rsc(), 4000);
  EXPECT_EQ(Raw("GET", "/cse-in", With("Accept", "application/xml")).rsc(), 5207);
  EXPECT_EQ(Raw("PATCH", "/cse-in", kAdmin).rsc(), 4005);
  EXPECT_EQ(Raw("GET", "/cse-in/%zz", kAdmin).rsc(), 4000);
  EXPECT_EQ(Raw("GET", "/cse-in//x", kAdmin).rsc(), 4000);
  EXPECT_EQ(Raw("GET", "/cse-in/../etc", kAdmin).rsc(), 4000);
  EXPECT_EQ(Raw("GET", "/" + std::string(5000, 'a'), kAdmin).rsc(), 4000);
  EXPECT_EQ(Raw("GET", "/cse-in?rcn=77", kAdmin).rsc(), 4000);
  EXPECT_EQ(Raw("GET", "/cse-in?rt=0", kAdmin).rsc(), 4000);
  EXPECT_EQ(Raw("GET", "/cse-in?rt=1&rp=P1Y", kAdmin).rsc(), 4000);  // years have no fixed length
  ExpectStillServing();
}

TEST_F(BadInput, HugeBodyIsRefusedWithoutHarm) {
  std::string body = R"({"m2m:cnt":{"lbl":[")" + std::string(2 << 20, 'x') + R"("]}})";
  auto r = Raw("POST", "/cse-in", With("Content-Type", "application/json;ty=3"), body);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.rsc(), 4000);
  ExpectStillServing();
}

TEST_F(BadInput, GarbageOnTheSocketDoesNotStopTheServer) {
  for (const std::string& junk : std::vector<std::string>{"\x01\x02\x03\r\n\r\n", "GET\r\n\r\n", "GET / HTTP/9.9\r\n\r\n",
                           "POST /cse-in HTTP/1.1\r\nContent-Length: -5\r\n\r\n"}) {
    HttpRequest(port(), junk, "", {});
  }
  ExpectStillServing();
}

}  // namespace
}  // namespace trustcse::testing
