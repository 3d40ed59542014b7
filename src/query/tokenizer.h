#pragma once

// The tokenizer shared by the segment token index (text fields such as
// `description`, `name`, `result_message`, `user_agent`) and by text queries.
// An event matches a text query on a field when the field's index tokens
// contain every one of the query's tokens, so the two sides must agree: both
// are produced here, by one scanner.
//
// Text is split into runs:
//
//   - Word runs: maximal runs of ASCII letters and digits, and of non-ASCII
//     letters of space-delimited scripts (Latin-1 letters, Latin Extended,
//     Greek, Cyrillic, combining marks, ...). Every code point >= U+0080 that
//     is neither CJK nor in a separator block (below) is a word character.
//     A word run yields one token: the run lowercased. ASCII A-Z are
//     lowercased and fullwidth Latin letters and digits (U+FF10-U+FF19,
//     U+FF21-U+FF3A, U+FF41-U+FF5A) are folded to ASCII lowercase, so
//     "ＡＢＣ" tokenizes as "abc". Other non-ASCII letters are kept as they are
//     ("É" and "é" are different tokens).
//   - CJK runs: maximal runs of Han ideographs (U+3400-U+4DBF, U+4E00-U+9FFF,
//     U+F900-U+FAFF, U+20000-U+2FA1F, U+30000-U+323AF), kana (U+3040-U+30FF,
//     U+31F0-U+31FF, halfwidth U+FF66-U+FF9F), Hangul (U+AC00-U+D7AF, Jamo
//     U+1100-U+11FF, U+3130-U+318F, U+A960-U+A97F, U+D7B0-U+D7FF, halfwidth
//     U+FFA0-U+FFDF), Bopomofo
//     (U+3100-U+312F, U+31A0-U+31BF) and CJK radicals and strokes
//     (U+2E80-U+2FDF, U+31C0-U+31EF). These scripts are written without
//     spaces, so the index holds every character (unigram) and every adjacent
//     pair (bigram) of a run; a query asks for the bigrams of its run, or for
//     the single character of a one-character run. Thus "创建" matches any
//     text containing "创建" and "创" any text containing "创".
//   - Separators: everything else. That is all ASCII other than letters and
//     digits (so "_", "." and "-" split "user_agent", "10.0" and "x-y"),
//     control characters, bytes that are not valid UTF-8 (each is skipped on
//     its own, never read past the end), and these blocks: U+0080-U+00BF,
//     U+00D7, U+00F7, U+2000-U+206F (general punctuation, zero-width
//     characters), U+20A0-U+20CF (currency), U+2100-U+2BFF (letterlike, number
//     forms, arrows, math, box drawing, shapes, dingbats, ...), U+2E00-U+2E7F,
//     U+2FE0-U+2FFF, U+3000-U+303F (CJK punctuation, "「" "」" "、" "。"),
//     U+3190-U+319F, U+3200-U+33FF (enclosed CJK, CJK compatibility),
//     U+4DC0-U+4DFF, U+E000-U+F8FF (private use),
//     U+FE00-U+FE0F, U+FE10-U+FE1F, U+FE30-U+FE6F, U+FEFF, the fullwidth
//     punctuation U+FF00-U+FF0F, U+FF1A-U+FF20, U+FF3B-U+FF40, U+FF5B-U+FF65,
//     U+FFE0-U+FFFF, emoji and symbols U+1F000-U+1FAFF, and U+E0000 upwards.
//
// A run of one kind ends where one of another kind starts, separator or not:
// "abc创建def" is the word "abc", the CJK run "创建" and the word "def".
//
// Limitation: other scripts written without spaces (Thai, Lao, Khmer,
// Myanmar) are treated as words, so only a whole run matches.
//
// Every token is non-empty, valid UTF-8 and at most kMaxTokenBytes long.
// Changing any rule here changes what existing segments' indexes mean: the
// segment format must then carry a tokenizer version.
//
// Thread-safety: all functions are pure and may be called concurrently.

#include <concepts>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace auditlog::query {

// Longest token kept, in bytes. A longer word is cut to its longest prefix of
// at most this many bytes (after lowercasing) that ends on a code point
// boundary; index and query cut alike, so a long word still matches itself.
inline constexpr size_t kMaxTokenBytes = 64;

// Receives one token. `token` is valid only during the call.
using TokenSinkFn = void (*)(void* context, std::string_view token);

// Calls `sink(context, token)` for each index token of `text`, in order of
// their first byte in `text` (a CJK bigram comes before the unigram of its
// second character), duplicates included. Allocates nothing.
void ForEachIndexToken(std::string_view text, TokenSinkFn sink, void* context);

// As above, for any callable taking std::string_view: one indirect call per
// token, no std::function, no allocation.
template <typename Sink>
requires std::invocable<Sink&, std::string_view>
void ForEachIndexToken(std::string_view text, Sink&& sink) {
  using SinkType = std::remove_reference_t<Sink>;
  ForEachIndexToken(
      text,
      [](void* context, std::string_view token) { (*static_cast<SinkType*>(context))(token); },
      const_cast<void*>(static_cast<const void*>(std::addressof(sink))));
}

// The distinct index tokens of `text`, sorted bytewise.
std::vector<std::string> IndexTokens(std::string_view text);

// The tokens a text query for `text` requires, distinct and sorted bytewise:
// an event matches when its field's index tokens contain all of them. Empty
// when `text` has no word or CJK character; callers decide what such a query
// means. For any `text`, QueryTokens(text) is a subset of IndexTokens(text).
std::vector<std::string> QueryTokens(std::string_view text);

// The words of `text` in order, for phrase matching: each word run's token
// (as above) and each character of a CJK run on its own, so spacing between
// CJK characters does not matter. Every word is an index token of `text`.
std::vector<std::string> PhraseWords(std::string_view text);

}  // namespace auditlog::query
