#pragma once

// Canonical events as Auth0 log event objects (GET /api/v2/logs and friends),
// the inverse of the Auth0 ingest decoder (ingest/auth0_decoder.cc): the
// registry's `auth0` column (event/fields.h) read the other way, plus the
// cases below. docs/dialects/auth0.md has the table.
//
//   date        `timestamp`, RFC 3339 UTC with milliseconds ("...T19:57:29.532Z");
//               sub-millisecond digits are cut, as Auth0 keeps none
//   log_id, _id `id`; `_id` is details' `_id` when the decoder kept one there
//   isMobile    `ua.is_mobile`
//   user_agent  Auth0's summary "Chrome 114.0.0 / Windows 10.0.0", built from
//               `ua` when the event has a parsed browser (`ua.name`, other
//               than uap-core's "Other" for no match); otherwise
//               `user_agent` as stored (what an event ingested from Auth0 holds:
//               Auth0's summary already)
//   details     `details`, less the members the decoder moved there from the
//               top level of an Auth0 record (connection_id, strategy_type,
//               organization_id, organization_name, tenant_name, _id), which
//               are written back at the top level. Where the record's own
//               details had the same name, the decoder stored the top-level
//               one as `@name`: that one goes back to the top level and `name`
//               stays in details.
//   security_context {ja3, ja4}, location_info {...} (enrich/dialect_views.h),
//               plus their members the decoder kept in details as
//               "location_info.<member>" / "security_context.<member>"
//
// Absent values are left out, as Auth0 leaves them out. Canonical fields with
// no Auth0 member (name, result, result_message, operation, resource,
// origin/target values, actor email/type/role, request and session ids,
// geo region and AS, ua other than is_mobile, received_at, tenant, seq) are
// not shown; `name` and `result` follow from `type` when the decoder reads
// the object back.
//
// Thread-safety: pure functions.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/auth0/params.h"
#include "event/event.h"
#include "event/json_writer.h"

namespace auditlog::api::auth0 {

// Writes the log object of `event` as the next value of `json`, with the
// members `fields` selects.
void WriteLogObject(const event::Event& event, const FieldSelection& fields,
                    event::JsonWriter& json);

// One log object, every member: GET /api/v2/logs/{id}.
std::string RenderLog(const event::Event& event);

// The `include_totals=true` wrapper's numbers.
struct ListTotals {
  uint64_t start = 0;  // the offset of the first log
  uint32_t limit = 0;  // per_page
  uint64_t total = 0;  // every matching event
};

// A list answer: a bare JSON array of log objects, or with `totals` the
// object {"start","limit","length","total","logs"}.
std::string RenderLogList(std::span<const event::Event> events, const FieldSelection& fields,
                          const std::optional<ListTotals>& totals);

// Auth0's user agent summary, "Chrome 114.0.0 / Windows 10.0.0": the family
// and major.minor.patch of the browser and of the OS, each missing part "0",
// a missing OS "Other". Empty when `ua.name` is empty or "Other".
std::string UserAgentSummary(const event::UserAgentInfo& ua);

// `details` split for rendering: what stays in `details` (a JSON object
// text, "" when nothing stays) and the top-level members taken out of it
// (name, raw JSON value): the fixed names first, in log object order, then
// dotted group members ("location_info.subdivision") in details order. Text
// that is not a JSON object stays whole.
struct SplitDetailsResult {
  std::string details;
  std::vector<std::pair<std::string, std::string>> top_level;
};
SplitDetailsResult SplitDetails(std::string_view details);

}  // namespace auditlog::api::auth0
