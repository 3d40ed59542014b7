#pragma once

// The field registry: one row per field of the canonical Event, saying its
// native JSON path, its type, how the store will index it, and which name each
// seed dialect uses for it. The JSON codec, the dialect decoders' mapping
// tables (docs/dialects/*.md) and, later, the query planner and the segment
// writer all read this one table, so a field is added in exactly one place.
//
// Thread-safety: the registry is immutable after first use.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "event/event.h"

namespace auditlog::event {

// kUint64 (seq), kOutcome (result), kBool (ua.is_mobile) and kJson (details)
// each type exactly one field, which the codecs address directly; a second
// field of one of these types needs a member pointer in FieldSpec, as strings,
// times and doubles have (Fields.SingletonTypesNameOneFieldEach checks this).
enum class FieldType : uint8_t {
  kKeyword = 1,  // exact-match string: ids, codes, names
  kText = 2,     // free text, searched by token
  kTime = 3,     // UnixMicros
  kUint64 = 4,
  kOutcome = 5,  // "success" | "failure"
  kDouble = 6,
  kBool = 7,
  kJson = 8,  // a JSON object (details)
};

enum class IndexKind : uint8_t {
  kNone = 0,     // stored, not indexed: filter by scan only
  kKeyword = 1,  // bitmap per distinct value
  kTokens = 2,   // token index (CJK-aware) for text search
  kSorted = 3,   // rows are sorted on it; min/max per segment and block
  kRange = 4,    // numeric min/max per block
};

// The name a dialect uses for the field; empty when the dialect has none.
// Nested names are dotted ("account.id").
struct DialectNames {
  std::string_view authing;
  std::string_view enos;
  std::string_view auth0;
};

struct FieldSpec {
  std::string_view path;  // native JSON path, dotted: "actor.email"
  FieldType type;
  IndexKind index;
  DialectNames dialects;
  // For kKeyword and kText fields: the member it names. Null for other types.
  std::string* (*string_member)(Event&) = nullptr;
  // For kTime fields: the member it names. Null for other types.
  std::optional<UnixMicros>* (*time_member)(Event&) = nullptr;
  // For kDouble fields: the member it names. Null for other types.
  std::optional<double>* (*double_member)(Event&) = nullptr;
};

// Every field, in canonical (registry) order.
// A field's position is persisted (segment directories name fields by it; the
// WAL's event codec orders and counts by it): any change to this list needs a
// version bump of those formats and a way to read the old ones.
std::span<const FieldSpec> AllFields();

// Every field in the order of the native JSON encoding: AllFields() with the
// members of each group ("geo.*", "ua.*", ...) brought together where the
// group first appears, since fields appended to the registry later may
// belong to an earlier group.
std::span<const FieldSpec* const> FieldsInJsonOrder();

// The position of `field` in AllFields(), the number formats persist.
// REQUIRES: `field` is a registry entry.
inline size_t FieldIndexOf(const FieldSpec& field) {
  return static_cast<size_t>(&field - AllFields().data());
}

// The field with native path `path`, or null.
const FieldSpec* FindField(std::string_view path);

// The field whose name in `dialect` ("authing", "enos", "auth0") is `name`, or null.
const FieldSpec* FindFieldByDialectName(std::string_view dialect, std::string_view name);

inline const std::string& StringField(const FieldSpec& spec, const Event& event) {
  return *spec.string_member(const_cast<Event&>(event));
}

std::string_view FieldTypeName(FieldType type);
std::string_view IndexKindName(IndexKind kind);

}  // namespace auditlog::event
