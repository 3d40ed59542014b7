#include "common/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "testing/status_matchers.h"

namespace auditlog {
namespace {

using ::auditlog::testing::StatusIs;

Result<int> Half(int value) {
  if (value % 2 != 0) return Status::InvalidArgument("odd");
  return value / 2;
}

Result<int> Quarter(int value) {
  AL_ASSIGN_OR_RETURN(int half, Half(value));
  AL_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(Result, HoldsValueOrError) {
  const Result<int> good = Half(8);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 4);
  EXPECT_TRUE(good.status().ok());
  const Result<int> bad = Half(3);
  EXPECT_FALSE(bad.ok());
  EXPECT_THAT(bad.status(), StatusIs(StatusCode::kInvalidArgument, "odd"));
  EXPECT_EQ(bad.value_or(-1), -1);
}

TEST(Result, AssignOrReturnStopsAtFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_THAT(Quarter(6), StatusIs(StatusCode::kInvalidArgument, "odd"));
}

TEST(Result, BuiltFromOkStatusIsAnInternalError) {
  const Result<int> result = Status::OK();
  EXPECT_THAT(result.status(), StatusIs(StatusCode::kInternal, ::testing::HasSubstr("OK")));
}

TEST(Result, HoldsMoveOnlyValues) {
  Result<std::unique_ptr<std::string>> result = std::make_unique<std::string>("wal");
  ASSERT_TRUE(result.ok());
  std::unique_ptr<std::string> owned = std::move(result).value();
  EXPECT_EQ(*owned, "wal");
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  const Result<int> bad = Half(1);
  EXPECT_DEATH((void)bad.value(), "");
}

}  // namespace
}  // namespace auditlog
