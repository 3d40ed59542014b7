#include "common/status.h"

#include <gtest/gtest.h>

#include "common/result.h"
#include "testing/status_matchers.h"

namespace auditlog {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

TEST(Status, DefaultIsOkAndCarriesNoMessage) {
  Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kOk);
  EXPECT_EQ(status.message(), "");
  EXPECT_EQ(status.ToString(), "OK");
}

TEST(Status, ErrorKeepsCodeAndMessage) {
  const Status status = Status::InvalidArgument("actor.email: not a string");
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "actor.email: not a string");
  EXPECT_EQ(status.ToString(), "invalid_argument: actor.email: not a string");
}

TEST(Status, OkCodeWithMessageIsStillOk) { EXPECT_TRUE(Status(StatusCode::kOk, "ignored").ok()); }

TEST(Status, CopyIsDeepAndEqual) {
  const Status original = Status::IOError("wal: fsync failed");
  Status copy = original;
  EXPECT_EQ(copy, original);
  copy = Status::OK();
  EXPECT_FALSE(original.ok());
  EXPECT_TRUE(copy.ok());
}

TEST(Status, WithContextPrefixesTheMessage) {
  EXPECT_THAT(Status::InvalidArgument("not a string").WithContext("line 3"),
              StatusIs(StatusCode::kInvalidArgument, "line 3: not a string"));
  EXPECT_TRUE(Status::OK().WithContext("ignored").ok());
}

TEST(Status, EveryCodeHasAName) {
  for (int code = 0; code <= static_cast<int>(StatusCode::kInternal); ++code) {
    EXPECT_NE(StatusCodeName(static_cast<StatusCode>(code)), "unknown") << code;
  }
}

Status FailsWhen(bool fail) {
  if (fail) return Status::NotFound("segment 7");
  return Status::OK();
}

Status Propagates(bool fail) {
  AL_RETURN_IF_ERROR(FailsWhen(fail));
  return Status::Internal("reached the end");
}

TEST(Status, ReturnIfErrorPropagatesOnlyErrors) {
  EXPECT_THAT(Propagates(true), StatusIs(StatusCode::kNotFound, HasSubstr("segment 7")));
  EXPECT_THAT(Propagates(false), StatusIs(StatusCode::kInternal, HasSubstr("end")));
}

}  // namespace
}  // namespace auditlog
