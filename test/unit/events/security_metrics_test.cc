#include "events/security_metrics.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace trustcse::events {
namespace {

Event Denial(std::string step, int rsc) {
  Event e;
  e.kind = Kind::kAccessDenied;
  e.source = std::move(step);
  e.status = rsc;
  e.reason = "originator Cfoo has no privilege on /cse-in/foo";  // free text, never a label
  return e;
}

TEST(SecurityMetrics, CountsDenialsByStepAndReasonClass) {
  SecurityMetrics m;
  m.Consume(Denial("authz.acp", 4103));
  m.Consume(Denial("authz.acp", 4103));
  m.Consume(Denial("authn.channel", 4106));
  auto c = m.Snapshot();
  EXPECT_EQ(c.denials_total, 3u);
  EXPECT_EQ((c.denials[{"authz.acp", "no_privilege"}]), 2u);
  EXPECT_EQ((c.denials[{"authn.channel", "not_authenticated"}]), 1u);
}

TEST(SecurityMetrics, HandshakeFailuresByProtocolAndReasonClass) {
  SecurityMetrics m;
  for (const char* reason :
       {"unknown PSK identity \"dev1\" (or inactive)", "bad key for PSK identity \"dev2\"",
        "revoked or inactive certificate x509:01", "foreign certificate (unable to get issuer)",
        "key not pinned (…)", "protocol error: stream truncated"}) {
    Event e;
    e.kind = Kind::kHandshakeFailure;
    e.source = "tls";
    e.reason = reason;
    m.Consume(e);
  }
  auto c = m.Snapshot();
  for (const char* cls : {"unknown_psk_identity", "bad_psk_key", "revoked_certificate",
                          "foreign_certificate", "key_not_pinned", "protocol"}) {
    EXPECT_EQ((c.handshake_failures[{"tls", cls}]), 1u) << cls;
  }
}

TEST(SecurityMetrics, SeriesAreBounded) {
  SecurityMetrics m;
  for (size_t i = 0; i < SecurityMetrics::kMaxSeries + 50; ++i) {
    m.Consume(Denial("step" + std::to_string(i), 4103));
  }
  auto c = m.Snapshot();
  EXPECT_LE(c.denials.size(), SecurityMetrics::kMaxSeries + 1);
  EXPECT_EQ((c.denials[{"other", "other"}]), 50u);
}

TEST(AccessLogSink, JsonLineHasTheRequestFactsAndNoContent) {
  Event e;
  e.kind = Kind::kRequestCompleted;
  e.peer = "192.0.2.7";
  e.binding = "https";
  e.originator = "Cdev\"1";
  e.operation = "create";
  e.target = "/cse-in/dev";
  e.status = 2001;
  e.latency = std::chrono::microseconds(1234);
  e.content = std::make_shared<const std::string>("secret reading");
  std::string line = AccessLogSink(true).Line(e);
  auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v["peer"].as_string(), "192.0.2.7");
  EXPECT_EQ(v["fr"].as_string(), "Cdev\"1");
  EXPECT_EQ(v["rsc"].as_int64(), 2001);
  EXPECT_EQ(v["duration_us"].as_int64(), 1234);
  EXPECT_EQ(line.find("secret"), std::string::npos);
  // The text line shows client-chosen fields printable only: a quote or a line break cannot
  // end the line or forge another one.
  std::string text = AccessLogSink(false).Line(e);
  EXPECT_NE(text.find("192.0.2.7 https fr=Cdev?1 op=create to=/cse-in/dev rsc=2001 1.234ms"),
            std::string::npos)
      << text;
  e.originator = "Cdev\nsecurity: deny step=forged";
  text = AccessLogSink(false).Line(e);
  EXPECT_EQ(text.find('\n'), std::string::npos) << text;
  EXPECT_NE(text.find("fr=Cdev?security: deny step=forged"), std::string::npos) << text;
}

TEST(JsonEscape, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(JsonEscape("a\"b\\c\n\x01"), "a\\\"b\\\\c\\n\\u0001");
}

}  // namespace
}  // namespace trustcse::events
