// One WebSocket connection of WebSocketServer (ws or wss): TLS handshake, the upgrade and its
// subprotocol, the message loop with its bounds, requests to the dispatcher and this CSE's own
// requests to the client. Included only by ws_server.cc. Everything runs on the connection's
// strand; Request() and CloseFromAnyThread() post onto it.
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>

#include "bindings/websocket/ws_server_impl.h"
#include "primitive/json_util.h"

namespace trustcse::websocket {

namespace session_detail {

constexpr size_t kUpgradeHeaderLimit = 16 * 1024;
constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kWriteSlack = 8;  // queued messages beyond the in-flight and outgoing bounds
constexpr size_t kMaxEntities = 16;  // entities one connection can be reachable as

using Done = std::function<void(Status, std::string)>;

// The completion of a request this CSE sent: runs once; one dropped uncalled (the connection or
// its io_context went away) reports 5103, so that no waiting notifier or originator hangs.
class Completion {
 public:
  explicit Completion(Done fn) : fn_(std::move(fn)) {}
  ~Completion() {
    if (fn_) fn_(Status(Rsc::kTargetNotReachable, "the WebSocket connection closed"), {});
  }
  Completion(const Completion&) = delete;
  Completion& operator=(const Completion&) = delete;
  void operator()(Status s, std::string pc) {
    Done f = std::move(fn_);
    fn_ = nullptr;
    if (f) f(std::move(s), std::move(pc));
  }

 private:
  Done fn_;
};

// NextLayer: beast::tcp_stream (ws) or ssl::stream<beast::tcp_stream> (wss).
template <typename NextLayer>
class Session final : public http::Closable,
                      public notification::EntityConnection,
                      public std::enable_shared_from_this<Session<NextLayer>> {
  static constexpr bool kTls = !std::is_same_v<NextLayer, beast::tcp_stream>;
  using Clock = std::chrono::steady_clock;

 public:
  template <typename... Args>
  Session(WebSocketServer::Impl& server, std::shared_ptr<const WebSocketServerOptions> settings,
          http::ConnectionSlot slot, tcp::socket&& socket, Args&&... args)
      : settings_(std::move(settings)), ws_(std::move(socket), std::forward<Args>(args)...),
        server_(server), options_(*settings_), slot_(std::move(slot)), peer_(slot_.source()),
        rate_timer_(ws_.get_executor()),
        tokens_(static_cast<double>(std::max<size_t>(1, options_.message_burst))),
        refilled_(Clock::now()) {}

  ~Session() override {
    if (tracked_) server_.live.Untrack(channel_->credential_id, this);
    Unbind();
    // What still waits for an answer is failed by the Completions' destructors (5103).
  }

  void Run() {
    net::dispatch(ws_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->lowest().expires_after(self->options_.handshake_timeout);
        self->ws_.next_layer().async_handshake(
            ssl::stream_base::server, [self](beast::error_code ec) { self->OnTlsHandshake(ec); });
      } else {
        self->ReadUpgrade();
      }
    });
  }

  void CloseFromAnyThread() override {
    net::post(ws_.get_executor(), [self = this->shared_from_this()] { self->Abort(); });
  }

  void Request(const std::string& entity_id, const notification::Notification& n,
               Done done) override {
    auto completion = std::make_shared<Completion>(std::move(done));
    net::post(ws_.get_executor(), [self = this->shared_from_this(), entity_id, n, completion] {
      self->SendRequest(entity_id, n, completion);
    });
  }

 private:
  struct Outgoing {
    std::shared_ptr<Completion> completion;
    std::unique_ptr<net::steady_timer> timer;
  };

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(ws_); }
  ssl_st* native() {
    if constexpr (kTls) return ws_.next_layer().native_handle();
    return nullptr;
  }
  Serialization serialization() const { return subprotocol_.serialization; }

  // --- opening: TLS, the upgrade request, the subprotocol -------------------------------------

  void OnTlsHandshake(beast::error_code ec) {
    if constexpr (kTls) {
      channel_ = http::AdmitTlsPeer(ec, native(), *options_.tls, options_.events.get(), peer_);
      if (!channel_) return Abort();
      if (channel_->authenticated()) {
        server_.live.Track(channel_->credential_id, this->weak_from_this());
        tracked_ = true;
      }
    }
    ReadUpgrade();
  }

  void ReadUpgrade() {
    parser_.emplace();
    parser_->header_limit(kUpgradeHeaderLimit);
    lowest().expires_after(options_.handshake_timeout);
    bhttp::async_read(ws_.next_layer(), buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, size_t) {
                        self->OnUpgradeRequest(ec);
                      });
  }

  void OnUpgradeRequest(beast::error_code ec) {
    if (ec) {
      if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
          ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        return RefuseUpgrade(bhttp::status::bad_request, "malformed HTTP request");
      }
      return Abort();  // timeout, reset, end of stream
    }
    auto& req = parser_->get();
    if (!bws::is_upgrade(req)) {
      return RefuseUpgrade(bhttp::status::upgrade_required,
                           "this port serves the oneM2M WebSocket binding: send a WebSocket "
                           "upgrade (TS-0020 6.2.2)");
    }
    std::vector<std::string_view> offers;
    auto [b, e] = req.equal_range(bhttp::field::sec_websocket_protocol);
    for (auto it = b; it != e; ++it) offers.push_back(it->value());
    auto chosen = SelectSubprotocol(offers);
    if (!chosen) {
      return RefuseUpgrade(bhttp::status::bad_request,
                           "Sec-WebSocket-Protocol must offer oneM2M.json or oneM2M.cbor "
                           "(TS-0020 6.2.2.9)");
    }
    subprotocol_ = *chosen;
    // From here the WebSocket layer keeps the time: the handshake limit, then the idle limit
    // with pings at half of it.
    lowest().expires_never();
    ws_.set_option(bws::stream_base::timeout{options_.handshake_timeout, options_.idle_timeout,
                                             true});
    ws_.set_option(bws::stream_base::decorator(
        [name = std::string(chosen->name)](bws::response_type& res) {
          res.set(bhttp::field::server, "trustcse");
          res.set(bhttp::field::sec_websocket_protocol, name);
        }));
    // A frame that declares more than this is refused by Beast itself; below it, a message over
    // max_message_bytes is refused here with a response primitive (OnRead).
    ws_.read_message_max(2 * options_.max_message_bytes + kReadChunk);
    ws_.async_accept(req, [self = this->shared_from_this()](beast::error_code ec) {
      self->OnAccepted(ec);
    });
  }

  // Not a oneM2M WebSocket opening: an HTTP error with the oneM2M status, then the end.
  void RefuseUpgrade(bhttp::status status, std::string_view dbg) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(status, 11);
    res->set(bhttp::field::server, "trustcse");
    res->set(bhttp::field::content_type, "application/json");
    res->set("X-M2M-RSC", std::to_string(static_cast<int>(Rsc::kBadRequest)));
    if (status == bhttp::status::upgrade_required) {
      res->set(bhttp::field::upgrade, "websocket");
      res->set(bhttp::field::sec_websocket_version, "13");
    }
    boost::json::object body{{"m2m:dbg", dbg}};
    res->body() = json::Serialize(body);
    res->keep_alive(false);
    res->prepare_payload();
    lowest().expires_after(options_.handshake_timeout);
    bhttp::async_write(ws_.next_layer(), *res,
                       [self = this->shared_from_this(), res](beast::error_code, size_t) {
                         self->Abort();
                       });
  }

  void OnAccepted(beast::error_code ec) {
    if (ec) return Abort();
    accepted_ = true;
    parser_.reset();
    buffer_.consume(buffer_.size());
    if (serialization() == Serialization::kCbor) {
      ws_.binary(true);
    } else {
      ws_.text(true);
    }
    ReadMessage();
  }

  // --- reading: rate, size, concurrency ---------------------------------------------------------

  // The time until the next message may be read (0: now, and its token is taken).
  Clock::duration TakeToken() {
    const double rate = std::max(options_.messages_per_second, 0.001);
    const double burst = static_cast<double>(std::max<size_t>(1, options_.message_burst));
    const auto now = Clock::now();
    tokens_ = std::min(burst, tokens_ + std::chrono::duration<double>(now - refilled_).count() * rate);
    refilled_ = now;
    if (tokens_ >= 1) {
      tokens_ -= 1;
      return Clock::duration::zero();
    }
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>((1 - tokens_) / rate));
  }

  void ReadMessage() {
    if (reading_ || finished_ || closing_) return;
    if (in_flight_ >= options_.max_in_flight) return;  // a completion resumes
    const auto wait = TakeToken();
    reading_ = true;
    if (wait > Clock::duration::zero()) {
      rate_timer_.expires_after(wait);
      rate_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        self->reading_ = false;
        if (!ec) self->ReadMessage();
      });
      return;
    }
    ReadSome();
  }

  void ReadSome() {
    ws_.async_read_some(buffer_, kReadChunk,
                        [self = this->shared_from_this()](beast::error_code ec, size_t) {
                          self->OnRead(ec);
                        });
  }

  void OnRead(beast::error_code ec) {
    if (ec) {
      reading_ = false;
      if (ec != bws::error::closed) spdlog::debug("ws: connection from {} ended: {}", peer_, ec.message());
      return Finish();
    }
    if (buffer_.size() > options_.max_message_bytes) {
      reading_ = false;
      return Oversized();
    }
    if (!ws_.is_message_done()) return ReadSome();
    reading_ = false;
    std::string bytes = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    OnMessage(std::move(bytes));
    ReadMessage();
  }

  // The rest of the message cannot be trusted to fit: answer, then close with 1009.
  void Oversized() {
    buffer_.consume(buffer_.size());
    closing_ = true;
    close_code_ = bws::close_code::too_big;
    Send(EncodeResponse(
        Refusal(Status::BadRequest("message larger than " +
                                   std::to_string(options_.max_message_bytes) +
                                   " bytes (websocket.max_message_bytes)")),
        serialization()));
  }

  void OnMessage(std::string bytes) {
    InboundMessage in = ParseMessage(bytes, serialization());
    switch (in.kind) {
      case InboundMessage::Kind::kRefused:
        return Send(EncodeResponse(in.response, serialization()));
      case InboundMessage::Kind::kDropped:
        spdlog::debug("ws: dropped a malformed response from {}", peer_);
        return;
      case InboundMessage::Kind::kResponse:
        return OnAnswer(std::move(in.response));
      case InboundMessage::Kind::kRequest:
        break;
    }
    RequestPrimitive& prim = in.request;
    prim.channel = channel_;
    prim.binding = kTls ? "wss" : "ws";
    prim.peer_address = peer_;
    prim.content_size = bytes.size();
    // What ReachableAs needs once the request succeeded.
    RequestPrimitive served;
    served.op = prim.op;
    served.ty = prim.ty;
    served.fr = prim.fr;
    ++in_flight_;
    server_.dispatcher->Handle(
        std::move(prim),
        [self = this->shared_from_this(), served = std::move(served)](ResponsePrimitive rsp) {
          // Writes complete on a storage thread: back onto this connection's strand.
          net::dispatch(self->ws_.get_executor(),
                        [self, served = std::move(served), rsp = std::move(rsp)]() mutable {
                          self->OnResponse(served, std::move(rsp));
                        });
        });
  }

  void OnResponse(const RequestPrimitive& served, ResponsePrimitive rsp) {
    --in_flight_;
    if (std::string id = ReachableAs(served, rsp, options_.cse_id); !id.empty()) BindTo(id, served);
    Send(EncodeResponse(rsp, serialization()));
    ReadMessage();
  }

  // The connection reaches `id` from now on. The directory is touched once per entity of the
  // connection, and again at a registration (a deregistered entity that registers anew on the
  // same connection was forgotten by the directory, not by this list).
  void BindTo(const std::string& id, const RequestPrimitive& served) {
    if (!options_.connections || finished_) return;
    const bool known = std::find(bound_.begin(), bound_.end(), id) != bound_.end();
    const bool registration = served.op == Operation::kCreate && (served.ty == 2 || served.ty == 16);
    if (known && !registration) return;
    if (!known) {
      if (bound_.size() >= kMaxEntities) {
        spdlog::debug("ws: connection from {} is reachable as {} entities already; not as {}",
                      peer_, kMaxEntities, id);
        return;
      }
      bound_.push_back(id);
    }
    options_.connections->Bind(id, this->shared_from_this());
  }

  void Unbind() {
    if (!options_.connections) return;
    for (const std::string& id : bound_) options_.connections->Unbind(id, this);
    bound_.clear();
  }

  // --- this CSE's requests to the client ------------------------------------------------------

  void SendRequest(const std::string& entity_id, const notification::Notification& n,
                   std::shared_ptr<Completion> completion) {
    if (finished_ || closing_ || !accepted_) {
      return (*completion)(Status(Rsc::kTargetNotReachable, "the WebSocket connection is closing"), {});
    }
    if (outgoing_.size() >= options_.max_outgoing || outgoing_.contains(n.rqi)) {
      return (*completion)(
          Status(Rsc::kTargetNotReachable, "too many requests await an answer on the connection"),
          {});
    }
    RequestPrimitive req;
    req.op = Operation::kNotify;
    req.to = entity_id;
    req.fr = n.originator.empty() ? options_.cse_id : n.originator;
    req.rqi = n.rqi;
    if (auto pc = json::Parse(n.body)) req.pc = std::move(*pc);
    auto wait = std::chrono::duration_cast<Clock::duration>(options_.request_timeout);
    if (n.deadline) {
      wait = std::min(wait, std::chrono::duration_cast<Clock::duration>(*n.deadline - Now()));
    }
    auto timer = std::make_unique<net::steady_timer>(ws_.get_executor());
    timer->expires_after(std::max(wait, Clock::duration::zero()));
    timer->async_wait([self = this->shared_from_this(), rqi = n.rqi](beast::error_code ec) {
      if (!ec) self->TimedOut(rqi);
    });
    outgoing_.emplace(n.rqi, Outgoing{std::move(completion), std::move(timer)});
    Send(EncodeRequest(req, serialization()));
  }

  void OnAnswer(ResponsePrimitive rsp) {
    auto it = outgoing_.find(rsp.rqi);
    if (it == outgoing_.end()) {
      spdlog::debug("ws: {} answered a request it was not sent (or too late)", peer_);
      return;
    }
    Outgoing out = std::move(it->second);
    outgoing_.erase(it);
    out.timer->cancel();
    Status s = IsSuccess(rsp.rsc) ? Status::Ok()
                                  : Status(rsp.rsc, "the entity answered with an error");
    (*out.completion)(std::move(s), std::move(rsp.pc));
  }

  void TimedOut(const std::string& rqi) {
    auto it = outgoing_.find(rqi);
    if (it == outgoing_.end()) return;
    auto completion = std::move(it->second.completion);
    outgoing_.erase(it);
    (*completion)(Status(Rsc::kTargetNotReachable, "no answer on the WebSocket connection in time"),
                  {});
  }

  // --- writing and closing ----------------------------------------------------------------------

  void Send(std::string message) {
    if (finished_ || close_started_) return;
    if (writes_.size() >= options_.max_in_flight + options_.max_outgoing + kWriteSlack) {
      spdlog::info("ws: {} does not read what it is sent; closing the connection", peer_);
      return Abort();
    }
    writes_.push_back(std::move(message));
    if (!writing_) WriteNext();
  }

  void WriteNext() {
    writing_ = true;
    ws_.async_write(net::buffer(writes_.front()),
                    [self = this->shared_from_this()](beast::error_code ec, size_t) {
                      self->OnWritten(ec);
                    });
  }

  void OnWritten(beast::error_code ec) {
    writing_ = false;
    if (ec) return Finish();
    writes_.pop_front();
    if (!writes_.empty()) return WriteNext();
    if (close_code_) StartClose(*close_code_);
  }

  void StartClose(bws::close_code code) {
    if (close_started_ || finished_) return;
    close_started_ = true;
    ws_.async_close(code, [self = this->shared_from_this()](beast::error_code) { self->Finish(); });
  }

  // Ends the connection at once: pending operations fail and Finish() runs.
  void Abort() {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
    Finish();
  }

  // The connection is over: nothing more is sent to it or waits for it.
  void Finish() {
    if (finished_) return;
    finished_ = true;
    rate_timer_.cancel();
    Unbind();
    auto outgoing = std::move(outgoing_);
    outgoing_.clear();
    for (auto& [rqi, out] : outgoing) {
      out.timer->cancel();
      (*out.completion)(Status(Rsc::kTargetNotReachable, "the WebSocket connection closed"), {});
    }
    beast::error_code ec;
    lowest().socket().close(ec);
  }

  // The settings (and TLS context) this connection was accepted with; declared first so that
  // they outlive the stream's SSL object, whose callbacks reach the context.
  std::shared_ptr<const WebSocketServerOptions> settings_;
  bws::stream<NextLayer> ws_;
  WebSocketServer::Impl& server_;
  const WebSocketServerOptions& options_;
  http::ConnectionSlot slot_;
  std::string peer_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::empty_body>> parser_;
  std::shared_ptr<const ChannelIdentity> channel_;  // wss: set after the handshake
  bool tracked_ = false;
  Subprotocol subprotocol_;
  bool accepted_ = false;       // the WebSocket handshake completed
  bool reading_ = false;        // a read or a rate wait is outstanding
  bool writing_ = false;
  bool closing_ = false;        // no more reading; close after the queued writes
  bool close_started_ = false;  // the close handshake began: nothing more is sent
  bool finished_ = false;
  std::optional<bws::close_code> close_code_;
  size_t in_flight_ = 0;  // the client's requests in the dispatcher
  std::deque<std::string> writes_;
  std::unordered_map<std::string, Outgoing> outgoing_;  // this CSE's requests, by rqi
  std::vector<std::string> bound_;  // the entities this connection is bound to (kMaxEntities)
  net::steady_timer rate_timer_;
  double tokens_;
  Clock::time_point refilled_;
};

}  // namespace session_detail
using session_detail::Session;

}  // namespace trustcse::websocket
