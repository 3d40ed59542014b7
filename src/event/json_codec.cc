#include "event/json_codec.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/check.h"
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

// The native form's members in JSON order, worked out once: a grouped
// field's group ("actor") and every member name already encoded, and where
// each member lies in an Event. (Deriving and escaping the names for each
// field of each event was most of rendering a page of events; then reaching
// each member through its FieldSpec accessor, an indirect call to a
// different function for every field, which the CPU mispredicts, was a third
// of what remained.)
struct JsonLayout {
  // Encoded text of at most kRoom bytes, padded: written by copying kRoom
  // bytes (one vector move) and advancing by its size, where a memcpy of
  // its size is a call per member of every event.
  struct Short {
    static constexpr size_t kRoom = 32;
    std::array<char, kRoom> bytes{};
    size_t size = 0;

    explicit Short(std::string_view text) : size(text.size()) {
      AL_CHECK(text.size() <= kRoom, "a field name too long for the JSON layout");
      std::copy(text.begin(), text.end(), bytes.begin());
    }
    // REQUIRES: kRoom bytes of room at `at`.
    char* WriteTo(char* at) const {
      std::memcpy(at, bytes.data(), kRoom);
      return at + size;
    }
  };
  struct Member {
    FieldType type;
    size_t field;  // registry index
    // Bytes from an Event's start to the member, for string, time and
    // double fields (the singleton types are addressed by name).
    ptrdiff_t offset;
    int group;   // index into groups; -1: a top-level member
    Short name;  // `"id":`
  };
  std::vector<Member> members;
  std::vector<Short> groups;  // `"actor":{`

  JsonLayout() {
    Event probe;
    auto offset_of = [&](const void* member) {
      return reinterpret_cast<const char*>(member) - reinterpret_cast<const char*>(&probe);
    };
    std::string_view last_group;
    for (const FieldSpec* field : FieldsInJsonOrder()) {
      const size_t dot = field->path.find('.');
      Member member{field->type, FieldIndexOf(*field), 0, -1, Short("")};
      if (field->string_member != nullptr) member.offset = offset_of(field->string_member(probe));
      if (field->time_member != nullptr) member.offset = offset_of(field->time_member(probe));
      if (field->double_member != nullptr) member.offset = offset_of(field->double_member(probe));
      std::string_view name = field->path;
      if (dot != std::string_view::npos) {
        const std::string_view group = field->path.substr(0, dot);
        if (groups.empty() || group != last_group) {
          std::string encoded;
          AppendJsonString(&encoded, group);
          groups.emplace_back(encoded + ":{");
          last_group = group;
        }
        member.group = static_cast<int>(groups.size()) - 1;
        name = field->path.substr(dot + 1);
      }
      std::string encoded;
      AppendJsonString(&encoded, name);
      encoded.push_back(':');
      member.name = Short(encoded);
      members.push_back(std::move(member));
    }
  }
};

const JsonLayout& Layout() {
  static NoDestructor<JsonLayout> layout;
  return *layout;
}

template <typename T>
const T& MemberAt(const Event& event, ptrdiff_t offset) {
  return *reinterpret_cast<const T*>(reinterpret_cast<const char*>(&event) + offset);
}

// What AppendJson reads of an Event.
struct EventValues {
  const Event& event;
  std::string_view Text(const JsonLayout::Member& member) const {
    return MemberAt<std::string>(event, member.offset);
  }
  const std::optional<UnixMicros>& Time(const JsonLayout::Member& member) const {
    return MemberAt<std::optional<UnixMicros>>(event, member.offset);
  }
  const std::optional<double>& Number(const JsonLayout::Member& member) const {
    return MemberAt<std::optional<double>>(event, member.offset);
  }
  uint64_t Seq() const { return event.seq; }
  std::string_view Outcome(const JsonLayout::Member&) const { return OutcomeName(event.result); }
  std::string_view Bool(const JsonLayout::Member&) const {
    return EventView::BoolText(event.ua.is_mobile);
  }
  std::string_view Json(const JsonLayout::Member&) const { return event.details; }
};

// What AppendJson reads of an EventView.
struct ViewValues {
  const EventView& view;
  const EventView::Value& At(const JsonLayout::Member& member) const {
    return view.values[member.field];
  }
  std::string_view Text(const JsonLayout::Member& member) const { return At(member).text(); }
  std::optional<UnixMicros> Time(const JsonLayout::Member& member) const {
    return At(member).time();
  }
  std::optional<double> Number(const JsonLayout::Member& member) const {
    return At(member).number();
  }
  uint64_t Seq() const { return view.seq; }
  std::string_view Outcome(const JsonLayout::Member& member) const { return At(member).text(); }
  std::string_view Bool(const JsonLayout::Member& member) const { return At(member).text(); }
  std::string_view Json(const JsonLayout::Member& member) const { return At(member).text(); }
};

// Where AppendJson writes an event: a buffer of the thread's, grown and
// never shrunk, whose bytes are all initialized (WriteJsonString reads past
// what it writes). Writing through a pointer after making room for each
// member, instead of appending piece by piece to a std::string (a capacity
// check and a call for every name, quote and value), halved rendering.
class EventBuffer {
 public:
  static EventBuffer& OfThisThread() {
    thread_local EventBuffer buffer;
    return buffer;
  }
  char* begin() { return bytes_.get(); }
  // Gives back a buffer that an unusually large event grew (a page of them
  // would otherwise keep megabytes per thread for the process's life).
  void ShrinkIfLarge() {
    constexpr size_t kKeptBytes = size_t{1} << 20;
    if (capacity_ <= kKeptBytes) return;
    bytes_.reset();
    capacity_ = 0;
  }
  // Makes room for `bytes` more at `*at` (which may move).
  void Reserve(char** at, size_t bytes) {
    const auto used = static_cast<size_t>(*at - begin());
    if (capacity_ - used >= bytes) return;
    const size_t capacity = std::max({capacity_ * 2, used + bytes, size_t{16} << 10});
    auto grown = std::make_unique<char[]>(capacity);  // zeroed: initialized
    if (used > 0) std::memcpy(grown.get(), begin(), used);
    bytes_ = std::move(grown);
    capacity_ = capacity;
    *at = begin() + used;
  }

 private:
  std::unique_ptr<char[]> bytes_;
  size_t capacity_ = 0;
};

char* Put(char* at, std::string_view bytes) {
  std::memcpy(at, bytes.data(), bytes.size());
  return at + bytes.size();
}

template <typename Values>
void AppendJson(const Values& values, std::string* out) {
  // Grouped fields ("actor.id", ...) are contiguous in the layout; a group's
  // object is opened at its first present field and closed when the group
  // ends. Absent fields (empty text, no value) are left out, so are groups
  // with none present.
  const JsonLayout& layout = Layout();
  EventBuffer& buffer = EventBuffer::OfThisThread();
  char* at = buffer.begin();
  buffer.Reserve(&at, 2);
  char number[kRfc3339MaxBytes];  // a time's or a number's text
  *at++ = '{';
  bool first = true;           // no member written yet at the top level
  bool first_in_group = true;  // none yet in the open group
  int open_group = -1;
  for (const JsonLayout::Member& member : layout.members) {
    // The value: a string to write quoted and escaped, or JSON as it is.
    std::string_view text;
    bool quoted = true;
    switch (member.type) {
      case FieldType::kKeyword:
      case FieldType::kText:
        text = values.Text(member);
        break;
      case FieldType::kTime:
        if (const auto& time = values.Time(member))
          text = std::string_view(number, FormatRfc3339To(*time, number));
        break;
      case FieldType::kUint64:
        quoted = false;
        if (const uint64_t seq = values.Seq(); seq != 0)
          text = std::string_view(number, fmt::format_to(number, "{}", seq) - number);
        break;
      case FieldType::kOutcome:
        text = values.Outcome(member);
        break;
      case FieldType::kDouble:
        quoted = false;
        if (const auto& value = values.Number(member))
          text = std::string_view(number, fmt::format_to(number, "{}", *value) - number);
        break;
      case FieldType::kBool:
        quoted = false;
        text = values.Bool(member);
        break;
      case FieldType::kJson:
        quoted = false;
        text = values.Json(member);
        break;
    }
    if (text.empty()) continue;
    // "},", the group's opener, ",", the name, the value, and the final "}}".
    buffer.Reserve(&at, 2 + JsonLayout::Short::kRoom + 1 + JsonLayout::Short::kRoom +
                            (quoted ? JsonStringRoom(text.size()) : text.size()) + 2);
    if (open_group >= 0 && member.group != open_group) {
      *at++ = '}';
      open_group = -1;
    }
    if (member.group >= 0 && member.group != open_group) {
      if (!first) *at++ = ',';
      first = false;
      at = layout.groups[static_cast<size_t>(member.group)].WriteTo(at);
      open_group = member.group;
      first_in_group = true;
    }
    bool& first_here = open_group >= 0 ? first_in_group : first;
    if (!first_here) *at++ = ',';
    first_here = false;
    at = member.name.WriteTo(at);
    at = quoted ? WriteJsonString(at, text) : Put(at, text);
  }
  if (open_group >= 0) *at++ = '}';
  *at++ = '}';
  out->append(buffer.begin(), static_cast<size_t>(at - buffer.begin()));
  buffer.ShrinkIfLarge();
}

}  // namespace

void AppendEventJson(const Event& event, std::string* out) { AppendJson(EventValues{event}, out); }

void AppendEventJson(const EventView& view, std::string* out) { AppendJson(ViewValues{view}, out); }

namespace {

// Every value absent, copied into each new view: a copy of these trivially
// copyable values is one memcpy, where constructing them is a loop over
// every field.
const std::vector<EventView::Value>& AbsentValues() {
  static_assert(std::is_trivially_copyable_v<EventView::Value>);
  static_assert(sizeof(EventView::Value) == 16);
  static const NoDestructor<std::vector<EventView::Value>> absent(AllFields().size());
  return *absent;
}

}  // namespace

EventView::EventView() : values(AbsentValues()) {}

EventView::EventView(const Event& event) : EventView() {
  // Read the way rendering an Event reads it, so the two render the same.
  const EventValues source{event};
  for (const JsonLayout::Member& member : Layout().members) {
    Value& value = values[member.field];
    switch (member.type) {
      case FieldType::kKeyword:
      case FieldType::kText:
        value.set_text(source.Text(member));
        break;
      case FieldType::kTime:
        value.set_time(source.Time(member));
        break;
      case FieldType::kDouble:
        value.set_number(source.Number(member));
        break;
      case FieldType::kOutcome:
        value.set_text(source.Outcome(member));
        break;
      case FieldType::kBool:
        value.set_text(source.Bool(member));
        break;
      case FieldType::kJson:
        value.set_text(source.Json(member));
        break;
      case FieldType::kUint64:
        break;
    }
  }
  seq = source.Seq();
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
