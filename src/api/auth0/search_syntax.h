#pragma once

// The `search` parameter of GET /api/v2/logs: what the official Node client
// (npm `auth0` 6.4 and later) sends in place of `q`. The client documents it
// as a list of clauses joined with AND, each `field:value` or a bare `value`:
//
//   unquoted value   starts with the value, case-insensitively
//   quoted value     equals the value, case-insensitively ("..." with \" and
//                    \\ escapes)
//   no field         client_name, connection or user_name (any of the three)
//
// Clauses are separated by whitespace; a literal AND between two clauses is
// accepted and changes nothing. There is no other operator: an unquoted OR,
// NOT, ||, && or ! clause, an unquoted value starting with ( and a bare
// unquoted value starting with - are errors (quoted, they are values),
// rather than terms that would silently narrow the search. Field names are
// the Auth0 log object's (registry column DialectNames::auth0,
// event/fields.h), plus the members the Auth0 decoder keeps in `details`
// (connection_id, strategy_type, organization_id, organization_name,
// tenant_name), searched there as the log object shows them
// (query::Auth0DetailsMemberFilter: `@name`, else `name`), and
// `details.<path>`.
//
// Case-insensitivity: the canonical Filter has no case-insensitive string
// match (kEq, kPrefix and kWildcard compare bytes), so a string clause
// matches a value that equals (quoted) or starts with (unquoted) the value
// as typed, all lower-case (ASCII) or all upper-case (ASCII): `user_name:ana`
// finds "ana@x" and "ANA@X" but not "Ana@x". docs/dialects/auth0.md says so.
//
// Clauses on a field that is not a string (date, isMobile,
// location_info.latitude, location_info.longitude) take the Auth0 `q`
// syntax for that one clause (query/lucene_parser.h, kAuth0):
// `date:[2024-01-01 TO 2024-02-01}`, `isMobile:true`; a value starting with
// `[` or `{` runs to the first `]` or `}`, blanks included.
//
// Thread-safety: pure functions.

#include <cstddef>
#include <string_view>

#include "common/result.h"
#include "query/query.h"

namespace auditlog::api::auth0 {

// Longest `search` accepted, in bytes; longer is kInvalidArgument (Auth0
// answers 414 for an over-long query string).
inline constexpr size_t kMaxSearchBytes = 4096;

// Parses `text` into a Filter that passes query::ValidateFilter. Empty or
// all-blank text is Filter::All(). Errors are kInvalidArgument
// "search: at <byte position from 1>: <reason>": unknown field, empty value,
// unterminated quote, a field that cannot be searched (`details` alone).
Result<query::Filter> ParseAuth0Search(std::string_view text);

}  // namespace auditlog::api::auth0
