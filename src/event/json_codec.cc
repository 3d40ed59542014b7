#include "event/json_codec.h"

#include <fmt/format.h>

#include <vector>

#include "common/no_destructor.h"
#include "event/fields.h"
#include "event/json_support.h"
#include "event/json_writer.h"
#include "event/name_index.h"
#include "event/time.h"
#include "event/validation.h"

namespace auditlog::event {
namespace {

namespace od = simdjson::ondemand;

// Member names of the native form, resolved to registry rows: top-level
// fields directly, grouped fields ("actor.email") through their group.
struct NativeNames {
  struct Group {
    std::string_view name;
    NameIndex<const FieldSpec*> fields;  // by leaf name
  };
  NameIndex<const FieldSpec*> top_level;
  NameIndex<size_t> group_index;
  std::vector<Group> groups;

  NativeNames() {
    for (const FieldSpec& spec : AllFields()) {
      const size_t dot = spec.path.find('.');
      if (dot == std::string_view::npos) {
        top_level.Add(spec.path, &spec);
        continue;
      }
      const std::string_view group_name = spec.path.substr(0, dot);
      if (group_index.Find(group_name) == nullptr) {
        group_index.Add(group_name, groups.size());
        groups.push_back(Group{group_name, {}});
      }
      groups[*group_index.Find(group_name)].fields.Add(spec.path.substr(dot + 1), &spec);
    }
  }
};

const NativeNames& Names() {
  static NoDestructor<NativeNames> names;
  return *names;
}

// Native records: strings are strings, unknown result spellings are errors.
constexpr json::FieldReadOptions kNativeReadOptions{};

Status ReadField(const FieldSpec& spec, od::value& value, Event* event) {
  return json::ReadRegistryField(spec, value, spec.path, kNativeReadOptions, event);
}

Status ReadGroup(const NativeNames::Group& group, od::value& value, Event* event) {
  od::json_type type;
  if (auto error = value.type().get(type)) return json::SyntaxError(group.name, error);
  if (type == od::json_type::null) return Status::OK();
  if (type != od::json_type::object) return json::TypeError(group.name, "an object");
  od::object object;
  if (auto error = value.get_object().get(object)) return json::SyntaxError(group.name, error);
  for (auto field_result : object) {
    od::field field;
    if (auto error = std::move(field_result).get(field))
      return json::SyntaxError(group.name, error);
    std::string_view key;
    if (auto error = json::FieldName(field).get(key)) return json::SyntaxError(group.name, error);
    const FieldSpec* const* spec = group.fields.Find(key);
    if (spec == nullptr) {
      return Status::InvalidArgument(fmt::format("{}.{}: unknown field", group.name, key));
    }
    od::value member = field.value();
    AL_RETURN_IF_ERROR(ReadField(**spec, member, event));
  }
  return Status::OK();
}

// Whether `spec` holds a value in `event`; absent fields are not written.
bool FieldPresent(const FieldSpec& spec, const Event& event) {
  switch (spec.type) {
    case FieldType::kKeyword:
    case FieldType::kText:
      return !StringField(spec, event).empty();
    case FieldType::kTime:
      return spec.time_member(const_cast<Event&>(event))->has_value();
    case FieldType::kUint64:
      return event.seq != 0;
    case FieldType::kOutcome:
      return event.result != Outcome::kUnset;
    case FieldType::kDouble:
      return spec.double_member(const_cast<Event&>(event))->has_value();
    case FieldType::kBool:
      return event.ua.is_mobile.has_value();
    case FieldType::kJson:
      return !event.details.empty();
  }
  return false;
}

// Writes the value of `spec`. REQUIRES: FieldPresent(spec, event).
void WriteValue(const FieldSpec& spec, const Event& event, JsonWriter& writer) {
  switch (spec.type) {
    case FieldType::kKeyword:
    case FieldType::kText:
      writer.String(StringField(spec, event));
      return;
    case FieldType::kTime:
      writer.String(FormatRfc3339(**spec.time_member(const_cast<Event&>(event))));
      return;
    case FieldType::kUint64:
      writer.Uint(event.seq);
      return;
    case FieldType::kOutcome:
      writer.String(OutcomeName(event.result));
      return;
    case FieldType::kDouble:
      writer.Double(**spec.double_member(const_cast<Event&>(event)));
      return;
    case FieldType::kBool:
      writer.Bool(*event.ua.is_mobile);
      return;
    case FieldType::kJson:
      writer.Raw(event.details);
      return;
  }
}

}  // namespace

void AppendEventJson(const Event& event, std::string* out) {
  JsonWriter writer(out);
  writer.BeginObject();
  // Grouped fields ("actor.id", ...) are contiguous in this order; a group's
  // object is opened at its first present field and closed when the group ends.
  std::string_view open_group;
  for (const FieldSpec* field : FieldsInJsonOrder()) {
    const FieldSpec& spec = *field;
    const size_t dot = spec.path.find('.');
    const std::string_view group = dot == std::string_view::npos ? "" : spec.path.substr(0, dot);
    if (!open_group.empty() && group != open_group) {
      writer.EndObject();
      open_group = {};
    }
    if (!FieldPresent(spec, event)) continue;
    if (!group.empty() && group != open_group) {
      writer.Key(group);
      writer.BeginObject();
      open_group = group;
    }
    writer.Key(group.empty() ? spec.path : spec.path.substr(dot + 1));
    WriteValue(spec, event, writer);
  }
  if (!open_group.empty()) writer.EndObject();
  writer.EndObject();
}

std::string EventToJson(const Event& event) {
  std::string out;
  AppendEventJson(event, &out);
  return out;
}

struct NativeJsonDecoder::Parsers {
  od::parser main;
};

NativeJsonDecoder::NativeJsonDecoder() : parsers_(std::make_unique<Parsers>()) {}
NativeJsonDecoder::~NativeJsonDecoder() = default;

Status NativeJsonDecoder::Decode(PaddedView json, Event* out) {
  out->Clear();
  AL_RETURN_IF_ERROR(CheckEventSize(json.size));
  od::document doc;
  AL_RETURN_IF_ERROR(json::Iterate(parsers_->main, json, &doc).WithContext("event"));
  od::object object;
  if (auto error = doc.get_object().get(object)) {
    if (error == simdjson::INCORRECT_TYPE)
      return Status::InvalidArgument("event: not a JSON object");
    return json::SyntaxError("event", error);
  }
  const NativeNames& names = Names();
  for (auto field_result : object) {
    od::field field;
    if (auto error = std::move(field_result).get(field)) return json::SyntaxError("event", error);
    std::string_view key;
    if (auto error = json::FieldName(field).get(key)) return json::SyntaxError("event", error);
    od::value value = field.value();
    if (const FieldSpec* const* top = names.top_level.Find(key)) {
      AL_RETURN_IF_ERROR(ReadField(**top, value, out));
    } else if (const size_t* group = names.group_index.Find(key)) {
      AL_RETURN_IF_ERROR(ReadGroup(names.groups[*group], value, out));
    } else {
      return Status::InvalidArgument(fmt::format("{}: unknown field", key));
    }
  }
  AL_RETURN_IF_ERROR(json::CheckAtEnd(doc));
  return ValidateEvent(*out, kDecoderShortcuts);
}

}  // namespace auditlog::event
