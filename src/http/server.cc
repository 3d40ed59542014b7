#include "http/server.h"

// Asio's awaitable.hpp uses std::exchange without including <utility> in
// some releases; include it first.
#include <utility>
//
#include <zlib.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <unordered_set>
#include <vector>

#include "http/error_mapping.h"

namespace auditlog::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr uint32_t kHeaderLimitBytes = 64 * 1024;
// Room made in a connection's read buffer before a body is read. Beast reads
// into the buffer's free capacity, but at least 512 bytes: with no room made,
// after the header had been consumed the buffer held ~1 KiB, so a body of
// 1,000 events took 650 system calls (and timer resets) of ~530 bytes each.
// Beast reads at most 64 KiB per call. Given back once the request is done
// (kIdleBufferBytes), so an idle connection holds little.
constexpr size_t kBodyReadBytes = 64 * 1024;
constexpr size_t kIdleBufferBytes = 8 * 1024;

// Header values come from handlers that may echo user input: a CR or LF
// would let it start a header of its own, so both are dropped.
std::string SanitizeHeaderValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c != '\r' && c != '\n' && c != '\0') out.push_back(c);
  }
  return out;
}

// Appends `value` without CR, LF and NUL (see SanitizeHeaderValue).
void AppendHeaderText(std::string* out, std::string_view value) {
  if (value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos) {
    out->append(value);
    return;
  }
  out->append(SanitizeHeaderValue(value));
}

// A response with this status has no body (RFC 9110 6.4.1): whatever a
// handler left in it is not sent.
bool StatusHasNoBody(int status) { return status < 200 || status == 204 || status == 304; }

// The status line and header block of `response`, written by hand: Beast's
// serializer (a message's fields in a list of nodes, each allocated, then a
// concatenation of buffer views walked at every step of the write) was a
// fifth of the server's own work for a short query.
std::string ResponseHead(const Response& response, unsigned version, bool keep_alive,
                         size_t content_length) {
  const auto status = static_cast<bhttp::status>(response.status);
  const beast::string_view reason = bhttp::obsolete_reason(status);
  std::string head;
  head.reserve(160 + response.content_type.size());
  head.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  head.append(std::to_string(response.status));
  head.push_back(' ');
  head.append(reason.data(), reason.size());
  head.append("\r\nServer: auditlog\r\n");
  if (!response.content_type.empty()) {
    head.append("Content-Type: ");
    AppendHeaderText(&head, response.content_type);
    head.append("\r\n");
  }
  for (const auto& [name, value] : response.headers) {
    AppendHeaderText(&head, name);
    head.append(": ");
    AppendHeaderText(&head, value);
    head.append("\r\n");
  }
  // HTTP/1.1 keeps a connection open unless told; 1.0 closes it unless told.
  if (version == 10 && keep_alive) head.append("Connection: keep-alive\r\n");
  if (version != 10 && !keep_alive) head.append("Connection: close\r\n");
  // A 1xx or 204 must not state a length (RFC 9110 8.6); a 304's would be
  // the representation's, which no handler here answers.
  if (!StatusHasNoBody(response.status)) {
    head.append("Content-Length: ");
    head.append(std::to_string(content_length));
    head.append("\r\n");
  }
  head.append("\r\n");
  return head;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Inflates a gzip (or zlib, for "deflate") body. kResourceExhausted past
// `limit` bytes, kInvalidArgument for a damaged stream.
Result<event::PaddedBuffer> Inflate(std::string_view compressed, uint64_t limit, bool gzip) {
  z_stream zs{};
  if (inflateInit2(&zs, gzip ? 15 + 16 : 15) != Z_OK) {
    return Status::Internal("zlib: cannot initialise");
  }
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  Status status;
  for (;;) {
    const size_t before = out.size();
    constexpr size_t chunk = 256 * 1024;
    out.resize(before + chunk);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + before);
    zs.avail_out = static_cast<uInt>(chunk);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(before + chunk - zs.avail_out);
    if (out.size() > limit) {
      status = Status::ResourceExhausted("request body inflates past the limit");
      break;
    }
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // concatenated gzip members
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      status = Status::InvalidArgument("request body: truncated gzip stream");
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      status = Status::InvalidArgument(std::string("request body: bad gzip stream: ") +
                                       (zs.msg != nullptr ? zs.msg : "corrupt data"));
      break;
    }
  }
  inflateEnd(&zs);
  if (!status.ok()) return status;
  return event::PaddedBuffer(out);
}

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, RequestHandler handler, ServerErrorRenderer render_error,
       RequestObserver observer)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        render_error_(std::move(render_error)),
        observer_(std::move(observer)),
        io_(static_cast<int>(std::max<uint32_t>(1, options_.io_threads))),
        accept_strand_(asio::make_strand(io_)),
        acceptor_(accept_strand_),
        workers_(std::max<uint32_t>(1, options_.worker_threads)),
        readers_(std::max<uint32_t>(1, options_.read_threads)) {}

  Status Listen();
  void Run();
  void Stop(std::chrono::milliseconds grace);

  uint16_t port() const { return port_; }
  bool tls() const { return ssl_.has_value(); }
  ServerStats stats() const {
    ServerStats stats;
    stats.connections_open = connections_open_.load();
    stats.connections_accepted = connections_accepted_.load();
    stats.connections_timed_out = connections_timed_out_.load();
    stats.requests_in_flight = requests_in_flight_.load();
    return stats;
  }

 private:
  // One open connection, as Stop sees it. Touched only on the connection's
  // strand, except `busy`, which Stop reads through a post to that strand.
  struct Connection {
    asio::any_io_executor executor;
    beast::tcp_stream* lowest = nullptr;  // null once the session ended
    bool busy = false;                    // between a header read and its response
  };

  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> Session(tcp::socket socket);
  template <typename Stream>
  asio::awaitable<void> ServeRequests(Stream& stream, Connection& connection,
                                      const std::string& remote);
  template <typename Stream>
  asio::awaitable<bool> Write(Stream& stream, Request& request, Response response, unsigned version,
                              bool keep_alive, std::chrono::steady_clock::time_point start,
                              uint64_t bytes_in);
  enum class BodyEncoding : uint8_t { kIdentity, kGzip, kDeflate };
  // Runs the handler on `pool` (readers_ or workers_).
  asio::awaitable<Response> RunHandler(asio::thread_pool::executor_type pool, Request& request,
                                       const std::string& raw_body, BodyEncoding encoding);
  // Whether a GET or HEAD without a body runs on its I/O thread (see
  // server.h); a true answer must be followed by RunInline.
  bool TryEnterInline();
  Response RunInline(Request& request);
  // The handler, with an exception answered 500.
  Response CallHandler(Request& request);
  asio::awaitable<void> Refuse(tcp::socket socket);

  std::shared_ptr<Connection> Register(asio::any_io_executor executor);
  void Unregister(const std::shared_ptr<Connection>& connection);
  void CloseConnections(bool idle_only);

  ServerOptions options_;
  RequestHandler handler_;
  ServerErrorRenderer render_error_;
  RequestObserver observer_;

  asio::io_context io_;
  std::optional<asio::ssl::context> ssl_;
  // The acceptor is touched only on this strand (accepting, closing).
  asio::strand<asio::io_context::executor_type> accept_strand_;
  tcp::acceptor acceptor_;
  asio::thread_pool workers_;
  asio::thread_pool readers_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> io_threads_;
  uint16_t port_ = 0;

  std::atomic<bool> stopping_{false};
  bool stopped_ = false;  // guarded by mu_
  std::mutex mu_;
  std::condition_variable connections_changed_;
  std::unordered_set<std::shared_ptr<Connection>> connections_;  // guarded by mu_

  std::atomic<uint64_t> connections_open_{0};
  std::atomic<uint64_t> connections_accepted_{0};
  std::atomic<uint64_t> connections_timed_out_{0};
  std::atomic<uint64_t> requests_in_flight_{0};
  std::atomic<uint32_t> inline_handlers_{0};  // I/O threads running a handler
};

Status Server::Impl::Listen() {
  if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
    if (options_.tls_cert_file.empty() || options_.tls_key_file.empty()) {
      return Status::InvalidArgument("TLS needs both a certificate and a key file");
    }
    ssl_.emplace(asio::ssl::context::tls_server);
    ssl_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    beast::error_code ec;
    ssl_->use_certificate_chain_file(options_.tls_cert_file, ec);
    if (ec) {
      return Status::InvalidArgument("tls certificate " + options_.tls_cert_file + ": " +
                                     ec.message());
    }
    ssl_->use_private_key_file(options_.tls_key_file, asio::ssl::context::pem, ec);
    if (ec) {
      return Status::InvalidArgument("tls key " + options_.tls_key_file + ": " + ec.message());
    }
  }

  beast::error_code ec;
  tcp::resolver resolver(io_);
  const auto endpoints =
      resolver.resolve(options_.host, std::to_string(options_.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return Status::InvalidArgument("listen: cannot resolve host \"" + options_.host +
                                   "\": " + ec.message());
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("listen: cannot listen on " + options_.host + ":" +
                               std::to_string(options_.port) + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  return Status::OK();
}

void Server::Impl::Run() {
  work_.emplace(io_.get_executor());
  asio::co_spawn(accept_strand_, AcceptLoop(), asio::detached);
  for (uint32_t i = 0; i < std::max<uint32_t>(1, options_.io_threads); ++i) {
    io_threads_.emplace_back([this] { io_.run(); });
  }
}

asio::awaitable<void> Server::Impl::AcceptLoop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(io_), kNoThrow);
    if (stopping_.load()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      // Out of descriptors and the like: wait a little rather than spin.
      asio::steady_timer timer(io_, std::chrono::milliseconds(50));
      co_await timer.async_wait(kNoThrow);
      continue;
    }
    connections_accepted_.fetch_add(1);
    if (connections_open_.load() >= options_.max_connections) {
      const auto executor = socket.get_executor();
      asio::co_spawn(executor, Refuse(std::move(socket)), asio::detached);
      continue;
    }
    const auto executor = socket.get_executor();
    asio::co_spawn(executor, Session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Server::Impl::Refuse(tcp::socket socket) {
  // Plain text on purpose: a TLS client sees a failed handshake either way.
  beast::tcp_stream stream(std::move(socket));
  stream.expires_after(std::chrono::seconds(1));
  bhttp::response<bhttp::string_body> response{bhttp::status::service_unavailable, 11};
  response.set(bhttp::field::content_type, "application/json");
  response.set(bhttp::field::retry_after, "1");
  response.body() = NativeErrorJson(Status::Unavailable("too many connections"));
  response.keep_alive(false);
  response.prepare_payload();
  co_await bhttp::async_write(stream, response, kNoThrow);
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

std::shared_ptr<Server::Impl::Connection> Server::Impl::Register(asio::any_io_executor executor) {
  auto connection = std::make_shared<Connection>();
  connection->executor = std::move(executor);
  std::lock_guard lock(mu_);
  connections_.insert(connection);
  connections_open_.fetch_add(1);
  return connection;
}

void Server::Impl::Unregister(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(mu_);
  connections_.erase(connection);
  connections_open_.fetch_sub(1);
  connections_changed_.notify_all();
}

asio::awaitable<void> Server::Impl::Session(tcp::socket socket) {
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  std::string remote;
  if (!ec) {
    remote = endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]"
                                        : endpoint.address().to_string();
    remote += ":" + std::to_string(endpoint.port());
  }
  std::shared_ptr<Connection> connection = Register(socket.get_executor());
  // Declared after each stream, so destroyed before it, on every way out
  // (exceptions included): Stop must never reach a stream that is gone.
  struct Release {
    Impl* impl;
    std::shared_ptr<Connection> connection;
    ~Release() {
      connection->lowest = nullptr;
      impl->Unregister(connection);
    }
  };
  if (!ssl_) {
    beast::tcp_stream stream(std::move(socket));
    connection->lowest = &stream;
    const Release release{this, connection};
    if (!stopping_.load()) co_await ServeRequests(stream, *connection, remote);
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  } else {
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *ssl_);
    connection->lowest = &beast::get_lowest_layer(stream);
    const Release release{this, connection};
    beast::get_lowest_layer(stream).expires_after(options_.header_timeout);
    auto [handshake_error] =
        co_await stream.async_handshake(asio::ssl::stream_base::server, kNoThrow);
    if (!handshake_error && !stopping_.load()) {
      co_await ServeRequests(stream, *connection, remote);
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
      co_await stream.async_shutdown(kNoThrow);
    } else if (handshake_error == beast::error::timeout) {
      connections_timed_out_.fetch_add(1);
    }
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
  }
}

template <typename Stream>
asio::awaitable<void> Server::Impl::ServeRequests(Stream& stream, Connection& connection,
                                                  const std::string& remote) {
  beast::tcp_stream& lowest = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  bool first_request = true;
  for (;;) {
    if (stopping_.load()) co_return;
    connection.busy = false;
    if (buffer.capacity() > kIdleBufferBytes) buffer.shrink_to_fit();
    lowest.expires_after(first_request ? options_.header_timeout : options_.idle_timeout);
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(kHeaderLimitBytes);
    parser.body_limit(options_.body_limit_bytes);
    auto [read_error, header_bytes] =
        co_await bhttp::async_read_header(stream, buffer, parser, kNoThrow);
    const auto start = std::chrono::steady_clock::now();
    Request request;
    request.remote_address = remote;
    request.tls = ssl_.has_value();
    if (read_error) {
      if (read_error == beast::error::timeout) {
        connections_timed_out_.fetch_add(1);
        co_return;
      }
      if (read_error == bhttp::error::end_of_stream || read_error == asio::error::eof ||
          read_error == asio::error::operation_aborted ||
          read_error == asio::error::connection_reset ||
          read_error == asio::ssl::error::stream_truncated) {
        co_return;
      }
      connection.busy = true;
      if (parser.is_header_done()) {
        request.method = std::string(parser.get().method_string());
        request.target = std::string(parser.get().target());
        if (auto target = ParseTarget(request.target); target.ok()) request.path = target->path;
      }
      int status = 400;
      Status why = Status::InvalidArgument("malformed HTTP request: " + read_error.message());
      if (read_error == bhttp::error::header_limit) {
        status = 431;
        why = Status::InvalidArgument("request header larger than 64 KiB");
      } else if (read_error == bhttp::error::body_limit) {
        // Content-Length alone said it: refused before any of the body is read.
        status = 413;
        why = Status::ResourceExhausted("request body is over the limit of " +
                                        std::to_string(options_.body_limit_bytes) + " bytes");
      }
      co_await Write(stream, request, render_error_(request, status, why), 11, false, start, 0);
      co_return;
    }
    connection.busy = true;
    first_request = false;
    requests_in_flight_.fetch_add(1);
    struct InFlight {
      std::atomic<uint64_t>& count;
      ~InFlight() { count.fetch_sub(1); }
    } in_flight{requests_in_flight_};

    auto& header = parser.get();
    const unsigned version = header.version();
    request.method = std::string(header.method_string());
    request.target = std::string(header.target());
    request.headers.reserve(std::distance(header.begin(), header.end()));
    for (const auto& field : header) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    auto target = ParseTarget(request.target);
    if (!target.ok()) {
      co_await Write(stream, request, render_error_(request, 400, target.status()), version, false,
                     start, 0);
      co_return;
    }
    request.path = std::move(target->path);
    request.query = std::move(target->query);

    if (requests_in_flight_.load() > options_.max_requests_in_flight) {
      // Refused before the body is read (or invited by 100 Continue); the
      // unread body makes the connection unusable, so it is closed.
      Response busy = render_error_(
          request, 429, Status::ResourceExhausted("the server is saturated; retry shortly"));
      busy.AddHeader("Retry-After", "1");
      const bool body_pending = !parser.is_done();
      const bool written =
          co_await Write(stream, request, std::move(busy), version,
                         !body_pending && header.keep_alive() && !stopping_.load(), start, 0);
      if (!written || body_pending || !header.keep_alive() || stopping_.load()) co_return;
      continue;
    }
    if (const auto length = parser.content_length();
        length && *length > options_.body_limit_bytes) {
      co_await Write(
          stream, request,
          render_error_(request, 413,
                        Status::ResourceExhausted("request body of " + std::to_string(*length) +
                                                  " bytes is over the limit of " +
                                                  std::to_string(options_.body_limit_bytes))),
          version, false, start, 0);
      co_return;
    }
    if (!parser.is_done()) {
      if (const auto expect = request.Header("expect");
          expect && EqualsIgnoreCase(*expect, "100-continue")) {
        bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, version};
        lowest.expires_after(options_.idle_timeout);
        auto [continue_error, unused] = co_await bhttp::async_write(stream, go_on, kNoThrow);
        if (continue_error) co_return;
      }
      lowest.expires_after(options_.idle_timeout);
      const auto length = parser.content_length_remaining();  // none: chunked
      buffer.reserve(buffer.size() + static_cast<size_t>(std::min<uint64_t>(
                                         length.value_or(kBodyReadBytes), kBodyReadBytes)));
      auto [body_error, body_bytes] = co_await bhttp::async_read(stream, buffer, parser, kNoThrow);
      if (body_error) {
        if (body_error == bhttp::error::body_limit) {
          co_await Write(stream, request,
                         render_error_(request, 413,
                                       Status::ResourceExhausted(
                                           "request body is over the limit of " +
                                           std::to_string(options_.body_limit_bytes) + " bytes")),
                         version, false, start, 0);
        } else if (body_error == beast::error::timeout) {
          connections_timed_out_.fetch_add(1);
        } else if (body_error != asio::error::eof && body_error != bhttp::error::end_of_stream &&
                   body_error != asio::error::operation_aborted &&
                   body_error != asio::error::connection_reset) {
          co_await Write(stream, request,
                         render_error_(request, 400,
                                       Status::InvalidArgument("malformed request body: " +
                                                               body_error.message())),
                         version, false, start, 0);
        }
        co_return;
      }
    }
    std::string raw_body = std::move(parser.get().body());
    const uint64_t bytes_in = raw_body.size();
    BodyEncoding body_encoding = BodyEncoding::kIdentity;
    if (const auto encoding = request.Header("content-encoding");
        !encoding || encoding->empty() || EqualsIgnoreCase(*encoding, "identity")) {
      body_encoding = BodyEncoding::kIdentity;
    } else if (EqualsIgnoreCase(*encoding, "gzip") || EqualsIgnoreCase(*encoding, "x-gzip")) {
      body_encoding = BodyEncoding::kGzip;
    } else if (EqualsIgnoreCase(*encoding, "deflate")) {
      body_encoding = BodyEncoding::kDeflate;
    } else {
      co_await Write(
          stream, request,
          render_error_(request, 415,
                        Status::InvalidArgument("Content-Encoding \"" + std::string(*encoding) +
                                                "\" is not supported (gzip is)")),
          version, false, start, bytes_in);
      co_return;
    }

    const bool keep_alive = header.keep_alive();
    const bool read_only = request.method == "GET" || request.method == "HEAD";
    // Not a conditional expression: g++ 12 miscompiles co_await inside one.
    Response response;
    if (read_only && raw_body.empty() && TryEnterInline()) {
      response = RunInline(request);
    } else {
      response = co_await RunHandler(read_only ? readers_.get_executor() : workers_.get_executor(),
                                     request, raw_body, body_encoding);
    }
    raw_body = std::string();
    const bool written = co_await Write(stream, request, std::move(response), version,
                                        keep_alive && !stopping_.load(), start, bytes_in);
    if (!written || !keep_alive || stopping_.load()) co_return;
  }
}

bool Server::Impl::TryEnterInline() {
  // Another request in flight (under load) or no I/O thread left free: no.
  if (requests_in_flight_.load() > 1) return false;
  const uint32_t io_threads = std::max<uint32_t>(1, options_.io_threads);
  if (inline_handlers_.fetch_add(1) + 1 < io_threads) return true;
  inline_handlers_.fetch_sub(1);
  return false;
}

Response Server::Impl::RunInline(Request& request) {
  struct Leave {
    std::atomic<uint32_t>& count;
    ~Leave() { count.fetch_sub(1); }
  } leave{inline_handlers_};
  request.body = event::PaddedBuffer(std::string_view{});
  return CallHandler(request);
}

Response Server::Impl::CallHandler(Request& request) {
  try {
    return handler_(request);
  } catch (const std::exception& e) {
    return render_error_(request, 500,
                         Status::Internal(std::string("handler failed: ") + e.what()));
  }
}

asio::awaitable<Response> Server::Impl::RunHandler(asio::thread_pool::executor_type pool,
                                                   Request& request, const std::string& raw_body,
                                                   BodyEncoding encoding) {
  // Inflating runs here too, on the pool: a body that inflates to the limit
  // must not stall the I/O thread's other connections. The lambda captures
  // references only (the caller's frame outlives it): g++ 12 destroys
  // move-captured members of coroutine lambdas twice.
  co_return co_await asio::co_spawn(
      pool,
      [this, &request, &raw_body, encoding]() -> asio::awaitable<Response> {
        try {
          if (encoding == BodyEncoding::kIdentity) {
            request.body = event::PaddedBuffer(raw_body);
          } else {
            auto inflated = Inflate(raw_body, options_.body_limit_bytes,
                                    /*gzip=*/encoding == BodyEncoding::kGzip);
            if (!inflated.ok()) {
              const int status =
                  inflated.status().code() == StatusCode::kResourceExhausted ? 413 : 400;
              co_return render_error_(request, status, inflated.status());
            }
            request.body = std::move(*inflated);
          }
        } catch (const std::exception& e) {  // out of memory for the body
          co_return render_error_(
              request, 500, Status::Internal(std::string("reading the body failed: ") + e.what()));
        }
        co_return CallHandler(request);
      },
      asio::use_awaitable);
}

template <typename Stream>
asio::awaitable<bool> Server::Impl::Write(Stream& stream, Request& request, Response response,
                                          unsigned version, bool keep_alive,
                                          std::chrono::steady_clock::time_point start,
                                          uint64_t bytes_in) {
  RequestSummary summary;
  summary.status = response.status;
  summary.request_body_bytes = bytes_in;
  summary.response_body_bytes = response.body.size();

  const bool bodiless = request.method == "HEAD" || StatusHasNoBody(response.status);
  const std::string head =
      ResponseHead(response, version, keep_alive, /*content_length=*/response.body.size());
  const std::array<asio::const_buffer, 2> buffers = {
      asio::buffer(head), bodiless ? asio::const_buffer() : asio::buffer(response.body)};
  // Passed as a span: Asio writes a two-buffer array through a special case
  // that hands the stream an empty first buffer once the head is sent, and
  // Beast's TLS stream then writes nothing (its flattening takes the first
  // buffer's size) and the write ends: a body over 16 KiB would be lost over
  // HTTPS, silently.
  const std::span<const asio::const_buffer> message(buffers);

  beast::get_lowest_layer(stream).expires_after(options_.idle_timeout);
  auto [write_error, written] = co_await asio::async_write(stream, message, kNoThrow);
  summary.elapsed = std::chrono::steady_clock::now() - start;
  if (observer_) observer_(request, summary);
  co_return !write_error;
}

void Server::Impl::CloseConnections(bool idle_only) {
  std::lock_guard lock(mu_);
  for (const std::shared_ptr<Connection>& connection : connections_) {
    asio::post(connection->executor, [connection, idle_only] {
      if (connection->lowest == nullptr || (idle_only && connection->busy)) return;
      beast::error_code ec;
      connection->lowest->socket().shutdown(tcp::socket::shutdown_both, ec);
      connection->lowest->socket().close(ec);
    });
  }
}

void Server::Impl::Stop(std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  stopping_.store(true);
  asio::post(accept_strand_, [this] {
    beast::error_code ec;
    acceptor_.close(ec);
  });
  CloseConnections(/*idle_only=*/true);
  {
    std::unique_lock lock(mu_);
    connections_changed_.wait_for(lock, grace, [this] { return connections_.empty(); });
  }
  CloseConnections(/*idle_only=*/false);
  {
    std::unique_lock lock(mu_);
    connections_changed_.wait_for(lock, std::chrono::seconds(5),
                                  [this] { return connections_.empty(); });
  }
  work_.reset();
  io_.stop();
  for (std::thread& thread : io_threads_) thread.join();
  workers_.join();
  readers_.join();
  // Nothing runs any more: close the listening socket even if io_.stop() came
  // before the posted close did.
  beast::error_code ec;
  acceptor_.close(ec);
}

Result<std::unique_ptr<Server>> Server::Start(ServerOptions options, RequestHandler handler,
                                              ServerErrorRenderer render_error,
                                              RequestObserver observer) {
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler),
                                     std::move(render_error), std::move(observer));
  if (Status status = impl->Listen(); !status.ok()) return status;
  impl->Run();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(std::chrono::milliseconds(0)); }

uint16_t Server::port() const { return impl_->port(); }
bool Server::tls() const { return impl_->tls(); }
ServerStats Server::stats() const { return impl_->stats(); }
void Server::Stop(std::chrono::milliseconds grace) { impl_->Stop(grace); }

}  // namespace auditlog::http
