// The configuration file: the shipped trustcse.toml loads and validates (so what README and docs
// show is what runs), unknown keys and bad values are refused with a message.
#include "server/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

namespace trustcse::server {
namespace {

std::string WriteTemp(const std::string& text) {
  char name[] = "/tmp/trustcse_config_XXXXXX";
  int fd = mkstemp(name);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(name) << text;
  return name;
}

TEST(Config, ShippedFileLoadsAndValidates) {
  Config c;
  Status s = LoadConfigFile(TRUSTCSE_SOURCE_DIR "/trustcse.toml", c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(ValidateConfig(c).ok());
  EXPECT_EQ(c.cse_id, "/id-in");
  EXPECT_FALSE(c.http_enabled);  // plain HTTP only with --dev
  EXPECT_TRUE(c.tls_enabled);
  EXPECT_TRUE(c.coap_enabled);
  EXPECT_FALSE(c.coap_plain);
  ASSERT_EQ(c.coap_listeners.size(), 2u);
  EXPECT_EQ(c.coap_listeners[0].port, 5684);
  EXPECT_EQ(c.coap_listeners[0].client_auth, std::vector<std::string>{"psk"});
  EXPECT_FALSE(c.mqtt_enabled);
  EXPECT_TRUE(c.mqtt_broker_authenticates);
  EXPECT_TRUE(c.storage_fsync);
}

TEST(Config, UnknownKeyIsRefused) {
  std::string path = WriteTemp("[coap]\nenabeld = true\n");
  Config c;
  Status s = LoadConfigFile(path, c);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("enabeld"), std::string::npos) << s.message();
  std::remove(path.c_str());
}

TEST(Config, WrongTypeIsRefused) {
  std::string path = WriteTemp("[mqtt]\nport = \"1883\"\n");
  Config c;
  EXPECT_FALSE(LoadConfigFile(path, c).ok());
  std::remove(path.c_str());
}

TEST(Config, ListenerTables) {
  std::string path = WriteTemp(
      "[[tls.listener]]\nport = 9443\nclient_auth = [\"psk\"]\n"
      "[[coap.listener]]\nport = 9684\nclient_auth = [\"psk\"]\n");
  Config c;
  ASSERT_TRUE(LoadConfigFile(path, c).ok());
  ASSERT_EQ(c.tls_listeners.size(), 1u);
  EXPECT_EQ(c.tls_listeners[0].port, 9443);
  ASSERT_EQ(c.coap_listeners.size(), 1u);  // replaces the two defaults
  EXPECT_EQ(c.coap_listeners[0].port, 9684);
  std::remove(path.c_str());

  path = WriteTemp("[[coap.listener]]\nport = 9684\naddress = \"::\"\n");
  Status s = LoadConfigFile(path, c);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("coap.listener.address"), std::string::npos) << s.message();
  std::remove(path.c_str());

  path = WriteTemp("[coap]\nlistener = 5684\n");
  s = LoadConfigFile(path, c);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("array of tables"), std::string::npos) << s.message();
  std::remove(path.c_str());
}

TEST(Config, BadValuesFailValidation) {
  Config c;
  c.mqtt_prefix = "no-slash";
  EXPECT_FALSE(ValidateConfig(c).ok());
  c = Config{};
  c.coap_listeners = {{70000, {"psk"}}};
  EXPECT_FALSE(ValidateConfig(c).ok());
  c = Config{};
  c.mqtt_port = 0;
  EXPECT_FALSE(ValidateConfig(c).ok());
}

TEST(Config, HttpBoundsLoadAndAreChecked) {
  Config d;  // the defaults documented in trustcse.toml and docs/threat_model.md
  EXPECT_EQ(d.http_max_connections, 10000);
  EXPECT_EQ(d.http_max_connections_per_source, 256);
  EXPECT_EQ(d.http_handshake_timeout_ms, 5000);
  EXPECT_EQ(d.http_header_timeout_ms, 10000);
  EXPECT_EQ(d.http_idle_timeout_ms, 60000);
  EXPECT_EQ(d.http_max_requests_per_connection, 10000);
  std::string path = WriteTemp(
      "[http]\nmax_connections = 50\nmax_connections_per_source = 5\nhandshake_timeout_ms = 100\n"
      "header_timeout_ms = 200\nbody_timeout_ms = 300\nidle_timeout_ms = 400\n"
      "max_requests_per_connection = 7\n");
  Config c;
  ASSERT_TRUE(LoadConfigFile(path, c).ok());
  EXPECT_EQ(c.http_max_connections, 50);
  EXPECT_EQ(c.http_max_connections_per_source, 5);
  EXPECT_EQ(c.http_handshake_timeout_ms, 100);
  EXPECT_EQ(c.http_header_timeout_ms, 200);
  EXPECT_EQ(c.http_body_timeout_ms, 300);
  EXPECT_EQ(c.http_idle_timeout_ms, 400);
  EXPECT_EQ(c.http_max_requests_per_connection, 7);
  EXPECT_TRUE(ValidateConfig(c).ok());
  c.http_header_timeout_ms = 0;
  EXPECT_FALSE(ValidateConfig(c).ok());
  c = Config{};
  c.http_max_connections_per_source = 0;
  EXPECT_FALSE(ValidateConfig(c).ok());
  std::remove(path.c_str());
}

TEST(Config, AbsentKeysKeepDefaults) {
  std::string path = WriteTemp("[cse]\nname = \"other\"\n");
  Config c;
  ASSERT_TRUE(LoadConfigFile(path, c).ok());
  EXPECT_EQ(c.cse_name, "other");
  EXPECT_EQ(c.mqtt_port, 1883);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace trustcse::server
