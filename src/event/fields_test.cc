#include "event/fields.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <vector>

namespace auditlog::event {
namespace {

TEST(Fields, PathsAreUniqueAndGroupsContiguousInJsonOrder) {
  std::set<std::string_view> paths;
  for (const FieldSpec& spec : AllFields())
    EXPECT_TRUE(paths.insert(spec.path).second) << spec.path;
  // The JSON order holds every field once, groups together, each where its
  // first field stands in the registry.
  std::set<std::string_view> closed_groups;
  std::string_view current_group;
  std::set<const FieldSpec*> seen;
  ASSERT_EQ(FieldsInJsonOrder().size(), AllFields().size());
  EXPECT_EQ(FieldsInJsonOrder().front(), &AllFields().front());
  for (const FieldSpec* field : FieldsInJsonOrder()) {
    const FieldSpec& spec = *field;
    EXPECT_TRUE(seen.insert(field).second) << spec.path;
    const size_t dot = spec.path.find('.');
    const std::string_view group = dot == std::string_view::npos ? "" : spec.path.substr(0, dot);
    if (group != current_group) {
      if (!current_group.empty()) closed_groups.insert(current_group);
      EXPECT_FALSE(closed_groups.contains(group)) << "group " << group << " is split";
      current_group = group;
    }
  }
}

TEST(Fields, StringFieldsHaveMembersAndOthersDoNot) {
  Event event;
  for (const FieldSpec& spec : AllFields()) {
    const bool is_string = spec.type == FieldType::kKeyword || spec.type == FieldType::kText;
    EXPECT_EQ(spec.string_member != nullptr, is_string) << spec.path;
    if (is_string) {
      // Each member is distinct: writing one is visible through it alone.
      spec.string_member(event)->assign(spec.path);
    }
  }
  for (const FieldSpec& spec : AllFields()) {
    if (spec.string_member != nullptr) {
      EXPECT_EQ(StringField(spec, event), spec.path);
    }
  }
  EXPECT_EQ(event.actor.email, "actor.email");
  EXPECT_EQ(event.geo.time_zone, "geo.time_zone");
}

TEST(Fields, SingletonTypesNameOneFieldEach) {
  std::map<FieldType, std::vector<std::string_view>> by_type;
  for (const FieldSpec& spec : AllFields()) by_type[spec.type].push_back(spec.path);
  EXPECT_EQ(by_type[FieldType::kUint64], std::vector<std::string_view>{"seq"});
  EXPECT_EQ(by_type[FieldType::kOutcome], std::vector<std::string_view>{"result"});
  EXPECT_EQ(by_type[FieldType::kBool], std::vector<std::string_view>{"ua.is_mobile"});
  EXPECT_EQ(by_type[FieldType::kJson], std::vector<std::string_view>{"details"});
  for (const FieldSpec& spec : AllFields()) {
    EXPECT_EQ(spec.time_member != nullptr, spec.type == FieldType::kTime) << spec.path;
    EXPECT_EQ(spec.double_member != nullptr, spec.type == FieldType::kDouble) << spec.path;
  }
}

TEST(Fields, LooksUpByPathAndByDialectName) {
  ASSERT_NE(FindField("actor.id"), nullptr);
  EXPECT_EQ(FindField("actor.id")->type, FieldType::kKeyword);
  EXPECT_EQ(FindField("timestamp")->index, IndexKind::kSorted);
  EXPECT_EQ(FindField("nope"), nullptr);
  EXPECT_EQ(FindFieldByDialectName("authing", "userId")->path, "actor.id");
  EXPECT_EQ(FindFieldByDialectName("enos", "account.id")->path, "actor.id");
  EXPECT_EQ(FindFieldByDialectName("auth0", "user_id")->path, "actor.id");
  EXPECT_EQ(FindFieldByDialectName("auth0", "client_id")->path, "client.id");
  EXPECT_EQ(FindFieldByDialectName("auth0", ""), nullptr);
}

TEST(Fields, CoverEveryMemberOfEvent) {
  // 49 string fields + seq, timestamp, received_at, result, details,
  // latitude, longitude, is_mobile. A new Event member must be registered.
  size_t strings = 0;
  for (const FieldSpec& spec : AllFields()) strings += spec.string_member != nullptr;
  EXPECT_EQ(strings, 49u);
  EXPECT_EQ(AllFields().size(), 57u);
}

TEST(Fields, JsonOrderKeepsTheFieldsAppendedToAGroupInsideIt) {
  std::vector<std::string_view> ua_paths;
  bool after_ua = false;
  for (const FieldSpec* field : FieldsInJsonOrder()) {
    if (field->path.starts_with("ua.")) {
      EXPECT_FALSE(after_ua) << field->path;
      ua_paths.push_back(field->path);
    } else if (!ua_paths.empty()) {
      after_ua = true;
    }
  }
  EXPECT_EQ(ua_paths.back(), "ua.os_minor");
  EXPECT_EQ(ua_paths.size(), 9u);
}

}  // namespace
}  // namespace auditlog::event

namespace auditlog::event {
namespace {

TEST(Event, ClearResetsEveryRegisteredField) {
  Event event;
  for (const FieldSpec& spec : AllFields()) {
    if (spec.string_member != nullptr) spec.string_member(event)->assign("x");
  }
  event.seq = 3;
  event.timestamp = 1;
  event.received_at = 2;
  event.result = Outcome::kFailure;
  event.geo.latitude = 1.0;
  event.geo.longitude = 2.0;
  event.ua.is_mobile = true;
  event.Clear();
  EXPECT_EQ(event, Event());
}

}  // namespace
}  // namespace auditlog::event
