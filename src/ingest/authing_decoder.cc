// Authing: the audit-log document of Authing's list API (`GET
// /api/v2/analysis/audit`, `data.list[]`) and the raw log line it carries in
// `message`. Mapping: the registry's `authing` column (event/fields.h) plus the
// cases below; written out in docs/dialects/authing.md.
//
// Authing writes the literal string "null" for absent values. Its documents
// are Logstash copies of the line, some values localized ("operationType":
// "创建" where the line says "create"), so when `message` holds a line the
// line's raw values win and a differing document value is kept in details
// under its Authing name; the document's `eventType` display text becomes
// `name`.

#include <fmt/format.h>

#include "common/no_destructor.h"
#include "event/fields.h"
#include "event/time.h"
#include "event/validation.h"
#include "ingest/authing_log_line.h"
#include "ingest/decoders.h"
#include "ingest/dialect_json.h"

namespace auditlog::ingest {
namespace {

namespace json = event::json;
using event::Event;
using event::FieldSpec;
using event::FieldType;

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

const DialectNameTable& AuthingNames() {
  // Dropped because they repeat other members: geoip.ip (clientIp),
  // geoip.location (latitude/longitude).
  static NoDestructor<DialectNameTable> names(
      "authing", std::unordered_set<std::string_view>{"geoip.ip", "geoip.location"});
  return *names;
}

// Applies a parsed log line: mapped keys into fields, the rest into details.
Status ApplyLine(const AuthingLogLine& line, Event* event, json::DetailsBuilder* details) {
  const Result<event::UnixMicros> time = event::ParseDateTime(line.time_text);
  if (!time.ok()) return time.status().WithContext("log line: time");
  event->timestamp = *time;
  const DialectNameTable& names = AuthingNames();
  for (const auto& [key, raw_value] : line.members) {
    const std::string_view value = raw_value;
    if (value.empty() || value == "null") continue;
    const auto* fields = names.Fields(key);
    if (fields == nullptr) {
      details->AddString(key, value);
      continue;
    }
    const FieldSpec& first = *fields->front();
    switch (first.type) {
      case FieldType::kKeyword:
      case FieldType::kText:
        for (const FieldSpec* spec : *fields) spec->string_member(*event)->assign(value);
        break;
      case FieldType::kOutcome:
        if (const auto outcome = json::OutcomeFromText(value)) {
          event->result = *outcome;
        } else {
          details->AddString(key, value);
        }
        break;
      case FieldType::kTime: {
        auto member_time = event::ParseTimeText(value, event::EpochUnit::kMilliseconds);
        if (!member_time.ok())
          return member_time.status().WithContext(fmt::format("log line: {}", key));
        event->timestamp = *member_time;
        break;
      }
      default:
        details->AddString(key, value);
    }
  }
  return Status::OK();
}

// Folds the line's event into the document's: line values win; a document
// value that differs is kept (eventType's as `name`, the others in details).
void MergeLineIntoDocument(const Event& line_event, Event* doc_event,
                           json::DetailsBuilder* details) {
  for (const FieldSpec& spec : event::AllFields()) {
    if (spec.string_member == nullptr) continue;
    const std::string& line_value = event::StringField(spec, line_event);
    if (line_value.empty()) continue;
    std::string* doc_value = spec.string_member(*doc_event);
    if (!doc_value->empty() && *doc_value != line_value) {
      if (spec.path == "type") {
        if (doc_event->name.empty()) doc_event->name = std::string(Trim(*doc_value));
      } else if (!spec.dialects.authing.empty()) {
        details->AddString(spec.dialects.authing, *doc_value);
      }
    }
    *doc_value = line_value;
  }
  if (line_event.timestamp) doc_event->timestamp = line_event.timestamp;
  if (line_event.result != event::Outcome::kUnset) doc_event->result = line_event.result;
}

class AuthingDecoder final : public RecordDecoder {
 public:
  Dialect dialect() const override { return Dialect::kAuthing; }

  std::vector<std::string_view> EnvelopePointers() const override { return {"/data/list"}; }

  Status DecodeLine(std::string_view line, Event* out) override {
    out->Clear();
    AL_RETURN_IF_ERROR(event::CheckEventSize(line.size()));
    if (!event::IsValidUtf8(line)) return Status::InvalidArgument("log line: invalid UTF-8");
    AL_ASSIGN_OR_RETURN(const AuthingLogLine parsed, ParseAuthingLogLine(line));
    json::DetailsBuilder details;
    AL_RETURN_IF_ERROR(ApplyLine(parsed, out, &details));
    out->type = std::string(Trim(out->type));
    out->details = std::move(details).Finish({}, {});
    return event::ValidateEvent(*out, event::kDecoderShortcuts);
  }

  Status DecodeJson(event::PaddedView record, Event* out) override {
    const auto options = DialectReadOptions(json::NullText::kIsAbsent);
    json::DetailsBuilder details;
    json::DetailsBuilder line_details;
    Event line_event;
    bool have_line = false;
    std::optional<event::UnixMicros> logstash_time;

    auto special = [&](std::string_view name, od::value& value, bool* consumed) -> Status {
      if (name == "message") {
        *consumed = true;
        std::string text;
        AL_RETURN_IF_ERROR(json::ReadString(value, name, &text, json::NullText::kIsAbsent));
        if (text.empty()) return Status::OK();
        Result<AuthingLogLine> parsed = ParseAuthingLogLine(text);
        if (!parsed.ok()) {
          details.AddString(name, text);  // not a log line: keep the text as it is
          return Status::OK();
        }
        AL_RETURN_IF_ERROR(ApplyLine(*parsed, &line_event, &line_details).WithContext("message"));
        have_line = true;
        return Status::OK();
      }
      if (name == "@timestamp") {
        // Logstash's ingest time: kept, and the event time when `timestamp` is absent.
        *consumed = true;
        std::string text;
        AL_RETURN_IF_ERROR(json::ReadString(value, name, &text, json::NullText::kIsAbsent));
        if (text.empty()) return Status::OK();
        auto time = event::ParseTimeText(text, event::EpochUnit::kMilliseconds);
        if (!time.ok()) return time.status().WithContext(name);
        logstash_time = *time;
        details.AddString(name, text);
        return Status::OK();
      }
      return Status::OK();
    };
    AL_RETURN_IF_ERROR(
        DecodeRecordObject(parsers_, record, AuthingNames(), options, out, &details, special));

    if (have_line) {
      MergeLineIntoDocument(line_event, out, &details);
    }
    if (!out->timestamp) out->timestamp = logstash_time;
    out->type = std::string(Trim(out->type));
    // The line's own extras (resourceType, roleCode, ...) take the plain names;
    // the document's differing copies follow them (as "@name" on a clash).
    line_details.Absorb(std::move(details));
    out->details = std::move(line_details).Finish({}, {});
    return event::ValidateEvent(*out, event::kDecoderShortcuts);
  }

 private:
  DialectParsers parsers_;
};

}  // namespace

std::unique_ptr<RecordDecoder> MakeAuthingDecoder() { return std::make_unique<AuthingDecoder>(); }

}  // namespace auditlog::ingest
