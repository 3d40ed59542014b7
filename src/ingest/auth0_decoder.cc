// Auth0: the log event object of the Management API (`GET /api/v2/logs`,
// `GET /api/v2/users/{id}/logs`, log streams). Mapping: the registry's `auth0`
// column (event/fields.h) plus the cases below; written out in
// docs/dialects/auth0.md.
//
// Members with no canonical field (connection_id, strategy_type,
// organization_id, ...) are merged into the record's own `details` object.
// `result` and `name` come from the type code (ingest/auth0_log_types.h).

#include <fmt/format.h>

#include "common/no_destructor.h"
#include "event/validation.h"
#include "ingest/auth0_log_types.h"
#include "ingest/decoders.h"
#include "ingest/dialect_json.h"

namespace auditlog::ingest {
namespace {

namespace json = event::json;
using event::Event;

const DialectNameTable& Auth0Names() {
  static NoDestructor<DialectNameTable> names("auth0");
  return *names;
}

class Auth0Decoder final : public RecordDecoder {
 public:
  Dialect dialect() const override { return Dialect::kAuth0; }

  // `include_totals=true` responses: {"start":0,"limit":50,"length":N,"total":N,"logs":[...]}.
  std::vector<std::string_view> EnvelopePointers() const override { return {"/logs"}; }

  Status DecodeJson(event::PaddedView record, Event* out) override {
    RecordState state;
    state.out = out;
    auto special = [&](std::string_view name, od::value& value, bool* consumed) {
      return HandleSpecial(state, name, value, consumed);
    };
    AL_RETURN_IF_ERROR(
        DecodeRecordObject(parsers_, record, Auth0Names(), kOptions, out, &state.details, special));

    if (!state.mongo_id.empty() && state.mongo_id != out->id) {
      state.details.AddString("_id", state.mongo_id);
    }
    if (const auto type = FindAuth0LogType(out->type)) {
      if (out->result == event::Outcome::kUnset) out->result = type->outcome;
      if (out->name.empty()) out->name = std::string(type->name);
    }
    out->details = std::move(state.details).Finish(std::move(out->details), state.details_keys);
    return event::ValidateEvent(*out, event::kDecoderShortcuts);
  }

 private:
  static constexpr json::FieldReadOptions kOptions = DialectReadOptions(json::NullText::kIsText);

  // What one record's decoding collects besides the event itself.
  struct RecordState {
    Event* out = nullptr;
    json::DetailsBuilder details;
    std::vector<std::string> details_keys;  // member names of out->details
    std::string mongo_id;                   // `_id`
    bool stream_unwrapped = false;
  };

  // The members Auth0 needs more than a name mapping for; sets *consumed when
  // it took the member.
  static Status HandleSpecial(RecordState& state, std::string_view name, od::value& value,
                              bool* consumed) {
    if (name == "details") {
      // A second `details` (a repeated member, or the wrapper's next to the
      // event's in a log-stream delivery): the latest is the event's own,
      // the earlier one is kept in it as "details".
      *consumed = true;
      std::string earlier = std::move(state.out->details);
      state.details_keys.clear();
      AL_RETURN_IF_ERROR(
          json::CopyDetailsObject(value, name, &state.out->details, &state.details_keys));
      if (!earlier.empty()) state.details.AddRaw("details", earlier);
      return Status::OK();
    }
    if (name == "scope") {
      // Auth0 sends scope as a string or as an array of strings.
      *consumed = true;
      return ReadScope(value, &state.out->scope);
    }
    if (name == "data" && !state.stream_unwrapped) {
      // Log streams deliver {"log_id": ..., "data": {<log event>}}: the
      // event's members sit one level down.
      od::json_type type;
      if (auto error = value.type().get(type)) return json::SyntaxError(name, error);
      if (type != od::json_type::object) return Status::OK();
      *consumed = true;
      state.stream_unwrapped = true;
      od::object inner;
      if (auto error = value.get_object().get(inner)) return json::SyntaxError(name, error);
      return DecodeMembers(inner, Auth0Names(), kOptions, state.out, &state.details,
                           [&](std::string_view inner_name, od::value& inner_value, bool* taken) {
                             return HandleSpecial(state, inner_name, inner_value, taken);
                           });
    }
    if (name == "_id") {
      // Auth0 repeats log_id here; kept only when it differs.
      *consumed = true;
      return json::ReadStringOrNumber(value, name, &state.mongo_id);
    }
    return Status::OK();
  }

  static Status ReadScope(od::value& value, std::string* out) {
    od::json_type type;
    if (auto error = value.type().get(type)) return json::SyntaxError("scope", error);
    if (type != od::json_type::array) return json::ReadString(value, "scope", out);
    od::array array;
    if (auto error = value.get_array().get(array)) return json::SyntaxError("scope", error);
    out->clear();
    size_t element_idx = 0;
    for (auto element_result : array) {
      std::string_view scope;
      if (std::move(element_result).get_string().get(scope)) {
        return json::TypeError(fmt::format("scope[{}]", element_idx), "a string");
      }
      ++element_idx;
      if (scope.empty()) continue;
      if (!out->empty()) out->push_back(' ');
      out->append(scope);
    }
    return Status::OK();
  }

  DialectParsers parsers_;
};

}  // namespace

std::unique_ptr<RecordDecoder> MakeAuth0Decoder() { return std::make_unique<Auth0Decoder>(); }

}  // namespace auditlog::ingest
