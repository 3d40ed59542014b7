#include "api/auth0/params.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <span>

#include "api/auth0/search_syntax.h"
#include "query/lucene_parser.h"

namespace auditlog::api::auth0 {
namespace {

// Auth0's validation message: the reason in quotes, then the property.
Status Invalid(std::string_view property, std::string_view reason) {
  return Status::InvalidArgument(
      fmt::format("Query validation error: '{}' on property {}.", reason, property));
}

// The members render.h writes.
constexpr std::array<std::string_view, 25> kLogMembers = {"date",
                                                          "type",
                                                          "description",
                                                          "connection",
                                                          "connection_id",
                                                          "client_id",
                                                          "client_name",
                                                          "ip",
                                                          "hostname",
                                                          "user_id",
                                                          "user_name",
                                                          "audience",
                                                          "scope",
                                                          "strategy",
                                                          "strategy_type",
                                                          "log_id",
                                                          "_id",
                                                          "isMobile",
                                                          "details",
                                                          "user_agent",
                                                          "security_context",
                                                          "location_info",
                                                          "organization_id",
                                                          "organization_name",
                                                          "tenant_name"};

// The value of `name` when present and not empty.
std::optional<std::string_view> Given(const std::vector<http::NameValue>& params,
                                      std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) {
      if (value.empty()) return std::nullopt;
      return std::string_view(value);
    }
  }
  return std::nullopt;
}

bool Present(const std::vector<http::NameValue>& params, std::string_view name) {
  for (const auto& [key, value] : params)
    if (key == name) return true;
  return false;
}

Status RejectUnknown(const std::vector<http::NameValue>& params,
                     std::span<const std::string_view> allowed) {
  for (const auto& [key, value] : params) {
    bool known = false;
    for (std::string_view name : allowed) known |= key == name;
    if (!known) {
      return Status::InvalidArgument(
          fmt::format("Query validation error: 'Additional properties not allowed: {}'.", key));
    }
  }
  return Status::OK();
}

Result<uint64_t> ParseWhole(std::string_view property, std::string_view text, uint64_t min,
                            uint64_t max) {
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return Invalid(property, fmt::format("Expected a whole number >= {} but found {}", min, text));
  }
  if (value < min)
    return Invalid(property, fmt::format("Value {} is less than minimum {}", value, min));
  if (value > max)
    return Invalid(property, fmt::format("Value {} is greater than maximum {}", value, max));
  return value;
}

Result<bool> ParseBool(std::string_view property, std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return Invalid(property, fmt::format("Expected type boolean but found type string ({})", text));
}

// `field:1` or `field:-1` with an Auth0 field name.
Result<query::SortKey> ParseSort(std::string_view text) {
  constexpr std::string_view kPattern = R"(^(([a-zA-Z0-9_\.]+))\:(1|-1)$)";
  const size_t colon = text.rfind(':');
  const auto mismatch = [&] {
    return Invalid("sort", fmt::format("String does not match pattern {}: {}", kPattern, text));
  };
  if (colon == std::string_view::npos || colon == 0) return mismatch();
  const std::string_view name = text.substr(0, colon);
  const std::string_view order = text.substr(colon + 1);
  for (char c : name) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '_' || c == '.';
    if (!allowed) return mismatch();
  }
  if (order != "1" && order != "-1") return mismatch();
  const event::FieldSpec* field = event::FindFieldByDialectName("auth0", name);
  if (field == nullptr || field->type == event::FieldType::kJson) {
    // connection_id, strategy_type, organization_id, ...: the Auth0 decoder
    // keeps them in `details`, and the store sorts by fields only.
    const bool in_details = name == "details" || name.starts_with("details.") ||
                            name == "connection_id" || name == "strategy_type" ||
                            name == "organization_id" || name == "organization_name" ||
                            name == "tenant_name";
    return Invalid("sort", fmt::format("Field {} cannot be sorted on{}", name,
                                       in_details ? ": it is kept in details, which this service "
                                                    "cannot sort by"
                                                  : ""));
  }
  return query::SortKey{.field = field, .descending = order == "-1"};
}

Result<FieldSelection> ParseFields(const std::vector<http::NameValue>& params) {
  bool include = true;
  if (const auto text = Given(params, "include_fields")) {
    AL_ASSIGN_OR_RETURN(include, ParseBool("include_fields", *text));
  }
  const auto text = Given(params, "fields");
  if (!text) return FieldSelection();
  std::vector<std::string> names;
  size_t begin = 0;
  while (begin <= text->size()) {
    size_t comma = text->find(',', begin);
    if (comma == std::string_view::npos) comma = text->size();
    const std::string_view name = text->substr(begin, comma - begin);
    begin = comma + 1;
    // "a,,b" and a trailing comma: empty entries name nothing.
    if (name.empty()) continue;
    if (!IsLogMember(name)) {
      return Invalid("fields", fmt::format("{:?} is not a member of a log event", name));
    }
    names.emplace_back(name);
  }
  // Only empty entries ("," alone): as if `fields` were not sent.
  if (names.empty()) return FieldSelection();
  return FieldSelection(std::move(names), include);
}

Status ParsePaging(const std::vector<http::NameValue>& params, LogsRequest* out) {
  uint64_t page = 0;
  if (const auto text = Given(params, "page")) {
    AL_ASSIGN_OR_RETURN(page, ParseWhole("page", *text, 0, kMaxPage));
  }
  if (const auto text = Given(params, "per_page")) {
    AL_ASSIGN_OR_RETURN(const uint64_t per_page, ParseWhole("per_page", *text, 1, kMaxPerPage));
    out->per_page = static_cast<uint32_t>(per_page);
  }
  if (const auto text = Given(params, "include_totals")) {
    AL_ASSIGN_OR_RETURN(out->include_totals, ParseBool("include_totals", *text));
  }
  std::vector<query::SortKey> sort;
  if (const auto text = Given(params, "sort")) {
    AL_ASSIGN_OR_RETURN(const query::SortKey key, ParseSort(*text));
    sort.push_back(key);
  } else {
    sort.push_back({.field = event::FindField("timestamp"), .descending = true});
  }
  const uint64_t offset = page * out->per_page;
  // Date-led sorts page by skipping whole segments on their counts; any
  // other sort ranks offset + per_page events to find a page, so deep pages
  // there cost as much as reading every matching event.
  if (sort[0].field != event::FindField("timestamp") && offset > kMaxOffsetUnlessByDate) {
    return Invalid("page",
                   fmt::format("page * per_page is {}, past {}, the deepest offset a sort other "
                               "than date serves; sort by date, narrow q, or read every log by "
                               "checkpoint (from, take)",
                               offset, kMaxOffsetUnlessByDate));
  }
  out->query.sort = std::move(sort);
  out->query.offset = offset;
  out->query.limit = out->per_page;
  out->query.include_totals = out->include_totals;
  return Status::OK();
}

}  // namespace

bool FieldSelection::Wants(std::string_view name) const {
  if (names_.empty()) return true;
  bool listed = false;
  for (const std::string& listed_name : names_) listed |= listed_name == name;
  return listed == include_;
}

bool IsLogMember(std::string_view name) {
  for (std::string_view member : kLogMembers)
    if (member == name) return true;
  return false;
}

Result<LogsRequest> ParseLogsParams(const std::vector<http::NameValue>& params,
                                    std::string_view tenant, std::chrono::milliseconds timeout) {
  LogsRequest out;
  out.query.tenant = std::string(tenant);
  out.query.timeout = timeout;
  if (Present(params, "from") || Present(params, "take")) {
    // "Any parameter other than from and take will be ignored."
    out.mode = LogsMode::kCheckpoint;
    out.from = std::string(Given(params, "from").value_or(""));
    if (const auto text = Given(params, "take")) {
      AL_ASSIGN_OR_RETURN(const uint64_t take, ParseWhole("take", *text, 1, kMaxTake));
      out.take = static_cast<uint32_t>(take);
    }
    return out;
  }
  static constexpr std::array<std::string_view, 8> kAllowed = {
      "q", "search", "page", "per_page", "sort", "fields", "include_fields", "include_totals"};
  AL_RETURN_IF_ERROR(RejectUnknown(params, kAllowed));
  std::vector<query::Filter> filters;
  if (const auto text = Given(params, "q")) {
    auto parsed = query::ParseLucene(*text, query::LuceneDialect::kAuth0);
    if (!parsed.ok()) return Invalid("q", parsed.status().message());
    filters.push_back(std::move(*parsed));
  }
  if (const auto text = Given(params, "search")) {
    auto parsed = ParseAuth0Search(*text);
    if (!parsed.ok()) return Invalid("search", parsed.status().message());
    filters.push_back(std::move(*parsed));
  }
  if (filters.size() == 1) out.query.filter = std::move(filters[0]);
  if (filters.size() == 2) out.query.filter = query::Filter::And(std::move(filters));
  AL_RETURN_IF_ERROR(ParsePaging(params, &out));
  AL_ASSIGN_OR_RETURN(out.fields, ParseFields(params));
  return out;
}

Result<LogsRequest> ParseUserLogsParams(const std::vector<http::NameValue>& params,
                                        std::string_view tenant, std::string_view user_id,
                                        std::chrono::milliseconds timeout) {
  static constexpr std::array<std::string_view, 4> kAllowed = {"page", "per_page", "sort",
                                                               "include_totals"};
  AL_RETURN_IF_ERROR(RejectUnknown(params, kAllowed));
  LogsRequest out;
  out.query.tenant = std::string(tenant);
  out.query.timeout = timeout;
  out.query.filter = query::Filter::Eq(*event::FindField("actor.id"), std::string(user_id));
  AL_RETURN_IF_ERROR(ParsePaging(params, &out));
  return out;
}

}  // namespace auditlog::api::auth0
