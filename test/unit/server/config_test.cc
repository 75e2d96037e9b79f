// The configuration file: the shipped trustcse.toml and dist/trustcse.toml load and validate (so
// what README and docs show is what runs), unknown keys and bad values are refused with a message
// naming the file, relative paths are relative to the file's directory, and the master key check.
#include "server/config.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
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

TEST(Config, TheResourceCacheSizeIsReadAndBounded) {
  Config c;
  EXPECT_EQ(c.cache_entries, 100000);
  std::string path = WriteTemp("[storage]\ncache_entries = 2500000\n");
  ASSERT_TRUE(LoadConfigFile(path, c).ok());
  EXPECT_EQ(c.cache_entries, 2500000);
  EXPECT_TRUE(ValidateConfig(c).ok());
  std::remove(path.c_str());
  for (int64_t bad : {int64_t{0}, int64_t{999}, int64_t{100'000'001}}) {
    c.cache_entries = bad;
    Status s = ValidateConfig(c);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.message().find("storage.cache_entries"), std::string::npos) << s.message();
  }
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

TEST(Config, WebSocketSectionLoadsIsCheckedAndMovesWithThePortOffset) {
  Config d;
  EXPECT_FALSE(d.ws_enabled);
  EXPECT_FALSE(d.ws_plain);
  ASSERT_EQ(d.ws_listeners.size(), 1u);
  EXPECT_EQ(d.ws_listeners[0].port, 8543);
  std::string path = WriteTemp(
      "[websocket]\nenabled = true\nplain = true\nport = 9100\nmax_message_bytes = 4096\n"
      "idle_timeout_ms = 50\nmessages_per_second = 3\nmessage_burst = 4\nmax_in_flight = 2\n"
      "max_outgoing = 5\nmax_connections = 9\nmax_connections_per_source = 2\n"
      "[[websocket.listener]]\nport = 9101\nclient_auth = [\"psk\"]\n");
  Config c;
  ASSERT_TRUE(LoadConfigFile(path, c).ok());
  EXPECT_TRUE(c.ws_enabled);
  EXPECT_TRUE(c.ws_plain);
  EXPECT_EQ(c.ws_port, 9100);
  EXPECT_EQ(c.ws_max_message_bytes, 4096);
  EXPECT_EQ(c.ws_idle_timeout_ms, 50);
  EXPECT_EQ(c.ws_messages_per_second, 3);
  EXPECT_EQ(c.ws_message_burst, 4);
  EXPECT_EQ(c.ws_max_in_flight, 2);
  EXPECT_EQ(c.ws_max_outgoing, 5);
  EXPECT_EQ(c.ws_max_connections, 9);
  EXPECT_EQ(c.ws_max_connections_per_source, 2);
  ASSERT_EQ(c.ws_listeners.size(), 1u);
  EXPECT_EQ(c.ws_listeners[0].port, 9101);
  EXPECT_EQ(c.ws_listeners[0].client_auth, std::vector<std::string>{"psk"});
  EXPECT_TRUE(ValidateConfig(c).ok());
  ASSERT_TRUE(OffsetPorts(c, 10).ok());
  EXPECT_EQ(c.ws_port, 9110);
  EXPECT_EQ(c.ws_listeners[0].port, 9111);
  c.ws_max_in_flight = 0;
  EXPECT_FALSE(ValidateConfig(c).ok());
  c = Config{};
  c.ws_enabled = true;
  c.ws_listeners.clear();
  EXPECT_FALSE(ValidateConfig(c).ok()) << "enabled with no listener at all";
  c.ws_plain = true;
  EXPECT_TRUE(ValidateConfig(c).ok());
  std::remove(path.c_str());
  path = WriteTemp("[websocket]\nmax_mesage_bytes = 1\n");
  EXPECT_FALSE(LoadConfigFile(path, c).ok());
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

TEST(Config, SystemConfigurationLoadsAndValidates) {
  Config c;
  Status s = LoadConfigFile(TRUSTCSE_SOURCE_DIR "/dist/trustcse.toml", c);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(ValidateConfig(c).ok());
  EXPECT_EQ(c.db_path, "/var/lib/trustcse/trustcse.db");
  EXPECT_EQ(AdminSocketPath(c), "/run/trustcse/admin.sock");
  EXPECT_EQ(MasterKeyPath(c), "/var/lib/trustcse/master.key");
  EXPECT_FALSE(c.http_enabled);
}

// A directory of its own with a configuration file in it; removed with the test.
class ConfigDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/trustcse_config_dir_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  std::string dir_;
};

TEST_F(ConfigDir, RelativePathsAreRelativeToTheFile) {
  std::string path = Write("cse.toml",
                           "[storage]\ndb = \"./var/x.db\"\n"
                           "[admin]\nsocket = \"run/admin.sock\"\n"
                           "[security]\nmaster_key_file = \"../keys/master.key\"\n"
                           "[tls]\ncert_file = \"tls/server.crt\"\nkey_file = \"/abs/server.key\"\n"
                           "[mqtt]\npassword_file = \"mqtt.pw\"\nca_file = \"broker.pem\"\n"
                           "[egress]\nca_files = [\"partners.pem\", \"/etc/ssl/x.pem\"]\n"
                           "coap_psk_identity = \"me\"\ncoap_psk_key_file = \"psk.hex\"\n"
                           "[authz]\ntoken_key_file = \"token.key\"\n");
  Config c;
  Status s = LoadConfigFile(path, c);
  ASSERT_TRUE(s.ok()) << s.message();
  const std::string parent = std::filesystem::path(dir_).parent_path().string();
  EXPECT_EQ(c.db_path, dir_ + "/var/x.db");
  EXPECT_EQ(c.admin_socket, dir_ + "/run/admin.sock");
  EXPECT_EQ(c.master_key_file, parent + "/keys/master.key");
  EXPECT_EQ(c.tls_cert_file, dir_ + "/tls/server.crt");
  EXPECT_EQ(c.tls_key_file, "/abs/server.key");  // absolute paths stay
  EXPECT_EQ(c.mqtt_password_file, dir_ + "/mqtt.pw");
  EXPECT_EQ(c.mqtt_ca_file, dir_ + "/broker.pem");
  ASSERT_TRUE(c.egress_ca_files.has_value());
  EXPECT_EQ(*c.egress_ca_files, (std::vector<std::string>{dir_ + "/partners.pem", "/etc/ssl/x.pem"}));
  EXPECT_EQ(c.egress_coap_psk_key_file, dir_ + "/psk.hex");
  EXPECT_EQ(c.token_key_file, dir_ + "/token.key");
  EXPECT_EQ(c.mqtt_cert_file, "");  // unset stays unset ("" = the default)
}

TEST_F(ConfigDir, DefaultDatabaseIsBesideTheFile) {
  Config c;
  ASSERT_TRUE(LoadConfigFile(Write("cse.toml", "[cse]\nname = \"x\"\n"), c).ok());
  EXPECT_EQ(c.db_path, dir_ + "/var/trustcse.db");
  EXPECT_EQ(AdminSocketPath(c), dir_ + "/var/admin.sock");
  EXPECT_EQ(MasterKeyPath(c), dir_ + "/var/master.key");
}

TEST_F(ConfigDir, FileInTheCurrentDirectoryKeepsItsPaths) {
  Write("cse.toml", "[storage]\ndb = \"./var/trustcse.db\"\n");
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir_);
  Config c;
  Status s = LoadConfigFile("cse.toml", c);
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(c.db_path, "./var/trustcse.db");
}

TEST_F(ConfigDir, UnreadableFilesAreNamed) {
  Config c;
  Status s = LoadConfigFile(dir_ + "/missing.toml", c);
  EXPECT_EQ(s.code(), Rsc::kBadRequest);
  EXPECT_NE(s.message().find(dir_ + "/missing.toml: No such file"), std::string::npos)
      << s.message();
  s = LoadConfigFile(dir_, c);
  EXPECT_NE(s.message().find("is a directory"), std::string::npos) << s.message();
  s = LoadConfigFile(Write("bad.toml", "[cse]\nname = \"x\"\n[tls\n"), c);
  EXPECT_NE(s.message().find("bad.toml line 3"), std::string::npos) << s.message();
  s = LoadConfigFile(Write("key.toml", "[cse]\nnmae = \"x\"\n"), c);
  EXPECT_NE(s.message().find("key.toml: unknown key cse.nmae"), std::string::npos) << s.message();
}

TEST(Config, UnknownLogLevelIsRefused) {
  Config c;
  c.log_level = "loud";
  Status s = ValidateConfig(c);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("log.level \"loud\""), std::string::npos) << s.message();
  for (const char* l : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    c.log_level = l;
    EXPECT_TRUE(ValidateConfig(c).ok()) << l;
  }
}

TEST_F(ConfigDir, MasterKeyChecks) {
  unsetenv("TRUSTCSE_MASTER_KEY");
  Config c;
  c.db_path = dir_ + "/db";
  c.create_master_key = true;
  EXPECT_TRUE(CheckMasterKey(c).ok());  // created at start
  c.create_master_key = false;
  Status s = CheckMasterKey(c);
  EXPECT_EQ(s.code(), Rsc::kBadRequest);
  EXPECT_NE(s.message().find(dir_ + "/master.key does not exist"), std::string::npos) << s.message();
  std::string key = Write("master.key", "not a key\n");
  chmod(key.c_str(), 0600);
  s = CheckMasterKey(c);
  EXPECT_EQ(s.code(), Rsc::kBadRequest);
  EXPECT_NE(s.message().find("holds no 256-bit key"), std::string::npos) << s.message();
  std::ofstream(key) << std::string(64, 'a') << "\n";
  EXPECT_TRUE(CheckMasterKey(c).ok());
  setenv("TRUSTCSE_MASTER_KEY", "short", 1);
  s = CheckMasterKey(c);
  unsetenv("TRUSTCSE_MASTER_KEY");
  EXPECT_EQ(s.code(), Rsc::kBadRequest);
  EXPECT_NE(s.message().find("TRUSTCSE_MASTER_KEY"), std::string::npos) << s.message();
}

TEST(Config, EgressSettingsLoadWithPathsBesideTheFile) {
  std::string path = WriteTemp(
      "[egress]\nca_files = [\"partners.pem\"]\ncert_file = \"/etc/x.crt\"\n"
      "coap_psk_identity = \"cse@op.example\"\ncoap_psk_key_file = \"coap.key\"\n");
  Config c;
  Status s = LoadConfigFile(path, c);
  ASSERT_TRUE(s.ok()) << s.message();
  const std::string dir = std::filesystem::path(path).parent_path().string();
  ASSERT_TRUE(c.egress_ca_files.has_value());
  ASSERT_EQ(c.egress_ca_files->size(), 1u);
  EXPECT_EQ(std::filesystem::path((*c.egress_ca_files)[0]), std::filesystem::path(dir) / "partners.pem");
  EXPECT_EQ(c.egress_cert_file, "/etc/x.crt");  // absolute paths stay
  EXPECT_EQ(c.egress_coap_psk_identity, "cse@op.example");
  EXPECT_EQ(std::filesystem::path(c.egress_coap_psk_key_file), std::filesystem::path(dir) / "coap.key");
  std::remove(path.c_str());
}

TEST(Config, PortOffsetMovesEveryListenerButNotAnyFreeOrTheBroker) {
  Config c;
  c.tls_enabled = true;
  c.tls_listeners.clear();  // the default listener (8443) is moved too
  c.http_port = 8080;
  c.coap_port = 5683;
  c.coap_listeners = {{5684, {"psk"}}, {0, {"certificate"}}};
  c.monitoring_port = 9464;
  c.mqtt_port = 8883;
  ASSERT_TRUE(OffsetPorts(c, 100).ok());
  EXPECT_EQ(c.http_port, 8180);
  ASSERT_EQ(c.tls_listeners.size(), 1u);
  EXPECT_EQ(c.tls_listeners[0].port, 8543);
  EXPECT_EQ(c.coap_port, 5783);
  EXPECT_EQ(c.coap_listeners[0].port, 5784);
  EXPECT_EQ(c.coap_listeners[1].port, 0);  // any free port stays so
  EXPECT_EQ(c.monitoring_port, 9564);
  EXPECT_EQ(c.mqtt_port, 8883);  // the broker's port is not this server's

  Config high;
  high.http_port = 65000;
  Status s = OffsetPorts(high, 1000);
  EXPECT_EQ(s.code(), Rsc::kBadRequest);
  EXPECT_NE(s.message().find("[http] port"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace trustcse::server
