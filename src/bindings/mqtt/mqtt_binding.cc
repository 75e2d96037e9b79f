#include "bindings/mqtt/mqtt_binding.h"

#include <mosquitto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "bindings/mqtt/mqtt_mapping.h"
#include "primitive/json_util.h"

namespace trustcse::mqtt {

using SteadyClock = std::chrono::steady_clock;

struct MqttBinding::Impl : std::enable_shared_from_this<Impl> {
  explicit Impl(MqttOptions o) : opt(std::move(o)), me(TopicId(opt.cse_id)) {}

  static void OnConnect(struct mosquitto* m, void* arg, int rc);
  static void OnMessage(struct mosquitto* m, void* arg, const struct mosquitto_message* msg);
  void HandleRequest(const Topic& topic, std::string_view payload);
  void HandleResponse(const Topic& topic, std::string_view payload);
  void Publish(const std::string& topic, const std::string& payload);
  void Subscribe();
  void TimeoutLoop();
  void Request(RequestPrimitive req, const std::string& receiver, SteadyClock::time_point deadline,
               MqttBinding::Answer done);

  // A request the CSE sent, waiting for its answer.
  struct Pending {
    MqttBinding::Answer done;
    SteadyClock::time_point deadline;
  };

  MqttOptions opt;
  const std::string me;  // this CSE in topic form
  struct mosquitto* mosq = nullptr;
  std::atomic<dispatcher::Dispatcher*> dispatcher{nullptr};
  std::atomic<bool> is_connected{false};
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;                             // guarded by mu
  std::unordered_map<std::string, Pending> pending;  // guarded by mu; by rqi
  std::thread timeouts;
};

namespace {

std::string Local(std::string_view id, std::string_view cse_id) {
  // "/id-in/Cae1" (SP-relative, this CSE) is "Cae1" here.
  std::string prefix = std::string(cse_id) + "/";
  if (id.starts_with(prefix)) return std::string(id.substr(prefix.size()));
  return std::string(id);
}

}  // namespace

void MqttBinding::Impl::Subscribe() {
  // Requests to this CSE, and answers to the NOTIFY requests it sends.
  std::string req = opt.prefix + "/oneM2M/req/+/" + me + "/+";
  std::string resp = opt.prefix + "/oneM2M/resp/" + me + "/+/+";
  if (dispatcher.load() != nullptr) mosquitto_subscribe(mosq, nullptr, req.c_str(), 1);
  mosquitto_subscribe(mosq, nullptr, resp.c_str(), 1);
}

void MqttBinding::Impl::OnConnect(struct mosquitto*, void* arg, int rc) {
  auto* self = static_cast<Impl*>(arg);
  if (rc != 0) {
    spdlog::warn("mqtt: broker refused the connection: {}", mosquitto_connack_string(rc));
    return;
  }
  self->is_connected = true;
  spdlog::info("mqtt: connected to {}:{}", self->opt.host, self->opt.port);
  self->Subscribe();
}

void MqttBinding::Impl::OnMessage(struct mosquitto*, void* arg, const struct mosquitto_message* msg) {
  auto* self = static_cast<Impl*>(arg);
  if (msg == nullptr || msg->topic == nullptr) return;
  auto topic = ParseTopic(msg->topic, self->opt.prefix);
  if (!topic) return;
  std::string_view payload(static_cast<const char*>(msg->payload),
                           static_cast<size_t>(msg->payloadlen));
  if (topic->request && topic->receiver == self->me) {
    self->HandleRequest(*topic, payload);
  } else if (!topic->request && topic->originator == self->me) {
    self->HandleResponse(*topic, payload);
  }
}

void MqttBinding::Impl::Publish(const std::string& topic, const std::string& payload) {
  int rc = mosquitto_publish(mosq, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                             payload.data(), 1, false);
  if (rc != MOSQ_ERR_SUCCESS) spdlog::warn("mqtt: publish failed: {}", mosquitto_strerror(rc));
}

void MqttBinding::Impl::HandleRequest(const Topic& topic, std::string_view payload) {
  dispatcher::Dispatcher* d = dispatcher.load();
  if (d == nullptr) return;
  Topic answer = topic;
  answer.request = false;
  const std::string reply_to = TopicFor(answer, opt.prefix);
  auto prim = ToPrimitive(payload, topic.serialization);
  if (!prim) {
    ResponsePrimitive rsp = ErrorResponse(RequestPrimitive{}, prim.error());
    return Publish(reply_to, EncodeResponse(rsp, topic.serialization));
  }
  prim->binding = "mqtt";
  prim->content_size = payload.size();
  if (opt.broker_authenticates) {
    auto ch = std::make_shared<ChannelIdentity>();
    ch->method = ChannelIdentity::Method::kBroker;
    ch->credential_id = "mqtt:" + topic.originator;
    ch->certified_ids = {Local(IdFromTopic(topic.originator), opt.cse_id)};
    prim->channel = std::move(ch);
  }
  std::weak_ptr<Impl> weak = weak_from_this();
  const Serialization s = topic.serialization;
  d->Handle(std::move(*prim), [weak, reply_to, s](ResponsePrimitive rsp) {
    if (auto self = weak.lock()) self->Publish(reply_to, EncodeResponse(rsp, s));
  });
}

void MqttBinding::Impl::HandleResponse(const Topic& topic, std::string_view payload) {
  auto rsp = DecodeResponse(payload, topic.serialization);
  if (!rsp) return;
  MqttBinding::Answer done;
  {
    std::lock_guard lock(mu);
    auto it = pending.find(rsp->rqi);
    if (it == pending.end()) return;
    done = std::move(it->second.done);
    pending.erase(it);
  }
  done(Status::Ok(), std::move(*rsp));
}

void MqttBinding::Impl::Request(RequestPrimitive req, const std::string& receiver,
                                SteadyClock::time_point deadline, MqttBinding::Answer done) {
  if (!is_connected) return done(Status(Rsc::kTargetNotReachable, "no MQTT broker connection"), {});
  Topic t{true, me, TopicId(receiver), Serialization::kJson};
  const std::string rqi = req.rqi;
  {
    std::unique_lock lock(mu);
    if (stopping) {
      lock.unlock();
      return done(Status(Rsc::kTargetNotReachable, "stopping"), {});
    }
    pending[rqi] = {std::move(done), deadline};
  }
  cv.notify_all();
  Publish(TopicFor(t, opt.prefix), EncodeRequest(req, Serialization::kJson));
}

void MqttBinding::Impl::TimeoutLoop() {
  std::unique_lock lock(mu);
  while (!stopping) {
    auto now = SteadyClock::now();
    auto next = now + std::chrono::seconds(1);
    std::vector<MqttBinding::Answer> expired;
    for (auto it = pending.begin(); it != pending.end();) {
      if (it->second.deadline <= now) {
        expired.push_back(std::move(it->second.done));
        it = pending.erase(it);
      } else {
        next = std::min(next, it->second.deadline);
        ++it;
      }
    }
    if (!expired.empty()) {
      lock.unlock();
      for (auto& d : expired) d(Status(Rsc::kRequestTimeout, "no answer from the target"), {});
      lock.lock();
      continue;
    }
    cv.wait_until(lock, next);
  }
}

MqttBinding::MqttBinding(MqttOptions options)
    : impl_(std::make_shared<Impl>(std::move(options))) {}

MqttBinding::~MqttBinding() { Stop(); }

Status MqttBinding::Connect() {
  Impl& m = *impl_;
  static std::once_flag init;
  std::call_once(init, [] { mosquitto_lib_init(); });
  std::string id = m.opt.client_id.empty() ? m.me : m.opt.client_id;
  m.mosq = mosquitto_new(id.c_str(), /*clean_session=*/true, &m);
  if (m.mosq == nullptr) return Status::Internal("mqtt: cannot create a client");
  mosquitto_int_option(m.mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  // Requests and answers are small and latency-bound: no Nagle delay on them.
  mosquitto_int_option(m.mosq, MOSQ_OPT_TCP_NODELAY, 1);
  mosquitto_connect_callback_set(m.mosq, &Impl::OnConnect);
  mosquitto_message_callback_set(m.mosq, &Impl::OnMessage);
  mosquitto_disconnect_callback_set(m.mosq, [](struct mosquitto*, void* arg, int) {
    static_cast<Impl*>(arg)->is_connected = false;
  });
  mosquitto_reconnect_delay_set(m.mosq, 1, 30, true);
  if (!m.opt.username.empty() &&
      mosquitto_username_pw_set(m.mosq, m.opt.username.c_str(),
                                m.opt.password.empty() ? nullptr : m.opt.password.c_str()) !=
          MOSQ_ERR_SUCCESS) {
    return Status::Internal("mqtt: bad credentials set-up");
  }
  if (!m.opt.ca_file.empty()) {
    int rc = mosquitto_tls_set(m.mosq, m.opt.ca_file.c_str(), nullptr,
                               m.opt.cert_file.empty() ? nullptr : m.opt.cert_file.c_str(),
                               m.opt.key_file.empty() ? nullptr : m.opt.key_file.c_str(), nullptr);
    if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_tls_opts_set(m.mosq, 1, "tlsv1.2", nullptr);
    if (rc != MOSQ_ERR_SUCCESS) {
      return Status::Internal(std::string("mqtt: TLS set-up failed: ") + mosquitto_strerror(rc));
    }
  }
  // connect_async: the network thread keeps (re)connecting; a broker that is down at start-up
  // does not stop the CSE.
  int rc = mosquitto_connect_async(m.mosq, m.opt.host.c_str(), m.opt.port, m.opt.keepalive_s);
  if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_ERRNO) {
    return Status::Internal(std::string("mqtt: cannot connect: ") + mosquitto_strerror(rc));
  }
  rc = mosquitto_loop_start(m.mosq);
  if (rc != MOSQ_ERR_SUCCESS) {
    return Status::Internal(std::string("mqtt: cannot start: ") + mosquitto_strerror(rc));
  }
  m.timeouts = std::thread([&m] { m.TimeoutLoop(); });
  return Status::Ok();
}

void MqttBinding::Serve(dispatcher::Dispatcher& dispatcher) {
  impl_->dispatcher = &dispatcher;
  if (impl_->is_connected) impl_->Subscribe();  // otherwise OnConnect subscribes
}

MqttBinding::RequestFn MqttBinding::MakeRequester() {
  std::weak_ptr<Impl> weak = impl_;
  return [weak](RequestPrimitive req, const std::string& receiver,
                SteadyClock::time_point deadline, Answer done) {
    auto self = weak.lock();
    if (!self) return done(Status(Rsc::kTargetNotReachable, "no MQTT binding"), {});
    self->Request(std::move(req), receiver, deadline, std::move(done));
  };
}

const std::string& MqttBinding::cse_id() const { return impl_->opt.cse_id; }

bool MqttBinding::connected() const { return impl_->is_connected; }

void MqttBinding::Stop() {
  Impl& m = *impl_;
  if (m.mosq == nullptr) return;
  m.dispatcher = nullptr;
  mosquitto_disconnect(m.mosq);
  mosquitto_loop_stop(m.mosq, false);
  {
    std::lock_guard lock(m.mu);
    m.stopping = true;
  }
  m.cv.notify_all();
  if (m.timeouts.joinable()) m.timeouts.join();
  std::unordered_map<std::string, Impl::Pending> left;
  {
    std::lock_guard lock(m.mu);
    left.swap(m.pending);
  }
  for (auto& [rqi, p] : left) p.done(Status(Rsc::kTargetNotReachable, "stopping"), {});
  mosquitto_destroy(m.mosq);
  m.mosq = nullptr;
}

}  // namespace trustcse::mqtt
