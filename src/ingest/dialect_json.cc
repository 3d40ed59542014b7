#include "ingest/dialect_json.h"

#include <fmt/format.h>

namespace auditlog::ingest {

using event::FieldSpec;
using event::FieldType;
namespace json = event::json;

namespace {

void Append(event::NameIndex<std::vector<const FieldSpec*>>& index, std::string_view name,
            const FieldSpec* spec) {
  if (index.Find(name) == nullptr) index.Add(name, {});
  index.FindMutable(name)->push_back(spec);
}

}  // namespace

DialectNameTable::DialectNameTable(std::string_view dialect,
                                   std::unordered_set<std::string_view> ignored)
    : ignored_(std::move(ignored)) {
  for (const FieldSpec& spec : event::AllFields()) {
    const std::string_view name = dialect == "authing" ? spec.dialects.authing
                                  : dialect == "enos"  ? spec.dialects.enos
                                  : dialect == "auth0" ? spec.dialects.auth0
                                                       : std::string_view();
    if (name.empty()) continue;
    const size_t dot = name.find('.');
    if (dot == std::string_view::npos) {
      Append(top_level_, name, &spec);
    } else {
      const std::string_view group = name.substr(0, dot);
      if (groups_.Find(group) == nullptr) groups_.Add(group, FieldsByName());
      Append(*groups_.FindMutable(group), name.substr(dot + 1), &spec);
    }
  }
}

const std::vector<const FieldSpec*>* DialectNameTable::Fields(std::string_view name) const {
  return top_level_.Find(name);
}

const std::vector<const FieldSpec*>* DialectNameTable::GroupFields(std::string_view group,
                                                                   std::string_view member) const {
  const FieldsByName* fields = groups_.Find(group);
  return fields == nullptr ? nullptr : fields->Find(member);
}

Status ReadMapped(const std::vector<const FieldSpec*>& fields, od::value& value,
                  std::string_view path, const json::FieldReadOptions& options, event::Event* event,
                  json::DetailsBuilder* details) {
  const FieldSpec& first = *fields.front();
  AL_RETURN_IF_ERROR(json::ReadRegistryField(first, value, path, options, event, details));
  // A member feeding several string fields (EnOS eventName: type and name).
  for (size_t spec_idx = 1; spec_idx < fields.size(); ++spec_idx) {
    if (fields[spec_idx]->string_member != nullptr && first.string_member != nullptr) {
      *fields[spec_idx]->string_member(*event) = *first.string_member(*event);
    }
  }
  return Status::OK();
}

Status ReadMappedGroup(const DialectNameTable& names, std::string_view group, od::value& value,
                       const json::FieldReadOptions& options, event::Event* event,
                       json::DetailsBuilder* details) {
  od::json_type type;
  if (auto error = value.type().get(type)) return json::SyntaxError(group, error);
  if (type == od::json_type::null) return Status::OK();
  if (type != od::json_type::object) return json::TypeError(group, "an object");
  od::object object;
  if (auto error = value.get_object().get(object)) return json::SyntaxError(group, error);
  for (auto field_result : object) {
    od::field field;
    if (auto error = std::move(field_result).get(field)) return json::SyntaxError(group, error);
    std::string_view key;
    if (auto error = json::FieldName(field).get(key)) return json::SyntaxError(group, error);
    const std::string path = json::JoinPath(group, key);
    od::value member = field.value();
    if (names.IsIgnored(path)) continue;
    if (const auto* fields = names.GroupFields(group, key)) {
      AL_RETURN_IF_ERROR(ReadMapped(*fields, member, path, options, event, details));
    } else {
      AL_RETURN_IF_ERROR(KeepUnmapped(path, member, options, details));
    }
  }
  return Status::OK();
}

Status KeepUnmapped(std::string_view name, od::value& value, const json::FieldReadOptions& options,
                    json::DetailsBuilder* details) {
  od::json_type type;
  if (auto error = value.type().get(type)) return json::SyntaxError(name, error);
  if (type == od::json_type::null) return Status::OK();
  if (type == od::json_type::string) {
    // An empty string (and Authing's "null") carries nothing, as in the
    // canonical fields.
    std::string_view text;
    if (auto error = value.get_string().get(text)) return json::SyntaxError(name, error);
    const bool absent =
        text.empty() || (options.null_text == json::NullText::kIsAbsent && text == "null");
    if (!absent) details->AddString(name, text);
    return Status::OK();
  }
  std::string raw;
  // The member sits one level below the event; details allows that many levels.
  AL_RETURN_IF_ERROR(json::CopyValidatedValue(value, name, event::kMaxDetailsDepth - 1, &raw));
  details->AddRaw(name, raw);
  return Status::OK();
}

Status OpenRecordObject(od::parser& parser, event::PaddedView record, od::document* doc,
                        od::object* object) {
  AL_RETURN_IF_ERROR(json::Iterate(parser, record, doc).WithContext("record"));
  if (auto error = doc->get_object().get(*object)) {
    if (error == simdjson::INCORRECT_TYPE)
      return Status::InvalidArgument("record: not a JSON object");
    return json::SyntaxError("record", error);
  }
  return Status::OK();
}

}  // namespace auditlog::ingest
