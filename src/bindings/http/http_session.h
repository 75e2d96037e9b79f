// One HTTP/1.1 connection of HttpServer (plain or TLS): handshake, request framing and
// screening, dispatch, the response, keep-alive and closing. Included only by http_server.cc.
#pragma once

#include "bindings/http/http_server_impl.h"

namespace trustcse::http {

namespace server_detail {

// One HTTP/1.1 connection; Stream is beast::tcp_stream or TlsStream.
template <typename Stream>
class Session final : public Closable, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  template <typename... Args>
  Session(HttpServer::Impl& server, std::shared_ptr<const HttpServerOptions> settings,
          ConnectionSlot slot, tcp::socket&& socket, Args&&... args)
      : settings_(std::move(settings)), stream_(std::move(socket), std::forward<Args>(args)...),
        server_(server), options_(*settings_), slot_(std::move(slot)), peer_(slot_.source()) {}

  ~Session() override {
    if (tracked_) server_.live.Untrack(channel_->credential_id, this);
  }

  void Run() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->lowest().expires_after(self->options_.handshake_timeout);
        self->stream_.next_layer().async_handshake(
            ssl::stream_base::server, [self](beast::error_code ec) { self->OnHandshake(ec); });
      } else {
        self->ReadRequest();
      }
    });
  }

  void CloseFromAnyThread() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      beast::error_code ec;
      self->lowest().socket().close(ec);
    });
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  ssl_st* native() {
    if constexpr (kTls) return stream_.next_layer().native_handle();
    return nullptr;
  }

  void OnHandshake(beast::error_code ec) {
    channel_ = AdmitTlsPeer(ec, native(), *options_.tls, options_.events.get(), peer_);
    if (!channel_) {
      if (!ec) Close();
      return;
    }
    if (channel_->authenticated()) {
      server_.live.Track(channel_->credential_id, this->weak_from_this());
      tracked_ = true;
    }
    ReadRequest();
  }

  // The next request: its header within header_timeout — of the connection for the first one;
  // after a response, the connection may first idle for idle_timeout until bytes arrive.
  void ReadRequest() {
    parser_.emplace();
    parser_->body_limit(options_.body_limit);
    parser_->header_limit(16 * 1024);
    if (buffer_.size() > 0) return ParseBuffered();
    if (requests_ == 0) return ReadHeader();
    lowest().expires_after(options_.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->OnReadError(ec);
                              self->buffer_.commit(n);
                              self->ParseBuffered();
                            });
  }

  // What one read brought is usually a whole small request: its header is parsed here, without
  // another asynchronous read and its timer; the rest (more header, a body) is read as usual.
  void ParseBuffered() {
    beast::error_code ec;
    while (buffer_.size() > 0 && !parser_->is_header_done()) {
      const size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == bhttp::error::need_more) break;
      if (ec) return OnReadError(ec);
      if (used == 0) break;
    }
    if (!parser_->is_header_done()) return ReadHeader();
    OnHeader({}, 0);
  }

  void ReadHeader() {
    lowest().expires_after(options_.header_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::OnHeader, this->shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    if (auto refusal = ScreenRequestHeader(FieldsOf(parser_->get()))) {
      return Refuse(refusal->rsc, refusal->pc);
    }
    if (parser_->is_done()) return OnRequest();
    lowest().expires_after(options_.body_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnBody, this->shared_from_this()));
  }

  void OnBody(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    OnRequest();
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof) return Close();
    if (ec == bhttp::error::partial_message) return;  // the client went away mid-request
    if (ec == bhttp::error::body_limit) {
      return Refuse(Rsc::kBadRequest, R"({"m2m:dbg":"request body too large"})");
    }
    if (ec == bhttp::error::bad_transfer_encoding || ec == bhttp::error::bad_content_length ||
        ec == bhttp::error::multiple_content_length) {
      return Refuse(Rsc::kBadRequest,
                    R"({"m2m:dbg":"malformed Transfer-Encoding or Content-Length"})");
    }
    if (ec == bhttp::error::header_limit ||
        ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
      return Refuse(Rsc::kBadRequest, R"({"m2m:dbg":"malformed HTTP request"})");
    }
    // timeouts (the stream closed the socket), resets: drop the connection
  }

  // Answers with a oneM2M error and closes the connection: what follows on it cannot be trusted
  // to start a request.
  void Refuse(Rsc rsc, std::string_view pc) {
    keep_alive_ = false;
    serialization_ = Serialization::kJson;
    ResponsePrimitive rsp;
    rsp.rsc = rsc;
    rsp.pc = std::string(pc);
    Send(rsp);
  }

  void OnRequest() {
    lowest().expires_never();  // the dispatcher may take its time (long polls)
    auto& req = parser_->get();
    ++requests_;
    keep_alive_ = req.keep_alive() && requests_ < options_.max_requests_per_connection;
    std::string_view target = req.target();
    if (target.starts_with(security::kServicePrefix)) return Service(req, options_.services);
    if (!kTls && options_.upper_tester != nullptr &&
        (target == "/__ut__" || target == "/__ut__/")) {
      return Service(req, options_.upper_tester);
    }
    // A TLS channel without a credential reaches the gates, which answer 4107 (a chain
    // decision, with its event), like every other refusal of who is asking.
    HttpRequestParts parts;
    parts.method = req.method_string();
    parts.target = target;
    auto origin = req.find("X-M2M-Origin");
    parts.has_origin = origin != req.end();
    if (parts.has_origin) parts.origin = origin->value();
    parts.request_id = Field(req, "X-M2M-RI");
    parts.rvi = Field(req, "X-M2M-RVI");
    parts.content_type = Field(req, "Content-Type");
    parts.accept = Field(req, "Accept");
    parts.rtu = Field(req, "X-M2M-RTU");
    parts.has_rtu = req.find("X-M2M-RTU") != req.end();
    parts.rqet = Field(req, "X-M2M-RET");
    parts.rset = Field(req, "X-M2M-RST");
    parts.oet = Field(req, "X-M2M-OET");
    parts.ot = Field(req, "X-M2M-OT");
    parts.vsi = Field(req, "X-M2M-VSI");
    parts.authorization = Field(req, "Authorization");
    parts.body = req.body();
    parts.peer_address = peer_;
    parts.via = Field(req, "Via");
    serialization_ =
        ResponseSerialization(parts.accept, parts.content_type).value_or(Serialization::kJson);
    auto prim = ToPrimitive(parts);
    if (!prim) {
      ResponsePrimitive rsp;
      rsp.rsc = prim.error().code();
      rsp.rqi = std::string(parts.request_id);
      rsp.rvi = std::string(parts.rvi);
      rsp.pc = ErrorResponse(RequestPrimitive{}, prim.error()).pc;
      return Send(rsp);
    }
    prim->channel = channel_;
    prim->binding = kTls ? "https" : "http";
    prim->content_size = req.body().size();
    server_.dispatcher->Handle(std::move(*prim), [self = this->shared_from_this()](ResponsePrimitive rsp) {
      // Writes complete on a storage thread: hop back onto this connection's strand.
      net::dispatch(self->stream_.get_executor(),
                    [self, rsp = std::move(rsp)]() mutable { self->Send(rsp); });
    });
  }

  void Service(const bhttp::request<bhttp::string_body>& req,
               security::ServiceEndpoints* endpoints) {
    security::ServiceRequest sr;
    sr.method = std::string(req.method_string());
    std::string_view path = req.target();
    if (path.starts_with(security::kServicePrefix)) path.remove_prefix(security::kServicePrefix.size());
    sr.path = std::string(path.substr(0, path.find('?')));
    for (const auto& f : req) {
      std::string_view name = f.name_string();
      if (name.size() > 6 && beast::iequals(name.substr(0, 6), "X-M2M-")) {
        sr.headers.emplace_back(std::string(name), std::string(f.value()));
      }
    }
    sr.content_type = std::string(Field(req, "Content-Type"));
    sr.body = req.body();
    sr.channel = channel_;
    sr.peer_address = peer_;
    if constexpr (kTls) {
      auto ekm =
          tls::ServerContext::ExportKeyingMaterial(native(), "EXPORTER-oneM2M-Bootstrap", 48);
      if (ekm) sr.channel_binding = std::move(*ekm);
    }
    auto reply = [self = this->shared_from_this()](security::ServiceResponse r) {
      net::dispatch(self->stream_.get_executor(),
                    [self, r = std::move(r)]() mutable { self->SendService(std::move(r)); });
    };
    if (endpoints == nullptr) {
      return reply(security::ServiceResponse::Error(Status::NotFound("no such endpoint")));
    }
    endpoints->Handle(std::move(sr), std::move(reply));
  }

  void SendService(security::ServiceResponse r) {
    res_ = {};
    res_.version(11);
    res_.result(static_cast<bhttp::status>(HttpStatusFor(r.rsc)));
    res_.set(bhttp::field::server, "trustcse");
    res_.set(bhttp::field::content_type, r.content_type);
    res_.set("X-M2M-RSC", std::to_string(static_cast<int>(r.rsc)));
    res_.set(bhttp::field::cache_control, "no-store");
    for (auto& [k, v] : r.headers) res_.set(k, v);
    res_.body() = std::move(r.body);
    Write();
  }

  void Send(const ResponsePrimitive& rsp) {
    HttpResponseParts parts = FromPrimitive(rsp, serialization_);
    res_ = {};
    res_.version(11);
    res_.result(static_cast<bhttp::status>(parts.status));
    res_.set(bhttp::field::server, "trustcse");
    for (auto& [k, v] : parts.headers) res_.set(k, v);
    res_.body() = std::move(parts.body);
    Write();
  }

  void Write() {
    res_.keep_alive(keep_alive_);
    res_.prepare_payload();
    lowest().expires_after(options_.idle_timeout);  // a client that does not read is dropped
    bhttp::async_write(stream_, res_,
                       beast::bind_front_handler(&Session::OnWrite, this->shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t) {
    if (ec) return;
    if (!keep_alive_) return Close();
    ReadRequest();
  }

  void Close() {
    if constexpr (kTls) {
      lowest().expires_after(std::chrono::seconds(5));
      stream_.next_layer().async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ec;
        self->lowest().socket().close(ec);
      });
    } else {
      // Lingering close: read and discard what the client still sends (a refused body, a
      // pipelined request) for a moment; closing with unread input would reset the connection,
      // and the reset can destroy the response before the client has read it.
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return;
      lowest().expires_after(kLinger);
      Drain();
    }
  }

  void Drain() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              if (!ec) self->Drain();
                            });
  }

  // The settings (and TLS context) this connection was accepted with; declared first so that
  // they outlive the stream's SSL object, whose callbacks reach the context.
  std::shared_ptr<const HttpServerOptions> settings_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
  HttpServer::Impl& server_;
  const HttpServerOptions& options_;
  ConnectionSlot slot_;
  std::string peer_;
  std::shared_ptr<const ChannelIdentity> channel_;  // TLS: set after the handshake
  bool tracked_ = false;
  Serialization serialization_ = Serialization::kJson;  // of the response being produced
  bool keep_alive_ = true;
  size_t requests_ = 0;  // requests read on this connection
};

}  // namespace server_detail

}  // namespace trustcse::http
