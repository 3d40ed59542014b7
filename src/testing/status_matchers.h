#pragma once

// gtest helpers for Status and Result<T>.
//
//   AL_ASSERT_OK(expr);              // expr is a Status or Result<T>
//   AL_EXPECT_OK(expr);
//   AL_ASSERT_OK_AND_ASSIGN(auto x, ResultReturningCall());
//   EXPECT_THAT(status, StatusIs(StatusCode::kInvalidArgument, HasSubstr("actor.email")));

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/result.h"
#include "common/status.h"

namespace auditlog::testing {

inline const Status& ToStatus(const Status& status) { return status; }
template <typename T>
Status ToStatus(const Result<T>& result) {
  return result.status();
}

MATCHER_P2(StatusIs, code, message_matcher, "") {
  const Status status = ::auditlog::testing::ToStatus(arg);
  *result_listener << "status is " << status.ToString();
  return status.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(status.message()),
                                       result_listener);
}

}  // namespace auditlog::testing

#define AL_EXPECT_OK(expr) \
  EXPECT_TRUE(::auditlog::testing::ToStatus(expr).ok()) << ::auditlog::testing::ToStatus(expr)
#define AL_ASSERT_OK(expr) \
  ASSERT_TRUE(::auditlog::testing::ToStatus(expr).ok()) << ::auditlog::testing::ToStatus(expr)
#define AL_ASSERT_OK_AND_ASSIGN(lhs, expr) \
  AL_ASSERT_OK_AND_ASSIGN_IMPL_(AL_CONCAT_(al_test_result_, __LINE__), lhs, expr)
#define AL_ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  ASSERT_TRUE(tmp.ok()) << tmp.status();              \
  lhs = std::move(tmp).value()
