#pragma once

// Structured logs: one line per event on stderr, as JSON
// ({"ts":"...","level":"info","msg":"listening","address":"127.0.0.1:8080"})
// or as text for people at a terminal. API keys and tokens are never passed
// here.
//
// Thread-safety: thread-safe; lines never interleave.

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace auditlog::server {

enum class LogLevel : uint8_t { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

Result<LogLevel> ParseLogLevel(std::string_view name);

// A field's value: text, or a number written as is.
struct LogField {
  std::string key;
  std::string value;
  bool number = false;
  LogField(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
  LogField(std::string k, std::string_view v) : key(std::move(k)), value(v) {}
  LogField(std::string k, const char* v) : key(std::move(k)), value(v) {}
  template <typename Number>
  requires std::is_arithmetic_v<Number> LogField(std::string k, Number v)
      : key(std::move(k)), value(std::to_string(v)), number(true) {}
};

class Logger {
 public:
  // Lines go to `out` (stderr unless a test captures them).
  Logger(LogLevel level, bool json, std::FILE* out = stderr)
      : level_(level), json_(json), out_(out) {}
  void Log(LogLevel level, std::string_view message, const std::vector<LogField>& fields = {});
  void Info(std::string_view message, const std::vector<LogField>& fields = {}) {
    Log(LogLevel::kInfo, message, fields);
  }
  void Warn(std::string_view message, const std::vector<LogField>& fields = {}) {
    Log(LogLevel::kWarn, message, fields);
  }
  void Error(std::string_view message, const std::vector<LogField>& fields = {}) {
    Log(LogLevel::kError, message, fields);
  }
  bool enabled(LogLevel level) const { return level >= level_; }

 private:
  LogLevel level_;
  bool json_;
  std::FILE* out_;
  std::mutex mu_;
};

}  // namespace auditlog::server
