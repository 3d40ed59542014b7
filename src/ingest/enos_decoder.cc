// EnOS: the AuditLogEntry of the EnOS Application Portal's "Query Audit Logs"
// API (`POST /app-portal-service/v2.2/log/query`, `data.auditLog[]`).
// Mapping: the registry's `enos` column (event/fields.h) plus `resources`,
// below; written out in docs/dialects/enos.md.

#include <fmt/format.h>

#include "common/no_destructor.h"
#include "event/validation.h"
#include "ingest/decoders.h"
#include "ingest/dialect_json.h"

namespace auditlog::ingest {
namespace {

namespace json = event::json;
using event::Event;

const DialectNameTable& EnosNames() {
  static NoDestructor<DialectNameTable> names("enos");
  return *names;
}

class EnosDecoder final : public RecordDecoder {
 public:
  Dialect dialect() const override { return Dialect::kEnos; }

  std::vector<std::string_view> EnvelopePointers() const override { return {"/data/auditLog"}; }

  Status DecodeJson(event::PaddedView record, Event* out) override {
    const auto options = DialectReadOptions(json::NullText::kIsText);
    json::DetailsBuilder details;

    // The documentation calls `resources` a struct; the sample sends an array
    // of them. The first resource is the event's resource; when there are
    // more, the whole array is also kept in details.
    auto special = [&](std::string_view name, od::value& value, bool* consumed) -> Status {
      if (name != "resources") return Status::OK();
      od::json_type type;
      if (auto error = value.type().get(type)) return json::SyntaxError(name, error);
      if (type != od::json_type::array)
        return Status::OK();  // object or null: the generic group path
      *consumed = true;
      std::string array_text;
      AL_RETURN_IF_ERROR(
          json::CopyValidatedValue(value, name, event::kMaxDetailsDepth - 1, &array_text));
      return ReadResources(array_text, out, &details);
    };
    AL_RETURN_IF_ERROR(
        DecodeRecordObject(parsers_, record, EnosNames(), options, out, &details, special));
    out->details = std::move(details).Finish({}, {});
    return event::ValidateEvent(*out, event::kDecoderShortcuts);
  }

 private:
  Status ReadResources(const std::string& array_text, Event* out, json::DetailsBuilder* details) {
    event::PaddedBuffer copy(array_text);
    od::document doc;
    AL_RETURN_IF_ERROR(json::Iterate(parsers_.scratch, copy.view(), &doc).WithContext("resources"));
    od::array array;
    if (auto error = doc.get_array().get(array)) return json::SyntaxError("resources", error);
    size_t element_count = 0;
    for (auto element_result : array) {
      od::value element;
      if (auto error = std::move(element_result).get(element))
        return json::SyntaxError("resources", error);
      if (element_count++ > 0) continue;
      od::object resource;
      if (element.get_object().get(resource)) return json::TypeError("resources[0]", "an object");
      for (auto field_result : resource) {
        od::field field;
        std::string_view key;
        if (auto error = std::move(field_result).get(field))
          return json::SyntaxError("resources[0]", error);
        if (auto error = field.unescaped_key().get(key))
          return json::SyntaxError("resources[0]", error);
        const std::string path = fmt::format("resources[0].{}", key);
        od::value member = field.value();
        if (key == "type") {
          AL_RETURN_IF_ERROR(json::ReadStringOrNumber(member, path, &out->resource.type));
        } else if (key == "content") {
          AL_RETURN_IF_ERROR(json::ReadStringOrNumber(member, path, &out->resource.name));
        } else {
          std::string text;
          AL_RETURN_IF_ERROR(json::ReadStringOrNumber(member, path, &text));
          if (!text.empty()) details->AddString(fmt::format("resources.{}", key), text);
        }
      }
    }
    if (element_count > 1) details->AddRaw("resources", array_text);
    return Status::OK();
  }

  DialectParsers parsers_;
};

}  // namespace

std::unique_ptr<RecordDecoder> MakeEnosDecoder() { return std::make_unique<EnosDecoder>(); }

}  // namespace auditlog::ingest
