#include "api/enos/request.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>

#include "api/dialect/json_body.h"
#include "event/time.h"

namespace auditlog::api::enos {
namespace {

// The latest time an event can carry, in milliseconds.
constexpr int64_t kMaxTimeMs = event::kMaxTimeMicros / 1000;

// A whole number >= 0 sent as a JSON integer or a string of digits; nullopt
// for null. `name` leads every error.
Result<std::optional<uint64_t>> ReadCount(simdjson::dom::element value, std::string_view name) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::NULL_VALUE:
      return std::optional<uint64_t>();
    case element_type::UINT64:
      return std::optional<uint64_t>(value.get_uint64().value_unsafe());
    case element_type::INT64: {
      const int64_t number = value.get_int64().value_unsafe();
      if (number < 0) {
        return Status::InvalidArgument(
            fmt::format("{}: must not be negative, got {}", name, number));
      }
      return std::optional<uint64_t>(static_cast<uint64_t>(number));
    }
    case element_type::DOUBLE:
      return Status::InvalidArgument(fmt::format("{}: must be a whole number, got {}", name,
                                                 value.get_double().value_unsafe()));
    case element_type::STRING: {
      const std::string_view text = value.get_string().value_unsafe();
      if (text.starts_with('-')) {
        return Status::InvalidArgument(
            fmt::format("{}: must not be negative, got {:?}", name, text));
      }
      uint64_t number = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
        return Status::InvalidArgument(fmt::format(
            "{}: not a number: {:?} (send epoch milliseconds or a count as digits)", name, text));
      }
      return std::optional<uint64_t>(number);
    }
    default:
      return Status::InvalidArgument(
          fmt::format("{}: expected a number or a string of digits", name));
  }
}

Result<int64_t> ReadTimeMs(std::optional<simdjson::dom::element> value, std::string_view name) {
  if (!value) return Status::InvalidArgument(fmt::format("{}: required", name));
  auto count = ReadCount(*value, name);
  if (!count.ok()) return count.status();
  if (!count->has_value()) return Status::InvalidArgument(fmt::format("{}: required", name));
  if (**count > static_cast<uint64_t>(kMaxTimeMs)) {
    return Status::InvalidArgument(
        fmt::format("{}: {} is past the latest time, {} (9999-12-31T23:59:59.999Z)", name, **count,
                    kMaxTimeMs));
  }
  return static_cast<int64_t>(**count);
}

Status ReadPagination(simdjson::dom::element value, LogQueryRequest* out) {
  if (value.is_null()) return Status::OK();
  simdjson::dom::object pagination;
  if (value.get(pagination)) {
    return Status::InvalidArgument(
        "pagination: expected an object {\"pageNo\": <from 0>, \"pageSize\": <1..10000>}");
  }
  for (auto [key, member] : pagination) {
    if (key == "pageNo") {
      auto page_no = ReadCount(member, "pagination.pageNo");
      if (!page_no.ok()) return page_no.status();
      if (!page_no->has_value()) continue;
      if (**page_no > kMaxPageNo) {
        return Status::InvalidArgument(
            fmt::format("pagination.pageNo: {} is over the largest, {}", **page_no, kMaxPageNo));
      }
      out->page_no = **page_no;
    } else if (key == "pageSize") {
      auto page_size = ReadCount(member, "pagination.pageSize");
      if (!page_size.ok()) return page_size.status();
      if (!page_size->has_value()) continue;
      if (**page_size == 0 || **page_size > kMaxPageSize) {
        return Status::InvalidArgument(
            fmt::format("pagination.pageSize: must be 1..{}, got {}", kMaxPageSize, **page_size));
      }
      out->page_size = static_cast<uint32_t>(**page_size);
    }
  }
  return Status::OK();
}

// Characters (code points) of valid UTF-8 `text`: its bytes that do not
// continue a sequence.
size_t CharCount(std::string_view text) {
  size_t chars = 0;
  for (const char byte : text) chars += (static_cast<unsigned char>(byte) & 0xC0) != 0x80;
  return chars;
}

Status ReadProduceMember(simdjson::dom::element value, std::string_view name, std::string* out) {
  if (value.is_null()) return Status::OK();
  std::string_view text;
  if (value.get(text)) return Status::InvalidArgument(fmt::format("{}: not a string", name));
  if (const size_t chars = CharCount(text); chars > kMaxProduceMemberChars) {
    return Status::InvalidArgument(fmt::format("{}: {} characters, over the limit of {}", name,
                                               chars, kMaxProduceMemberChars));
  }
  out->assign(text);
  return Status::OK();
}

}  // namespace

Result<LogQueryRequest> ParseLogQueryBody(std::string_view body) {
  simdjson::dom::parser parser;
  auto object = ParseJsonObjectBody(body, parser);
  if (!object.ok()) return object.status();
  LogQueryRequest request;
  std::optional<simdjson::dom::element> start;
  std::optional<simdjson::dom::element> end;
  for (auto [key, value] : *object) {
    if (key == "startTime") {
      start = value;
    } else if (key == "endTime") {
      end = value;
    } else if (key == "pagination") {
      if (Status read = ReadPagination(value, &request); !read.ok()) return read;
    }
  }
  auto start_ms = ReadTimeMs(start, "startTime");
  if (!start_ms.ok()) return start_ms.status();
  auto end_ms = ReadTimeMs(end, "endTime");
  if (!end_ms.ok()) return end_ms.status();
  if (*start_ms > *end_ms) {
    return Status::InvalidArgument(
        fmt::format("startTime: {} is after endTime {}", *start_ms, *end_ms));
  }
  request.start_ms = *start_ms;
  request.end_ms = *end_ms;
  return request;
}

query::Query ToQuery(const LogQueryRequest& request, std::string_view tenant) {
  query::Query query;
  query.tenant.assign(tenant);
  query.time.from = request.start_ms * 1000;
  // endTime is inclusive at millisecond precision: every microsecond of that
  // millisecond is in.
  query.time.to = request.end_ms * 1000 + 1000;
  query.offset = request.page_no * request.page_size;
  query.limit = request.page_size;
  query.include_totals = true;
  return query;
}

Result<ProduceRequest> ParseProduceBody(std::string_view body) {
  simdjson::dom::parser parser;
  auto object = ParseJsonObjectBody(body, parser);
  if (!object.ok()) return object.status();
  ProduceRequest request;
  for (auto [key, value] : *object) {
    Status read;
    if (key == "subjectId") {
      read = ReadProduceMember(value, "subjectId", &request.subject_id);
    } else if (key == "subjectType") {
      read = ReadProduceMember(value, "subjectType", &request.subject_type);
    } else if (key == "upstreamId") {
      read = ReadProduceMember(value, "upstreamId", &request.upstream_id);
    } else if (key == "upstreamType") {
      read = ReadProduceMember(value, "upstreamType", &request.upstream_type);
    }
    if (!read.ok()) return read;
  }
  if (request.subject_id.empty()) return Status::InvalidArgument("subjectId: required");
  if (request.subject_type.empty()) return Status::InvalidArgument("subjectType: required");
  return request;
}

}  // namespace auditlog::api::enos
