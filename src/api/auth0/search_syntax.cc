#include "api/auth0/search_syntax.h"

#include <fmt/format.h>

#include <array>
#include <string>
#include <vector>

#include "query/lucene_parser.h"

namespace auditlog::api::auth0 {
namespace {

using query::Filter;

// Top-level members of Auth0's log object that the Auth0 decoder keeps in
// `details` (ingest/auth0_decoder.cc): a clause on one searches there.
constexpr std::array<std::string_view, 5> kDetailsMembers = {
    "connection_id", "strategy_type", "organization_id", "organization_name", "tenant_name"};

// What a bare value searches (the client's documentation of `search`).
constexpr std::array<std::string_view, 3> kBareFields = {"client_name", "connection", "user_name"};

struct Clause {
  size_t field_at = 0;  // 1-based position of the field name (or value when bare)
  size_t value_at = 0;
  std::string field;  // empty: bare
  std::string value;
  bool quoted = false;
  std::string_view source;  // the clause's text, for the `q` fallback
};

Status ErrorAt(size_t at, std::string_view reason) {
  return Status::InvalidArgument(fmt::format("search: at {}: {}", at, reason));
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string AsciiUpper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// Reads a quoted value starting at text[*pos] == '"'; leaves *pos past the
// closing quote.
Status ReadQuoted(std::string_view text, size_t* pos, std::string* out) {
  const size_t open = *pos;
  ++*pos;
  while (*pos < text.size()) {
    const char c = text[*pos];
    if (c == '\\' && *pos + 1 < text.size()) {
      out->push_back(text[*pos + 1]);
      *pos += 2;
      continue;
    }
    if (c == '"') {
      ++*pos;
      return Status::OK();
    }
    out->push_back(c);
    ++*pos;
  }
  return ErrorAt(open + 1, "unterminated quote: no \" closes this one");
}

// Splits `text` into clauses. A clause is `field:value` or `value`; a field
// name runs up to the first ':' of an unquoted word.
Result<std::vector<Clause>> SplitClauses(std::string_view text) {
  std::vector<Clause> clauses;
  size_t pos = 0;
  while (true) {
    while (pos < text.size() && IsBlank(text[pos])) ++pos;
    if (pos >= text.size()) break;
    const size_t start = pos;
    Clause clause;
    clause.field_at = pos + 1;
    if (text[pos] != '"') {
      size_t end = pos;
      while (end < text.size() && !IsBlank(text[end]) && text[end] != ':' && text[end] != '"')
        ++end;
      if (end < text.size() && text[end] == ':') {
        clause.field = std::string(text.substr(pos, end - pos));
        if (clause.field.empty()) return ErrorAt(pos + 1, "a field name is missing before ':'");
        pos = end + 1;
      }
    }
    clause.value_at = pos + 1;
    if (pos < text.size() && text[pos] == '"') {
      clause.quoted = true;
      AL_RETURN_IF_ERROR(ReadQuoted(text, &pos, &clause.value));
      if (pos < text.size() && !IsBlank(text[pos]))
        return ErrorAt(pos + 1, "a closing quote must end the clause");
    } else if (pos < text.size() && (text[pos] == '[' || text[pos] == '{')) {
      // A range (`date:[2024-01-01 TO 2024-02-01}`) runs to its closing
      // bracket, blanks included; the `q` parser reads it.
      const size_t close = text.find_first_of("]}", pos);
      if (close == std::string_view::npos)
        return ErrorAt(pos + 1, "unbalanced bracket: no ] or } closes this range");
      clause.value = std::string(text.substr(pos, close + 1 - pos));
      pos = close + 1;
    } else {
      while (pos < text.size() && !IsBlank(text[pos])) {
        if (text[pos] == '"') return ErrorAt(pos + 1, "a quote inside an unquoted value");
        clause.value.push_back(text[pos]);
        ++pos;
      }
    }
    clause.source = text.substr(start, pos - start);
    if (!clause.quoted && clause.field.empty() && clause.value == "AND") continue;
    if (!clause.quoted && clause.field.empty() &&
        (clause.value == "OR" || clause.value == "NOT" || clause.value == "||" ||
         clause.value == "&&" || clause.value == "!")) {
      return ErrorAt(clause.value_at,
                     fmt::format("{} is not an operator of search, whose clauses are all "
                                 "required (AND); use q for OR and NOT, or quote the word to "
                                 "search for it",
                                 clause.value));
    }
    if (!clause.quoted && (clause.value.starts_with('(') ||
                           (clause.field.empty() && clause.value.starts_with('-')))) {
      return ErrorAt(clause.value_at,
                     fmt::format("{:?}: search has no grouping or exclusion; use q for "
                                 "parentheses and NOT, or quote the value to search for it",
                                 clause.value));
    }
    if (clause.value.empty() && !clause.quoted) {
      return ErrorAt(clause.value_at, fmt::format("the clause on {:?} has no value", clause.field));
    }
    clauses.push_back(std::move(clause));
  }
  return clauses;
}

// The value as typed, lower-cased and upper-cased, without repeats.
std::vector<std::string> CaseVariants(std::string_view value) {
  std::vector<std::string> variants = {std::string(value)};
  for (std::string variant : {AsciiLower(value), AsciiUpper(value)}) {
    bool seen = false;
    for (const std::string& existing : variants) seen |= existing == variant;
    if (!seen) variants.push_back(std::move(variant));
  }
  return variants;
}

// The string leaf of one clause on `field` (a string field, or `details`
// with `path`; `moved_member`: `path` is a top-level member the decoder kept
// in details, found at `@path` or `path` as the log object shows it).
Filter StringLeaf(const event::FieldSpec& field, std::string_view path, const Clause& clause,
                  bool moved_member = false) {
  std::string value = clause.value;
  // An unquoted value is a prefix already; a trailing `*` (Lucene's habit)
  // says the same thing.
  if (!clause.quoted) {
    while (!value.empty() && value.back() == '*') value.pop_back();
  }
  std::vector<Filter> alternatives;
  if (!clause.quoted && value.empty()) {
    alternatives.push_back(Filter::Exists(field));
  } else if (clause.quoted) {
    std::vector<query::Scalar> values;
    for (std::string& variant : CaseVariants(value)) values.emplace_back(std::move(variant));
    alternatives.push_back(Filter::In(field, std::move(values)));
  } else {
    for (std::string& variant : CaseVariants(value))
      alternatives.push_back(Filter::Prefix(field, std::move(variant)));
  }
  Filter leaf =
      alternatives.size() == 1 ? std::move(alternatives[0]) : Filter::Or(std::move(alternatives));
  if (path.empty()) return leaf;
  if (moved_member) return query::Auth0DetailsMemberFilter(path, leaf);
  if (leaf.op == query::FilterOp::kOr) {
    for (Filter& child : leaf.children) child = Filter::AtDetailsPath(std::string(path), child);
    return leaf;
  }
  return Filter::AtDetailsPath(std::string(path), std::move(leaf));
}

bool IsStringField(const event::FieldSpec& field) {
  return field.type == event::FieldType::kKeyword || field.type == event::FieldType::kText;
}

Result<Filter> ClauseFilter(const Clause& clause) {
  const event::FieldSpec* details = event::FindField("details");
  if (clause.field.empty()) {
    std::vector<Filter> any;
    for (std::string_view name : kBareFields) {
      const event::FieldSpec* field = event::FindFieldByDialectName("auth0", name);
      if (field != nullptr) any.push_back(StringLeaf(*field, "", clause));
    }
    return Filter::Or(std::move(any));
  }
  for (std::string_view member : kDetailsMembers) {
    if (clause.field == member) return StringLeaf(*details, member, clause, /*moved_member=*/true);
  }
  if (clause.field.starts_with("details.")) {
    const std::string_view path = std::string_view(clause.field).substr(8);
    if (path.empty() || path.front() == '.' || path.back() == '.' ||
        path.find("..") != std::string_view::npos) {
      return ErrorAt(clause.field_at, fmt::format("{:?} is not a details path", clause.field));
    }
    return StringLeaf(*details, path, clause);
  }
  const event::FieldSpec* field = event::FindFieldByDialectName("auth0", clause.field);
  if (field == nullptr) {
    return ErrorAt(clause.field_at, fmt::format("unknown field {:?}", clause.field));
  }
  if (field->type == event::FieldType::kJson) {
    return ErrorAt(clause.field_at, "details is searched by path: details.<member>:value");
  }
  if (IsStringField(*field)) return StringLeaf(*field, "", clause);
  // Dates, numbers and booleans: this clause in Auth0's `q` syntax.
  auto parsed = query::ParseLucene(clause.source, query::LuceneDialect::kAuth0);
  if (!parsed.ok()) {
    return ErrorAt(clause.field_at,
                   fmt::format("{:?}: {}", clause.source, parsed.status().message()));
  }
  return std::move(*parsed);
}

}  // namespace

Result<query::Filter> ParseAuth0Search(std::string_view text) {
  if (text.size() > kMaxSearchBytes) {
    return Status::InvalidArgument(
        fmt::format("search: longer than {} bytes ({})", kMaxSearchBytes, text.size()));
  }
  AL_ASSIGN_OR_RETURN(std::vector<Clause> clauses, SplitClauses(text));
  if (clauses.empty()) return Filter::All();
  std::vector<Filter> all;
  for (const Clause& clause : clauses) {
    AL_ASSIGN_OR_RETURN(Filter filter, ClauseFilter(clause));
    all.push_back(std::move(filter));
  }
  Filter filter = all.size() == 1 ? std::move(all[0]) : Filter::And(std::move(all));
  // Deeply nested `q` clauses can pass the `q` parser's own bound and still
  // exceed the filter's once wrapped here.
  if (Status valid = query::ValidateFilter(filter); !valid.ok()) {
    return Status::InvalidArgument(fmt::format("search: {}", valid.message()));
  }
  return filter;
}

}  // namespace auditlog::api::auth0
