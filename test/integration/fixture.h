// Shared fixture: one trustcse process per test suite, an admin client, and helpers that set up
// the usual AE → container shape.
#pragma once

#include <gtest/gtest.h>

#include <ctime>
#include <memory>

#include "harness.h"

namespace trustcse::testing {

class CseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new TrustcseProcess({"--log-level", "debug"}); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  uint16_t port() const { return server_->port(); }
  Client Admin() const { return Client(port(), "CAdmin"); }
  Client As(const std::string& originator) const { return Client(port(), originator); }

  // Registers an AE with a unique name; returns its AE-ID (the originator to use).
  std::string RegisterAe(const std::string& rn, const std::string& fr = "C") {
    Client c(port(), fr);
    auto r = c.Create("/cse-in", 2,
                      R"({"m2m:ae":{"rn":")" + rn + R"(","api":"Napp","rr":true,"srv":["3"]}})");
    EXPECT_EQ(r.rsc(), 2001) << r.body;
    return std::string(r.json().at("m2m:ae").at("aei").as_string());
  }

  static TrustcseProcess* server_;
};

inline TrustcseProcess* CseTest::server_ = nullptr;

// A oneM2M timestamp `seconds` from now (UTC).
inline std::string FormatSoon(int seconds) {
  time_t t = time(nullptr) + seconds;
  tm u{};
  gmtime_r(&t, &u);
  char buf[32];
  strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &u);
  return buf;
}

inline std::string Str(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

}  // namespace trustcse::testing
