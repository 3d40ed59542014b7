#pragma once

// The two GraphQL operations `POST /graphql/v2` serves, for Authing's v2
// SDKs: the accessToken exchange (query accessToken($userPoolId, $secret) {
// accessToken { accessToken exp iat } }) and the standard introspection
// query that the Python SDK (gql 2 / graphql-core 2) sends first to build its
// client schema. This is not a GraphQL engine: a body is recognized by the
// root field it asks for, and anything else is refused with a GraphQL error.
//
// Answers follow Authing's shapes: `{"data": {...}}`, and errors as
// `{"errors": [{"message": {"code": C, "message": "..."}, "locations": [],
// "extensions": {"code": C}}], "data": null}` (the SDKs read
// `errors[].message.code` and `.message`).
//
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace auditlog::api::authing {

// Authing's code for a failed accessToken exchange (bad pool or secret).
inline constexpr int kGraphqlCodeBadCredentials = 2000;
// Our code for a request that is not one of the served operations.
inline constexpr int kGraphqlCodeUnsupported = 400;

enum class GraphqlOperation : uint8_t { kIntrospection = 1, kAccessToken = 2 };

struct GraphqlRequest {
  GraphqlOperation operation = GraphqlOperation::kIntrospection;
  // kAccessToken: from `variables`, or from string literals in the query.
  std::string user_pool_id;
  std::string secret;
};

// kInvalidArgument "graphql: ..." for a body that is not a JSON object with
// a string `query`, a query for another root field, or an accessToken query
// without both arguments.
Result<GraphqlRequest> ParseGraphqlRequest(std::string_view body);

// {"data":{"__schema":{...}}}: Query.accessToken(userPoolId: String!,
// secret: String!): AccessTokenRes {accessToken: String, exp: Int, iat: Int},
// the standard scalars, the introspection types and @include/@skip.
std::string IntrospectionResponse();

// {"data":{"accessToken":{"accessToken":"<jwt>","exp":..,"iat":..}}}.
std::string AccessTokenResponse(std::string_view token, int64_t exp, int64_t iat);

// The error body described above.
std::string GraphqlErrorResponse(int code, std::string_view message);

}  // namespace auditlog::api::authing
