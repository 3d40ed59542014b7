#pragma once

// Canonical events in Authing's record shapes: the v2 Logstash document (the
// one `GET /api/v2/analysis/audit` returns, with the raw log line rebuilt in
// `message`) and the v3 DTOs (AdminAuditLogDto, UserActionLogDto,
// UserLoginHistoryDto). docs/dialects/authing.md ("API") lists every member
// and where it comes from; the v2 document decodes back into the same event
// with the ingest decoder (records_test.cc checks both directions).
//
// Also the one rule that splits Authing's two log kinds: an event is a *user
// action* when its `type` is one of UserActionTypes(), and an *audit* (admin)
// log otherwise.
//
// Thread-safety: pure functions.

#include <span>
#include <string>
#include <string_view>

#include "event/event.h"
#include "event/json_writer.h"

namespace auditlog::api::authing {

// The event types that make an event a user action (end-user events):
// Authing's v2 SupportedUserActionEnum and v3 UserActionLogDto.eventType
// values. Every other type (createUser, deleteUser, ...) is an audit log.
std::span<const std::string_view> UserActionTypes();
bool IsUserActionType(std::string_view type);

// "2021-09-22T07:47:21.559-0000": the log line's and `timestamp`'s form (UTC).
std::string AuthingLineTime(event::UnixMicros micros);
// "2022-09-20T08:55:00.188+0000": the v3 DTOs' form (UTC).
std::string AuthingV3Time(event::UnixMicros micros);
// "2021.09.22": Logstash's `filedate`.
std::string AuthingFileDate(event::UnixMicros micros);

// The raw log line, `[time] logId=... eventResultMsg=null`: the sample's
// keys in the sample's order, each value the canonical field's (or, for
// roleCode, roleId, resourceType and operationParam, `details`'s), absent
// ones as the literal `null`. A value is neutralized so that it cannot forge
// members: tab, CR and LF become spaces, and a ` <line key>=` inside it is
// written ` <line key>:` (the JSON members keep the value unchanged). A
// value with a space is otherwise unambiguous only for the parser's
// free-text keys.
std::string AuthingMessageLine(const event::Event& event);

// The v2 Logstash document of `event` as the next value of `json`.
// `userPoolId` is event.tenant (callers set it to the pool queried);
// `@timestamp`, when computed, has milliseconds as Logstash writes it.
void WriteV2Document(const event::Event& event, event::JsonWriter& json);

// v3 AdminAuditLogDto, UserActionLogDto and UserLoginHistoryDto. `success`
// is `result != failure` (an unset result counts as success), the rule
// V3SuccessFilter (v3_params.h) filters by; AdminAuditLogDto.resourceType is
// Authing's category from details (`resourceType`, else `@resourceType`).
void WriteAdminAuditLogDto(const event::Event& event, event::JsonWriter& json);
void WriteUserActionLogDto(const event::Event& event, event::JsonWriter& json);
void WriteUserLoginHistoryDto(const event::Event& event, event::JsonWriter& json);

}  // namespace auditlog::api::authing
