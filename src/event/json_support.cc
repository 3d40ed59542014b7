#include "event/json_support.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <unordered_set>

#include "event/json_writer.h"

namespace auditlog::event::json {
namespace {

std::string_view TrimRight(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                           text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

bool IsLiteralNull(std::string_view text, NullText null_text) {
  return null_text == NullText::kIsAbsent && text == "null";
}

Status DepthError(std::string_view path, int max_depth) {
  return Status::InvalidArgument(fmt::format("{}: nesting deeper than {} levels", path, max_depth));
}

// One step of a path inside a value being walked: a member name or an index.
struct PathPart {
  std::string_view key;  // empty for an array element
  size_t index = 0;
};

// Where a Walk is: the value's own path plus the steps below it. Strings are
// built only when an error needs one.
struct WalkPath {
  std::string_view root;
  std::vector<PathPart> parts;

  std::string ToString() const {
    std::string path(root);
    for (const PathPart& part : parts) {
      if (part.key.empty()) {
        fmt::format_to(std::back_inserter(path), "[{}]", part.index);
      } else {
        path.append(".").append(part.key);
      }
    }
    return path;
  }
};

// Parses every scalar of `value` and checks nesting; `depth` is the depth of
// the container holding `value` (0 at the root).
Status Walk(od::value value, WalkPath& path, int depth, int max_depth,
            std::vector<std::string>* top_keys = nullptr) {
  od::json_type type;
  if (auto error = value.type().get(type)) return SyntaxError(path.ToString(), error);
  switch (type) {
    case od::json_type::object: {
      if (depth + 1 > max_depth) return DepthError(path.ToString(), max_depth);
      od::object object;
      if (auto error = value.get_object().get(object)) return SyntaxError(path.ToString(), error);
      for (auto field_result : object) {
        od::field field;
        if (auto error = std::move(field_result).get(field))
          return SyntaxError(path.ToString(), error);
        std::string_view key;
        if (auto error = field.unescaped_key().get(key)) return SyntaxError(path.ToString(), error);
        if (top_keys != nullptr) top_keys->emplace_back(key);
        path.parts.push_back(PathPart{key.empty() ? std::string_view("\"\"") : key, 0});
        AL_RETURN_IF_ERROR(Walk(field.value(), path, depth + 1, max_depth));
        path.parts.pop_back();
      }
      return Status::OK();
    }
    case od::json_type::array: {
      if (depth + 1 > max_depth) return DepthError(path.ToString(), max_depth);
      od::array array;
      if (auto error = value.get_array().get(array)) return SyntaxError(path.ToString(), error);
      size_t element_idx = 0;
      for (auto element_result : array) {
        od::value element;
        if (auto error = std::move(element_result).get(element))
          return SyntaxError(path.ToString(), error);
        path.parts.push_back(PathPart{std::string_view(), element_idx});
        AL_RETURN_IF_ERROR(Walk(element, path, depth + 1, max_depth));
        path.parts.pop_back();
        ++element_idx;
      }
      return Status::OK();
    }
    case od::json_type::string: {
      std::string_view text;
      if (auto error = value.get_string().get(text)) return SyntaxError(path.ToString(), error);
      return Status::OK();
    }
    case od::json_type::number: {
      double number;
      if (auto error = value.get_double().get(number)) return SyntaxError(path.ToString(), error);
      return Status::OK();
    }
    case od::json_type::boolean: {
      bool flag;
      if (auto error = value.get_bool().get(flag)) return SyntaxError(path.ToString(), error);
      return Status::OK();
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto error = value.is_null().get(is_null)) return SyntaxError(path.ToString(), error);
      if (!is_null)
        return Status::InvalidArgument(fmt::format("{}: malformed literal", path.ToString()));
      return Status::OK();
    }
  }
  return Status::InvalidArgument(fmt::format("{}: unknown JSON type", path.ToString()));
}

}  // namespace

std::string JoinPath(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  std::string path;
  path.reserve(prefix.size() + 1 + key.size());
  path.append(prefix).append(".").append(key);
  return path;
}

Status TypeError(std::string_view path, std::string_view expected) {
  return Status::InvalidArgument(fmt::format("{}: not {}", path, expected));
}

Status SyntaxError(std::string_view path, simdjson::error_code error) {
  std::string owned_text;
  std::string_view what;
  switch (error) {
    case simdjson::UTF8_ERROR:
      what = "invalid UTF-8";
      break;
    case simdjson::DEPTH_ERROR:
      what = "nesting too deep";
      break;
    case simdjson::STRING_ERROR:
      what = "malformed string (bad escape, invalid \\u surrogate or unescaped control character)";
      break;
    case simdjson::UNESCAPED_CHARS:
      what = "unescaped control character in string";
      break;
    case simdjson::UNCLOSED_STRING:
      what = "unterminated string";
      break;
    case simdjson::NUMBER_ERROR:
      what = "malformed or out-of-range number";
      break;
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
      what = "malformed literal";
      break;
    case simdjson::TAPE_ERROR:
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      what = "malformed JSON (truncated or unbalanced)";
      break;
    case simdjson::EMPTY:
      what = "empty document";
      break;
    case simdjson::CAPACITY:
      what = "document too large";
      break;
    case simdjson::TRAILING_CONTENT:
      what = "unexpected content after the JSON value";
      break;
    case simdjson::INCORRECT_TYPE:
      what = "malformed value";
      break;
    default:
      // simdjson's own text, in our message style: lower case, no final period.
      owned_text = simdjson::error_message(error);
      if (!owned_text.empty() && owned_text.back() == '.') owned_text.pop_back();
      if (!owned_text.empty()) {
        owned_text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(owned_text[0])));
      }
      what = owned_text;
  }
  if (path.empty()) return Status::InvalidArgument(what);
  return Status::InvalidArgument(fmt::format("{}: {}", path, what));
}

std::optional<Outcome> OutcomeFromText(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (lower == "success" || lower == "succeeded" || lower == "successful" || lower == "ok" ||
      lower == "true" || lower == "成功") {
    return Outcome::kSuccess;
  }
  if (lower == "failure" || lower == "failed" || lower == "fail" || lower == "error" ||
      lower == "false" || lower == "失败") {
    return Outcome::kFailure;
  }
  return std::nullopt;
}

Status ReadString(od::value& value, std::string_view path, std::string* out, NullText null_text) {
  // Strings are the common case: try one first, and ask for the type only
  // when it is something else.
  std::string_view text;
  const simdjson::error_code error = value.get_string().get(text);
  if (error == simdjson::INCORRECT_TYPE) {
    bool is_null = false;
    if (value.is_null().get(is_null) == simdjson::SUCCESS && is_null) {
      out->clear();
      return Status::OK();
    }
    return TypeError(path, "a string");
  }
  if (error) return SyntaxError(path, error);
  if (IsLiteralNull(text, null_text)) {
    out->clear();
  } else if (out->empty()) {
    *out = std::string(text);  // constructing is cheaper than the general assign
  } else {
    out->assign(text);
  }
  return Status::OK();
}

Status ReadStringOrNumber(od::value& value, std::string_view path, std::string* out,
                          NullText null_text) {
  od::json_type type;
  if (auto error = value.type().get(type)) return SyntaxError(path, error);
  if (type == od::json_type::number) {
    const std::string_view raw = value.raw_json_token();
    double number;
    if (auto error = value.get_double().get(number)) return SyntaxError(path, error);
    out->assign(TrimRight(raw));
    return Status::OK();
  }
  if (type != od::json_type::string && type != od::json_type::null)
    return TypeError(path, "a string");
  return ReadString(value, path, out, null_text);
}

Status ReadTime(od::value& value, std::string_view path, EpochUnit unit,
                std::optional<UnixMicros>* out, NullText null_text) {
  od::json_type type;
  if (auto error = value.type().get(type)) return SyntaxError(path, error);
  Result<UnixMicros> micros = Status::InvalidArgument("unset");
  switch (type) {
    case od::json_type::null:
      out->reset();
      return Status::OK();
    case od::json_type::string: {
      std::string_view text;
      if (auto error = value.get_string().get(text)) return SyntaxError(path, error);
      if (IsLiteralNull(text, null_text)) {
        out->reset();
        return Status::OK();
      }
      micros = ParseTimeText(text, unit);
      break;
    }
    case od::json_type::number: {
      od::number_type number_type;
      if (auto error = value.get_number_type().get(number_type)) return SyntaxError(path, error);
      if (number_type == od::number_type::signed_integer) {
        int64_t integer;
        if (auto error = value.get_int64().get(integer)) return SyntaxError(path, error);
        micros = EpochToMicros(integer, unit);
      } else {
        double number;
        if (auto error = value.get_double().get(number)) return SyntaxError(path, error);
        micros = EpochToMicros(number, unit);
      }
      break;
    }
    default:
      return TypeError(path, "a time (RFC 3339 string or epoch number)");
  }
  if (!micros.ok()) return micros.error().WithContext(path);
  *out = *micros;
  return Status::OK();
}

Status ReadDouble(od::value& value, std::string_view path, std::optional<double>* out) {
  od::json_type type;
  if (auto error = value.type().get(type)) return SyntaxError(path, error);
  if (type == od::json_type::null) {
    out->reset();
    return Status::OK();
  }
  if (type != od::json_type::number) return TypeError(path, "a number");
  double number;
  if (auto error = value.get_double().get(number)) return SyntaxError(path, error);
  *out = number;
  return Status::OK();
}

Status ReadBool(od::value& value, std::string_view path, std::optional<bool>* out) {
  od::json_type type;
  if (auto error = value.type().get(type)) return SyntaxError(path, error);
  if (type == od::json_type::null) {
    out->reset();
    return Status::OK();
  }
  if (type != od::json_type::boolean) return TypeError(path, "a boolean");
  bool flag;
  if (auto error = value.get_bool().get(flag)) return SyntaxError(path, error);
  *out = flag;
  return Status::OK();
}

Status ReadUint64(od::value& value, std::string_view path, uint64_t* out) {
  od::json_type type;
  if (auto error = value.type().get(type)) return SyntaxError(path, error);
  if (type == od::json_type::null) {
    *out = 0;
    return Status::OK();
  }
  if (type != od::json_type::number) return TypeError(path, "a non-negative integer");
  if (auto error = value.get_uint64().get(*out)) {
    if (error == simdjson::INCORRECT_TYPE || error == simdjson::NUMBER_OUT_OF_RANGE) {
      return TypeError(path, "a non-negative integer");
    }
    return SyntaxError(path, error);
  }
  return Status::OK();
}

Status ReadOutcome(od::value& value, std::string_view path, Outcome* out, NullText null_text,
                   bool numbers_as_strings, DetailsBuilder* unknown_outcomes) {
  od::json_type type;
  if (auto error = value.type().get(type)) return SyntaxError(path, error);
  if (type == od::json_type::boolean) {
    bool flag;
    if (auto error = value.get_bool().get(flag)) return SyntaxError(path, error);
    *out = flag ? Outcome::kSuccess : Outcome::kFailure;
    return Status::OK();
  }
  std::string text;
  AL_RETURN_IF_ERROR(numbers_as_strings ? ReadStringOrNumber(value, path, &text, null_text)
                                        : ReadString(value, path, &text, null_text));
  if (text.empty()) {
    *out = Outcome::kUnset;
    return Status::OK();
  }
  const std::optional<Outcome> outcome = OutcomeFromText(text);
  if (outcome) {
    *out = *outcome;
  } else if (unknown_outcomes != nullptr) {
    unknown_outcomes->AddString(path, text);  // a result spelling we do not know: keep it
  } else {
    return Status::InvalidArgument(
        fmt::format("{}: expected \"success\" or \"failure\", got \"{}\"", path, text));
  }
  return Status::OK();
}

Status ReadRegistryField(const FieldSpec& spec, od::value& value, std::string_view path,
                         const FieldReadOptions& options, Event* event,
                         DetailsBuilder* unknown_outcomes) {
  switch (spec.type) {
    case FieldType::kKeyword:
    case FieldType::kText:
      return options.numbers_as_strings
                 ? ReadStringOrNumber(value, path, spec.string_member(*event), options.null_text)
                 : ReadString(value, path, spec.string_member(*event), options.null_text);
    case FieldType::kTime:
      return ReadTime(value, path, options.epoch_unit, spec.time_member(*event), options.null_text);
    case FieldType::kUint64:
      return ReadUint64(value, path, &event->seq);
    case FieldType::kOutcome:
      return ReadOutcome(value, path, &event->result, options.null_text, options.numbers_as_strings,
                         unknown_outcomes);
    case FieldType::kDouble:
      return ReadDouble(value, path, spec.double_member(*event));
    case FieldType::kBool:
      return ReadBool(value, path, &event->ua.is_mobile);
    case FieldType::kJson:
      return CopyDetailsObject(value, path, &event->details);
  }
  return Status::Internal(fmt::format("{}: unhandled field type", path));
}

namespace {

struct ContainerText {
  size_t length = 0;
  bool has_space = false;  // whitespace between tokens, which minifying removes
};

// Measures the object or array whose text starts at `start`, by bracket
// balance. REQUIRES: the text is valid JSON (the caller walked it), so the
// matching bracket exists and the scan stops there.
ContainerText MeasureContainer(const char* start) {
  ContainerText measured;
  int depth = 0;
  bool in_string = false;
  for (size_t pos = 0;; ++pos) {
    const char c = start[pos];
    if (in_string) {
      if (c == '\\') {
        ++pos;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      measured.length = pos + 1;
      return measured;
    } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      measured.has_space = true;
    }
  }
}

Status CopyValidatedValueImpl(od::value& value, std::string_view path, int max_depth,
                              std::string* out, std::vector<std::string>* top_keys) {
  od::json_type type;
  if (auto error = value.type().get(type)) return SyntaxError(path, error);
  std::string_view raw;
  if (type == od::json_type::object || type == od::json_type::array) {
    // Walk first (every scalar parsed, depth counted), then take the text from
    // the opening bracket: simdjson's first pass checked only structure and
    // UTF-8, so raw text alone could hide a bad literal or number.
    const char* start = value.raw_json_token().data();
    WalkPath walk_path{path, {}};
    AL_RETURN_IF_ERROR(Walk(value, walk_path, 0, max_depth, top_keys));
    const ContainerText measured = MeasureContainer(start);
    raw = std::string_view(start, measured.length);
    if (!measured.has_space) {
      out->append(raw);  // already minified: the common case for machine-made JSON
      return Status::OK();
    }
  } else {
    // A scalar's token has no inner whitespace (strings keep theirs either way).
    raw = TrimRight(value.raw_json_token());
    WalkPath walk_path{path, {}};
    AL_RETURN_IF_ERROR(Walk(value, walk_path, 0, max_depth));
    out->append(raw);
    return Status::OK();
  }
  const size_t old_size = out->size();
  out->resize(old_size + raw.size());
  size_t minified_size = 0;
  if (auto error =
          simdjson::minify(raw.data(), raw.size(), out->data() + old_size, minified_size)) {
    out->resize(old_size);
    return SyntaxError(path, error);
  }
  out->resize(old_size + minified_size);
  return Status::OK();
}

}  // namespace

Status CopyValidatedValue(od::value& value, std::string_view path, int max_depth,
                          std::string* out) {
  return CopyValidatedValueImpl(value, path, max_depth, out, nullptr);
}

Status CopyDetailsObject(od::value& value, std::string_view path, std::string* out,
                         std::vector<std::string>* top_keys) {
  od::json_type type;
  if (auto error = value.type().get(type)) return SyntaxError(path, error);
  if (type == od::json_type::null) {
    out->clear();
    return Status::OK();
  }
  if (type != od::json_type::object) return TypeError(path, "an object");
  out->clear();
  AL_RETURN_IF_ERROR(CopyValidatedValueImpl(value, path, kMaxDetailsDepth, out, top_keys));
  if (out->size() <= 2) out->clear();  // "{}" carries nothing; absent is the canonical form
  return Status::OK();
}

namespace {

std::string SeenKey(std::string_view key, std::string_view raw_json) {
  std::string member;
  member.reserve(key.size() + 1 + raw_json.size());
  member.append(key).push_back('\0');  // raw JSON never holds a NUL, so the last one separates
  member.append(raw_json);
  return member;
}

}  // namespace

bool DetailsBuilder::Contains(std::string_view key, std::string_view raw_json) {
  if (members_.size() <= kScanLimit) {
    for (const auto& [name, raw] : members_) {
      if (name == key && raw == raw_json) return true;
    }
    return false;
  }
  if (seen_.empty()) {
    for (const auto& [name, raw] : members_) seen_.insert(SeenKey(name, raw));
  }
  return seen_.contains(SeenKey(key, raw_json));
}

void DetailsBuilder::AddRaw(std::string_view key, std::string_view raw_json) {
  if (Contains(key, raw_json)) return;
  if (!seen_.empty()) seen_.insert(SeenKey(key, raw_json));
  members_.emplace_back(std::string(key), std::string(raw_json));
}

void DetailsBuilder::AddString(std::string_view key, std::string_view value) {
  std::string raw;
  AppendJsonString(&raw, value);
  AddRaw(key, raw);
}

void DetailsBuilder::Absorb(DetailsBuilder&& other) {
  for (auto& [name, raw] : other.members_) AddRaw(name, raw);
  other.members_.clear();
  other.seen_.clear();
}

std::string DetailsBuilder::Finish(std::string base, const std::vector<std::string>& base_keys) && {
  if (members_.empty()) return base;
  // Names in use. A clash is rare, so the set is only built when there is
  // something to clash with.
  std::unordered_set<std::string_view> taken;
  const bool may_clash = !base_keys.empty() || members_.size() > 1;
  if (may_clash) {
    taken.insert(base_keys.begin(), base_keys.end());
  }
  std::vector<std::string> renamed_names;  // owns names made by renaming (taken views them)
  renamed_names.reserve(members_.size());
  // Next suffix to try per clashing name, so n clashes of one name cost O(n).
  std::unordered_map<std::string, size_t> next_suffix;
  std::string out;
  if (base.empty()) {
    out = "{";
  } else {
    base.pop_back();  // reopen the object: drop '}'
    out = std::move(base);
  }
  for (const auto& [key, raw] : members_) {
    std::string_view name = key;
    if (may_clash && taken.contains(name)) {
      // "@name" for the first clash, then "@name#2", "@name#3", ...
      std::string renamed = "@" + key;
      size_t& suffix = next_suffix[key];
      while (taken.contains(renamed)) renamed = fmt::format("@{}#{}", key, suffix++ + 2);
      renamed_names.push_back(std::move(renamed));
      name = renamed_names.back();
    }
    if (out.size() > 1) out.push_back(',');
    AppendJsonString(&out, name);
    out.push_back(':');
    out.append(raw);
    if (may_clash) taken.insert(name);
  }
  out.push_back('}');
  return out;
}

Status Iterate(od::parser& parser, PaddedView json, od::document* doc) {
  if (auto error = parser.iterate(json.data, json.size, json.size + kJsonPadding).get(*doc)) {
    return SyntaxError("", error);
  }
  return Status::OK();
}

Status CheckAtEnd(od::document& doc) {
  // current_location() fails with OUT_OF_BOUNDS exactly when nothing is left.
  const auto location = doc.current_location();
  if (location.error() == simdjson::OUT_OF_BOUNDS) return Status::OK();
  if (location.error()) return SyntaxError("", location.error());
  return Status::InvalidArgument("unexpected content after the JSON value");
}

std::optional<std::string_view> RawJsonText(od::value& value) {
  od::json_type type;
  if (value.type().get(type)) return std::nullopt;
  std::string_view raw;
  if (type == od::json_type::object) {
    od::object object;
    if (value.get_object().get(object) || object.raw_json().get(raw)) return std::nullopt;
  } else if (type == od::json_type::array) {
    od::array array;
    if (value.get_array().get(array) || array.raw_json().get(raw)) return std::nullopt;
  } else {
    raw = value.raw_json_token();
  }
  return TrimRight(raw);
}

std::optional<std::vector<std::pair<std::string, std::string>>> ObjectMembers(
    std::string_view object_text) {
  // One parser per thread: renderers call this for every event of a page.
  thread_local od::parser parser;
  const simdjson::padded_string padded(object_text);
  od::document document;
  od::object object;
  if (parser.iterate(padded).get(document) || document.get_object().get(object)) {
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::string>> members;
  for (auto field_result : object) {
    od::field field;
    if (std::move(field_result).get(field)) return std::nullopt;
    std::string_view name;
    if (field.unescaped_key().get(name)) return std::nullopt;
    std::string owned_name(name);  // the key lives in the parser's buffer only until the next one
    const auto raw = RawJsonText(field.value());
    if (!raw) return std::nullopt;
    members.emplace_back(std::move(owned_name), std::string(*raw));
  }
  return members;
}

}  // namespace auditlog::event::json
