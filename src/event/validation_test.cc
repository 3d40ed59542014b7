#include "event/validation.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace auditlog::event {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

Event MinimalEvent() {
  Event event;
  event.type = "s";
  return event;
}

TEST(ValidateEvent, TypeIsRequired) {
  AL_EXPECT_OK(ValidateEvent(MinimalEvent()));
  EXPECT_THAT(ValidateEvent(Event()), StatusIs(StatusCode::kInvalidArgument, "type: required"));
}

TEST(ValidateEvent, InvalidUtf8NamesTheField) {
  Event event = MinimalEvent();
  event.actor.email = "bad\xff";
  EXPECT_THAT(ValidateEvent(event),
              StatusIs(StatusCode::kInvalidArgument, "actor.email: invalid UTF-8"));
  event = MinimalEvent();
  event.geo.city_name = "\xed\xa0\x80";  // an encoded surrogate
  EXPECT_THAT(ValidateEvent(event),
              StatusIs(StatusCode::kInvalidArgument, "geo.city_name: invalid UTF-8"));
}

TEST(ValidateEvent, IdAndTimes) {
  Event event = MinimalEvent();
  event.id = "has space";
  EXPECT_THAT(ValidateEvent(event), StatusIs(StatusCode::kInvalidArgument, HasSubstr("id: ")));
  event = MinimalEvent();
  event.timestamp = -1;
  EXPECT_THAT(ValidateEvent(event),
              StatusIs(StatusCode::kInvalidArgument, "timestamp: out of range 1970..9999"));
}

TEST(ValidateEvent, DetailsMustBeAShallowObject) {
  Event event = MinimalEvent();
  event.details = "[1]";
  EXPECT_THAT(ValidateEvent(event),
              StatusIs(StatusCode::kInvalidArgument, "details: not an object"));
  event.details = std::string(16, '{') + std::string(16, '}');
  event.details = "{\"a\":" + std::string(15, '[') + std::string(15, ']') + "}";
  AL_EXPECT_OK(ValidateEvent(event));
  event.details = "{\"a\":" + std::string(16, '[') + std::string(16, ']') + "}";
  EXPECT_THAT(ValidateEvent(event),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("deeper than 16")));
}

TEST(JsonNestingDepth, IgnoresBracketsInStrings) {
  EXPECT_EQ(JsonNestingDepth("{}"), 1);
  EXPECT_EQ(JsonNestingDepth("1"), 0);
  EXPECT_EQ(JsonNestingDepth(R"({"a":"{{[[\"]]"})"), 1);
  EXPECT_EQ(JsonNestingDepth(R"({"a":[{"b":[]}]})"), 4);
}

}  // namespace
}  // namespace auditlog::event
