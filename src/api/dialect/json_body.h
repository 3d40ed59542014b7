#pragma once

// Request bodies that must be one JSON object (admin requests, EnOS queries,
// Authing v3 lists), parsed with an error that says where the JSON breaks.
//
// Thread-safety: a parser is used by one thread at a time.

#include <simdjson.h>

#include <string_view>

#include "common/result.h"

namespace auditlog::api {

// Parses `body` as one JSON object; `parser` owns the returned view.
// kInvalidArgument "body: ..." for an empty body, malformed JSON (with the
// line and column of the first error) or a value that is not an object.
Result<simdjson::dom::object> ParseJsonObjectBody(std::string_view body,
                                                  simdjson::dom::parser& parser);

}  // namespace auditlog::api
