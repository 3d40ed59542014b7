#include "event/json_syntax.h"

#include <fmt/format.h>

#include <bitset>
#include <cstring>

namespace auditlog::event {
namespace {

bool IsJsonSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

bool IsPrintableAscii(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte > 0x20 && byte < 0x7f;
}

// Names a byte the grammar does not allow where it stands. A message never
// carries a raw control character or a piece of a UTF-8 sequence.
std::string UnexpectedByte(char c) {
  if (IsPrintableAscii(c)) return fmt::format("unexpected character '{}'", c);
  return fmt::format("unexpected byte {:#04x}", static_cast<unsigned char>(c));
}

// The length of the UTF-8 sequence starting at text[pos] (a byte >= 0x80),
// or 0 when it is not well-formed: RFC 3629 section 4, which excludes
// overlong forms, surrogates (U+D800..U+DFFF) and anything past U+10FFFF.
size_t Utf8SequenceLength(std::string_view text, size_t pos) {
  const auto byte_at = [&](size_t at) -> unsigned {
    return at < text.size() ? static_cast<unsigned char>(text[at]) : 0u;
  };
  const unsigned lead = byte_at(pos);
  size_t length = 0;
  unsigned second_min = 0x80;
  unsigned second_max = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) second_min = 0xa0;  // overlong below U+0800
    if (lead == 0xed) second_max = 0x9f;  // surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) second_min = 0x90;  // overlong below U+10000
    if (lead == 0xf4) second_max = 0x8f;  // past U+10FFFF
  } else {
    return 0;  // a continuation byte, an overlong lead (0xc0, 0xc1) or 0xf5..0xff
  }
  const unsigned second = byte_at(pos + 1);
  if (second < second_min || second > second_max) return 0;
  for (size_t continuation = 2; continuation < length; ++continuation) {
    const unsigned byte = byte_at(pos + continuation);
    if (byte < 0x80 || byte > 0xbf) return 0;
  }
  return length;
}

// One pass over the text with an explicit stack of open containers, so that
// depth costs a bit per level, not a stack frame. Each Scan* method starts at
// its token's first byte and leaves pos_ just past the token, or records the
// error and returns false.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  std::optional<JsonSyntaxError> Run() {
    // What the grammar allows next.
    enum class Expect : uint8_t {
      kValue,            // at the top, after ':' and after ',' in an array
      kValueOrArrayEnd,  // after '['
      kKey,              // after ',' in an object
      kKeyOrObjectEnd,   // after '{'
      kColon,            // after a key
      kSeparatorOrEnd,   // after a value
    };
    Expect expect = Expect::kValue;
    for (;;) {
      while (pos_ < text_.size() && IsJsonSpace(text_[pos_])) ++pos_;
      if (expect == Expect::kSeparatorOrEnd && depth_ == 0) {
        if (pos_ == text_.size()) return std::nullopt;
        return Fail(pos_, "trailing characters after the value");
      }
      if (pos_ == text_.size()) return Fail(pos_, "unexpected end of input");
      const char c = text_[pos_];
      switch (expect) {
        case Expect::kValueOrArrayEnd:
          if (c == ']') {
            Close();
            expect = Expect::kSeparatorOrEnd;
            break;
          }
          [[fallthrough]];
        case Expect::kValue:
          if (c == '{' || c == '[') {
            if (depth_ == kMaxJsonNestingDepth) return FailNesting();
            in_object_[depth_++] = c == '{';
            ++pos_;
            expect = c == '{' ? Expect::kKeyOrObjectEnd : Expect::kValueOrArrayEnd;
            break;
          }
          if (!ScanScalar()) return error_;
          expect = Expect::kSeparatorOrEnd;
          break;
        case Expect::kKeyOrObjectEnd:
          if (c == '}') {
            Close();
            expect = Expect::kSeparatorOrEnd;
            break;
          }
          [[fallthrough]];
        case Expect::kKey:
          if (c != '"') return Fail(pos_, UnexpectedByte(c));
          if (!ScanString()) return error_;
          expect = Expect::kColon;
          break;
        case Expect::kColon:
          if (c != ':') return Fail(pos_, "expected ':' after an object key");
          ++pos_;
          expect = Expect::kValue;
          break;
        case Expect::kSeparatorOrEnd: {
          const bool in_object = in_object_[depth_ - 1];
          if (c == ',') {
            ++pos_;
            expect = in_object ? Expect::kKey : Expect::kValue;
          } else if (c == (in_object ? '}' : ']')) {
            Close();
          } else {
            return Fail(pos_, in_object ? "expected ',' or '}' after an object member"
                                        : "expected ',' or ']' after an array element");
          }
          break;
        }
      }
    }
  }

 private:
  void Close() {
    --depth_;
    ++pos_;
  }

  std::optional<JsonSyntaxError> Fail(size_t offset, std::string reason) {
    error_ = JsonSyntaxError{offset, std::move(reason)};
    return error_;
  }

  std::optional<JsonSyntaxError> FailNesting() {
    Fail(pos_, fmt::format("nesting deeper than {}", kMaxJsonNestingDepth));
    error_->nesting_limit = true;
    return error_;
  }

  bool ScanScalar() {
    const char c = text_[pos_];
    if (c == '"') return ScanString();
    if (c == '-' || IsDigit(c)) return ScanNumber();
    if (c == 't') return ScanLiteral("true");
    if (c == 'f') return ScanLiteral("false");
    if (c == 'n') return ScanLiteral("null");
    Fail(pos_, UnexpectedByte(c));
    return false;
  }

  // RFC 8259 section 6. The first byte that cannot continue the number is the
  // error: "01" fails at '1', "1." at the end.
  bool ScanNumber() {
    if (text_[pos_] == '-') ++pos_;
    if (At('0')) {
      ++pos_;
      if (pos_ < text_.size() && IsDigit(text_[pos_])) return FailNumber();
    } else if (!SkipDigits()) {
      return FailNumber();
    }
    if (At('.')) {
      ++pos_;
      if (!SkipDigits()) return FailNumber();
    }
    if (At('e') || At('E')) {
      ++pos_;
      if (At('+') || At('-')) ++pos_;
      if (!SkipDigits()) return FailNumber();
    }
    return true;
  }

  bool FailNumber() {
    Fail(pos_, "invalid number");
    return false;
  }

  // Skips a run of digits; false when there is none.
  bool SkipDigits() {
    const size_t start = pos_;
    while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    return pos_ > start;
  }

  bool At(char c) const { return pos_ < text_.size() && text_[pos_] == c; }

  bool ScanLiteral(std::string_view word) {
    for (const char expected : word) {
      if (!At(expected)) {
        Fail(pos_, fmt::format("invalid literal (expected {})", word));
        return false;
      }
      ++pos_;
    }
    return true;
  }

  bool ScanString() {
    const size_t open = pos_++;
    while (pos_ < text_.size()) {
      const auto byte = static_cast<unsigned char>(text_[pos_]);
      if (byte == '"') {
        ++pos_;
        return true;
      }
      if (byte == '\\') {
        if (!ScanEscape(open)) return false;
      } else if (byte < 0x20) {
        // A raw line break almost always means the quote was never closed.
        Fail(pos_, byte == '\n' || byte == '\r'
                       ? "unterminated string: line break before the closing quote"
                       : "control character in a string");
        return false;
      } else if (byte < 0x80) {
        ++pos_;
      } else {
        const size_t length = Utf8SequenceLength(text_, pos_);
        if (length == 0) {
          Fail(pos_, "invalid UTF-8");
          return false;
        }
        pos_ += length;
      }
    }
    Fail(open, "unterminated string");
    return false;
  }

  // At a backslash inside the string that opened at `open`.
  bool ScanEscape(size_t open) {
    const size_t escape = pos_;
    if (escape + 1 >= text_.size()) {
      Fail(open, "unterminated string");
      return false;
    }
    const char kind = text_[escape + 1];
    switch (kind) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        pos_ += 2;
        return true;
      case 'u':
        break;
      default:
        Fail(escape, IsPrintableAscii(kind) ? fmt::format("invalid escape \\{}", kind)
                                            : fmt::format("invalid escape: byte {:#04x} after '\\'",
                                                          static_cast<unsigned char>(kind)));
        return false;
    }
    // \uXXXX is one UTF-16 unit; a high surrogate must be followed at once by
    // an escaped low one, and a low one must not stand alone (as simdjson).
    std::optional<unsigned> unit = ReadUnicodeEscape(open, escape);
    if (!unit) return false;
    if (*unit >= 0xdc00 && *unit <= 0xdfff) return FailSurrogate(escape);
    if (*unit >= 0xd800 && *unit <= 0xdbff) {
      const size_t next = escape + 6;
      if (next >= text_.size()) {
        Fail(open, "unterminated string");
        return false;
      }
      if (text_[next] != '\\' || next + 1 >= text_.size() || text_[next + 1] != 'u') {
        return FailSurrogate(escape);
      }
      const std::optional<unsigned> low = ReadUnicodeEscape(open, next);
      if (!low) return false;
      if (*low < 0xdc00 || *low > 0xdfff) return FailSurrogate(escape);
      pos_ = next + 6;
      return true;
    }
    pos_ = escape + 6;
    return true;
  }

  // The value of the "\uXXXX" at `escape`, or nullopt after recording why not.
  std::optional<unsigned> ReadUnicodeEscape(size_t open, size_t escape) {
    unsigned unit = 0;
    for (size_t digit_pos = escape + 2; digit_pos < escape + 6; ++digit_pos) {
      if (digit_pos >= text_.size()) {
        Fail(open, "unterminated string");
        return std::nullopt;
      }
      if (!IsHexDigit(text_[digit_pos])) {
        Fail(escape, "invalid \\u escape (expected 4 hex digits)");
        return std::nullopt;
      }
      unit = unit * 16 + static_cast<unsigned>(HexValue(text_[digit_pos]));
    }
    return unit;
  }

  bool FailSurrogate(size_t escape) {
    Fail(escape, fmt::format("unpaired surrogate {}", text_.substr(escape, 6)));
    return false;
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t depth_ = 0;                             // containers open
  std::bitset<kMaxJsonNestingDepth> in_object_;  // per open level: object or array
  std::optional<JsonSyntaxError> error_;
};

}  // namespace

std::optional<JsonSyntaxError> FindJsonSyntaxError(std::string_view text) {
  return Scanner(text).Run();
}

std::pair<size_t, size_t> LineAndColumn(std::string_view text, size_t offset) {
  if (offset > text.size()) offset = text.size();
  size_t line = 1;
  size_t line_start = 0;
  while (line_start < offset) {
    const void* newline = std::memchr(text.data() + line_start, '\n', offset - line_start);
    if (newline == nullptr) break;
    line_start = static_cast<size_t>(static_cast<const char*>(newline) - text.data()) + 1;
    ++line;
  }
  return {line, offset - line_start + 1};
}

}  // namespace auditlog::event
