#pragma once

// Auth0's log event type codes ("s", "fp", "sapi", ...): their display names
// and whether each records a success or a failure. From Auth0's published
// list of log event type codes; codes not listed (and those that record
// neither, such as "w" warnings or "cs" code sent) leave `result` unset.

#include <optional>
#include <string_view>

#include "event/event.h"

namespace auditlog::ingest {

struct Auth0LogType {
  std::string_view code;
  event::Outcome outcome;
  std::string_view name;
};

// The row for `code`, or nullopt for a code not in the table.
std::optional<Auth0LogType> FindAuth0LogType(std::string_view code);

}  // namespace auditlog::ingest
