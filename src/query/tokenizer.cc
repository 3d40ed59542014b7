#include "query/tokenizer.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace auditlog::query {
namespace {

enum class CharKind : uint8_t { kSeparator, kWord, kCjk };

// For each ASCII byte: its lowercase form if it is a letter or digit, else 0
// (a separator). One load decides the common case.
constexpr std::array<char, 128> MakeAsciiFoldTable() {
  std::array<char, 128> table{};
  for (int byte = '0'; byte <= '9'; ++byte) table[byte] = static_cast<char>(byte);
  for (int byte = 'a'; byte <= 'z'; ++byte) table[byte] = static_cast<char>(byte);
  for (int byte = 'A'; byte <= 'Z'; ++byte) table[byte] = static_cast<char>(byte - 'A' + 'a');
  return table;
}
constexpr std::array<char, 128> kAsciiFold = MakeAsciiFoldTable();

struct CodePointRange {
  char32_t first;
  char32_t last;
  CharKind kind;
};

// Non-ASCII code points that are not word characters; everything >= U+0080
// not listed is a word character. Sorted and disjoint (checked below) so it
// can be binary-searched. The header lists the same ranges as the contract.
constexpr CodePointRange kNonWordRanges[] = {
    {0x0080, 0x00BF, CharKind::kSeparator},  // C1 controls, Latin-1 punctuation
    {0x00D7, 0x00D7, CharKind::kSeparator},  // ×
    {0x00F7, 0x00F7, CharKind::kSeparator},  // ÷
    {0x1100, 0x11FF, CharKind::kCjk},        // Hangul Jamo
    {0x2000, 0x206F, CharKind::kSeparator},  // General Punctuation
    {0x20A0, 0x20CF, CharKind::kSeparator},  // Currency Symbols
    {0x2100, 0x2BFF, CharKind::kSeparator},  // Letterlike .. Misc Symbols and Arrows
    {0x2E00, 0x2E7F, CharKind::kSeparator},  // Supplemental Punctuation
    {0x2E80, 0x2FDF, CharKind::kCjk},        // CJK Radicals, Kangxi Radicals
    {0x2FE0, 0x2FFF, CharKind::kSeparator},  // Ideographic Description
    {0x3000, 0x303F, CharKind::kSeparator},  // CJK Symbols and Punctuation
    {0x3040, 0x318F, CharKind::kCjk},        // Hiragana, Katakana, Bopomofo, Hangul Jamo
    {0x3190, 0x319F, CharKind::kSeparator},  // Kanbun
    {0x31A0, 0x31FF, CharKind::kCjk},        // Bopomofo Ext, CJK Strokes, Katakana Ext
    {0x3200, 0x33FF, CharKind::kSeparator},  // Enclosed CJK, CJK Compatibility
    {0x3400, 0x4DBF, CharKind::kCjk},        // CJK Extension A
    {0x4DC0, 0x4DFF, CharKind::kSeparator},  // Yijing Hexagram Symbols
    {0x4E00, 0x9FFF, CharKind::kCjk},        // CJK Unified Ideographs
    {0xA960, 0xA97F, CharKind::kCjk},        // Hangul Jamo Extended-A
    {0xAC00, 0xD7FF, CharKind::kCjk},        // Hangul Syllables, Jamo Extended-B
    {0xE000, 0xF8FF, CharKind::kSeparator},  // Private Use Area
    {0xF900, 0xFAFF, CharKind::kCjk},        // CJK Compatibility Ideographs
    {0xFE00, 0xFE1F, CharKind::kSeparator},  // Variation Selectors, Vertical Forms
    {0xFE30, 0xFE6F, CharKind::kSeparator},  // CJK Compatibility Forms, Small Forms
    {0xFEFF, 0xFEFF, CharKind::kSeparator},  // byte order mark
    {0xFF00, 0xFF0F, CharKind::kSeparator},  // fullwidth punctuation
    {0xFF1A, 0xFF20, CharKind::kSeparator},
    {0xFF3B, 0xFF40, CharKind::kSeparator},
    {0xFF5B, 0xFF65, CharKind::kSeparator},
    {0xFF66, 0xFF9F, CharKind::kCjk},           // halfwidth Katakana
    {0xFFA0, 0xFFDF, CharKind::kCjk},           // halfwidth Hangul
    {0xFFE0, 0xFFFF, CharKind::kSeparator},     // fullwidth symbols, Specials
    {0x1F000, 0x1FAFF, CharKind::kSeparator},   // emoji, pictographs, game symbols
    {0x20000, 0x2FA1F, CharKind::kCjk},         // CJK Extensions B-F, Compatibility Supplement
    {0x30000, 0x323AF, CharKind::kCjk},         // CJK Extensions G-H
    {0xE0000, 0x10FFFF, CharKind::kSeparator},  // tags, variation selectors, private use
};

constexpr bool RangesAreSortedAndDisjoint() {
  for (size_t range_idx = 0; range_idx < std::size(kNonWordRanges); ++range_idx) {
    if (kNonWordRanges[range_idx].first > kNonWordRanges[range_idx].last) return false;
    if (range_idx > 0 && kNonWordRanges[range_idx - 1].last >= kNonWordRanges[range_idx].first) {
      return false;
    }
  }
  return true;
}
static_assert(RangesAreSortedAndDisjoint());

// REQUIRES: code_point >= 0x80.
CharKind ClassifyNonAscii(char32_t code_point) {
  // Han ideographs dominate non-ASCII audit text (Chinese vendor consoles).
  if (code_point >= 0x4E00 && code_point <= 0x9FFF) return CharKind::kCjk;
  const CodePointRange* after = std::upper_bound(
      std::begin(kNonWordRanges), std::end(kNonWordRanges), code_point,
      [](char32_t value, const CodePointRange& range) { return value < range.first; });
  if (after == std::begin(kNonWordRanges)) return CharKind::kWord;
  const CodePointRange& candidate = *(after - 1);
  return code_point <= candidate.last ? candidate.kind : CharKind::kWord;
}

// The ASCII lowercase form of a fullwidth letter or digit, else 0.
char FoldFullwidth(char32_t code_point) {
  if (code_point >= 0xFF10 && code_point <= 0xFF19)
    return static_cast<char>('0' + (code_point - 0xFF10));
  if (code_point >= 0xFF21 && code_point <= 0xFF3A)
    return static_cast<char>('a' + (code_point - 0xFF21));
  if (code_point >= 0xFF41 && code_point <= 0xFF5A)
    return static_cast<char>('a' + (code_point - 0xFF41));
  return 0;
}

struct DecodedCodePoint {
  char32_t code_point;
  size_t length_bytes;  // 0: not a valid UTF-8 sequence
};

constexpr DecodedCodePoint kInvalidSequence = {0, 0};

bool IsContinuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// Decodes the multi-byte sequence at `bytes`, reading at most `available`
// bytes. Strict (Unicode table 3-7): overlong forms, surrogates and code points
// above U+10FFFF are invalid, so every token we build is valid UTF-8 even when
// upstream validation was skipped.
// REQUIRES: available >= 1 and bytes[0] >= 0x80.
DecodedCodePoint DecodeMultiByte(const unsigned char* bytes, size_t available) {
  const unsigned char lead = bytes[0];
  if (lead < 0xC2) return kInvalidSequence;  // continuation byte, or overlong 2-byte lead
  if (lead < 0xE0) {
    if (available < 2 || !IsContinuation(bytes[1])) return kInvalidSequence;
    return {static_cast<char32_t>(((lead & 0x1F) << 6) | (bytes[1] & 0x3F)), 2};
  }
  if (lead < 0xF0) {
    if (available < 3) return kInvalidSequence;
    const unsigned char second_min = lead == 0xE0 ? 0xA0 : 0x80;  // overlong
    const unsigned char second_max = lead == 0xED ? 0x9F : 0xBF;  // surrogates
    if (bytes[1] < second_min || bytes[1] > second_max || !IsContinuation(bytes[2])) {
      return kInvalidSequence;
    }
    return {
        static_cast<char32_t>(((lead & 0x0F) << 12) | ((bytes[1] & 0x3F) << 6) | (bytes[2] & 0x3F)),
        3};
  }
  if (lead < 0xF5) {
    if (available < 4) return kInvalidSequence;
    const unsigned char second_min = lead == 0xF0 ? 0x90 : 0x80;  // overlong
    const unsigned char second_max = lead == 0xF4 ? 0x8F : 0xBF;  // above U+10FFFF
    if (bytes[1] < second_min || bytes[1] > second_max || !IsContinuation(bytes[2]) ||
        !IsContinuation(bytes[3])) {
      return kInvalidSequence;
    }
    return {static_cast<char32_t>(((lead & 0x07) << 18) | ((bytes[1] & 0x3F) << 12) |
                                  ((bytes[2] & 0x3F) << 6) | (bytes[3] & 0x3F)),
            4};
  }
  return kInvalidSequence;
}

// Splits `text` into runs and reports them to `handler`, which turns them into
// index or query tokens. One scanner for both keeps the two sides agreeing.
// Handler needs:
//   OnWord(std::string_view word)        a normalized, cut word; valid during the call
//   OnCjkChar(size_t begin, size_t end)  byte range in `text` of one CJK character
//   OnCjkRunEnd()                        after the last character of a CJK run
template <typename Handler>
void ScanRuns(std::string_view text, Handler& handler) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size_bytes = text.size();
  // Words are normalized (folded) while scanned, so they are built here; the
  // cut at kMaxTokenBytes bounds the buffer.
  char word[kMaxTokenBytes];
  size_t word_bytes = 0;
  bool word_cut = false;  // a code point did not fit: the rest of the run is dropped
  CharKind run = CharKind::kSeparator;

  auto end_run = [&]() {
    if (run == CharKind::kWord) {
      handler.OnWord(std::string_view(word, word_bytes));
      word_bytes = 0;
      word_cut = false;
    } else if (run == CharKind::kCjk) {
      handler.OnCjkRunEnd();
    }
  };

  size_t pos = 0;
  while (pos < size_bytes) {
    const unsigned char lead = bytes[pos];
    CharKind kind;
    size_t length_bytes = 1;
    char folded = 0;  // non-zero: the word character's one-byte normal form
    if (lead < 0x80) {
      folded = kAsciiFold[lead];
      kind = folded != 0 ? CharKind::kWord : CharKind::kSeparator;
    } else {
      const DecodedCodePoint decoded = DecodeMultiByte(bytes + pos, size_bytes - pos);
      if (decoded.length_bytes == 0) {
        kind = CharKind::kSeparator;  // skip one byte and resynchronize
      } else {
        length_bytes = decoded.length_bytes;
        folded = FoldFullwidth(decoded.code_point);
        kind = folded != 0 ? CharKind::kWord : ClassifyNonAscii(decoded.code_point);
      }
    }

    if (kind != run) {
      end_run();
      run = kind;
    }
    if (kind == CharKind::kWord) {
      const size_t normal_bytes = folded != 0 ? 1 : length_bytes;
      if (!word_cut && word_bytes + normal_bytes <= kMaxTokenBytes) {
        if (folded != 0) {
          word[word_bytes] = folded;
        } else {
          std::copy_n(text.data() + pos, length_bytes, word + word_bytes);
        }
        word_bytes += normal_bytes;
      } else {
        // Stop at the first code point that does not fit, even if a shorter
        // one after it would: the token is a prefix of the normalized word.
        word_cut = true;
      }
    } else if (kind == CharKind::kCjk) {
      handler.OnCjkChar(pos, pos + length_bytes);
    }
    pos += length_bytes;
  }
  end_run();
}

class IndexTokenHandler {
 public:
  IndexTokenHandler(std::string_view text, TokenSinkFn sink, void* context)
      : text_(text), sink_(sink), context_(context) {}

  void OnWord(std::string_view word) { sink_(context_, word); }

  void OnCjkChar(size_t begin, size_t end) {
    if (has_previous_) sink_(context_, text_.substr(previous_begin_, end - previous_begin_));
    sink_(context_, text_.substr(begin, end - begin));
    previous_begin_ = begin;
    has_previous_ = true;
  }

  void OnCjkRunEnd() { has_previous_ = false; }

 private:
  const std::string_view text_;
  const TokenSinkFn sink_;
  void* const context_;
  size_t previous_begin_ = 0;
  bool has_previous_ = false;
};

class QueryTokenHandler {
 public:
  QueryTokenHandler(std::string_view text, std::vector<std::string>* tokens)
      : text_(text), tokens_(tokens) {}

  void OnWord(std::string_view word) { tokens_->emplace_back(word); }

  void OnCjkChar(size_t begin, size_t end) {
    if (run_chars_ == 0) {
      run_begin_ = begin;
    } else {
      tokens_->emplace_back(text_.substr(previous_begin_, end - previous_begin_));
    }
    previous_begin_ = begin;
    previous_end_ = end;
    ++run_chars_;
  }

  void OnCjkRunEnd() {
    // A lone character has no bigram; its unigram is in the index too.
    if (run_chars_ == 1)
      tokens_->emplace_back(text_.substr(run_begin_, previous_end_ - run_begin_));
    run_chars_ = 0;
  }

 private:
  const std::string_view text_;
  std::vector<std::string>* const tokens_;
  size_t run_begin_ = 0;
  size_t previous_begin_ = 0;
  size_t previous_end_ = 0;
  size_t run_chars_ = 0;
};

class PhraseWordHandler {
 public:
  PhraseWordHandler(std::string_view text, std::vector<std::string>* words)
      : text_(text), words_(words) {}
  void OnWord(std::string_view word) { words_->emplace_back(word); }
  void OnCjkChar(size_t begin, size_t end) {
    words_->emplace_back(text_.substr(begin, end - begin));
  }
  void OnCjkRunEnd() {}

 private:
  const std::string_view text_;
  std::vector<std::string>* const words_;
};

void SortAndDeduplicate(std::vector<std::string>* tokens) {
  std::sort(tokens->begin(), tokens->end());
  tokens->erase(std::unique(tokens->begin(), tokens->end()), tokens->end());
}

}  // namespace

void ForEachIndexToken(std::string_view text, TokenSinkFn sink, void* context) {
  IndexTokenHandler handler(text, sink, context);
  ScanRuns(text, handler);
}

std::vector<std::string> IndexTokens(std::string_view text) {
  std::vector<std::string> tokens;
  ForEachIndexToken(text, [&tokens](std::string_view token) { tokens.emplace_back(token); });
  SortAndDeduplicate(&tokens);
  return tokens;
}

std::vector<std::string> QueryTokens(std::string_view text) {
  std::vector<std::string> tokens;
  QueryTokenHandler handler(text, &tokens);
  ScanRuns(text, handler);
  SortAndDeduplicate(&tokens);
  return tokens;
}

std::vector<std::string> PhraseWords(std::string_view text) {
  std::vector<std::string> words;
  PhraseWordHandler handler(text, &words);
  ScanRuns(text, handler);
  return words;
}

}  // namespace auditlog::query
