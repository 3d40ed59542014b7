#include "server/log.h"

#include <cstdio>

#include "common/clock.h"
#include "common/status.h"
#include "event/json_writer.h"
#include "event/time.h"

namespace auditlog::server {
namespace {

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

Result<LogLevel> ParseLogLevel(std::string_view name) {
  for (LogLevel level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (LevelName(level) == name) return level;
  }
  return Status::InvalidArgument("log_level: use debug, info, warn or error");
}

void Logger::Log(LogLevel level, std::string_view message, const std::vector<LogField>& fields) {
  if (!enabled(level)) return;
  const std::string now = event::FormatRfc3339(SystemClock().NowMicros());
  std::string line;
  if (json_) {
    event::JsonWriter json(&line);
    json.BeginObject();
    json.Member("ts", now);
    json.Member("level", LevelName(level));
    json.Member("msg", message);
    for (const LogField& field : fields) {
      json.Key(field.key);
      if (field.number) {
        json.Raw(field.value);
      } else {
        json.String(field.value);
      }
    }
    json.EndObject();
  } else {
    line = now + " " + std::string(LevelName(level)) + " " + std::string(message);
    for (const LogField& field : fields) line += " " + field.key + "=" + field.value;
  }
  line.push_back('\n');
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace auditlog::server
