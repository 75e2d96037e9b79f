// Tests of the CoAP/CoAPs outbound client (egress::MakeCoapClient) against a small libcoap
// server on 127.0.0.1 (coap_test_server.h): the TS-0008 request mapping, the answer's code and
// oneM2M-RSC, Block2, deadlines, the destination policy, loops, the in-flight cap, session
// reuse, DTLS with a pre-shared key and with certificates of a CA made at test time.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>

#include "coap_test_server.h"
#include "egress/coap/coap_client.h"
#include "egress/coap/coap_options.h"
#include "egress/coap/coap_wire.h"
#include "test_pki.h"

namespace trustcse::egress {
namespace {

using namespace std::chrono_literals;
using testing::CoapAnswer;
using testing::CoapTestServer;

struct Outcome {
  Status status;
  OutboundResponse response;
};

std::unique_ptr<Client> Make(CoapClientOptions o = {}) {
  if (o.self_id.empty()) o.self_id = "/id-in";
  auto c = MakeCoapClient(std::move(o));
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message());
  return c ? std::move(*c) : nullptr;
}

Outcome SendAndWait(Client& c, OutboundRequest r, std::optional<TimePoint> deadline = {}) {
  std::promise<Outcome> p;
  auto f = p.get_future();
  c.Send(std::move(r), deadline,
         [&p](Status s, OutboundResponse rsp) { p.set_value({std::move(s), std::move(rsp)}); });
  if (f.wait_for(20s) != std::future_status::ready) {
    ADD_FAILURE() << "no callback";
    return {Status::Internal("no callback"), {}};
  }
  return f.get();
}

OutboundRequest Request(const std::string& url, Operation op = Operation::kRetrieve) {
  OutboundRequest r;
  r.target = url;
  r.op = op;
  r.originator = "Cae1";
  r.rqi = "req-1";
  return r;
}

std::string Url(const CoapTestServer& s, const std::string& path, bool dtls = false) {
  return std::string(dtls ? "coaps" : "coap") + "://127.0.0.1:" + std::to_string(s.port()) + path;
}

TEST(CoapClient, CreateIsPostWithPathQueryAndOneM2MOptions) {
  CoapTestServer server({});
  server.SetAnswer({201, 2001, "ae-1", R"({"m2m:ae":{"ri":"ae-1"}})"});
  auto client = Make();
  OutboundRequest r = Request(Url(server, "/~/id-in/cse-in?rcn=1&x=a%20b"), Operation::kCreate);
  r.ty = 2;
  r.body = R"({"m2m:ae":{"rn":"a"}})";
  r.rqet = Now() + 30s;
  r.ec = 4;
  auto out = SendAndWait(*client, r);
  ASSERT_TRUE(out.status.ok()) << out.status.message();
  EXPECT_EQ(out.response.status, 201);
  EXPECT_EQ(out.response.rsc, 2001);
  EXPECT_EQ(out.response.Header("X-M2M-RSC"), "2001");
  EXPECT_EQ(out.response.Header("Content-Location"), "ae-1");
  EXPECT_EQ(out.response.body, R"({"m2m:ae":{"ri":"ae-1"}})");
  auto seen = server.Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, 2);
  EXPECT_EQ(seen[0].path, (std::vector<std::string>{"~", "id-in", "cse-in"}));
  EXPECT_EQ(seen[0].query, (std::vector<std::string>{"rcn=1", "x=a b"}));
  EXPECT_EQ(seen[0].options[coap::kFr], "Cae1");
  EXPECT_EQ(seen[0].options[coap::kRqi], "req-1");
  EXPECT_EQ(seen[0].options[coap::kRvi], "3");
  EXPECT_EQ(seen[0].options[coap::kTy], std::string("\x02", 1));
  EXPECT_EQ(seen[0].options[coap::kContentFormat], std::string("\x32", 1));  // 50: JSON
  EXPECT_FALSE(seen[0].options[coap::kRqet].empty());
  EXPECT_EQ(seen[0].options[coap::kEc], std::string("\x04", 1));  // Event Category latest
  EXPECT_EQ(seen[0].payload, r.body);
}

TEST(CoapClient, MethodsFollowTheOperation) {
  CoapTestServer server({});
  auto client = Make();
  const std::pair<Operation, int> cases[] = {{Operation::kRetrieve, 1},
                                             {Operation::kNotify, 2},
                                             {Operation::kUpdate, 3},
                                             {Operation::kDelete, 4}};
  for (auto [op, method] : cases) {
    OutboundRequest r = Request(Url(server, "/cse-in"), op);
    if (op == Operation::kNotify || op == Operation::kUpdate) r.body = "{}";
    ASSERT_TRUE(SendAndWait(*client, r).status.ok());
    EXPECT_EQ(server.Requests().back().method, method);
  }
  // NOTIFY carries no oneM2M-TY even when one is set; RETRIEVE no body and no Content-Format.
  EXPECT_EQ(server.Requests()[1].options.count(coap::kTy), 0u);
  EXPECT_EQ(server.Requests()[0].options.count(coap::kContentFormat), 0u);
}

TEST(CoapClient, ErrorCodeAndRscMapBack) {
  CoapTestServer server({});
  server.SetAnswer({404, 4004, "", R"({"m2m:dbg":"not found"})"});
  auto client = Make();
  auto out = SendAndWait(*client, Request(Url(server, "/cse-in/nothing")));
  ASSERT_TRUE(out.status.ok()) << out.status.message();  // an answer arrived
  EXPECT_EQ(out.response.status, 404);
  EXPECT_EQ(out.response.rsc, 4004);
}

TEST(CoapClient, AnswerWithoutRscHasRscZero) {
  CoapTestServer server({});
  server.SetAnswer({204, 0, "", ""});
  auto client = Make();
  auto out = SendAndWait(*client, Request(Url(server, "/x"), Operation::kNotify));
  ASSERT_TRUE(out.status.ok());
  EXPECT_EQ(out.response.status, 204);
  EXPECT_EQ(out.response.rsc, 0);
}

TEST(CoapClient, LargeAnswerArrivesBlockwise) {
  CoapTestServer server({});
  std::string big(5000, 'x');
  server.SetAnswer({205, 2000, "", big});
  auto client = Make();
  auto out = SendAndWait(*client, Request(Url(server, "/big")));
  ASSERT_TRUE(out.status.ok()) << out.status.message();
  EXPECT_EQ(out.response.body.size(), big.size());
  EXPECT_EQ(out.response.rsc, 2000);
}

TEST(CoapClient, AnswerBeyondTheLimitIsRefused) {
  CoapTestServer server({});
  server.SetAnswer({205, 2000, "", std::string(5000, 'x')});
  CoapClientOptions o;
  o.max_response_body = 1000;
  auto client = Make(std::move(o));
  auto out = SendAndWait(*client, Request(Url(server, "/big")));
  EXPECT_EQ(out.status.code(), Rsc::kTargetNotReachable);
}

TEST(CoapClient, LargeRequestGoesBlockwise) {
  CoapTestServer server({});
  auto client = Make();
  OutboundRequest r = Request(Url(server, "/up"), Operation::kUpdate);
  r.body = std::string(4000, 'y');
  ASSERT_TRUE(SendAndWait(*client, r).status.ok());
  EXPECT_EQ(server.Requests().back().payload.size(), 4000u);
}

TEST(CoapClient, SilentTargetHitsTheDeadline) {
  testing::SilentUdpPort silent;
  auto client = Make();
  const auto start = std::chrono::steady_clock::now();
  auto out = SendAndWait(
      *client, Request("coap://127.0.0.1:" + std::to_string(silent.port()) + "/cse-in"),
      Now() + 400ms);
  EXPECT_EQ(out.status.code(), Rsc::kRequestTimeout) << out.status.message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(CoapClient, RequestExpirationIsADeadlineToo) {
  testing::SilentUdpPort silent;
  auto client = Make();
  OutboundRequest r = Request("coap://127.0.0.1:" + std::to_string(silent.port()) + "/cse-in");
  r.rqet = Now() + 300ms;
  EXPECT_EQ(SendAndWait(*client, r).status.code(), Rsc::kRequestTimeout);
}

TEST(CoapClient, ClosedPortIsUnreachableOrTimesOut) {
  auto client = Make();
  auto out = SendAndWait(
      *client, Request("coap://127.0.0.1:" + std::to_string(testing::UnusedUdpPort()) + "/x"),
      Now() + 1500ms);
  // ICMP port unreachable: libcoap reports it (5103); the deadline is the bound either way.
  EXPECT_TRUE(out.status.code() == Rsc::kTargetNotReachable ||
              out.status.code() == Rsc::kRequestTimeout)
      << out.status.message();
}

TEST(CoapClient, ForbiddenDestinationIsRefusedWithoutSending) {
  CoapTestServer server({});
  CoapClientOptions o;
  auto policy = DestinationPolicy::Parse({}, {"127.0.0.0/8"});
  ASSERT_TRUE(policy.has_value());
  o.destinations = *policy;
  auto client = Make(std::move(o));
  auto out = SendAndWait(*client, Request(Url(server, "/cse-in")));
  EXPECT_EQ(out.status.code(), Rsc::kTargetNotReachable);
  EXPECT_NE(out.status.message().find("not permitted"), std::string::npos);
  EXPECT_TRUE(server.Requests().empty());
}

TEST(CoapClient, UnresolvableNameIsUnreachable) {
  auto client = Make();
  auto out = SendAndWait(*client, Request("coap://no-such-host.invalid/cse-in"));
  EXPECT_EQ(out.status.code(), Rsc::kTargetNotReachable);
}

TEST(CoapClient, LoopIsRefused) {
  CoapTestServer server({});
  auto client = Make();
  OutboundRequest r = Request(Url(server, "/cse-in"));
  r.via = "1.1 " + ViaPseudonym("/id-mn") + ", 1.1 " + ViaPseudonym("/id-in");
  auto out = SendAndWait(*client, r);
  EXPECT_EQ(out.status.code(), Rsc::kTargetNotReachable);
  EXPECT_TRUE(server.Requests().empty());
}

TEST(CoapClient, OtherSchemesAreRefused) {
  auto client = Make();
  EXPECT_EQ(SendAndWait(*client, Request("http://127.0.0.1/x")).status.code(),
            Rsc::kTargetNotReachable);
  EXPECT_EQ(SendAndWait(*client, Request("coap:///nohost")).status.code(),
            Rsc::kTargetNotReachable);
}

TEST(CoapClient, SessionIsReusedPerTarget) {
  CoapTestServer server({});
  auto client = Make();
  ASSERT_TRUE(SendAndWait(*client, Request(Url(server, "/a"))).status.ok());
  ASSERT_TRUE(SendAndWait(*client, Request(Url(server, "/b"))).status.ok());
  auto seen = server.Requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].peer_port, seen[1].peer_port);
}

TEST(CoapClient, RequestsBeyondTheInFlightCapAreRefused) {
  testing::SilentUdpPort silent;
  CoapClientOptions o;
  o.max_in_flight = 1;
  auto client = Make(std::move(o));
  const std::string url = "coap://127.0.0.1:" + std::to_string(silent.port()) + "/x";
  std::promise<Status> first;
  client->Send(Request(url), Now() + 500ms,
               [&first](Status s, OutboundResponse) { first.set_value(s); });
  auto second = SendAndWait(*client, Request(url), Now() + 500ms);
  EXPECT_EQ(second.status.code(), Rsc::kTargetNotReachable);
  EXPECT_EQ(first.get_future().get().code(), Rsc::kRequestTimeout);
  // The slot is free again.
  EXPECT_EQ(SendAndWait(*client, Request(url), Now() + 200ms).status.code(),
            Rsc::kRequestTimeout);
}

TEST(CoapClient, StopEndsWaitingRequestsWith5103) {
  testing::SilentUdpPort silent;
  auto client = Make();
  std::promise<Status> p;
  client->Send(Request("coap://127.0.0.1:" + std::to_string(silent.port()) + "/x"), Now() + 10s,
               [&p](Status s, OutboundResponse) { p.set_value(s); });
  std::this_thread::sleep_for(100ms);
  client->Stop();
  EXPECT_EQ(p.get_future().get().code(), Rsc::kTargetNotReachable);
  EXPECT_EQ(SendAndWait(*client, Request("coap://127.0.0.1:1/x")).status.code(),
            Rsc::kTargetNotReachable);
}

TEST(CoapClient, DtlsWithPreSharedKey) {
  CoapTestServer server({CoapTestServer::Mode::kPsk, "secret-key-0001", "", ""});
  CoapClientOptions o;
  o.psk_identity = "cse@trustcse";
  o.psk_key = "secret-key-0001";
  auto client = Make(std::move(o));
  auto out = SendAndWait(*client, Request(Url(server, "/cse-in", true)));
  ASSERT_TRUE(out.status.ok()) << out.status.message();
  EXPECT_EQ(out.response.rsc, 2000);
  EXPECT_EQ(server.LastIdentity().value_or(""), "cse@trustcse");
}

TEST(CoapClient, DtlsWithWrongPreSharedKeyIsUnreachable) {
  CoapTestServer server({CoapTestServer::Mode::kPsk, "secret-key-0001", "", ""});
  CoapClientOptions o;
  o.psk_identity = "cse@trustcse";
  o.psk_key = "another-key-0002";
  auto client = Make(std::move(o));
  auto out = SendAndWait(*client, Request(Url(server, "/cse-in", true)), Now() + 2s);
  EXPECT_EQ(out.status.code(), Rsc::kTargetNotReachable) << out.status.message();
  EXPECT_TRUE(server.Requests().empty());
}

TEST(CoapClient, DtlsWithCertificateChainingToTheAnchors) {
  testing::TestPki pki("coap-egress-ca");
  auto cert = pki.Issue("target", {}, {"127.0.0.1"}, true);
  CoapTestServer server({CoapTestServer::Mode::kCertificate, "", cert.cert_pem, cert.key_pem});
  CoapClientOptions o;
  o.tls.ca_pems = {pki.ca_pem()};
  auto client = Make(std::move(o));
  auto out = SendAndWait(*client, Request(Url(server, "/cse-in", true)), Now() + 8s);
  ASSERT_TRUE(out.status.ok()) << out.status.message();
  EXPECT_EQ(out.response.rsc, 2000);
}

TEST(CoapClient, DtlsCertificateForAnotherHostIsRefused) {
  testing::TestPki pki("coap-egress-ca");
  auto cert = pki.Issue("elsewhere", {"elsewhere.example"}, {"10.1.2.3"}, true);
  CoapTestServer server({CoapTestServer::Mode::kCertificate, "", cert.cert_pem, cert.key_pem});
  CoapClientOptions o;
  o.tls.ca_pems = {pki.ca_pem()};
  auto client = Make(std::move(o));
  auto out = SendAndWait(*client, Request(Url(server, "/cse-in", true)), Now() + 8s);
  EXPECT_EQ(out.status.code(), Rsc::kTargetNotReachable) << out.status.message();
  EXPECT_TRUE(server.Requests().empty());
}

TEST(CoapClient, DtlsCertificateFromAnotherCaIsRefused) {
  testing::TestPki pki("coap-egress-ca");
  testing::TestPki other("coap-other-ca");
  auto cert = other.Issue("target", {}, {"127.0.0.1"}, true);
  CoapTestServer server({CoapTestServer::Mode::kCertificate, "", cert.cert_pem, cert.key_pem});
  CoapClientOptions o;
  o.tls.ca_pems = {pki.ca_pem()};
  auto client = Make(std::move(o));
  auto out = SendAndWait(*client, Request(Url(server, "/cse-in", true)), Now() + 8s);
  EXPECT_EQ(out.status.code(), Rsc::kTargetNotReachable) << out.status.message();
}

TEST(CoapClient, BadSetUpIsRefusedAtStart) {
  CoapClientOptions o;
  o.psk_identity = "only-identity";
  EXPECT_FALSE(MakeCoapClient(o).has_value());
  CoapClientOptions p;
  p.tls.ca_files = {"/nonexistent/ca.pem"};
  auto made = MakeCoapClient(p);
  ASSERT_FALSE(made.has_value());
  EXPECT_EQ(made.error().code(), Rsc::kBadRequest);
}

TEST(CoapWire, TargetParsing) {
  std::string why;
  auto t = coap::ParseCoapTarget("coaps://[::1]/_/sp/id/cse?fu=1", &why);
  ASSERT_TRUE(t.has_value()) << why;
  EXPECT_TRUE(t->dtls);
  EXPECT_EQ(t->host, "::1");
  EXPECT_EQ(t->port, "5684");
  EXPECT_EQ(t->key, "coaps://::1:5684");
  ASSERT_EQ(t->uri.size(), 5u);
  EXPECT_EQ(t->uri[0].value, "_");
  EXPECT_EQ(t->uri[4].number, coap::kUriQuery);
  EXPECT_EQ(t->safe, "coaps://[::1]/_/sp/id/cse");
  auto root = coap::ParseCoapTarget("coap://h:1234/", &why);
  ASSERT_TRUE(root.has_value());
  EXPECT_TRUE(root->uri.empty());
  EXPECT_EQ(root->port, "1234");
  EXPECT_FALSE(coap::ParseCoapTarget("mqtt://h/x", &why).has_value());
  EXPECT_FALSE(coap::ParseCoapTarget("not a url", &why).has_value());
}

TEST(CoapWire, ContentFormats) {
  EXPECT_EQ(coap::ContentFormatOf("application/json;charset=utf-8"), coap::kFormatJson);
  EXPECT_EQ(coap::ContentFormatOf("application/cbor"), coap::kFormatCbor);
  EXPECT_EQ(coap::ContentFormatOf("application/vnd.onem2m-ntfy+json"), coap::kFormatNtfyJson);
  EXPECT_EQ(coap::MediaTypeOf(60), "application/cbor");
}

}  // namespace
}  // namespace trustcse::egress
