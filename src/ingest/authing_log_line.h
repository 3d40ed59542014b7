#pragma once

// The Authing audit log line, as Authing's servers write it and as its API
// returns it in `message`:
//
//   [2021-09-22T07:47:21.559-0000] logId=c72c... appId=null userName=lis ... eventResultMsg=null
//
// Grammar (docs/dialects/authing.md): '[' time ']' then members separated by
// one or more spaces, each `key=value`; `key` is [A-Za-z_@][A-Za-z0-9_.@-]*.
// A value ends where the next member begins. Values of free-text keys
// (userAgent, eventDetails, ...) may contain spaces, and end only before a
// known key; values of code keys (ids, ip, codes) may not contain spaces.
// The literal value `null`, and an empty value, mean absent.

#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace auditlog::ingest {

struct AuthingLogLine {
  std::string_view time_text;  // between the brackets
  std::vector<std::pair<std::string_view, std::string_view>>
      members;  // in line order, views into the line
};

// Parses `line`. The returned views point into `line`.
Result<AuthingLogLine> ParseAuthingLogLine(std::string_view line);

// True for the keys Authing writes in every line (the sample's key set).
bool IsKnownAuthingLineKey(std::string_view key);
// True for known keys whose values may contain spaces.
bool IsAuthingFreeTextKey(std::string_view key);

}  // namespace auditlog::ingest
