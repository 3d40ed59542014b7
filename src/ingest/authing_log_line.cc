#include "ingest/authing_log_line.h"

#include <fmt/format.h>

#include <array>

namespace auditlog::ingest {
namespace {

// Keys whose values are codes or ids: a space inside one is a format error.
constexpr std::array<std::string_view, 13> kCodeKeys = {
    "logId",         "appId",         "userPoolId",     "userId",    "requestId",
    "roleCode",      "roleId",        "clientIp",       "eventType", "resourceType",
    "operationType", "operationMode", "eventResultCode"};

// Keys whose values are free text and may hold spaces.
constexpr std::array<std::string_view, 14> kFreeTextKeys = {
    "userName",        "roleName",     "userAgent",   "eventDetails",   "resourceName",
    "resourceDetails", "originValue",  "targetValue", "operationParam", "eventResultMsg",
    "appName",         "userPoolName", "eventName",   "description"};

bool IsKeyStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '@';
}
bool IsKeyChar(char c) { return IsKeyStart(c) || (c >= '0' && c <= '9') || c == '.' || c == '-'; }

// If a member key followed by '=' starts at `pos`, returns the key's length.
size_t KeyLengthAt(std::string_view line, size_t pos) {
  if (pos >= line.size() || !IsKeyStart(line[pos])) return 0;
  size_t end = pos + 1;
  while (end < line.size() && IsKeyChar(line[end])) ++end;
  return end < line.size() && line[end] == '=' ? end - pos : 0;
}

}  // namespace

bool IsKnownAuthingLineKey(std::string_view key) {
  for (std::string_view known : kCodeKeys) {
    if (known == key) return true;
  }
  return IsAuthingFreeTextKey(key);
}

bool IsAuthingFreeTextKey(std::string_view key) {
  for (std::string_view known : kFreeTextKeys) {
    if (known == key) return true;
  }
  return false;
}

Result<AuthingLogLine> ParseAuthingLogLine(std::string_view line) {
  AuthingLogLine parsed;
  if (line.empty() || line.front() != '[')
    return Status::InvalidArgument("log line: expected '[' and a time first");
  const size_t close = line.find(']');
  if (close == std::string_view::npos)
    return Status::InvalidArgument("log line: no ']' after the time");
  parsed.time_text = line.substr(1, close - 1);

  size_t pos = close + 1;
  while (pos < line.size()) {
    while (pos < line.size() && line[pos] == ' ') ++pos;
    if (pos >= line.size()) break;
    const size_t key_length = KeyLengthAt(line, pos);
    if (key_length == 0) {
      return Status::InvalidArgument(fmt::format("log line: expected key=value at byte {}", pos));
    }
    const std::string_view key = line.substr(pos, key_length);
    const size_t value_start = pos + key_length + 1;
    const bool free_text = IsAuthingFreeTextKey(key);
    const bool code = !free_text && IsKnownAuthingLineKey(key);
    // Find where the value ends: before " <key>=" (a known key only, for free text).
    size_t value_end = line.size();
    for (size_t scan = value_start; scan < line.size(); ++scan) {
      if (line[scan] != ' ') continue;
      size_t next = scan;
      while (next < line.size() && line[next] == ' ') ++next;
      if (next >= line.size()) {
        value_end = scan;
        break;
      }
      const size_t next_key_length = KeyLengthAt(line, next);
      const bool boundary =
          next_key_length > 0 &&
          (!free_text || IsKnownAuthingLineKey(line.substr(next, next_key_length)));
      if (boundary) {
        value_end = scan;
        break;
      }
      if (code) {
        return Status::InvalidArgument(fmt::format("log line: {}: unexpected space in value", key));
      }
      scan = next - 1;  // the run of spaces is settled: go on after it
    }
    parsed.members.emplace_back(key, line.substr(value_start, value_end - value_start));
    pos = value_end;
  }
  return parsed;
}

}  // namespace auditlog::ingest
