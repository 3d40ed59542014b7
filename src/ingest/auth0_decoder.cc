// Auth0: the log event object of the Management API (`GET /api/v2/logs`,
// `GET /api/v2/users/{id}/logs`, log streams). Mapping: the registry's `auth0`
// column (event/fields.h) plus the cases below; written out in
// docs/dialects/auth0.md.
//
// Members with no canonical field (connection_id, strategy_type,
// organization_id, ...) are merged into the record's own `details` object.
// `result` and `name` come from the type code (ingest/auth0_log_types.h).

#include <fmt/format.h>

#include <functional>

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
    const auto options = DialectReadOptions(json::NullText::kIsText);
    json::DetailsBuilder details;
    std::vector<std::string> details_keys;
    std::string mongo_id;
    bool stream_unwrapped = false;

    std::function<Status(std::string_view, od::value&, bool*)>* self = nullptr;
    std::function<Status(std::string_view, od::value&, bool*)> special =
        [&](std::string_view name, od::value& value, bool* consumed) -> Status {
      if (name == "details") {
        // A second `details` (a repeated member, or the wrapper's next to the
        // event's in a log-stream delivery): the latest is the event's own,
        // the earlier one is kept in it as "details".
        *consumed = true;
        std::string earlier = std::move(out->details);
        details_keys.clear();
        AL_RETURN_IF_ERROR(json::CopyDetailsObject(value, name, &out->details, &details_keys));
        if (!earlier.empty()) details.AddRaw("details", earlier);
        return Status::OK();
      }
      if (name == "scope") {
        // Auth0 sends scope as a string or as an array of strings.
        *consumed = true;
        return ReadScope(value, &out->scope);
      }
      if (name == "data" && !stream_unwrapped) {
        // Log streams deliver {"log_id": ..., "data": {<log event>}}: the
        // event's members sit one level down.
        od::json_type type;
        if (auto error = value.type().get(type)) return json::SyntaxError(name, error);
        if (type != od::json_type::object) return Status::OK();
        *consumed = true;
        stream_unwrapped = true;
        od::object inner;
        if (auto error = value.get_object().get(inner)) return json::SyntaxError(name, error);
        return DecodeMembers(inner, Auth0Names(), options, out, &details, *self);
      }
      if (name == "_id") {
        // Auth0 repeats log_id here; kept only when it differs.
        *consumed = true;
        return json::ReadStringOrNumber(value, name, &mongo_id);
      }
      return Status::OK();
    };
    self = &special;
    AL_RETURN_IF_ERROR(
        DecodeRecordObject(parsers_, record, Auth0Names(), options, out, &details, special));

    if (!mongo_id.empty() && mongo_id != out->id) details.AddString("_id", mongo_id);
    if (const auto type = FindAuth0LogType(out->type)) {
      if (out->result == event::Outcome::kUnset) out->result = type->outcome;
      if (out->name.empty()) out->name = std::string(type->name);
    }
    out->details = std::move(details).Finish(std::move(out->details), details_keys);
    return event::ValidateEvent(*out, event::kDecoderShortcuts);
  }

 private:
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
