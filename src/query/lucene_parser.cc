#include "query/lucene_parser.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "event/fields.h"
#include "event/time.h"
#include "query/tokenizer.h"

namespace auditlog::query {
namespace {

using event::FieldSpec;
using event::FieldType;

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;
constexpr std::string_view kDetailsPrefix = "details.";

// Bare terms, kNative: the text fields, then the keyword fields that hold
// names people type (the issue's list).
constexpr std::string_view kNativeBareTextFields[] = {"description", "name", "result_message",
                                                      "user_agent"};
constexpr std::string_view kNativeBareKeywordFields[] = {"actor.name", "client.name"};

// Bare terms, kAuth0, by Auth0 name, in the order of Auth0's "Fields
// searchable against bare terms".
constexpr std::string_view kAuth0BareFields[] = {"user_name", "connection", "client_name", "type",
                                                 "ip",        "log_id",     "description"};

// Fields Auth0 documents as searchable that the registry has no column for:
// the Auth0 decoder keeps them in `details` (Auth0DetailsMemberFilter).
constexpr std::string_view kAuth0DetailsMembers[] = {"connection_id", "strategy_type",
                                                     "organization_id"};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Characters that end a word wherever they stand unescaped.
bool EndsWord(char c) {
  return IsSpace(c) || c == '(' || c == ')' || c == '"' || c == '[' || c == ']' || c == '{' ||
         c == '}';
}

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (!IsDigit(c)) return false;
  return true;
}

std::string AsciiLower(std::string_view text) {
  std::string lowered(text);
  for (char& c : lowered)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return lowered;
}

// Code points, counting each byte that does not continue a UTF-8 sequence.
size_t CountCodePoints(std::string_view text) {
  size_t count = 0;
  for (char c : text)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  return count;
}

// Long values are cut in messages; the position says where they are.
std::string Quote(std::string_view text) {
  constexpr size_t kMaxQuotedBytes = 64;
  if (text.size() > kMaxQuotedBytes) return fmt::format("{:?}...", text.substr(0, kMaxQuotedBytes));
  return fmt::format("{:?}", text);
}

// The parts of a wildcard pattern between its stars.
std::vector<std::string_view> PatternParts(std::string_view pattern) {
  std::vector<std::string_view> parts;
  size_t begin = 0;
  while (true) {
    const size_t star = pattern.find('*', begin);
    parts.push_back(pattern.substr(begin, star - begin));
    if (star == std::string_view::npos) break;
    begin = star + 1;
  }
  return parts;
}

// Why `text`, a literal part of a word pattern, cannot match inside an index
// token (lowercased as the matcher lowercases a pattern); nullopt when it can.
std::optional<std::string> NotOneWord(std::string_view text) {
  const std::vector<std::string> tokens = QueryTokens(text);
  const std::string lowered = AsciiLower(text);
  if (tokens.size() == 1 && tokens[0] == lowered) return std::nullopt;
  if (tokens.size() == 1 && lowered.size() > kMaxTokenBytes && lowered.starts_with(tokens[0])) {
    return fmt::format("{} is longer than an indexed word ({} bytes)", Quote(text), kMaxTokenBytes);
  }
  return fmt::format("{} is not a single word", Quote(text));
}

// The first reason a literal part of `pattern` from part `first_part` on
// cannot match inside a word; nullopt when none.
std::optional<std::string> WordPatternProblem(std::string_view pattern, size_t first_part) {
  const std::vector<std::string_view> parts = PatternParts(pattern);
  for (size_t part_idx = first_part; part_idx < parts.size(); ++part_idx) {
    if (parts[part_idx].empty()) continue;
    if (std::optional<std::string> problem = NotOneWord(parts[part_idx])) return problem;
  }
  return std::nullopt;
}

// "abc*", "abc**": literal text, then only stars.
bool IsPrefixPattern(std::string_view pattern) {
  const size_t star = pattern.find('*');
  return star != std::string_view::npos && star > 0 &&
         pattern.find_first_not_of('*', star) == std::string_view::npos;
}

// Joins `parts` under kAnd or kOr, taking in the children of parts that are
// the same operator; a single part is itself.
Filter Join(FilterOp op, std::vector<Filter> parts) {
  std::vector<Filter> children;
  for (Filter& part : parts) {
    if (part.op == op) {
      for (Filter& child : part.children) children.push_back(std::move(child));
    } else {
      children.push_back(std::move(part));
    }
  }
  if (children.size() == 1) return std::move(children[0]);
  return op == FilterOp::kAnd ? Filter::And(std::move(children)) : Filter::Or(std::move(children));
}

// A word or a quoted phrase as written.
struct Word {
  size_t begin = 0;               // offset of its first byte (the quote, when quoted)
  std::string_view raw;           // as written, quotes included
  std::string text;               // escapes resolved, quotes removed
  bool quoted = false;            // written in double quotes
  bool has_wildcard = false;      // an unescaped `*` (never when quoted)
  bool has_literal_star = false;  // an escaped `*`, or any `*` inside quotes

  // `*`, `**`, ...: "any value", i.e. present.
  bool IsLoneWildcard() const {
    return has_wildcard && !has_literal_star && text.find_first_not_of('*') == std::string::npos;
  }
};

// What a field name in the query names.
struct FieldRef {
  const FieldSpec* field = nullptr;
  std::string path;  // with `details`: the dotted path inside it
  std::string name;  // as written, for messages
  // kAuth0: `path` is a top-level Auth0 member kept in details, searched as
  // Auth0DetailsMemberFilter does.
  bool auth0_member = false;
};

// An instant written to some precision stands for the span it names:
// "2019-01-01" is the whole day, "2019-01-01T01:00" the minute.
struct TimeSpan {
  int64_t start_micros = 0;
  int64_t length_micros = 1;
  int64_t last_micros() const { return start_micros + length_micros - 1; }
};

// The span a date-time that ParseDateTime accepted covers, from the fields
// written: YYYY-MM-DD, then [T ]hh:mm, then :ss, then .fraction.
int64_t PrecisionMicros(std::string_view text) {
  if (text.size() <= 10) return kMicrosPerDay;
  if (text.size() <= 16 || text[16] != ':') return 60 * kMicrosPerSecond;
  if (text.size() <= 19 || (text[19] != '.' && text[19] != ',')) return kMicrosPerSecond;
  size_t digits = 0;
  while (20 + digits < text.size() && IsDigit(text[20 + digits])) ++digits;
  int64_t length = 1;
  for (size_t digit_idx = digits; digit_idx < 6; ++digit_idx) length *= 10;
  return length;
}

// A prefix operator on a clause: `+x`, or `-x` / `!x` / `NOT x`.
enum class Modifier : uint8_t { kNone, kRequired, kProhibited };

struct Clause {
  Filter filter;  // the operand; a prohibited clause means Not(filter)
  Modifier modifier = Modifier::kNone;
};

Filter Resolve(Clause clause) {
  if (clause.modifier == Modifier::kProhibited) return Filter::Not(std::move(clause.filter));
  return std::move(clause.filter);
}

enum class Keyword : uint8_t { kNone, kAnd, kOr, kNot };

class Parser {
 public:
  Parser(std::string_view text, LuceneDialect dialect) : text_(text), dialect_(dialect) {}

  Result<Filter> ParseAll() {
    SkipSpace();
    if (AtEnd()) return Filter::All();
    AL_ASSIGN_OR_RETURN(Filter filter, ParseOr(nullptr));
    SkipSpace();
    // ParseOr stops only at the end or at a ')'.
    if (!AtEnd()) return Error(pos_, "unbalanced parenthesis: ) without a matching (");
    // Every leaf was checked as it was built; this is a last guard against a
    // parser bug, which the fuzz target reports (it is not kInvalidArgument).
    if (Status valid = ValidateFilter(filter); !valid.ok())
      return Status::Internal(fmt::format("q: parsed an invalid filter: {}", valid.message()));
    return filter;
  }

 private:
  bool native() const { return dialect_ == LuceneDialect::kNative; }

  Status Error(size_t offset, std::string_view reason) const {
    return Status::InvalidArgument(fmt::format("q: at {}: {}", offset + 1, reason));
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  void SkipSpace() {
    while (!AtEnd() && IsSpace(text_[pos_])) ++pos_;
  }

  // The operator word at pos_, if any: AND, &&, OR, ||, NOT as a whole word
  // (not a field name, not escaped). Sets `*length` to its size.
  Keyword PeekKeyword(size_t* length = nullptr) const {
    size_t end = pos_;
    while (end < text_.size() && !EndsWord(text_[end]) && text_[end] != ':' && text_[end] != '\\')
      ++end;
    if (end < text_.size() && (text_[end] == ':' || text_[end] == '\\')) return Keyword::kNone;
    const std::string_view word = text_.substr(pos_, end - pos_);
    if (length) *length = word.size();
    if (word == "AND" || word == "&&") return Keyword::kAnd;
    if (word == "OR" || word == "||") return Keyword::kOr;
    if (word == "NOT") return Keyword::kNot;
    return Keyword::kNone;
  }

  // Whether a clause starts at the next non-blank character.
  bool StartsClause() {
    SkipSpace();
    if (AtEnd() || Peek() == ')') return false;
    const Keyword keyword = PeekKeyword();
    return keyword != Keyword::kAnd && keyword != Keyword::kOr;
  }

  // After the operator `name` at `op_at`: an operand must follow.
  Status ExpectOperand(size_t op_at, std::string_view name) {
    SkipSpace();
    const Keyword keyword = AtEnd() ? Keyword::kNone : PeekKeyword();
    if (AtEnd() || Peek() == ')' || keyword == Keyword::kAnd || keyword == Keyword::kOr)
      return Error(op_at, fmt::format("{} needs a term after it", name));
    return Status::OK();
  }

  Status Enter(size_t at) {
    if (++depth_ > kMaxLuceneNestingDepth)
      return Error(at, fmt::format("nested deeper than {} levels", kMaxLuceneNestingDepth));
    return Status::OK();
  }
  void Leave() { --depth_; }

  // --- Boolean structure ---

  // `group`: the field of an enclosing field group (field:( ... )), or null.
  Result<Filter> ParseOr(const FieldRef* group) {
    std::vector<Filter> parts;
    AL_ASSIGN_OR_RETURN(Filter first, ParseSideBySide(group));
    parts.push_back(std::move(first));
    while (true) {
      SkipSpace();
      const size_t op_at = pos_;
      size_t length = 0;
      if (AtEnd() || PeekKeyword(&length) != Keyword::kOr) break;
      pos_ += length;
      AL_RETURN_IF_ERROR(ExpectOperand(op_at, text_.substr(op_at, length)));
      AL_ASSIGN_OR_RETURN(Filter next, ParseSideBySide(group));
      parts.push_back(std::move(next));
    }
    return Join(FilterOp::kOr, std::move(parts));
  }

  Result<Filter> ParseSideBySide(const FieldRef* group) {
    std::vector<Clause> clauses;
    AL_ASSIGN_OR_RETURN(Clause first, ParseAnd(group));
    clauses.push_back(std::move(first));
    while (StartsClause()) {
      AL_ASSIGN_OR_RETURN(Clause next, ParseAnd(group));
      clauses.push_back(std::move(next));
    }
    if (native() || clauses.size() == 1) {
      std::vector<Filter> parts;
      for (Clause& clause : clauses) parts.push_back(Resolve(std::move(clause)));
      return Join(FilterOp::kAnd, std::move(parts));
    }
    // Lucene's default operator OR: required clauses must match, prohibited
    // ones must not, and optional ones count only when nothing is required.
    std::vector<Filter> required, optional, prohibited;
    for (Clause& clause : clauses) {
      switch (clause.modifier) {
        case Modifier::kRequired:
          required.push_back(std::move(clause.filter));
          break;
        case Modifier::kProhibited:
          prohibited.push_back(Filter::Not(std::move(clause.filter)));
          break;
        case Modifier::kNone:
          optional.push_back(std::move(clause.filter));
          break;
      }
    }
    std::vector<Filter> parts = std::move(required);
    if (parts.empty() && !optional.empty())
      parts.push_back(Join(FilterOp::kOr, std::move(optional)));
    for (Filter& part : prohibited) parts.push_back(std::move(part));
    return Join(FilterOp::kAnd, std::move(parts));
  }

  // An AND chain; a single clause keeps its modifier for ParseSideBySide.
  Result<Clause> ParseAnd(const FieldRef* group) {
    AL_ASSIGN_OR_RETURN(Clause first, ParseUnary(group));
    SkipSpace();
    if (AtEnd() || PeekKeyword() != Keyword::kAnd) return first;
    std::vector<Filter> parts;
    parts.push_back(Resolve(std::move(first)));
    while (true) {
      SkipSpace();
      const size_t op_at = pos_;
      size_t length = 0;
      if (AtEnd() || PeekKeyword(&length) != Keyword::kAnd) break;
      pos_ += length;
      AL_RETURN_IF_ERROR(ExpectOperand(op_at, text_.substr(op_at, length)));
      AL_ASSIGN_OR_RETURN(Clause next, ParseUnary(group));
      parts.push_back(Resolve(std::move(next)));
    }
    return Clause{Join(FilterOp::kAnd, std::move(parts)), Modifier::kNone};
  }

  Result<Clause> ParseUnary(const FieldRef* group) {
    SkipSpace();
    const size_t at = pos_;
    size_t keyword_length = 0;
    size_t length = 1;
    Modifier modifier;
    if (PeekKeyword(&keyword_length) == Keyword::kNot) {
      modifier = Modifier::kProhibited;
      length = keyword_length;
    } else if (Peek() == '!' || Peek() == '-') {
      modifier = Modifier::kProhibited;
    } else if (Peek() == '+') {
      modifier = Modifier::kRequired;
    } else {
      AL_ASSIGN_OR_RETURN(Filter filter, ParsePrimary(group));
      return Clause{std::move(filter), Modifier::kNone};
    }
    pos_ += length;
    AL_RETURN_IF_ERROR(ExpectOperand(at, text_.substr(at, length)));
    AL_RETURN_IF_ERROR(Enter(at));
    AL_ASSIGN_OR_RETURN(Clause operand, ParseUnary(group));
    Leave();
    return Clause{Resolve(std::move(operand)), modifier};
  }

  Result<Filter> ParsePrimary(const FieldRef* group) {
    SkipSpace();
    const size_t at = pos_;
    switch (Peek()) {
      case '(':
        return ParseParenthesized(group);
      case ')':
        return Error(at, "unbalanced parenthesis: ) without a matching (");
      case ']':
      case '}':
        return Error(at, fmt::format("unbalanced bracket: {} without a matching [ or {{", Peek()));
      case '[':
      case '{':
        if (group) return ParseRange(*group);
        return Error(at, "a range needs a field, as in date:[2019-01-01 TO *]");
      case '"': {
        AL_ASSIGN_OR_RETURN(Word word, ReadQuoted());
        if (group) return FieldTerm(*group, word);
        if (!AtEnd() && Peek() == ':')
          return Error(pos_, "a field name cannot be quoted; write field:value");
        return BareTerm(word);
      }
      case '>':
      case '<':
        if (group) return ParseComparison(*group);
        break;
      default:
        break;
    }
    if (const Keyword keyword = PeekKeyword();
        keyword == Keyword::kAnd || keyword == Keyword::kOr) {
      size_t length = 0;
      (void)PeekKeyword(&length);
      return Error(at, fmt::format("{} needs a term before it", text_.substr(at, length)));
    }
    if (group) {
      AL_ASSIGN_OR_RETURN(Word word, ReadWord(/*colon_ends=*/false));
      AL_RETURN_IF_ERROR(CheckNoFieldInGroup(word));
      return FieldTerm(*group, word);
    }
    AL_ASSIGN_OR_RETURN(Word word, ReadWord(/*colon_ends=*/true));
    if (AtEnd() || Peek() != ':') return BareTerm(word);
    // word ':' value
    if (word.raw.empty()) return Error(at, "a field name is missing before ':'");
    ++pos_;
    if (word.raw == "*") {
      // Lucene's match-all, *:*.
      SkipSpace();
      if (!AtEnd() && Peek() == '*' && (pos_ + 1 == text_.size() || EndsWord(text_[pos_ + 1]))) {
        ++pos_;
        return Filter::All();
      }
    }
    AL_ASSIGN_OR_RETURN(FieldRef field, ResolveField(word));
    return ParseFieldValue(field);
  }

  // At '(': a group, closed by ')'.
  Result<Filter> ParseParenthesized(const FieldRef* group) {
    const size_t at = pos_;
    AL_RETURN_IF_ERROR(Enter(at));
    ++pos_;
    SkipSpace();
    if (!AtEnd() && Peek() == ')') return Error(at, "empty group ()");
    if (AtEnd()) return Error(at, "unbalanced parenthesis: no ) closes this (");
    AL_ASSIGN_OR_RETURN(Filter filter, ParseOr(group));
    SkipSpace();
    if (AtEnd() || Peek() != ')') return Error(at, "unbalanced parenthesis: no ) closes this (");
    ++pos_;
    Leave();
    return filter;
  }

  // After "field:".
  Result<Filter> ParseFieldValue(const FieldRef& field) {
    SkipSpace();
    const size_t at = pos_;
    const Keyword keyword = AtEnd() ? Keyword::kNone : PeekKeyword();
    if (AtEnd() || Peek() == ')' || keyword != Keyword::kNone) {
      return Error(
          at, fmt::format("field {} needs a value (quote a value such as \"AND\")", field.name));
    }
    switch (Peek()) {
      case '(':
        return ParseParenthesized(&field);
      case '[':
      case '{':
        return ParseRange(field);
      case '>':
      case '<':
        return ParseComparison(field);
      case ']':
      case '}':
        return Error(at, fmt::format("unbalanced bracket: {} without a matching [ or {{", Peek()));
      case '"': {
        AL_ASSIGN_OR_RETURN(Word word, ReadQuoted());
        return FieldTerm(field, word);
      }
      default: {
        AL_ASSIGN_OR_RETURN(Word word, ReadWord(/*colon_ends=*/false));
        return FieldTerm(field, word);
      }
    }
  }

  // --- Words ---

  // An unquoted word from pos_: up to whitespace, ( ) [ ] { } ", and with
  // `colon_ends` an unescaped ':'. May be empty.
  Result<Word> ReadWord(bool colon_ends) {
    Word word;
    word.begin = pos_;
    while (!AtEnd()) {
      const char c = text_[pos_];
      if (EndsWord(c) || (colon_ends && c == ':')) break;
      switch (c) {
        case '\\': {
          if (pos_ + 1 >= text_.size())
            return Error(pos_, "a \\ at the end escapes nothing (write \\\\ for a backslash)");
          const char escaped = text_[pos_ + 1];
          if (escaped == '*') word.has_literal_star = true;
          word.text.push_back(escaped);
          pos_ += 2;
          continue;
        }
        case '?':
          return Error(pos_, "the ? wildcard is not supported (use *, or \\? for a literal ?)");
        case '~':
          return Error(pos_,
                       "fuzzy and proximity searches (~) are not supported (\\~ for a literal ~)");
        case '^':
          return Error(pos_, "boosts (^) are not supported (\\^ for a literal ^)");
        case '*':
          word.has_wildcard = true;
          break;
        default:
          break;
      }
      word.text.push_back(c);
      ++pos_;
    }
    word.raw = text_.substr(word.begin, pos_ - word.begin);
    return word;
  }

  // At '"': a quoted value; backslash escapes any character.
  Result<Word> ReadQuoted() {
    Word word;
    word.begin = pos_;
    word.quoted = true;
    ++pos_;
    while (true) {
      if (AtEnd()) return Error(word.begin, "unbalanced quote: no \" closes this one");
      char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        break;
      }
      if (c == '\\') {
        if (pos_ + 1 >= text_.size())
          return Error(word.begin, "unbalanced quote: no \" closes this one");
        c = text_[++pos_];
      }
      if (c == '*') word.has_literal_star = true;
      word.text.push_back(c);
      ++pos_;
    }
    word.raw = text_.substr(word.begin, pos_ - word.begin);
    return word;
  }

  // Inside field:( ... ) a word is all value, but one that starts with a
  // field name and ':' was surely meant as a field.
  Status CheckNoFieldInGroup(const Word& word) {
    const size_t colon = word.raw.find(':');
    if (colon == std::string_view::npos || colon == 0) return Status::OK();
    const std::string_view name = word.raw.substr(0, colon);
    if (name.find('\\') != std::string_view::npos) return Status::OK();
    bool is_field = name.starts_with(kDetailsPrefix) ||
                    (native() ? event::FindField(name) != nullptr
                              : event::FindFieldByDialectName("auth0", name) != nullptr);
    if (!native()) {
      for (std::string_view member : kAuth0DetailsMembers) is_field |= name == member;
    }
    if (!is_field) return Status::OK();
    return Error(word.begin, fmt::format("a field group cannot name another field ({}); write "
                                         "(a:x OR b:y) instead, or quote the value",
                                         Quote(name)));
  }

  // --- Fields ---

  Result<FieldRef> ResolveField(const Word& word) {
    const std::string& name = word.text;
    if (!word.has_wildcard && !word.has_literal_star) {
      if (name.starts_with(kDetailsPrefix)) {
        std::string path = name.substr(kDetailsPrefix.size());
        if (path.empty() || path.front() == '.' || path.back() == '.' ||
            path.find("..") != std::string::npos) {
          return Error(word.begin, fmt::format("empty step in the details path {}", Quote(name)));
        }
        return FieldRef{event::FindField("details"), std::move(path), name};
      }
      if (native()) {
        if (const FieldSpec* field = event::FindField(name)) return FieldRef{field, "", name};
      } else {
        if (const FieldSpec* field = event::FindFieldByDialectName("auth0", name)) {
          if (field->type == FieldType::kJson) {
            // Auth0: "Bare searches like details:"https://manage.auth0.com/" do not work."
            return Error(word.begin,
                         "details cannot be searched as a whole; name a path inside it, e.g. "
                         "details.request.channel:\"https://manage.auth0.com/\"");
          }
          return FieldRef{field, "", name};
        }
        for (std::string_view member : kAuth0DetailsMembers) {
          if (name == member) {
            return FieldRef{event::FindField("details"), name, name, /*auth0_member=*/true};
          }
        }
      }
    }
    return Error(word.begin, fmt::format("unknown field {}", Quote(word.text)));
  }

  static Filter AtPath(const FieldRef& field, Filter leaf) {
    if (field.path.empty()) return leaf;
    if (field.auth0_member) return Auth0DetailsMemberFilter(field.path, leaf);
    return Filter::AtDetailsPath(field.path, std::move(leaf));
  }

  // A leaf as built, checked as the store will check it; errors at `at`.
  Result<Filter> Checked(Filter leaf, size_t at) const {
    if (Status valid = ValidateFilter(leaf); !valid.ok()) return Error(at, valid.message());
    return leaf;
  }

  // --- Values ---

  // A wildcard value's own rules: no literal star beside a wildcard, and
  // Auth0's "For other uses of wildcards (e.g. suffix matching), literals
  // must have 3 characters or more".
  Status CheckPattern(const Word& word) const {
    if (word.has_literal_star) {
      return Error(word.begin,
                   fmt::format("{} mixes a * wildcard with a literal \\*, which cannot be "
                               "searched for together",
                               Quote(word.raw)));
    }
    if (!native() && !IsPrefixPattern(word.text)) {
      size_t literals = 0;
      for (std::string_view part : PatternParts(word.text)) literals += CountCodePoints(part);
      if (literals < 3) {
        return Error(word.begin,
                     fmt::format("{}: a wildcard other than a prefix (j*) needs at least 3 "
                                 "literal characters (*usa, not *sa)",
                                 Quote(word.raw)));
      }
    }
    return Status::OK();
  }

  // kAuth0 on a text field: a whole-value pattern, which the store's word
  // index can only approximate (see the header). REQUIRES: every part after
  // the first `*` is one word (WordPatternProblem(pattern, 1) is nullopt).
  static Filter Auth0TextPattern(const FieldSpec& field, std::string_view pattern) {
    const std::vector<std::string_view> parts = PatternParts(pattern);
    if (IsPrefixPattern(pattern)) return Filter::Prefix(field, std::string(parts[0]));
    std::vector<Filter> conditions;
    if (!parts[0].empty()) conditions.push_back(Filter::Prefix(field, std::string(parts[0])));
    for (size_t part_idx = 1; part_idx < parts.size(); ++part_idx) {
      const std::string_view part = parts[part_idx];
      if (part.empty()) continue;
      const bool last = part_idx + 1 == parts.size();
      conditions.push_back(
          Filter::Wildcard(field, last ? fmt::format("*{}", part) : fmt::format("*{}*", part)));
    }
    return Join(FilterOp::kAnd, std::move(conditions));
  }

  // A term with no field and no field group.
  Result<Filter> BareTerm(const Word& word) {
    if (word.IsLoneWildcard()) return Filter::All();
    if (word.has_wildcard) AL_RETURN_IF_ERROR(CheckPattern(word));
    const std::string& text = word.text;
    std::vector<Filter> alternatives;
    if (native()) {
      for (std::string_view path : kNativeBareTextFields) {
        const FieldSpec& field = *event::FindField(path);
        if (word.quoted) {
          if (!PhraseWords(text).empty()) alternatives.push_back(Filter::Phrase(field, text));
        } else if (word.has_wildcard) {
          if (!WordPatternProblem(text, 0)) alternatives.push_back(Filter::Wildcard(field, text));
        } else if (!QueryTokens(text).empty()) {
          alternatives.push_back(Filter::Text(field, text));
        }
      }
      for (std::string_view path : kNativeBareKeywordFields) {
        const FieldSpec& field = *event::FindField(path);
        alternatives.push_back(word.has_wildcard ? Filter::Wildcard(field, text)
                                                 : Filter::Eq(field, text));
      }
    } else {
      for (std::string_view name : kAuth0BareFields) {
        const FieldSpec& field = *event::FindFieldByDialectName("auth0", name);
        if (!word.has_wildcard) {
          alternatives.push_back(Filter::Eq(field, text));
        } else if (field.type != FieldType::kText) {
          alternatives.push_back(Filter::Wildcard(field, text));
        } else if (!WordPatternProblem(text, 1)) {
          alternatives.push_back(Auth0TextPattern(field, text));
        }
      }
    }
    return Checked(Join(FilterOp::kOr, std::move(alternatives)), word.begin);
  }

  // `field:word` or `field:"quoted"`, also a term inside field:( ... ).
  Result<Filter> FieldTerm(const FieldRef& ref, const Word& word) {
    const FieldSpec& field = *ref.field;
    const size_t at = word.begin;
    if (word.IsLoneWildcard()) return AtPath(ref, Filter::Exists(field));
    const std::string& text = word.text;
    switch (field.type) {
      case FieldType::kJson:
        if (ref.path.empty()) {
          return Error(at,
                       "details takes a path (details.request.channel:value), or * for "
                       "\"present\"");
        }
        [[fallthrough]];
      case FieldType::kKeyword:
        if (native() && field.path == "ip" && !word.quoted && !word.has_wildcard &&
            text.find('/') != std::string::npos) {
          if (!ParseIpNetwork(text)) {
            return Error(at, fmt::format("{} is not a network for field {} (10.0.0.0/8, "
                                         "2001:db8::/32)",
                                         Quote(text), ref.name));
          }
          return Checked(Filter::Cidr(field, text), at);
        }
        if (word.has_wildcard) {
          AL_RETURN_IF_ERROR(CheckPattern(word));
          return Checked(AtPath(ref, Filter::Wildcard(field, text)), at);
        }
        return Checked(AtPath(ref, Filter::Eq(field, text)), at);
      case FieldType::kText:
        if (!native()) {
          // "Log fields are not tokenized": a value is the whole value.
          if (!word.has_wildcard) return Checked(Filter::Eq(field, text), at);
          AL_RETURN_IF_ERROR(CheckPattern(word));
          if (std::optional<std::string> problem = WordPatternProblem(text, 1)) {
            return Error(at, fmt::format("{}: on {}, each part of a pattern after its first * "
                                         "must be one word: {}",
                                         Quote(word.raw), ref.name, *problem));
          }
          return Checked(Auth0TextPattern(field, text), at);
        }
        if (word.quoted) {
          if (PhraseWords(text).empty()) {
            return Error(at, fmt::format("{} has no searchable word for text field {}", Quote(text),
                                         ref.name));
          }
          return Checked(Filter::Phrase(field, text), at);
        }
        if (word.has_wildcard) {
          AL_RETURN_IF_ERROR(CheckPattern(word));
          if (std::optional<std::string> problem = WordPatternProblem(text, 0)) {
            return Error(at, fmt::format("{}: a pattern on text field {} matches single words, "
                                         "and each part between its *s must be one: {}",
                                         Quote(word.raw), ref.name, *problem));
          }
          return Checked(Filter::Wildcard(field, text), at);
        }
        if (QueryTokens(text).empty()) {
          return Error(at, fmt::format("{} has no searchable word for text field {}", Quote(text),
                                       ref.name));
        }
        return Checked(Filter::Text(field, text), at);
      case FieldType::kTime: {
        if (word.has_wildcard) {
          return Error(at, fmt::format("wildcards do not apply to time field {}; use a range "
                                       "such as {}:[2019-01-01 TO *]",
                                       ref.name, ref.name));
        }
        AL_ASSIGN_OR_RETURN(TimeSpan span, ParseTime(ref, word));
        if (span.length_micros == 1) return Checked(Filter::Eq(field, span.start_micros), at);
        return Checked(Filter::Range(field, RangeBound{span.start_micros, true},
                                     RangeBound{span.last_micros(), true}),
                       at);
      }
      case FieldType::kUint64:
      case FieldType::kDouble:
      case FieldType::kOutcome:
      case FieldType::kBool: {
        if (word.has_wildcard)
          return Error(at, fmt::format("wildcards do not apply to field {}", ref.name));
        AL_ASSIGN_OR_RETURN(Scalar value, ConvertScalar(ref, word));
        return Checked(Filter::Eq(field, std::move(value)), at);
      }
    }
    return Status::Internal("q: unhandled field type");
  }

  // A value of a field that is not a time field, as a Scalar of its type.
  Result<Scalar> ConvertScalar(const FieldRef& ref, const Word& word) const {
    const std::string& text = word.text;
    switch (ref.field->type) {
      case FieldType::kUint64: {
        int64_t number = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
        if (!AllDigits(text) || error != std::errc() || end != text.data() + text.size()) {
          return Error(word.begin,
                       fmt::format("{} is not a whole number for field {}", Quote(text), ref.name));
        }
        return Scalar(number);
      }
      case FieldType::kDouble: {
        double number = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
        if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
            !std::isfinite(number)) {
          return Error(word.begin,
                       fmt::format("{} is not a number for field {}", Quote(text), ref.name));
        }
        return Scalar(number);
      }
      case FieldType::kOutcome:
        if (text == "success" || text == "failure") return Scalar(text);
        return Error(word.begin, fmt::format("field {} takes success or failure, found {}",
                                             ref.name, Quote(text)));
      case FieldType::kBool:
        if (text == "true" || text == "false") return Scalar(text == "true");
        return Error(word.begin,
                     fmt::format("field {} takes true or false, found {}", ref.name, Quote(text)));
      default:
        return Scalar(text);
    }
  }

  // A time value: epoch milliseconds (all digits), YYYY-MM (a month), or
  // what event::ParseDateTime reads; its span follows the precision written.
  Result<TimeSpan> ParseTime(const FieldRef& ref, const Word& word) const {
    const std::string& text = word.text;
    auto fail = [&](std::string_view reason) {
      return Error(word.begin,
                   fmt::format("{} is not a date for field {}{}", Quote(text), ref.name, reason));
    };
    constexpr std::string_view kForms =
        " (write 2019-01-01, 2019-01-01T01:00:00Z or epoch milliseconds)";
    if (AllDigits(text)) {
      Result<event::UnixMicros> micros =
          event::ParseEpochText(text, event::EpochUnit::kMilliseconds);
      if (!micros.ok()) return fail(fmt::format(": {}", micros.error().message()));
      return TimeSpan{*micros, 1000};
    }
    const bool looks_like_date =
        text.size() >= 5 && AllDigits(std::string_view(text).substr(0, 4)) && text[4] == '-';
    if (!looks_like_date) return fail(kForms);
    if (text.size() == 7 && AllDigits(std::string_view(text).substr(5, 2))) {
      // YYYY-MM: the whole month.
      Result<event::UnixMicros> start = event::ParseDateTime(text + "-01");
      if (!start.ok()) return fail(fmt::format(": {}", start.error().message()));
      const int year =
          (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
      const unsigned month = static_cast<unsigned>((text[5] - '0') * 10 + (text[6] - '0'));
      const int64_t days =
          event::DaysFromCivil(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) -
          event::DaysFromCivil(year, month, 1);
      return TimeSpan{*start, days * kMicrosPerDay};
    }
    Result<event::UnixMicros> start = event::ParseDateTime(text);
    if (!start.ok()) return fail(fmt::format(": {}", start.error().message()));
    return TimeSpan{*start, PrecisionMicros(text)};
  }

  // At '[' or '{': [a TO b], {a TO b}, mixed, `*` for an open end.
  Result<Filter> ParseRange(const FieldRef& field) {
    const size_t at = pos_;
    const bool lower_inclusive = Peek() == '[';
    ++pos_;
    AL_ASSIGN_OR_RETURN(std::optional<Word> lower, ReadBound(at));
    SkipSpace();
    if (AtEnd()) return Error(at, "unbalanced bracket: no ] or } closes this range");
    if (text_.substr(pos_, 2) != "TO" || (pos_ + 2 < text_.size() && !EndsWord(text_[pos_ + 2]))) {
      return Error(pos_, "expected TO in the range, as in [a TO b]");
    }
    pos_ += 2;
    AL_ASSIGN_OR_RETURN(std::optional<Word> upper, ReadBound(at));
    SkipSpace();
    if (AtEnd()) return Error(at, "unbalanced bracket: no ] or } closes this range");
    if (Peek() != ']' && Peek() != '}') return Error(pos_, "expected ] or } to close the range");
    const bool upper_inclusive = Peek() == ']';
    ++pos_;
    return BuildRange(field, at, lower, lower_inclusive, upper, upper_inclusive);
  }

  // One end of a range; nullopt for `*` (open).
  Result<std::optional<Word>> ReadBound(size_t open_at) {
    SkipSpace();
    if (AtEnd()) return Error(open_at, "unbalanced bracket: no ] or } closes this range");
    if (Peek() == '"') {
      AL_ASSIGN_OR_RETURN(Word word, ReadQuoted());
      return std::optional<Word>(std::move(word));
    }
    if (EndsWord(Peek())) return Error(pos_, "a range bound is missing");
    AL_ASSIGN_OR_RETURN(Word word, ReadWord(/*colon_ends=*/false));
    if (word.raw == "TO") return Error(word.begin, "a range bound is missing before TO");
    if (word.IsLoneWildcard()) return std::optional<Word>();
    if (word.has_wildcard) {
      return Error(word.begin,
                   "a range bound takes no wildcard other than * for an open end (quote a "
                   "literal *)");
    }
    return std::optional<Word>(std::move(word));
  }

  // At '>' or '<': field:>v, >=v, <v, <=v.
  Result<Filter> ParseComparison(const FieldRef& field) {
    const size_t at = pos_;
    const bool greater = Peek() == '>';
    ++pos_;
    const bool inclusive = !AtEnd() && Peek() == '=';
    if (inclusive) ++pos_;
    SkipSpace();
    const Keyword keyword = AtEnd() ? Keyword::kNone : PeekKeyword();
    if (AtEnd() || (EndsWord(Peek()) && Peek() != '"') || keyword != Keyword::kNone)
      return Error(at, fmt::format("{} needs a value after it", text_.substr(at, pos_ - at)));
    Word word;
    if (Peek() == '"') {
      AL_ASSIGN_OR_RETURN(word, ReadQuoted());
    } else {
      AL_ASSIGN_OR_RETURN(word, ReadWord(/*colon_ends=*/false));
      if (word.has_wildcard)
        return Error(word.begin, "a comparison takes no wildcard (quote a literal *)");
    }
    if (greater) return BuildRange(field, at, std::move(word), inclusive, std::nullopt, false);
    return BuildRange(field, at, std::nullopt, false, std::move(word), inclusive);
  }

  Result<Filter> BuildRange(const FieldRef& ref, size_t at, const std::optional<Word>& lower,
                            bool lower_inclusive, const std::optional<Word>& upper,
                            bool upper_inclusive) {
    const FieldSpec& field = *ref.field;
    if (field.type == FieldType::kOutcome || field.type == FieldType::kBool ||
        (field.type == FieldType::kJson && ref.path.empty())) {
      return Error(at, fmt::format("field {} takes no ranges", ref.name));
    }
    if (!lower && !upper) return Checked(AtPath(ref, Filter::Exists(field)), at);
    std::optional<RangeBound> low, high;
    if (field.type == FieldType::kTime) {
      // A bound names its whole span: [v starts at its start, {v after its
      // end; v] ends at its end, v} before its start.
      if (lower) {
        AL_ASSIGN_OR_RETURN(TimeSpan span, ParseTime(ref, *lower));
        // emplace: assigning a temporary trips gcc 12's -Wmaybe-uninitialized
        low.emplace(RangeBound{Scalar(lower_inclusive ? span.start_micros : span.last_micros()),
                               lower_inclusive});
      }
      if (upper) {
        AL_ASSIGN_OR_RETURN(TimeSpan span, ParseTime(ref, *upper));
        high.emplace(RangeBound{Scalar(upper_inclusive ? span.last_micros() : span.start_micros),
                                upper_inclusive});
      }
    } else {
      if (lower) {
        AL_ASSIGN_OR_RETURN(Scalar value, ConvertScalar(ref, *lower));
        low = RangeBound{std::move(value), lower_inclusive};
      }
      if (upper) {
        AL_ASSIGN_OR_RETURN(Scalar value, ConvertScalar(ref, *upper));
        high = RangeBound{std::move(value), upper_inclusive};
      }
    }
    if (low && high && CompareScalars(low->value, high->value) > 0) {
      return Error(at, fmt::format("range starts after it ends: {} is after {}", Quote(lower->text),
                                   Quote(upper->text)));
    }
    return Checked(AtPath(ref, Filter::Range(field, std::move(low), std::move(high))), at);
  }

  std::string_view text_;
  LuceneDialect dialect_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<Filter> ParseLucene(std::string_view text, LuceneDialect dialect) {
  Parser parser(text, dialect);
  return parser.ParseAll();
}

Filter Auth0DetailsMemberFilter(std::string_view member, const Filter& leaf) {
  // Retargets `leaf`, or each child of an OR of leaves, at `path`.
  const auto at = [&leaf](const std::string& path) {
    if (leaf.op != FilterOp::kOr) return Filter::AtDetailsPath(path, leaf);
    Filter out = leaf;
    for (Filter& child : out.children) child = Filter::AtDetailsPath(path, child);
    return out;
  };
  const std::string name(member);
  const std::string collision = "@" + name;
  const FieldSpec& details = *event::FindField("details");
  std::vector<Filter> own;
  own.push_back(at(name));
  own.push_back(Filter::Not(Filter::AtDetailsPath(collision, Filter::Exists(details))));
  std::vector<Filter> either;
  either.push_back(at(collision));
  either.push_back(Filter::And(std::move(own)));
  return Filter::Or(std::move(either));
}

}  // namespace auditlog::query
