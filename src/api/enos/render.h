#pragma once

// The EnOS shapes of canonical events, and the event the produce endpoint
// creates: the dialect's mapping in the direction the ingest decoder
// (ingest/enos_decoder.cc) does not cover. docs/dialects/enos.md, "Mapping",
// is the one table of both directions.
//
// An AuditLogEntry is rendered so that the EnOS decoder reads it back into
// the same event (the exceptions are listed in the doc):
//
//   eventTime    timestamp in epoch ms (received_at when there is none)
//   ipAddress    ip ("" when absent)
//   resources    details["resources"] when the source sent several; else
//                [{type: resource.type, content: resource.name (resource.id
//                when it has no name), + details["resources.<k>"]}]; [] when
//                the event has no resource
//   eventName    name, or type when it has no name
//   description  description (left out when empty, as in EnOS's sample)
//   account      {id, name, email, domain, userType}: actor.id, actor.name,
//                actor.email, details["account.domain"], actor.type; "" for
//                absent ones; + details["account.<k>"]
//   other        every other top-level member of details, under its name,
//                unless it would repeat one of the members above
//
// Thread-safety: pure functions.

#include <string>
#include <string_view>

#include "api/enos/request.h"
#include "event/event.h"
#include "event/json_writer.h"
#include "query/query.h"

namespace auditlog::api::enos {

// The type (and so the eventName) of events the produce endpoint creates.
inline constexpr std::string_view kEventLogType = "event.log";

// Writes `event` as one AuditLogEntry object.
void WriteAuditLogEntry(event::JsonWriter& json, const event::Event& event);

// The `data` object of a log-query answer:
//   {"pagination": {"total", "limit", "currentPage", "pageNo", "pageSize",
//    "totalElements"}, "auditLog": [AuditLogEntry...]}
// EnOS's table names pageNo/pageSize/totalElements and its sample
// total/limit/currentPage; both sets are written.
std::string RenderLogQueryData(const LogQueryRequest& request, const query::SearchResult& result);

// Writes `event` as one EventLogDTO of the event-log query:
//   {subjectId, subjectType, subjectName, upstreamId, upstreamType,
//    upstreamName, organizationId, userId, eventTime}
void WriteEventLog(event::JsonWriter& json, const event::Event& event);

// The `data` object of an event-log query answer:
//   {"pagination": {"totalElements", "pageSize", "pageNo"}, "logs": [...]}
std::string RenderEventLogData(const LogQueryRequest& request, const query::SearchResult& result);

// The event a produce request creates (before the store fills id, seq and
// received_at): type kEventLogType, resource {type: subjectType, id:
// subjectId}, details {"upstreamId", "upstreamType"} (present ones only),
// actor {id: key_id, type: "api_key"}, operation.mode "api", timestamp
// `now_micros`.
event::Event EventFromProduce(const ProduceRequest& request, std::string_view key_id,
                              event::UnixMicros now_micros);

}  // namespace auditlog::api::enos
