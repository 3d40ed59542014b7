#pragma once

// A parser for the Lucene-subset query strings of the `q` parameter, into the
// canonical Filter AST of query/query.h. Two dialects share the syntax and
// differ in field names and in what a value means: kNative (our own API, over
// the registry's native paths) and kAuth0 (Auth0's log search, GET
// /api/v2/logs?q=..., as documented at auth0.com/docs "Log Search Query
// Syntax", articles/logs/references/query-syntax.md in auth0/docs).
//
// Syntax (both dialects):
//
//   query   = or
//   or      = seq *( ("OR" / "||") seq )
//   seq     = and *and                        ; clauses side by side
//   and     = unary *( ("AND" / "&&") unary )
//   unary   = ("NOT" / "!" / "-" / "+") unary / primary
//   primary = "(" query ")" / field ":" value / term
//   value   = term / range / compare / "(" query ")"   ; the last: field grouping
//   term    = word / "\"" phrase "\""
//   range   = ("[" / "{") bound "TO" bound ("]" / "}")  ; [ ] inclusive, { } exclusive
//   bound   = "*" / word / "\"" phrase "\""             ; "*": that end is open
//   compare = (">=" / ">" / "<=" / "<") (word / "\"" phrase "\"")
//
// Precedence is NOT > AND > side by side > OR; parentheses group. The words
// AND, OR, NOT and TO are operators only in upper case (as in Lucene); a
// lower-case "and" is a term. A word runs up to whitespace or one of
// ( ) [ ] { } " and, before the first ':', up to the ':' (a field name).
// After "field:" the value may contain ':' ("ip:2001:db8::1",
// "timestamp:>2019-01-01T01:00:00"), and may start with '-' or '+', which are
// then part of it ("geo.latitude:-33.9"). Whitespace may follow the ':'.
// A leading '+', '-' or '!' is an operator only at the start of a clause; in
// the middle of a word it is a character ("e-mail", "Hello!"). "&&" and "||"
// are operators as whole words.
//
// A backslash makes the next character literal, in words and in quoted
// phrases alike: "\*" is a star rather than a wildcard, "\ " a space inside a
// word, "\"" a quote. Inside quotes `*` is always literal. Not supported, each
// an error at its position rather than a silently different answer: `?`
// (single-character wildcard; Auth0 does not support it either), `~` (fuzzy
// and proximity), `^` (boosts), and a `*` wildcard together with a literal
// (escaped) `*` in one value, which kWildcard cannot express.
//
// Side by side: in kNative, `a b` means `a AND b` (our API's rule). In kAuth0
// it follows Lucene, whose default operator is OR ("The OR operator is the
// default conjunction operator", Lucene's query parser syntax page, which
// Auth0's log search documentation links to; Auth0's user search v2 page, an
// Elasticsearch query_string, also notes that `user_name: (john smith)` uses
// "the default operator"): among clauses side by side, `+x` is required,
// `-x` and `NOT x` are excluded and the others optional, so `a b` is
// `a OR b`, `a -b` is `a AND NOT b`, `a b -c` is `(a OR b) AND NOT c`, and
// `a +b` is just `b` (Lucene's optional clauses only rank when a required one
// is present). Elsewhere `+x` is x and `-x` is NOT x in both dialects.
// `NOT x` alone, or inside OR, is every event except those matching x.
//
// Field grouping: `field:(a OR -b c)` applies the field to every term, range
// and comparison inside the parentheses. Inside a field group a word is all
// value, colons included (`ip:(::1 OR 10.0.0.1)`); naming another field
// there is an error.
//
// Meaning of a value, by the field's type (kNative):
//
//   keyword fields (ids, type, ip, connection, ...): a word or a quoted value
//       is an exact, case-sensitive match (kEq); an unquoted `*` makes it a
//       whole-value pattern (kWildcard), a lone `*` means "present"
//       (kExists); on ip, an unquoted value with '/' is a network (kCidr,
//       `ip:10.0.0.0/8`; quoted, it is an exact value like any other).
//   text fields (description, name, result_message, user_agent): a word
//       matches by tokens, case-insensitively (kText); a quoted value is a
//       phrase (kPhrase); a word with `*` is a word pattern (kWildcard), whose
//       literal parts must each be one word (a pattern cannot span words).
//   time fields (timestamp, received_at): an RFC 3339 / ISO 8601 date or
//       date-time ("2019-01-01", "2019-01", "2019-01-01T01:00",
//       "2019-01-01T01:00:00.5+08:00"; no zone means UTC) or epoch
//       milliseconds (all digits). A value names its whole span at the
//       precision written, as Elasticsearch rounds dates: `timestamp:2019-01-01`
//       is that whole day, `[2019-01-01 TO 2019-01-31]` ends at the end of the
//       31st, `{2019-01-01 TO *]` starts after the 1st, `[* TO 2019-01-01}`
//       ends before it. A value to the microsecond is that instant (kEq).
//   seq: a whole number; geo.latitude, geo.longitude: a number;
//       ua.is_mobile: true or false; result: success or failure.
//   details.<dotted path>: strings (kEq, kWildcard, kExists, ranges compared
//       bytewise). `details` itself takes only `*` (present).
//   ranges `[a TO b]`, `{a TO b}`, `[a TO b}`, `{a TO b]`, `*` for an open end
//       (`[* TO *]` is kExists), and `field:>v`, `>=`, `<`, `<=` (kRange), on
//       keyword, text (whole value, bytewise), time, numeric and details
//       fields; not on result, ua.is_mobile or details itself.
//
// A bare term (no field) searches description, name, result_message and
// user_agent (kText, kPhrase or kWildcard as above) and actor.name and
// client.name (kEq or kWildcard): an OR over those fields, leaving out text
// fields a term cannot match (a value without words, a pattern spanning
// words). A bare `*` (or `*:*`) matches every event.
//
// kAuth0 differs where Auth0 documents otherwise:
//
//   - Field names are Auth0's: log_id, date, type, user_id, user_name,
//     client_id, client_name, connection, ip, description, user_agent,
//     strategy, hostname, audience, scope, isMobile, location_info.*,
//     security_context.*, details.<path> (registry column DialectNames::auth0).
//     Documented fields with no registry column (connection_id,
//     strategy_type, organization_id), which the Auth0 decoder keeps in
//     `details`, are searched there as string values, as the log object shows
//     them (Auth0DetailsMemberFilter). Bare `details:` is an error.
//   - Values are not tokenized ("Log fields are not tokenized"): a word or a
//     quoted value is an exact whole-value match (kEq), on description and
//     user_agent too, so `description:rule` does not match "Create a rule".
//   - Wildcards match the whole value. A prefix (`j*`) is always allowed; any
//     other pattern needs at least 3 literal characters (`*usa`, not `*sa`).
//     On keyword fields a pattern is kWildcard. On the text fields
//     (description, user_agent) the store matches kWildcard against words, so
//     a pattern becomes: `abc*` → kPrefix "abc" (exact: whole value,
//     case-sensitive); otherwise the AND of kPrefix of the part before the
//     first `*` (when not empty) and kWildcard word patterns for the other
//     parts (`*x*` for a middle part, `*x` for the last; each must be one
//     word). This finds every value Auth0 would, and more: it is
//     case-insensitive past the first `*`, and `*rule` also finds
//     "Create a rule set" (a word ending in "rule"). It misses a match only
//     where a word longer than query/tokenizer.h's kMaxTokenBytes was cut.
//   - Bare terms search user_name, connection, client_name, type, ip, log_id
//     and description, each by whole value.
//   - `ip:10.0.0.0/8` is an exact value (Auth0 has no network match), never
//     found.
//
// Thread-safety: pure functions.

#include <cstdint>
#include <string_view>

#include "common/result.h"
#include "query/query.h"

namespace auditlog::query {

enum class LuceneDialect : uint8_t { kNative = 1, kAuth0 = 2 };

// Parentheses (field groups included) and NOT / ! / - / + prefixes nest at
// most this deep, which keeps every Filter within ValidateFilter's depth
// limit and the parser's recursion bounded.
inline constexpr int kMaxLuceneNestingDepth = 16;

// Parses `text` into a Filter. Empty or all-blank text is Filter::All(). On
// success the Filter passes ValidateFilter.
//
// Errors are kInvalidArgument "q: at <position>: <reason>", the position
// counting bytes of `text` from 1 (the end of the text is size + 1), e.g.
// `q: at 1: unknown field "foo"`, `q: at 7: "abc" is not a date for field
// date ...`, `q: at 4: unbalanced parenthesis: no ) closes this (`. Reported:
// unknown and unsearchable fields (at the name), values of the wrong type or
// form (at the value), unbalanced parentheses, quotes and brackets (at the
// opening one, or at a stray closing one), empty groups, operators missing a
// term on either side (at the operator), ranges that start after they end (at
// the bracket), unsupported syntax (at the character). The first error from
// the left is reported.
Result<Filter> ParseLucene(std::string_view text, LuceneDialect dialect);

// A top-level member of Auth0's log object that the Auth0 decoder
// (ingest/auth0_decoder.cc) keeps in `details`: under `member`, or under
// `@member` when the record's own details already had `member`. The Auth0
// renderer shows `@member` when present, else `member`; this filter tests
// the same value: `leaf` (a leaf on the `details` field with no path, or an
// OR of such leaves) at `details.@member`, or at `details.member` when there
// is no `@member`.
Filter Auth0DetailsMemberFilter(std::string_view member, const Filter& leaf);

}  // namespace auditlog::query
