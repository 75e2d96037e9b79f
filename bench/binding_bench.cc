// binding_bench: closed-loop load over the CoAP and MQTT bindings, for bench/bindings.sh.
//
//   binding_bench coap --port P [--psk-identity ID --psk TEXT] [--sessions N]
//                      [--duration S] [--warmup S] --op get|create --path P --originator C
//   binding_bench mqtt --port P --user U --password PW [--outstanding N] [--cse id-in]
//                      [--duration S] [--warmup S] --op get|create --path P --originator C
//
// CoAP: N client sessions (each its own UDP port, so the server sees N peers; CoAP allows one
// outstanding confirmable request per peer), each sending the next request when the previous
// response arrives; over DTLS with a PSK when --psk-identity is given. MQTT: one client keeping
// N requests outstanding on its request topic and reading the answers on its response topic.
// create sends a contentInstance to --path; get retrieves --path. Prints one line:
//   ops=… seconds=… rate=… p50_us=… p99_us=… errors=…
#include <arpa/inet.h>
#include <mosquitto.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <coap3/coap.h>

#include "bindings/coap/coap_mapping.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string binding;
  int port = 0;
  std::string psk_identity, psk;
  int sessions = 16;
  int outstanding = 16;
  std::string user, password, cse = "id-in";
  double duration = 5, warmup = 1;
  std::string op = "get", path, originator;
};
Options g;

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr, "binding_bench: %s (see the source for usage)\n", why);
  std::exit(2);
}

struct Recorder {
  Clock::time_point record_from, end;
  std::mutex mu;
  std::vector<uint32_t> lat;
  uint64_t errors = 0;
  void Add(Clock::time_point t0, bool ok) {
    auto t1 = Clock::now();
    if (t0 < record_from || t1 > end) return;
    std::lock_guard lock(mu);
    if (ok) {
      lat.push_back(static_cast<uint32_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count()));
    } else {
      ++errors;
    }
  }
  void Print() {
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double p) {
      return lat.empty() ? 0u : lat[std::min(lat.size() - 1, static_cast<size_t>(p * lat.size()))];
    };
    std::printf("ops=%zu seconds=%.3f rate=%.1f p50_us=%u p99_us=%u errors=%llu\n", lat.size(),
                g.duration, lat.size() / g.duration, pct(0.5), pct(0.99),
                static_cast<unsigned long long>(errors));
  }
};
Recorder rec;
std::atomic<uint64_t> counter{0};

std::string Body() {
  return R"({"m2m:cin":{"con":"21.5","cnf":"text/plain:0"}})";
}

// --- CoAP ------------------------------------------------------------------------------------

struct CoapClient {
  coap_session_t* session;
  Clock::time_point sent;
};
std::map<coap_session_t*, CoapClient*> g_clients;

void CoapSend(CoapClient& c) {
  using namespace trustcse::coap;
  const bool create = g.op == "create";
  coap_pdu_t* pdu = coap_pdu_init(COAP_MESSAGE_CON, create ? COAP_REQUEST_CODE_POST : COAP_REQUEST_CODE_GET,
                                  coap_new_message_id(c.session), coap_session_max_pdu_size(c.session));
  uint8_t token[8];
  size_t tlen = 0;
  coap_session_new_token(c.session, &tlen, token);
  coap_add_token(pdu, tlen, token);
  // Options in ascending order.
  std::string path = g.path;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string seg = path.substr(start, slash - start);
    coap_add_option(pdu, kUriPath, seg.size(), reinterpret_cast<const uint8_t*>(seg.data()));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  uint8_t buf[4];
  if (create) coap_add_option(pdu, kContentFormat, coap_encode_var_safe(buf, sizeof buf, kFormatJson), buf);
  if (create) coap_add_option(pdu, kTy, coap_encode_var_safe(buf, sizeof buf, 4), buf);
  coap_add_option(pdu, kRvi, 1, reinterpret_cast<const uint8_t*>("3"));
  coap_add_option(pdu, kFr, g.originator.size(), reinterpret_cast<const uint8_t*>(g.originator.data()));
  std::string rqi = "b" + std::to_string(counter++);
  coap_add_option(pdu, kRqi, rqi.size(), reinterpret_cast<const uint8_t*>(rqi.data()));
  if (create) {
    std::string body = Body();
    coap_add_data(pdu, body.size(), reinterpret_cast<const uint8_t*>(body.data()));
  }
  c.sent = Clock::now();
  coap_send(c.session, pdu);
}

coap_response_t OnCoapResponse(coap_session_t* s, const coap_pdu_t*, const coap_pdu_t* received,
                               const coap_mid_t) {
  auto it = g_clients.find(s);
  if (it == g_clients.end()) return COAP_RESPONSE_OK;
  const int cls = coap_pdu_get_code(received) >> 5;
  rec.Add(it->second->sent, cls == 2);
  if (Clock::now() < rec.end) CoapSend(*it->second);
  return COAP_RESPONSE_OK;
}

int RunCoap() {
  coap_startup();
  coap_set_log_level(LOG_EMERG);
  coap_context_t* ctx = coap_new_context(nullptr);
  coap_register_option(ctx, trustcse::coap::kKnownOptionsMarker);
  coap_register_response_handler(ctx, OnCoapResponse);
  coap_address_t dst;
  coap_address_init(&dst);
  dst.addr.sin.sin_family = AF_INET;
  dst.addr.sin.sin_port = htons(static_cast<uint16_t>(g.port));
  inet_pton(AF_INET, "127.0.0.1", &dst.addr.sin.sin_addr);
  dst.size = sizeof(struct sockaddr_in);
  std::vector<CoapClient> clients(static_cast<size_t>(g.sessions));
  for (auto& c : clients) {
    if (g.psk_identity.empty()) {
      c.session = coap_new_client_session(ctx, nullptr, &dst, COAP_PROTO_UDP);
    } else {
      coap_dtls_cpsk_t psk{};
      psk.version = COAP_DTLS_CPSK_SETUP_VERSION;
      psk.psk_info.identity.s = reinterpret_cast<const uint8_t*>(g.psk_identity.data());
      psk.psk_info.identity.length = g.psk_identity.size();
      psk.psk_info.key.s = reinterpret_cast<const uint8_t*>(g.psk.data());
      psk.psk_info.key.length = g.psk.size();
      c.session = coap_new_client_session_psk2(ctx, nullptr, &dst, COAP_PROTO_DTLS, &psk);
    }
    if (c.session == nullptr) Usage("cannot open a CoAP session");
    g_clients[c.session] = &c;
  }
  auto start = Clock::now();
  rec.record_from = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(g.warmup));
  rec.end = rec.record_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(g.duration));
  for (auto& c : clients) CoapSend(c);
  while (Clock::now() < rec.end + std::chrono::milliseconds(200)) coap_io_process(ctx, 50);
  rec.Print();
  coap_free_context(ctx);
  return 0;
}

// --- MQTT ------------------------------------------------------------------------------------

std::mutex g_mqtt_mu;
std::map<std::string, Clock::time_point> g_inflight;  // rqi → sent
std::string g_req_topic, g_resp_topic;

void MqttSend(struct mosquitto* m) {
  std::string rqi = "b" + std::to_string(counter++);
  std::string p = g.op == "create"
                      ? R"({"op":1,"to":")" + g.path + R"(","fr":")" + g.originator + R"(","rqi":")" +
                            rqi + R"(","rvi":"3","ty":4,"pc":)" + Body() + "}"
                      : R"({"op":2,"to":")" + g.path + R"(","fr":")" + g.originator + R"(","rqi":")" +
                            rqi + R"(","rvi":"3"})";
  {
    std::lock_guard lock(g_mqtt_mu);
    g_inflight[rqi] = Clock::now();
  }
  mosquitto_publish(m, nullptr, g_req_topic.c_str(), static_cast<int>(p.size()), p.data(), 1, false);
}

void OnMqttMessage(struct mosquitto* m, void*, const struct mosquitto_message* msg) {
  std::string_view body(static_cast<const char*>(msg->payload), static_cast<size_t>(msg->payloadlen));
  auto q = body.find("\"rqi\":\"");
  if (q == std::string_view::npos) return;
  auto e = body.find('"', q + 7);
  std::string rqi(body.substr(q + 7, e - q - 7));
  Clock::time_point sent;
  {
    std::lock_guard lock(g_mqtt_mu);
    auto it = g_inflight.find(rqi);
    if (it == g_inflight.end()) return;
    sent = it->second;
    g_inflight.erase(it);
  }
  bool ok = body.find("\"rsc\":20") != std::string_view::npos;
  rec.Add(sent, ok);
  if (Clock::now() < rec.end) MqttSend(m);
}

int RunMqtt() {
  mosquitto_lib_init();
  struct mosquitto* m = mosquitto_new(("bench-" + g.originator).c_str(), true, nullptr);
  mosquitto_username_pw_set(m, g.user.c_str(), g.password.c_str());
  mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_message_callback_set(m, OnMqttMessage);
  g_req_topic = "/oneM2M/req/" + g.originator + "/" + g.cse + "/json";
  g_resp_topic = "/oneM2M/resp/" + g.originator + "/" + g.cse + "/json";
  if (mosquitto_connect(m, "127.0.0.1", g.port, 60) != MOSQ_ERR_SUCCESS) Usage("cannot connect");
  mosquitto_subscribe(m, nullptr, g_resp_topic.c_str(), 1);
  mosquitto_loop_start(m);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the subscription settles
  auto start = Clock::now();
  rec.record_from = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(g.warmup));
  rec.end = rec.record_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(g.duration));
  for (int i = 0; i < g.outstanding; ++i) MqttSend(m);
  std::this_thread::sleep_until(rec.end + std::chrono::milliseconds(300));
  mosquitto_disconnect(m);
  mosquitto_loop_stop(m, false);
  rec.Print();
  mosquitto_destroy(m);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Usage("missing binding");
  g.binding = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Usage("missing value");
      return argv[++i];
    };
    if (a == "--port") g.port = std::atoi(next().c_str());
    else if (a == "--psk-identity") g.psk_identity = next();
    else if (a == "--psk") g.psk = next();
    else if (a == "--sessions") g.sessions = std::atoi(next().c_str());
    else if (a == "--outstanding") g.outstanding = std::atoi(next().c_str());
    else if (a == "--user") g.user = next();
    else if (a == "--password") g.password = next();
    else if (a == "--cse") g.cse = next();
    else if (a == "--duration") g.duration = std::atof(next().c_str());
    else if (a == "--warmup") g.warmup = std::atof(next().c_str());
    else if (a == "--op") g.op = next();
    else if (a == "--path") g.path = next();
    else if (a == "--originator") g.originator = next();
    else Usage(("unknown option " + a).c_str());
  }
  if (g.port <= 0 || g.path.empty() || g.originator.empty()) Usage("--port, --path, --originator");
  if (g.binding == "coap") return RunCoap();
  if (g.binding == "mqtt") return RunMqtt();
  Usage("binding is coap or mqtt");
}
