#pragma once

// A parser for SCIM filter expressions (RFC 7644 §3.4.2.2), the language of
// Okta's System Log `filter` parameter (GET /api/v1/logs?filter=...), into the
// canonical Filter AST of query/query.h. The API layer that owns a dialect
// supplies a resolver that maps the dialect's attribute names ("eventType",
// "actor.id", "client.ipAddress") to registry fields; the parser knows SCIM,
// not Okta.
//
// Grammar (RFC 7644 Figure 1, less the `[ ]` value filters, which Okta does
// not support either):
//
//   filter    = or
//   or        = and *("or" and)
//   and       = unary *("and" unary)
//   unary     = "not" "(" filter ")" / "(" filter ")" / attrExp
//   attrExp   = attrPath "pr" / attrPath compareOp compValue
//   compareOp = "eq" / "ne" / "co" / "sw" / "ew" / "gt" / "ge" / "lt" / "le"
//   compValue = JSON string / JSON number / "true" / "false" / "null"
//   attrPath  = ALPHA *(ALPHA / DIGIT / "-" / "_" / ".")  ; steps of any depth, none empty
//
// RFC 7644 allows one sub-attribute ("name.givenName"); Okta's filters go
// deeper ("transaction.detail.requestApiTokenId"), so paths take any number of
// steps. The words and, or and not are never attribute names. Precedence is
// not > and > or, as RFC 7644 orders them; parentheses group. Whitespace
// (space, tab, CR, LF) separates tokens and is otherwise ignored.
//
// Case: operators and the words and/or/not are case-insensitive ("EQ", "And"),
// as RFC 7644 and Okta both say. Attribute names are case-sensitive and passed
// to the resolver as written: Okta's filter documentation says "The attribute
// names are case-sensitive while attribute operators are case-insensitive"
// (developer.okta.com/docs/reference/core-okta-api/#filter), which departs
// from RFC 7644. The literals true, false and null are lower case, as in JSON.
//
// Meaning of each comparison, by the type of the attribute's field:
//
//   eq  keyword, text, details.*: the whole value equals the string, byte for
//       byte (case-sensitive: Okta's "the attribute and operator values must
//       be identical for a match"). time: the same instant. seq, double,
//       bool, result: equal value.
//   ne  not(eq): also true where the attribute is absent (see below).
//   co  keyword and details.*: the value contains the string (kWildcard "*v*").
//   sw  keyword, text and details.*: the value starts with the string (kPrefix).
//   ew  keyword and details.*: the value ends with the string (kWildcard "*v").
//   pr  the attribute is present (kExists); empty strings count as absent.
//   gt ge lt le  kRange with an exclusive (gt, lt) or inclusive (ge, le)
//       bound: chronological on time fields, numeric on seq and doubles, and
//       bytewise (lexicographical, as Okta says) on strings.
//   eq null  the attribute is absent; ne null: it is present (RFC 7643 §2.5:
//       an unassigned attribute and the null value are equivalent).
//
// `ne` and absent attributes: `a ne "v"` is exactly `not (a eq "v")`, so an
// event without `a` matches. RFC 7644 defines ne as "the attribute and
// operator values are not identical", and an absent attribute has no value
// identical to the operand; Okta documents `actor.id ne "00u..."` as "events
// ... for all actors except for a specific user". (Okta's core API page also
// suggests `lt ... or ... gt` as a substitute where ne is unsupported; that
// substitute drops absent attributes, so clients relying on it get fewer
// events from it than from ne, not more.)
//
// Values must suit the field: strings for keyword, text and details.*
// fields; "success" or "failure" (lower case) for result; an RFC 3339 string
// ("2017-10-01T00:00:00.000Z", or a date "2017-10-01") for time fields; a
// whole number for seq; a number for doubles; true or false for booleans. On
// a details.* path, eq and ne also take a number, true or false, compared
// with the JSON text of the value as written (42 matches 42, not 42.0; see
// Filter::path).
//
// Not supported, each an error rather than an approximate answer:
//   - co and ew on text fields (description, name, result_message,
//     user_agent): the store indexes their words, and kWildcard on a text
//     field matches a word, not a substring of the whole value;
//   - co and ew with a `*` in the value: kWildcard has no escape, so a
//     literal `*` cannot be asked for (sw and eq take any value);
//   - gt/ge/lt/le on true/false (RFC 7644: "Boolean and Binary attributes
//     SHALL cause a failed response") and on result;
//   - filters nested more than kMaxScimNestingDepth levels deep.
//
// Thread-safety: pure functions; the resolver is called on the caller's thread.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "event/fields.h"
#include "query/query.h"

namespace auditlog::query {

// What an attribute path of a filter names: a registry field, and with the
// `details` field a dotted path inside it (Filter::path; empty: details as a
// whole, which takes only `pr`). Intentionally copyable.
struct ScimAttribute {
  const event::FieldSpec* field = nullptr;
  std::string details_path;
};

// Maps an attribute path as written in the filter ("actor.id") to what it
// names; nullopt (or a null field) means the attribute is unknown, which the
// parser reports at the attribute's position.
using ScimResolver = std::function<std::optional<ScimAttribute>(std::string_view attribute)>;

// The native resolver: registry paths as they are ("actor.id",
// "geo.country_code"), "details" and "details.<path>". Case-sensitive.
std::optional<ScimAttribute> ResolveNativeAttribute(std::string_view attribute);

// Parentheses and not(...) nest at most this deep, which keeps the Filter
// within ValidateFilter's depth limit and the parser's recursion bounded.
inline constexpr int kMaxScimNestingDepth = 16;

// Parses `text`, a SCIM filter. Empty (or all-whitespace) text is
// Filter::All(). On success the Filter passes ValidateFilter.
//
// Errors are kInvalidArgument "filter: at <position>: <reason>", where the
// position counts bytes of `text` from 1 (the end of the text is size + 1):
// syntax errors (at the offending token), unknown attributes (at the
// attribute), operators that do not suit the attribute's type, e.g. co on a
// time field (at the operator), and values of the wrong type or form, e.g.
// `published gt "yesterday"` (at the value). The first error from the left
// is reported.
Result<Filter> ParseScimFilter(std::string_view text, const ScimResolver& resolve);

}  // namespace auditlog::query
