#include "query/scim_filter.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "common/utf8.h"
#include "event/time.h"

namespace auditlog::query {
namespace {

using event::FieldSpec;
using event::FieldType;

enum class TokenKind : uint8_t {
  kEnd,
  kWord,  // an attribute path, an operator, and/or/not, true/false/null
  kString,
  kNumber,
  kLeftParen,
  kRightParen,
  kLeftBracket,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  size_t offset = 0;      // of the first byte, from 0
  std::string_view text;  // as written
  std::string value;      // kString: the decoded string
};

enum class CompareOp : uint8_t { kEq, kNe, kCo, kSw, kEw, kPr, kGt, kGe, kLt, kLe };

struct OpName {
  std::string_view name;
  CompareOp op;
};

constexpr OpName kOpNames[] = {
    {"eq", CompareOp::kEq}, {"ne", CompareOp::kNe}, {"co", CompareOp::kCo}, {"sw", CompareOp::kSw},
    {"ew", CompareOp::kEw}, {"pr", CompareOp::kPr}, {"gt", CompareOp::kGt}, {"ge", CompareOp::kGe},
    {"lt", CompareOp::kLt}, {"le", CompareOp::kLe},
};

std::string_view OpText(CompareOp op) {
  for (const OpName& entry : kOpNames)
    if (entry.op == op) return entry.name;
  return "?";
}

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
// RFC 7644's nameChar, plus the dot between the steps of a path.
bool IsWordChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '-' || c == '_' || c == '.'; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool IsKeyword(const Token& token, std::string_view keyword) {
  return token.kind == TokenKind::kWord && EqualsIgnoreCase(token.text, keyword);
}

// RFC 8259 §6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
bool IsJsonNumber(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  auto digits = [&] {
    const size_t start = i;
    while (i < n && IsDigit(text[i])) ++i;
    return i > start;
  };
  if (i < n && text[i] == '-') ++i;
  if (i < n && text[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < n && text[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == n;
}


std::optional<uint32_t> ParseHex4(std::string_view text, size_t at) {
  if (at + 4 > text.size()) return std::nullopt;
  uint32_t value = 0;
  for (size_t i = at; i < at + 4; ++i) {
    const char c = text[i];
    uint32_t digit;
    if (IsDigit(c)) {
      digit = static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    value = value * 16 + digit;
  }
  return value;
}

// Long attribute paths and words are cut in messages; the position says where they are.
std::string Quote(std::string_view text) {
  constexpr size_t kMaxQuotedBytes = 64;
  if (text.size() > kMaxQuotedBytes) return fmt::format("{:?}...", text.substr(0, kMaxQuotedBytes));
  return fmt::format("{:?}", text);
}

std::string Describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEnd:
      return "the end of the filter";
    case TokenKind::kString:
      return "a string";
    case TokenKind::kNumber:
      return fmt::format("the number {}", Quote(token.text));
    default:
      return Quote(token.text);
  }
}

// What kind of values an attribute takes, which decides the operators it
// allows and how a literal becomes a Scalar.
enum class ValueKind : uint8_t {
  kString,        // keyword fields
  kText,          // text fields: searched by word in the index
  kDetailsPath,   // a path inside details: strings, bytewise
  kDetailsWhole,  // details itself: only pr
  kOutcome,       // "success" | "failure"
  kTime,          // RFC 3339 strings
  kInteger,       // seq
  kDouble,
  kBool,
};

ValueKind ValueKindOf(const ScimAttribute& attribute) {
  switch (attribute.field->type) {
    case FieldType::kKeyword:
      return ValueKind::kString;
    case FieldType::kText:
      return ValueKind::kText;
    case FieldType::kJson:
      return attribute.details_path.empty() ? ValueKind::kDetailsWhole : ValueKind::kDetailsPath;
    case FieldType::kOutcome:
      return ValueKind::kOutcome;
    case FieldType::kTime:
      return ValueKind::kTime;
    case FieldType::kUint64:
      return ValueKind::kInteger;
    case FieldType::kDouble:
      return ValueKind::kDouble;
    case FieldType::kBool:
      return ValueKind::kBool;
  }
  return ValueKind::kString;
}

class Parser {
 public:
  Parser(std::string_view text, const ScimResolver& resolve) : text_(text), resolve_(resolve) {}

  Result<Filter> ParseAll() {
    AL_ASSIGN_OR_RETURN(const Token* first, Peek());
    if (first->kind == TokenKind::kEnd) return Filter::All();
    AL_ASSIGN_OR_RETURN(Filter filter, ParseOr(0));
    AL_ASSIGN_OR_RETURN(Token rest, Next());
    if (rest.kind != TokenKind::kEnd) {
      return Error(rest.offset, fmt::format("expected and, or or the end of the filter, found {}",
                                            Describe(rest)));
    }
    return filter;
  }

 private:
  Status Error(size_t offset, std::string_view reason) const {
    return Status::InvalidArgument(fmt::format("filter: at {}: {}", offset + 1, reason));
  }

  // --- Lexer ---

  Result<const Token*> Peek() {
    if (!peeked_) {
      AL_ASSIGN_OR_RETURN(Token token, Lex());
      peeked_ = std::move(token);
    }
    return &*peeked_;
  }

  Result<Token> Next() {
    if (peeked_) {
      Token token = std::move(*peeked_);
      peeked_.reset();
      return token;
    }
    return Lex();
  }

  Result<Token> Lex() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
    Token token;
    token.offset = pos_;
    if (pos_ == text_.size()) return token;
    const char c = text_[pos_];
    if (c == '(' || c == ')' || c == '[') {
      token.kind = c == '('   ? TokenKind::kLeftParen
                   : c == ')' ? TokenKind::kRightParen
                              : TokenKind::kLeftBracket;
      token.text = text_.substr(pos_++, 1);
      return token;
    }
    if (c == '"') return LexString();
    if (IsAlpha(c)) {
      const size_t start = pos_;
      while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
      token.kind = TokenKind::kWord;
      token.text = text_.substr(start, pos_ - start);
      return token;
    }
    if (c == '-' || IsDigit(c)) {
      // Take every character a number could run into, so that "12abc" or
      // "1.2.3" is one bad number rather than a number and a stray word.
      const size_t start = pos_;
      ++pos_;
      while (pos_ < text_.size() && (IsWordChar(text_[pos_]) || text_[pos_] == '+')) ++pos_;
      token.kind = TokenKind::kNumber;
      token.text = text_.substr(start, pos_ - start);
      if (!IsJsonNumber(token.text))
        return Error(start, fmt::format("invalid number {}", Quote(token.text)));
      return token;
    }
    return Error(pos_, fmt::format("unexpected character {:?}", c));
  }

  // A JSON string (RFC 8259 §7), as RFC 7644 requires of string literals.
  Result<Token> LexString() {
    Token token;
    token.kind = TokenKind::kString;
    token.offset = pos_;
    ++pos_;  // the opening quote
    while (true) {
      if (pos_ >= text_.size()) return Error(token.offset, "unterminated string");
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        break;
      }
      if (static_cast<unsigned char>(c) < 0x20)
        return Error(pos_, "control character in a string (write it as an escape such as \\n)");
      if (c != '\\') {
        token.value.push_back(c);
        ++pos_;
        continue;
      }
      const size_t escape_at = pos_;
      if (pos_ + 1 >= text_.size()) return Error(token.offset, "unterminated string");
      const char kind = text_[pos_ + 1];
      pos_ += 2;
      switch (kind) {
        case '"':
        case '\\':
        case '/':
          token.value.push_back(kind);
          break;
        case 'b':
          token.value.push_back('\b');
          break;
        case 'f':
          token.value.push_back('\f');
          break;
        case 'n':
          token.value.push_back('\n');
          break;
        case 'r':
          token.value.push_back('\r');
          break;
        case 't':
          token.value.push_back('\t');
          break;
        case 'u': {
          AL_ASSIGN_OR_RETURN(uint32_t code_point, LexUnicodeEscape(escape_at));
          AppendUtf8(code_point, &token.value);
          break;
        }
        default:
          return Error(escape_at,
                       fmt::format("invalid escape {:?} in a string", text_.substr(escape_at, 2)));
      }
    }
    token.text = text_.substr(token.offset, pos_ - token.offset);
    return token;
  }

  // Reads the digits of a \u escape whose backslash is at `escape_at`, and a
  // second escape after it when the first is a high surrogate. pos_ is past
  // the "\u" on entry and past the escape(s) on return.
  Result<uint32_t> LexUnicodeEscape(size_t escape_at) {
    auto unit = ParseHex4(text_, pos_);
    if (!unit) return Error(escape_at, "\\u must be followed by 4 hex digits");
    pos_ += 4;
    if (*unit >= 0xDC00 && *unit <= 0xDFFF)
      return Error(escape_at, "lone low surrogate in \\u escape");
    if (*unit < 0xD800 || *unit > 0xDBFF) return *unit;
    // A high surrogate: JSON writes a code point above U+FFFF as a pair.
    std::optional<uint32_t> low;
    if (pos_ + 1 < text_.size() && text_[pos_] == '\\' && text_[pos_ + 1] == 'u')
      low = ParseHex4(text_, pos_ + 2);
    if (!low || *low < 0xDC00 || *low > 0xDFFF)
      return Error(escape_at, "high surrogate in \\u escape without a low surrogate after it");
    pos_ += 6;
    return 0x10000 + ((*unit - 0xD800) << 10) + (*low - 0xDC00);
  }

  // --- Grammar ---

  Result<Filter> ParseOr(int depth) {
    std::vector<Filter> children;
    AL_ASSIGN_OR_RETURN(Filter first, ParseAnd(depth));
    children.push_back(std::move(first));
    while (true) {
      AL_ASSIGN_OR_RETURN(const Token* next, Peek());
      if (!IsKeyword(*next, "or")) break;
      (void)Next();  // the peeked "or"; cannot fail
      AL_ASSIGN_OR_RETURN(Filter child, ParseAnd(depth));
      children.push_back(std::move(child));
    }
    if (children.size() == 1) return std::move(children[0]);
    return Filter::Or(std::move(children));
  }

  Result<Filter> ParseAnd(int depth) {
    std::vector<Filter> children;
    AL_ASSIGN_OR_RETURN(Filter first, ParseUnary(depth));
    children.push_back(std::move(first));
    while (true) {
      AL_ASSIGN_OR_RETURN(const Token* next, Peek());
      if (!IsKeyword(*next, "and")) break;
      (void)Next();
      AL_ASSIGN_OR_RETURN(Filter child, ParseUnary(depth));
      children.push_back(std::move(child));
    }
    if (children.size() == 1) return std::move(children[0]);
    return Filter::And(std::move(children));
  }

  Result<Filter> ParseUnary(int depth) {
    AL_ASSIGN_OR_RETURN(Token token, Next());
    if (token.kind == TokenKind::kLeftParen) return ParseGroup(token, depth);
    if (IsKeyword(token, "not")) {
      AL_ASSIGN_OR_RETURN(Token open, Next());
      if (open.kind != TokenKind::kLeftParen)
        return Error(open.offset, fmt::format("expected ( after not, found {}", Describe(open)));
      AL_ASSIGN_OR_RETURN(Filter inner, ParseGroup(open, depth));
      return Filter::Not(std::move(inner));
    }
    // and/or are never attribute names here, so `a pr or or b pr` fails at the second "or".
    if (token.kind == TokenKind::kWord && !IsKeyword(token, "and") && !IsKeyword(token, "or"))
      return ParseComparison(token);
    return Error(token.offset,
                 fmt::format("expected an attribute, ( or not, found {}", Describe(token)));
  }

  // The filter inside parentheses, `open` being the "(" already read.
  Result<Filter> ParseGroup(const Token& open, int depth) {
    if (depth >= kMaxScimNestingDepth) {
      return Error(open.offset,
                   fmt::format("parentheses nested deeper than {} levels", kMaxScimNestingDepth));
    }
    AL_ASSIGN_OR_RETURN(Filter inner, ParseOr(depth + 1));
    AL_ASSIGN_OR_RETURN(Token close, Next());
    if (close.kind != TokenKind::kRightParen) {
      return Error(close.offset, fmt::format("expected ) to close the ( at {}, found {}",
                                             open.offset + 1, Describe(close)));
    }
    return inner;
  }

  Result<Filter> ParseComparison(const Token& attribute_token) {
    const std::string_view name = attribute_token.text;
    if (name.back() == '.' || name.find("..") != std::string_view::npos)
      return Error(attribute_token.offset, fmt::format("empty step in attribute {}", Quote(name)));

    AL_ASSIGN_OR_RETURN(Token op_token, Next());
    if (op_token.kind == TokenKind::kLeftBracket)
      return Error(op_token.offset, "value filters with [ ] are not supported");
    if (op_token.kind != TokenKind::kWord) {
      return Error(op_token.offset, fmt::format("expected an operator after {}, found {}",
                                                Quote(name), Describe(op_token)));
    }
    std::optional<CompareOp> op;
    for (const OpName& entry : kOpNames)
      if (EqualsIgnoreCase(op_token.text, entry.name)) op = entry.op;
    if (!op) {
      return Error(op_token.offset,
                   fmt::format("unknown operator {} (expected eq, ne, co, sw, ew, pr, gt, ge, lt "
                               "or le)",
                               Quote(op_token.text)));
    }

    std::optional<Token> value_token;
    if (*op != CompareOp::kPr) {
      AL_ASSIGN_OR_RETURN(Token token, Next());
      const bool is_value =
          token.kind == TokenKind::kString || token.kind == TokenKind::kNumber ||
          (token.kind == TokenKind::kWord &&
           (token.text == "true" || token.text == "false" || token.text == "null"));
      if (!is_value) {
        return Error(token.offset,
                     fmt::format("expected a value after {} (a \"string\", a number, true, false "
                                 "or null), found {}",
                                 op_token.text, Describe(token)));
      }
      value_token = std::move(token);
    }

    std::optional<ScimAttribute> attribute = resolve_(name);
    if (!attribute || attribute->field == nullptr)
      return Error(attribute_token.offset, fmt::format("unknown attribute {}", Quote(name)));

    AL_ASSIGN_OR_RETURN(Filter leaf, BuildComparison(*attribute, name, *op, op_token.offset,
                                                     value_token ? &*value_token : nullptr));
    // A resolver that names a path on a field other than details, or an empty
    // path step, is caught here rather than by the store.
    if (Status valid = ValidateFilter(leaf); !valid.ok())
      return Error(attribute_token.offset, valid.message());
    return leaf;
  }

  // The leaf for `name op value`; `value` is null for pr.
  Result<Filter> BuildComparison(const ScimAttribute& attribute, std::string_view name,
                                 CompareOp op, size_t op_offset, const Token* value) {
    const FieldSpec& field = *attribute.field;
    const ValueKind kind = ValueKindOf(attribute);
    // Wraps a leaf built on `field` for a details path.
    auto at_path = [&](Filter leaf) {
      if (attribute.details_path.empty()) return leaf;
      return Filter::AtDetailsPath(attribute.details_path, std::move(leaf));
    };

    if (op == CompareOp::kPr) return at_path(Filter::Exists(field));
    if (value->kind == TokenKind::kWord && value->text == "null") {
      // RFC 7643 §2.5: an unassigned attribute and the null value are the same state.
      if (op == CompareOp::kEq) return Filter::Not(at_path(Filter::Exists(field)));
      if (op == CompareOp::kNe) return at_path(Filter::Exists(field));
      return Error(value->offset,
                   fmt::format("null compares only with eq or ne, not {}", OpText(op)));
    }

    AL_RETURN_IF_ERROR(CheckOperator(kind, name, op, op_offset));
    AL_ASSIGN_OR_RETURN(Scalar scalar, ConvertValue(kind, name, op, *value));

    switch (op) {
      case CompareOp::kEq:
        return at_path(Filter::Eq(field, std::move(scalar)));
      case CompareOp::kNe:
        return Filter::Not(at_path(Filter::Eq(field, std::move(scalar))));
      case CompareOp::kSw:
        return at_path(Filter::Prefix(field, std::get<std::string>(std::move(scalar))));
      case CompareOp::kCo:
      case CompareOp::kEw: {
        const std::string& text = std::get<std::string>(scalar);
        // kWildcard reads every `*` as "any run"; it has no escape for a literal one.
        if (text.find('*') != std::string::npos) {
          return Error(
              value->offset,
              fmt::format("a * in a {} value cannot be matched literally yet", OpText(op)));
        }
        const std::string pattern = op == CompareOp::kCo ? "*" + text + "*" : "*" + text;
        return at_path(Filter::Wildcard(field, pattern));
      }
      case CompareOp::kGt:
        return at_path(Filter::Range(field, RangeBound{std::move(scalar), false}, std::nullopt));
      case CompareOp::kGe:
        return at_path(Filter::Range(field, RangeBound{std::move(scalar), true}, std::nullopt));
      case CompareOp::kLt:
        return at_path(Filter::Range(field, std::nullopt, RangeBound{std::move(scalar), false}));
      case CompareOp::kLe:
        return at_path(Filter::Range(field, std::nullopt, RangeBound{std::move(scalar), true}));
      case CompareOp::kPr:
        break;
    }
    return Status::Internal("filter: unhandled operator");
  }

  // Whether `op` suits an attribute of `kind`; an error at the operator if not.
  Status CheckOperator(ValueKind kind, std::string_view name, CompareOp op, size_t op_offset) {
    const std::string_view op_text = OpText(op);
    switch (kind) {
      case ValueKind::kDetailsWhole:
        return Error(op_offset,
                     fmt::format("{} takes only pr (or eq/ne null); compare a path inside it, "
                                 "such as {}.request.channel",
                                 name, name));
      case ValueKind::kText:
        if (op == CompareOp::kCo || op == CompareOp::kEw) {
          return Error(op_offset,
                       fmt::format("{} is not supported on the text attribute {}: it is indexed "
                                   "by word, not by substring (eq and sw compare the whole value)",
                                   op_text, name));
        }
        return Status::OK();
      case ValueKind::kString:
      case ValueKind::kDetailsPath:
        return Status::OK();
      case ValueKind::kOutcome:
        if (op == CompareOp::kEq || op == CompareOp::kNe) return Status::OK();
        return Error(op_offset, fmt::format("{} does not apply to {}, which takes eq, ne and pr",
                                            op_text, name));
      case ValueKind::kBool:
        if (op == CompareOp::kEq || op == CompareOp::kNe) return Status::OK();
        return Error(op_offset, fmt::format("{} does not apply to the boolean attribute {}, which "
                                            "takes eq, ne and pr",
                                            op_text, name));
      case ValueKind::kTime:
      case ValueKind::kInteger:
      case ValueKind::kDouble:
        if (op == CompareOp::kCo || op == CompareOp::kSw || op == CompareOp::kEw) {
          return Error(
              op_offset,
              fmt::format("{} does not apply to {}, a {} attribute (use eq, ne, gt, ge, "
                          "lt, le or pr)",
                          op_text, name, kind == ValueKind::kTime ? "date-time" : "numeric"));
        }
        return Status::OK();
    }
    return Status::OK();
  }

  // The literal `value` as a Scalar of the attribute's type; an error at the value if it does not
  // fit.
  Result<Scalar> ConvertValue(ValueKind kind, std::string_view name, CompareOp op,
                              const Token& value) {
    const bool is_string = value.kind == TokenKind::kString;
    switch (kind) {
      case ValueKind::kString:
      case ValueKind::kText:
        if (is_string) return Scalar(value.value);
        return Error(value.offset,
                     fmt::format("{} takes a string, found {}", name, Describe(value)));
      case ValueKind::kDetailsPath:
        if (is_string) return Scalar(value.value);
        // Numbers and booleans are compared with the value's JSON text
        // (Filter::path); only equality means the same thing on text.
        if (op == CompareOp::kEq || op == CompareOp::kNe) return Scalar(std::string(value.text));
        return Error(value.offset,
                     fmt::format("{} with {} takes a string (values inside details compare as "
                                 "text), found {}",
                                 name, OpText(op), Describe(value)));
      case ValueKind::kOutcome:
        if (is_string && (value.value == "success" || value.value == "failure"))
          return Scalar(value.value);
        return Error(value.offset,
                     fmt::format("{} takes \"success\" or \"failure\" (lower case), found {}", name,
                                 is_string ? Quote(value.value) : Describe(value)));
      case ValueKind::kTime: {
        if (!is_string) {
          return Error(value.offset, fmt::format("{} takes a date-time string such as "
                                                 "\"2017-10-01T00:00:00.000Z\", found {}",
                                                 name, Describe(value)));
        }
        Result<event::UnixMicros> micros = event::ParseDateTime(value.value);
        if (!micros.ok()) {
          return Error(value.offset, fmt::format("{} is not an RFC 3339 date-time such as "
                                                 "\"2017-10-01T00:00:00.000Z\": {}",
                                                 Quote(value.value), micros.error().message()));
        }
        return Scalar(int64_t{*micros});
      }
      case ValueKind::kInteger: {
        const std::string_view text = value.text;
        const bool is_integer =
            value.kind == TokenKind::kNumber && text.find_first_of(".eE") == std::string_view::npos;
        if (!is_integer) {
          return Error(value.offset,
                       fmt::format("{} takes a whole number, found {}", name, Describe(value)));
        }
        int64_t number = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
        if (error != std::errc() || end != text.data() + text.size())
          return Error(value.offset, fmt::format("number {} out of range", text));
        return Scalar(number);
      }
      case ValueKind::kDouble: {
        if (value.kind != TokenKind::kNumber) {
          return Error(value.offset,
                       fmt::format("{} takes a number, found {}", name, Describe(value)));
        }
        const std::string_view text = value.text;
        double number = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
        if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(number))
          return Error(value.offset, fmt::format("number {} out of range", text));
        return Scalar(number);
      }
      case ValueKind::kBool:
        if (value.kind == TokenKind::kWord && (value.text == "true" || value.text == "false"))
          return Scalar(value.text == "true");
        return Error(value.offset,
                     fmt::format("{} takes true or false, found {}", name, Describe(value)));
      case ValueKind::kDetailsWhole:
        break;  // CheckOperator rejected every operator but pr
    }
    return Status::Internal("filter: unhandled attribute kind");
  }

  std::string_view text_;
  const ScimResolver& resolve_;
  size_t pos_ = 0;
  std::optional<Token> peeked_;
};

}  // namespace

std::optional<ScimAttribute> ResolveNativeAttribute(std::string_view attribute) {
  if (const FieldSpec* field = event::FindField(attribute)) return ScimAttribute{field, ""};
  constexpr std::string_view kDetailsPrefix = "details.";
  if (attribute.starts_with(kDetailsPrefix) && attribute.size() > kDetailsPrefix.size()) {
    return ScimAttribute{event::FindField("details"),
                         std::string(attribute.substr(kDetailsPrefix.size()))};
  }
  return std::nullopt;
}

Result<Filter> ParseScimFilter(std::string_view text, const ScimResolver& resolve) {
  Parser parser(text, resolve);
  return parser.ParseAll();
}

}  // namespace auditlog::query
