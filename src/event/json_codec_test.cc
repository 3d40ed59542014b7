#include "event/json_codec.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "event/fields.h"
#include "event/time.h"
#include "testing/status_matchers.h"

namespace auditlog::event {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

Status Decode(std::string_view json, Event* out) {
  static NativeJsonDecoder* decoder = new NativeJsonDecoder();
  const PaddedBuffer buffer(json);
  return decoder->Decode(buffer.view(), out);
}

// The bench workload's event shape (gen_events.py), every group present.
constexpr std::string_view kFullEvent =
    R"({"id":"01JPE41QSYFJ5EPE3FGP8ZHK9T","tenant":"acme","seq":7,
 "timestamp":"2025-03-16T00:01:42.549Z","received_at":1742083303000,
 "type":"s","name":"Success Login","description":"Nicole Barnes logged in","result":"success",
 "result_message":null,"operation":{"type":"login","mode":"sdk"},
 "resource":{"type":"user","id":"u_nk083geh03s5","name":"Nicole Barnes"},
 "origin_value":"a","target_value":"b","details":{ "connection" : "email", "n":[1, 2.5e3, true, null] },
 "actor":{"id":"u_nk083geh03s5","name":"Nicole Barnes","email":"nicole@acme.example.com","type":"user","role":"admin"},
 "client":{"id":"qs5y7","name":"Store Console 18"},"connection":"email","strategy":"auth0","audience":"api",
 "scope":"openid","request_id":"a5f9ca6c","session_id":"0f9a7e53","ip":"166.110.56.251","hostname":"login.acme",
 "user_agent":"Mozilla/5.0","security_context":{"ja3":"j3","ja4":"j4"},
 "geo":{"country_code":"CN","country_code3":"CHN","country_name":"China","region_code":"BJ","region_name":"Beijing",
        "city_name":"Beijing","latitude":39.9288,"longitude":116.3889,"time_zone":"Asia/Shanghai","continent_code":"AS",
        "asn":"4808","as_org":"China Unicom Beijing Province Network"},
 "ua":{"name":"Chrome","major":"104","minor":"0","patch":"1","os":"Windows","os_major":"10","device":"Other","is_mobile":false,
       "os_minor":"0"}})";

TEST(NativeJson, DecodesEveryField) {
  Event event;
  AL_ASSERT_OK(Decode(kFullEvent, &event));
  EXPECT_EQ(event.id, "01JPE41QSYFJ5EPE3FGP8ZHK9T");
  EXPECT_EQ(event.tenant, "acme");
  EXPECT_EQ(event.seq, 7u);
  EXPECT_EQ(event.timestamp, 1742083302549000);
  EXPECT_EQ(event.received_at, 1742083303000000);
  EXPECT_EQ(event.type, "s");
  EXPECT_EQ(event.name, "Success Login");
  EXPECT_EQ(event.description, "Nicole Barnes logged in");
  EXPECT_EQ(event.result, Outcome::kSuccess);
  EXPECT_EQ(event.result_message, "");
  EXPECT_EQ(event.operation.type, "login");
  EXPECT_EQ(event.operation.mode, "sdk");
  EXPECT_EQ(event.resource.type, "user");
  EXPECT_EQ(event.resource.id, "u_nk083geh03s5");
  EXPECT_EQ(event.resource.name, "Nicole Barnes");
  EXPECT_EQ(event.origin_value, "a");
  EXPECT_EQ(event.target_value, "b");
  EXPECT_EQ(event.details, R"({"connection":"email","n":[1,2.5e3,true,null]})");
  EXPECT_EQ(event.actor.id, "u_nk083geh03s5");
  EXPECT_EQ(event.actor.name, "Nicole Barnes");
  EXPECT_EQ(event.actor.email, "nicole@acme.example.com");
  EXPECT_EQ(event.actor.type, "user");
  EXPECT_EQ(event.actor.role, "admin");
  EXPECT_EQ(event.client.id, "qs5y7");
  EXPECT_EQ(event.client.name, "Store Console 18");
  EXPECT_EQ(event.connection, "email");
  EXPECT_EQ(event.strategy, "auth0");
  EXPECT_EQ(event.audience, "api");
  EXPECT_EQ(event.scope, "openid");
  EXPECT_EQ(event.request_id, "a5f9ca6c");
  EXPECT_EQ(event.session_id, "0f9a7e53");
  EXPECT_EQ(event.ip, "166.110.56.251");
  EXPECT_EQ(event.hostname, "login.acme");
  EXPECT_EQ(event.user_agent, "Mozilla/5.0");
  EXPECT_EQ(event.security_context.ja3, "j3");
  EXPECT_EQ(event.security_context.ja4, "j4");
  EXPECT_EQ(event.geo.country_code, "CN");
  EXPECT_EQ(event.geo.country_code3, "CHN");
  EXPECT_EQ(event.geo.country_name, "China");
  EXPECT_EQ(event.geo.region_code, "BJ");
  EXPECT_EQ(event.geo.region_name, "Beijing");
  EXPECT_EQ(event.geo.city_name, "Beijing");
  EXPECT_EQ(event.geo.latitude, 39.9288);
  EXPECT_EQ(event.geo.longitude, 116.3889);
  EXPECT_EQ(event.geo.time_zone, "Asia/Shanghai");
  EXPECT_EQ(event.geo.continent_code, "AS");
  EXPECT_EQ(event.geo.asn, "4808");
  EXPECT_EQ(event.geo.as_org, "China Unicom Beijing Province Network");
  EXPECT_EQ(event.ua.name, "Chrome");
  EXPECT_EQ(event.ua.major, "104");
  EXPECT_EQ(event.ua.minor, "0");
  EXPECT_EQ(event.ua.patch, "1");
  EXPECT_EQ(event.ua.os, "Windows");
  EXPECT_EQ(event.ua.os_major, "10");
  EXPECT_EQ(event.ua.device, "Other");
  EXPECT_EQ(event.ua.is_mobile, false);
  EXPECT_EQ(event.ua.os_minor, "0");
}

// An event rendered through a view of it (what storage renders rows from).
std::string ViewJson(const Event& event) {
  std::string out;
  AppendEventJson(EventView(event), &out);
  return out;
}

TEST(NativeJson, AViewRendersTheSameBytesAsItsEvent) {
  Event event;
  AL_ASSERT_OK(Decode(kFullEvent, &event));
  EXPECT_EQ(ViewJson(event), EventToJson(event));
  EXPECT_EQ(ViewJson(Event{}), "{}");
  // A view filled by hand: values by registry index, absent unless set.
  EventView view;
  view.values[FieldIndexOf(*FindField("type"))].set_text("s");
  view.values[FieldIndexOf(*FindField("result"))].set_text("failure");
  view.values[FieldIndexOf(*FindField("ua.is_mobile"))].set_text("true");
  view.values[FieldIndexOf(*FindField("geo.latitude"))].set_number(1.5);
  view.values[FieldIndexOf(*FindField("timestamp"))].set_time(1'000'000);
  view.seq = 3;
  Event same;
  same.type = "s";
  same.result = Outcome::kFailure;
  same.ua.is_mobile = true;
  same.geo.latitude = 1.5;
  same.timestamp = 1'000'000;
  same.seq = 3;
  std::string out;
  AppendEventJson(view, &out);
  EXPECT_EQ(out, EventToJson(same));
  EXPECT_NE(out.find(R"("geo":{"latitude":1.5})"), std::string::npos) << out;
}

// Values of control characters (six bytes each once escaped) large enough
// that the renderer's buffer grows in the middle of an event, and then is
// given back: the view renders what the event does, event after event.
TEST(NativeJson, LargeEscapedValuesRenderTheSameThroughAView) {
  for (const size_t bytes : {size_t{1000}, size_t{70'000}, size_t{400'000}, size_t{10}}) {
    Event event;
    event.type = "s";
    event.description = std::string(bytes, '\x01');
    event.actor.name = std::string(bytes / 2, '"');
    event.user_agent = std::string(bytes / 3, 'u');
    const std::string json = EventToJson(event);
    EXPECT_EQ(ViewJson(event), json) << bytes;
    EXPECT_NE(json.find(R"("description":"\u0001\u0001)"), std::string::npos);
    EXPECT_GT(json.size(), 6 * bytes + 2 * (bytes / 2));
  }
}

TEST(NativeJson, EncodesInRegistryOrderAndDecodesBackEqual) {
  Event event;
  AL_ASSERT_OK(Decode(kFullEvent, &event));
  const std::string encoded = EventToJson(event);
  EXPECT_TRUE(encoded.starts_with(
      R"({"id":"01JPE41QSYFJ5EPE3FGP8ZHK9T","tenant":"acme","seq":7,"timestamp":"2025-03-16T00:01:42.549Z",)"))
      << encoded;
  // Fields appended to the registry later are written inside their group.
  EXPECT_NE(encoded.find(R"("continent_code":"AS","asn":"4808",)"), std::string::npos) << encoded;
  EXPECT_TRUE(encoded.ends_with(R"("is_mobile":false,"os_minor":"0"}})")) << encoded;
  Event again;
  AL_ASSERT_OK(Decode(encoded, &again));
  EXPECT_EQ(again, event);
}

// Any subset of a full event's fields (with its type) written and read
// back: members are comma-separated, groups opened only for present fields
// and closed, and the event decodes back equal.
TEST(NativeJson, AnySubsetOfFieldsEncodesAndDecodesBackEqual) {
  Event full;
  AL_ASSERT_OK(Decode(kFullEvent, &full));
  EXPECT_TRUE(rc::check([&](uint64_t absent_mask) {
    Event event = full;
    const auto fields = AllFields();
    for (size_t i = 0; i < fields.size(); ++i) {
      const FieldSpec& spec = fields[i];
      // `type` is the one field a record must have to be read back.
      if ((absent_mask >> (i % 64) & 1) == 0 || spec.path == "type") continue;
      switch (spec.type) {
        case FieldType::kKeyword:
        case FieldType::kText:
          spec.string_member(event)->clear();
          break;
        case FieldType::kTime:
          spec.time_member(event)->reset();
          break;
        case FieldType::kUint64:
          event.seq = 0;
          break;
        case FieldType::kOutcome:
          event.result = Outcome::kUnset;
          break;
        case FieldType::kDouble:
          spec.double_member(event)->reset();
          break;
        case FieldType::kBool:
          event.ua.is_mobile.reset();
          break;
        case FieldType::kJson:
          event.details.clear();
          break;
      }
    }
    const std::string encoded = EventToJson(event);
    RC_ASSERT(ViewJson(event) == encoded);
    for (std::string_view wrong : {",,", "{,", ",}", "{}", "}{"}) {
      if (encoded != "{}") RC_ASSERT(encoded.find(wrong) == std::string::npos);
    }
    Event again;
    RC_ASSERT(Decode(encoded, &again).ok());
    RC_ASSERT(again == event);
  }));
}

TEST(NativeJson, AbsentFieldsAreOmitted) {
  Event event;
  event.type = "f";
  EXPECT_EQ(EventToJson(event), R"({"type":"f"})");
}

TEST(NativeJson, ErrorsNameTheFieldPath) {
  Event event;
  EXPECT_THAT(Decode(R"({"type":"s","actor":{"email":42}})", &event),
              StatusIs(StatusCode::kInvalidArgument, "actor.email: not a string"));
  EXPECT_THAT(Decode(R"({"type":"s","actor":"bob"})", &event),
              StatusIs(StatusCode::kInvalidArgument, "actor: not an object"));
  EXPECT_THAT(Decode(R"({"type":"s","acter":{}})", &event),
              StatusIs(StatusCode::kInvalidArgument, "acter: unknown field"));
  EXPECT_THAT(Decode(R"({"type":"s","actor":{"mail":"x"}})", &event),
              StatusIs(StatusCode::kInvalidArgument, "actor.mail: unknown field"));
  EXPECT_THAT(
      Decode(R"({"type":"s","timestamp":"99999-01-01T00:00:00Z"})", &event),
      StatusIs(StatusCode::kInvalidArgument, "timestamp: year 99999 out of range 1970..9999"));
  EXPECT_THAT(Decode(R"({"type":"s","timestamp":true})", &event),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("timestamp: not a time")));
  EXPECT_THAT(Decode(R"({"type":"s","result":"maybe"})", &event),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("result: expected \"success\" or \"failure\"")));
  EXPECT_THAT(Decode(R"({"type":"s","seq":-1})", &event),
              StatusIs(StatusCode::kInvalidArgument, "seq: not a non-negative integer"));
  EXPECT_THAT(Decode(R"({"type":"s","details":[1]})", &event),
              StatusIs(StatusCode::kInvalidArgument, "details: not an object"));
  EXPECT_THAT(Decode(R"({"type":"s","geo":{"latitude":"north"}})", &event),
              StatusIs(StatusCode::kInvalidArgument, "geo.latitude: not a number"));
  EXPECT_THAT(Decode(R"({"name":"no type"})", &event),
              StatusIs(StatusCode::kInvalidArgument, "type: required"));
  EXPECT_THAT(Decode(R"([{"type":"s"}])", &event),
              StatusIs(StatusCode::kInvalidArgument, "event: not a JSON object"));
}

TEST(NativeJson, MalformedJsonIsReportedNotCrashed) {
  Event event;
  EXPECT_THAT(Decode(R"({"type":"s","actor":{"id":"x")", &event),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("truncated or unbalanced")));
  EXPECT_THAT(Decode(R"({"type":"s"} {"type":"f"})", &event),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unexpected content after")));
  EXPECT_THAT(Decode(R"({"type":"s","details":{"a":tru}})", &event),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("details")));
  EXPECT_THAT(Decode(R"({"type":"s","details":{"a":1e999}})", &event),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("details.a: malformed or out-of-range number")));
  EXPECT_THAT(Decode(R"({"type":"s\ud800"})", &event),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("type")));
  EXPECT_THAT(Decode("{\"type\":\"s\xff\"}", &event),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("UTF-8")));
  EXPECT_THAT(Decode("", &event), StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty")));
}

TEST(NativeJson, DetailsNestingLimitIsSixteen) {
  Event event;
  const auto nested = [](int depth) {
    // details itself is level 1.
    return R"({"type":"s","details":)" + std::string(static_cast<size_t>(depth - 1), '[') + "{}" +
           std::string(static_cast<size_t>(depth - 1), ']') + "}";
  };
  // With arrays inside the object the count is: object (1) + arrays.
  const std::string ok =
      R"({"type":"s","details":{"a":)" + std::string(15, '[') + std::string(15, ']') + "}}";
  const std::string deep =
      R"({"type":"s","details":{"a":)" + std::string(16, '[') + std::string(16, ']') + "}}";
  AL_EXPECT_OK(Decode(ok, &event));
  EXPECT_THAT(Decode(deep, &event),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("nesting deeper than 16 levels")));
  (void)nested;
  // A pathological depth (far beyond any parser limit) is an error, not a crash.
  const std::string bomb =
      R"({"type":"s","details":{"a":)" + std::string(100000, '[') + std::string(100000, ']') + "}}";
  EXPECT_FALSE(Decode(bomb, &event).ok());
}

TEST(NativeJson, EventSizeLimit) {
  Event event;
  const std::string big =
      R"({"type":"s","description":")" + std::string(kMaxEventBytes, 'x') + "\"}";
  EXPECT_THAT(Decode(big, &event),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("over the limit of 262144")));
}

TEST(NativeJson, TimeForms) {
  Event event;
  for (const char* form :
       {R"("2021-09-22T07:47:21.559-0000")", R"("2021-09-22T15:47:21.559+08:00")", "1632296841559",
        R"("1632296841559")", "1632296841559.0"}) {
    AL_ASSERT_OK(Decode(std::string(R"({"type":"s","timestamp":)") + form + "}", &event));
    EXPECT_EQ(event.timestamp, 1632296841559000) << form;
  }
  AL_ASSERT_OK(Decode(R"({"type":"s","timestamp":null})", &event));
  EXPECT_FALSE(event.timestamp.has_value());
}

TEST(NativeJson, EscapedKeysAndValues) {
  Event event;
  AL_ASSERT_OK(Decode(R"({"t\u0079pe":"s\u00e9\n","actor":{"n\u0061me":"\u4e2d"}})", &event));
  EXPECT_EQ(event.type, "s\xc3\xa9\n");
  EXPECT_EQ(event.actor.name, "\xe4\xb8\xad");
}

// Random events survive encode -> decode unchanged.
RC_GTEST_PROP(NativeJsonProperty, RoundTrip, ()) {
  Event event;
  for (const FieldSpec& spec : AllFields()) {
    if (spec.string_member == nullptr) continue;
    if (*rc::gen::inRange(0, 3)) continue;
    std::string value = *rc::gen::container<std::string>(rc::gen::inRange<char>(1, 127));
    spec.string_member(event)->assign(value);
  }
  if (event.type.empty()) event.type = "s";
  event.id.clear();  // ids have their own alphabet; covered by event_id_test
  event.seq = *rc::gen::inRange<uint64_t>(0, UINT64_MAX);
  if (*rc::gen::arbitrary<bool>())
    event.timestamp = *rc::gen::inRange<UnixMicros>(kMinTimeMicros, kMaxTimeMicros);
  event.result = static_cast<Outcome>(*rc::gen::inRange(0, 3));
  if (*rc::gen::arbitrary<bool>()) event.geo.latitude = *rc::gen::inRange(-90000, 90000) / 1000.0;
  if (*rc::gen::arbitrary<bool>()) event.ua.is_mobile = *rc::gen::arbitrary<bool>();
  if (*rc::gen::arbitrary<bool>()) event.details = R"({"k":[1,"v",{"x":null}]})";
  Event again;
  const Status status = Decode(EventToJson(event), &again);
  RC_ASSERT(status.ok());
  RC_ASSERT(again == event);
  RC_ASSERT(ViewJson(event) == EventToJson(event));
}

}  // namespace
}  // namespace auditlog::event
