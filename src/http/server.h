#pragma once

// The HTTP/1.1 server: Boost.Beast on Asio, plain or TLS.
//
//   accept ─► (TLS handshake) ─► read header ─► limits ─► read body ─► gunzip
//          ─► handler on a worker thread ─► write response ─► keep-alive loop
//
// I/O runs on `io_threads` threads and never blocks: handlers run on thread
// pools, and the connection's coroutine resumes on its I/O thread when the
// handler returns. GET and HEAD (queries, CPU-bound) run on `read_threads`,
// a few per core so that they do not thrash; everything else (writes,
// which wait for an fsync) on `worker_threads`, enough to keep many batches
// in one group commit. A GET or HEAD arriving while no other request is in
// flight runs on the I/O thread that read it, when another I/O thread is
// left free: two thread hand-offs are a tenth of a 1 ms query's time, and
// under load they are cheap (the pools are awake) and keep the I/O threads
// reading and writing.
//
// Limits, each answered in the error envelope of `render_error` and followed
// by closing the connection:
//   - a header over 64 KiB: 431; a malformed request: 400;
//   - a body over `body_limit_bytes`: 413, decided from Content-Length before
//     any of the body is read (or as soon as a chunked body passes the
//     limit); a gzip body that inflates past the limit: 413;
//   - Content-Encoding other than identity or gzip: 415;
//   - a connection that does not deliver a request's header within
//     `header_timeout` (the idle wait between keep-alive requests is
//     `idle_timeout`) or its body within `idle_timeout` is closed, so slow
//     and idle clients cannot hold connections (no slowloris);
//   - more than `max_connections` open: new ones get 503 and are closed;
//   - more than `max_requests_in_flight` requests waiting for or in a
//     handler: 429 with Retry-After (the connection stays usable).
// `Expect: 100-continue` is answered before the body is read.
//
// Stop() stops accepting, lets requests in flight finish (their responses
// carry `Connection: close`), closes idle connections, and after `grace`
// closes whatever is left.
//
// Thread-safety: Start, port, stats and Stop are thread-safe; the handler and
// the observer are called concurrently from worker and I/O threads.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "common/status.h"
#include "http/message.h"

namespace auditlog::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port (see Server::port)
  uint32_t io_threads = 1;
  uint32_t worker_threads = 4;
  uint32_t read_threads = 2;
  uint64_t body_limit_bytes = uint64_t{32} << 20;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  uint32_t max_connections = 10'000;
  // Requests read and waiting for or running in a handler beyond this many
  // are answered 429 with Retry-After instead of queueing without bound.
  uint32_t max_requests_in_flight = 1024;
  // PEM files; both set: TLS only (no plain listener on the same port).
  std::string tls_cert_file{};
  std::string tls_key_file{};
};

// Handles one request (on a worker thread).
using RequestHandler = std::function<Response(Request&)>;
// Renders a failure the server detects itself (413, 400, ...) before any
// handler runs; `request` holds what was read so far (method, path).
using ServerErrorRenderer = std::function<Response(const Request&, int http_status, const Status&)>;
// What became of one request, for access logs and metrics.
struct RequestSummary {
  int status = 0;
  uint64_t request_body_bytes = 0;      // as received (before gunzip)
  uint64_t response_body_bytes = 0;     // as the handler made it (a HEAD's too, though not sent)
  std::chrono::nanoseconds elapsed{0};  // from the header read to the response written
};
// Called once per answered request (handled or refused by the server),
// after the response is written or failed to be.
using RequestObserver = std::function<void(const Request&, const RequestSummary&)>;

struct ServerStats {
  uint64_t connections_open = 0;
  uint64_t connections_accepted = 0;
  uint64_t connections_timed_out = 0;  // closed for a slow or idle client
  uint64_t requests_in_flight = 0;
};

class Server {
 public:
  // Binds, listens and starts serving. kInvalidArgument for a bad host or TLS
  // file, kUnavailable when the address cannot be bound.
  static Result<std::unique_ptr<Server>> Start(ServerOptions options, RequestHandler handler,
                                               ServerErrorRenderer render_error,
                                               RequestObserver observer = nullptr);
  // Stop(0) if not stopped yet.
  ~Server();

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (the chosen one when options.port was 0).
  uint16_t port() const;
  bool tls() const;
  ServerStats stats() const;

  // Stops serving as described above; returns when every connection is
  // closed and every thread joined. Later calls do nothing.
  void Stop(std::chrono::milliseconds grace);

 private:
  class Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace auditlog::http
