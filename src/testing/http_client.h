#pragma once

// HTTP clients for tests: Fetch drives a server the way real clients do
// (libcurl: keep-alive, TLS with a test CA, gzip), RawExchange writes exact
// bytes on a plain socket to test what well-behaved clients never send
// (malformed requests, slow headers, oversized bodies).
//
// Thread-safety: functions are thread-safe.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace auditlog::testing {

struct HttpCall {
  std::string method = "GET";
  std::string url{};                   // "http://127.0.0.1:8080/v1/events?q=..."
  std::vector<std::string> headers{};  // "Authorization: Bearer ..."
  std::string body{};
  std::string ca_file{};  // PEM of the CA that signed the server's certificate (https)
  std::chrono::milliseconds timeout{30'000};
};

struct HttpReply {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body{};
  std::optional<std::string> Header(std::string_view lower_name) const;
};

Result<HttpReply> Fetch(const HttpCall& call);

// Connects to 127.0.0.1:`port`, writes `bytes` (in pieces of `chunk_bytes`,
// `pause` apart, when chunk_bytes > 0), then reads until the server closes
// or `read_timeout` passes. Returns what the server sent; `closed` says
// whether it closed the connection.
struct RawReply {
  std::string bytes;
  bool closed = false;
};
Result<RawReply> RawExchange(uint16_t port, std::string_view bytes,
                             std::chrono::milliseconds read_timeout, size_t chunk_bytes = 0,
                             std::chrono::milliseconds pause = std::chrono::milliseconds(0));

// gzip-compresses `text` (for Content-Encoding: gzip bodies).
std::string Gzip(std::string_view text);

}  // namespace auditlog::testing
