#include "http/router.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/error_mapping.h"

namespace auditlog::http {
namespace {

using ::testing::HasSubstr;

Handler Echo(std::string name) {
  return [name](Request& request) {
    std::string body = name;
    for (const auto& [key, value] : request.path_params) body += " " + key + "=" + value;
    return Response::Json(200, body);
  };
}

Response Route(const Router& router, std::string method, std::string path) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  return router.Dispatch(request);
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.Add("GET", "/v1/events", Echo("search"));
    router_.Add("POST", "/v1/events", Echo("ingest"));
    router_.Add("GET", "/v1/events/{id}", Echo("get"));
    router_.Add("GET", "/v1/events/export", Echo("export"));
    router_.Add("DELETE", "/v1/tenants/{id}/keys/{key_id}", Echo("revoke"));
  }
  Router router_;
};

TEST_F(RouterTest, MatchesLiteralAndParameterSegments) {
  EXPECT_EQ(Route(router_, "GET", "/v1/events").body, "search");
  EXPECT_EQ(Route(router_, "POST", "/v1/events").body, "ingest");
  EXPECT_EQ(Route(router_, "GET", "/v1/events/abc").body, "get id=abc");
  EXPECT_EQ(Route(router_, "DELETE", "/v1/tenants/acme/keys/k1").body, "revoke id=acme key_id=k1");
}

TEST_F(RouterTest, LiteralSegmentsWinOverParameters) {
  EXPECT_EQ(Route(router_, "GET", "/v1/events/export").body, "export");
}

TEST_F(RouterTest, SetsTheRouteLabel) {
  Request request;
  request.method = "GET";
  request.path = "/v1/events/x";
  router_.Dispatch(request);
  EXPECT_EQ(request.route, "/v1/events/{id}");
}

TEST_F(RouterTest, UnknownPathsAreNotFound) {
  for (const char* path : {"/", "/v1", "/v1/events/", "/v1/events/a/b", "/v2/events",
                           "/v1/events//", "/../etc/passwd", "/v1/tenants/a/keys/"}) {
    const Response response = Route(router_, "GET", path);
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_THAT(response.body, HasSubstr("\"code\":\"not_found\"")) << path;
  }
}

TEST_F(RouterTest, KnownPathWithAnotherMethodIs405WithAllow) {
  const Response response = Route(router_, "DELETE", "/v1/events");
  EXPECT_EQ(response.status, 405);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Allow");
  EXPECT_EQ(response.headers[0].second, "GET, POST");
}

TEST_F(RouterTest, HeadIsRoutedAsGet) {
  EXPECT_EQ(Route(router_, "HEAD", "/v1/events").body, "search");
}

TEST_F(RouterTest, ErrorsUseTheLongestPrefixRenderer) {
  router_.SetErrorRenderer("/api/v2/", [](const Request&, int status, const Status& why) {
    return Response::Json(status, "auth0:" + std::string(why.message()));
  });
  EXPECT_EQ(Route(router_, "GET", "/api/v2/nothing").body,
            "auth0:no such endpoint: /api/v2/nothing");
  EXPECT_THAT(Route(router_, "GET", "/api/v1/nothing").body, HasSubstr("\"error\""));
}

TEST(ErrorMappingTest, OneTableFromCodesToHttp) {
  EXPECT_EQ(HttpStatusOf(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusOf(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusOf(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusOf(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusOf(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusOf(StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusOf(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusOf(StatusCode::kDeadlineExceeded), 504);
  EXPECT_EQ(HttpStatusOf(StatusCode::kCorruption), 500);
  EXPECT_EQ(HttpStatusOf(StatusCode::kIOError), 500);
  EXPECT_EQ(HttpStatusOf(StatusCode::kInternal), 500);
}

TEST(ErrorMappingTest, NativeEnvelope) {
  EXPECT_EQ(
      NativeErrorJson(Status::InvalidArgument("limit: must be 1..1000"), "limit"),
      R"({"error":{"code":"invalid_argument","message":"limit: must be 1..1000","field":"limit"}})");
  EXPECT_EQ(NativeErrorJson(Status::NotFound("no \"x\"")),
            R"({"error":{"code":"not_found","message":"no \"x\""}})");
  const Response unauthenticated = NativeError(Status::Unauthenticated("invalid API key"));
  EXPECT_EQ(unauthenticated.status, 401);
  ASSERT_EQ(unauthenticated.headers.size(), 1u);
  EXPECT_EQ(unauthenticated.headers[0].first, "WWW-Authenticate");
}

}  // namespace
}  // namespace auditlog::http

namespace auditlog::http {
namespace {

TEST(RouterErrorTest, RequestsWithoutAPathGetTheDefaultEnvelope) {
  Router router;
  Request unparsed;  // what the server has when a request could not be read
  const Response response = router.RenderError(unparsed, Status::InvalidArgument("bad"));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body, R"({"error":{"code":"invalid_argument","message":"bad"}})");
}

}  // namespace
}  // namespace auditlog::http

namespace auditlog::http {
namespace {

TEST(RouterHeadTest, HeadRoutesAsGetAndKeepsItsMethod) {
  Router router;
  router.Add("GET", "/v1/x/{id}", [](Request& request) {
    return Response::Json(200, request.method + " " + std::string(request.PathParam("id")));
  });
  Request head;
  head.method = "HEAD";
  head.path = "/v1/x/abc";
  EXPECT_EQ(router.Dispatch(head).body, "HEAD abc");
  Request post;
  post.method = "POST";
  post.path = "/v1/x/abc";
  EXPECT_EQ(router.Dispatch(post).status, 405);
}

}  // namespace
}  // namespace auditlog::http

namespace auditlog::http {
namespace {

TEST(RouterEscapesTest, AnEscapedSlashStaysInItsSegment) {
  Router router;
  router.Add("GET", "/v1/events/{id}", [](Request& request) {
    return Response::Json(200, std::string(request.PathParam("id")));
  });
  Request request;
  request.method = "GET";
  request.target = "/v1/events/a%2Fb%20c?x=1";
  request.path = "/v1/events/a/b c";
  EXPECT_EQ(router.Dispatch(request).body, "a/b c");
  Request bad;
  bad.method = "GET";
  bad.target = "/v1/events/%zz";
  EXPECT_EQ(router.Dispatch(bad).status, 404);
}

}  // namespace
}  // namespace auditlog::http
