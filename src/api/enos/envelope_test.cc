// EnOS's envelope, codes and localized messages.

#include "api/enos/envelope.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace auditlog::api::enos {
namespace {

TEST(EnosEnvelope, Locales) {
  EXPECT_EQ(*ParseLocale(std::nullopt), Locale::kEnUs);
  EXPECT_EQ(*ParseLocale(""), Locale::kEnUs);
  EXPECT_EQ(*ParseLocale("zh_CN"), Locale::kZhCn);
  EXPECT_EQ(*ParseLocale("pl_PL"), Locale::kPlPl);
  auto unknown = ParseLocale("fr_FR");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(),
            "locale: unsupported locale \"fr_FR\"; use en_US, zh_CN, es_ES, ja_JP, de_DE or pl_PL");
}

TEST(EnosEnvelope, SeedMessagesInBothLanguages) {
  EXPECT_EQ(ErrorMessage(ErrorCode::kBadRequest, Locale::kEnUs, Endpoint::kQuery),
            "The OU ID, pagination, start timestamp, and end timestamp are required");
  EXPECT_EQ(ErrorMessage(ErrorCode::kBadRequest, Locale::kZhCn, Endpoint::kQuery),
            "组织ID、分页参数、起始时间戳或截止时间戳为空");
  EXPECT_EQ(ErrorMessage(ErrorCode::kBadRequest, Locale::kDeDe, Endpoint::kQuery),
            "The OU ID, pagination, start timestamp, and end timestamp are required")
      << "locales without a translation answer in English";
}

TEST(EnosEnvelope, ErrorBody) {
  const http::Response response = ErrorResponse(Status::InvalidArgument("startTime: required"),
                                                Locale::kZhCn, Endpoint::kQuery);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(
      response.body,
      R"({"code":31400,"msg":"组织ID、分页参数、起始时间戳或截止时间戳为空","message":"组织ID、分页参数、起始时间戳或截止时间戳为空","detail":"startTime: required","data":null})");
  EXPECT_EQ(
      ErrorResponse(Status::Unauthenticated("invalid API key"), Locale::kEnUs, Endpoint::kQuery)
          .body,
      R"({"code":31401,"msg":"The token is invalid","message":"The token is invalid","detail":"invalid API key","data":null})");
  EXPECT_EQ(ErrorResponse(Status::IOError("disk"), Locale::kEnUs, Endpoint::kQuery).status, 500);
  EXPECT_EQ(ErrorResponse(Status::DeadlineExceeded("slow"), Locale::kEnUs, Endpoint::kQuery).status,
            504);
}

TEST(EnosEnvelope, BackpressureIs429WithRetryAfter) {
  for (const Status& status :
       {Status::ResourceExhausted("ingest: queue full"), Status::Unavailable("read-only")}) {
    const http::Response response = ErrorResponse(status, Locale::kEnUs, Endpoint::kProduce);
    const bool exhausted = status.code() == StatusCode::kResourceExhausted;
    EXPECT_EQ(response.status, exhausted ? 429 : 503);
    EXPECT_EQ(nlohmann::json::parse(response.body)["code"], exhausted ? 31429 : 31503);
    ASSERT_EQ(response.headers.size(), 1u);
    EXPECT_EQ(response.headers[0].first, "Retry-After");
    EXPECT_EQ(response.headers[0].second, "1");
  }
}

TEST(EnosEnvelope, RouterCodesStayOutsideEnosOwn) {
  EXPECT_EQ(RouterErrorCode(404), 31904u);
  EXPECT_EQ(RouterErrorCode(405), 31905u);
  EXPECT_EQ(RouterErrorCode(413), 31913u);
  EXPECT_EQ(RouterErrorCode(400), 31900u);
  EXPECT_EQ(RouterErrorCode(429), 31429u);
  EXPECT_EQ(RouterErrorCode(503), 31503u);
  EXPECT_EQ(RouterErrorCode(500), 31500u);
}

TEST(EnosEnvelope, SuccessBody) {
  EXPECT_EQ(SuccessResponse("true").body, R"({"code":0,"msg":"OK","message":"OK","data":true})");
}

TEST(EnosEnvelope, CodesOfStatuses) {
  EXPECT_EQ(CodeOf(StatusCode::kInvalidArgument), ErrorCode::kBadRequest);
  EXPECT_EQ(CodeOf(StatusCode::kUnauthenticated), ErrorCode::kUnauthorized);
  EXPECT_EQ(CodeOf(StatusCode::kPermissionDenied), ErrorCode::kForbidden);
  EXPECT_EQ(CodeOf(StatusCode::kNotFound), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOf(StatusCode::kResourceExhausted), ErrorCode::kTooManyRequests);
  EXPECT_EQ(CodeOf(StatusCode::kUnavailable), ErrorCode::kUnavailable);
  EXPECT_EQ(CodeOf(StatusCode::kCorruption), ErrorCode::kInternal);
}

}  // namespace
}  // namespace auditlog::api::enos
