#pragma once

// The shared machinery of the dialect decoders: a dialect's member names,
// resolved through the field registry's column for that dialect, and readers
// that move a member's value into the mapped Event field(s) or, for members
// the canonical event has no place for, into `details`.
//
// Internal to ingest/. Includes simdjson: include from .cc files only.

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "event/fields.h"
#include "event/json_support.h"
#include "event/name_index.h"
#include "event/validation.h"

namespace auditlog::ingest {

namespace od = simdjson::ondemand;

// How the dialects read registry fields: numbers are accepted where strings
// are expected (some sources send ids as numbers); the null text is per dialect.
constexpr event::json::FieldReadOptions DialectReadOptions(event::json::NullText null_text) {
  return {event::EpochUnit::kMilliseconds, null_text, /*numbers_as_strings=*/true};
}

// Member names of one dialect, from the registry column of that dialect.
class DialectNameTable {
 public:
  // `ignored` lists dotted member names to drop because they only repeat
  // another member (Authing "geoip.ip" repeats "clientIp").
  DialectNameTable(std::string_view dialect, std::unordered_set<std::string_view> ignored = {});

  // Fields a top-level member maps to (EnOS "eventName" feeds two); null if none.
  const std::vector<const event::FieldSpec*>* Fields(std::string_view name) const;
  // Fields of member `member` of group `group` ("location_info", "country_code").
  const std::vector<const event::FieldSpec*>* GroupFields(std::string_view group,
                                                          std::string_view member) const;
  bool IsGroup(std::string_view name) const { return groups_.Find(name) != nullptr; }
  bool IsIgnored(std::string_view dotted_name) const {
    return !ignored_.empty() && ignored_.contains(dotted_name);
  }

 private:
  using FieldsByName = event::NameIndex<std::vector<const event::FieldSpec*>>;
  FieldsByName top_level_;
  event::NameIndex<FieldsByName> groups_;
  std::unordered_set<std::string_view> ignored_;
};

// Per-decoder parsing state.
struct DialectParsers {
  od::parser main;
  od::parser scratch;
};

// Reads `value` (member `path`) into every field of `fields`. Outcome fields
// take the usual spellings; an unknown one is kept in details under `path`.
Status ReadMapped(const std::vector<const event::FieldSpec*>& fields, od::value& value,
                  std::string_view path, const event::json::FieldReadOptions& options,
                  event::Event* event, event::json::DetailsBuilder* details);

// Reads a group object member by member: mapped members into fields, the
// rest into details as "<group>.<member>". Null is absent.
Status ReadMappedGroup(const DialectNameTable& names, std::string_view group, od::value& value,
                       const event::json::FieldReadOptions& options, event::Event* event,
                       event::json::DetailsBuilder* details);

// Keeps an unmapped member in details (validated, minified). Null, "", and
// with NullText::kIsAbsent the string "null", are dropped as absent.
Status KeepUnmapped(std::string_view name, od::value& value,
                    const event::json::FieldReadOptions& options,
                    event::json::DetailsBuilder* details);

// The generic member loop: for each member of the record object, `special`
// gets the first look (returns true when it consumed the member), then mapped
// fields, groups, and finally details.
template <typename SpecialFn>
Status DecodeMembers(od::object& object, const DialectNameTable& names,
                     const event::json::FieldReadOptions& options, event::Event* event,
                     event::json::DetailsBuilder* details, SpecialFn&& special) {
  for (auto field_result : object) {
    od::field field;
    if (auto error = std::move(field_result).get(field))
      return event::json::SyntaxError("record", error);
    std::string_view key;
    if (auto error = event::json::FieldName(field).get(key))
      return event::json::SyntaxError("record", error);
    // Unescaped keys live in the parser's string buffer until the next document.
    const std::string_view name = key;
    od::value value = field.value();
    bool consumed = false;
    AL_RETURN_IF_ERROR(special(name, value, &consumed));
    if (consumed || names.IsIgnored(name)) continue;
    if (const auto* fields = names.Fields(name)) {
      AL_RETURN_IF_ERROR(ReadMapped(*fields, value, name, options, event, details));
    } else if (names.IsGroup(name)) {
      AL_RETURN_IF_ERROR(ReadMappedGroup(names, name, value, options, event, details));
    } else {
      AL_RETURN_IF_ERROR(KeepUnmapped(name, value, options, details));
    }
  }
  return Status::OK();
}

// Decodes one record object: clears `out`, opens `record`, runs DecodeMembers
// over its members and checks that nothing follows the object. The caller
// finishes `details` and validates.
template <typename SpecialFn>
Status DecodeRecordObject(DialectParsers& parsers, event::PaddedView record,
                          const DialectNameTable& names,
                          const event::json::FieldReadOptions& options, event::Event* out,
                          event::json::DetailsBuilder* details, SpecialFn&& special);

// Opens `record` and returns its top-level object.
Status OpenRecordObject(od::parser& parser, event::PaddedView record, od::document* doc,
                        od::object* object);

template <typename SpecialFn>
Status DecodeRecordObject(DialectParsers& parsers, event::PaddedView record,
                          const DialectNameTable& names,
                          const event::json::FieldReadOptions& options, event::Event* out,
                          event::json::DetailsBuilder* details, SpecialFn&& special) {
  out->Clear();
  AL_RETURN_IF_ERROR(event::CheckEventSize(record.size));
  od::document doc;
  od::object object;
  AL_RETURN_IF_ERROR(OpenRecordObject(parsers.main, record, &doc, &object));
  AL_RETURN_IF_ERROR(DecodeMembers(object, names, options, out, details, special));
  return event::json::CheckAtEnd(doc);
}

}  // namespace auditlog::ingest
