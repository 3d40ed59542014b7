#include "api/dialect/json_body.h"

#include <fmt/format.h>

#include <string>

#include "event/json_syntax.h"

namespace auditlog::api {

Result<simdjson::dom::object> ParseJsonObjectBody(std::string_view body,
                                                  simdjson::dom::parser& parser) {
  if (body.empty()) return Status::InvalidArgument("body: expected a JSON object, got nothing");
  simdjson::dom::element root;
  if (auto error = parser.parse(body.data(), body.size()).get(root)) {
    // simdjson names the kind of error; the syntax checker finds where it is.
    if (const auto syntax = event::FindJsonSyntaxError(body)) {
      const auto [line, column] = event::LineAndColumn(body, syntax->offset);
      return Status::InvalidArgument(fmt::format("body: malformed JSON at line {}, column {}: {}",
                                                 line, column, syntax->reason));
    }
    return Status::InvalidArgument(std::string("body: malformed JSON: ") +
                                   simdjson::error_message(error));
  }
  simdjson::dom::object object;
  if (root.get(object)) return Status::InvalidArgument("body: expected a JSON object");
  return object;
}

}  // namespace auditlog::api
