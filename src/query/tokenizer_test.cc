#include "query/tokenizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/utf8.h"

namespace auditlog::query {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::IsSupersetOf;

// Every index token of `text`, in emission order, duplicates included.
std::vector<std::string> IndexTokenStream(std::string_view text) {
  std::vector<std::string> tokens;
  ForEachIndexToken(text, [&tokens](std::string_view token) { tokens.emplace_back(token); });
  return tokens;
}

bool IsSubset(const std::vector<std::string>& sorted_subset,
              const std::vector<std::string>& sorted_superset) {
  return std::includes(sorted_superset.begin(), sorted_superset.end(), sorted_subset.begin(),
                       sorted_subset.end());
}

// A second, independent UTF-8 check: decode by counting continuation bytes,
// then reject overlong forms, surrogates and values above U+10FFFF.
bool IsValidUtf8(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    const auto lead = static_cast<unsigned char>(text[pos]);
    size_t length_bytes = 0;
    uint32_t code_point = 0;
    if (lead < 0x80) {
      length_bytes = 1;
      code_point = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      length_bytes = 2;
      code_point = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length_bytes = 3;
      code_point = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length_bytes = 4;
      code_point = lead & 0x07;
    } else {
      return false;
    }
    if (pos + length_bytes > text.size()) return false;
    for (size_t byte_idx = 1; byte_idx < length_bytes; ++byte_idx) {
      const auto byte = static_cast<unsigned char>(text[pos + byte_idx]);
      if ((byte & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (byte & 0x3F);
    }
    constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kMinForLength[length_bytes]) return false;
    if (code_point >= 0xD800 && code_point <= 0xDFFF) return false;
    if (code_point > 0x10FFFF) return false;
    pos += length_bytes;
  }
  return true;
}


// The Authing console's description for a bulk user import.
constexpr std::string_view kAuthingDescription = "创建「 shxbxpbodj 」共 1 个用户";

TEST(Tokenizer, AuthingDescriptionIndexesWordsAndCjkUnigramsAndBigrams) {
  EXPECT_THAT(
      IndexTokenStream(kAuthingDescription),
      ElementsAre("创", "创建", "建", "shxbxpbodj", "共", "1", "个", "个用", "用", "用户", "户"));
  EXPECT_THAT(IndexTokens(kAuthingDescription), IsSupersetOf({"创建", "shxbxpbodj", "用户", "1"}));
}

TEST(Tokenizer, AuthingDescriptionMatchesItsParts) {
  const std::vector<std::string> index = IndexTokens(kAuthingDescription);
  for (std::string_view query : {"创建", "shxbxpbodj", "用户", "个用户", "1", "创", "SHXBXPBODJ",
                                 "创建「shxbxpbodj」", "共"}) {
    const std::vector<std::string> required = QueryTokens(query);
    EXPECT_THAT(required, ::testing::Not(IsEmpty())) << query;
    EXPECT_TRUE(IsSubset(required, index)) << query;
  }
  // Words are not split further, and CJK bigrams must be adjacent.
  for (std::string_view query : {"shxb", "创用", "户个", "2"}) {
    EXPECT_FALSE(IsSubset(QueryTokens(query), index)) << query;
  }
}

TEST(Tokenizer, QueryTokensOfCjkAreBigramsOrTheLoneCharacter) {
  EXPECT_THAT(QueryTokens("创建"), ElementsAre("创建"));
  EXPECT_THAT(QueryTokens("创"), ElementsAre("创"));
  EXPECT_THAT(QueryTokens("个用户"), ElementsAre("个用", "用户"));
  EXPECT_THAT(QueryTokens("用户 用户"), ElementsAre("用户"));  // distinct
  EXPECT_THAT(QueryTokens("创 建"), ElementsAre("创", "建"));  // two one-character runs
}

TEST(Tokenizer, AsciiIsLowercasedAndSplitOnPunctuation) {
  EXPECT_THAT(IndexTokenStream("Chrome/104.0.0.0"), ElementsAre("chrome", "104", "0", "0", "0"));
  EXPECT_THAT(IndexTokens("Chrome/104.0.0.0"), ElementsAre("0", "104", "chrome"));
  EXPECT_THAT(IndexTokenStream("user_agent x-forwarded-for a.b@c.com"),
              ElementsAre("user", "agent", "x", "forwarded", "for", "a", "b", "c", "com"));
  EXPECT_THAT(QueryTokens("CHROME"), ElementsAre("chrome"));
}

TEST(Tokenizer, UserAgent) {
  EXPECT_THAT(IndexTokenStream("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"),
              ElementsAre("mozilla", "5", "0", "windows", "nt", "10", "0", "win64", "x64",
                          "applewebkit", "537", "36"));
}

TEST(Tokenizer, JapaneseKanaAndKanjiFormOneCjkRun) {
  // "ー" (U+30FC) is in the Katakana block, so it does not break the run.
  EXPECT_THAT(
      IndexTokenStream("ユーザー作成"),
      ElementsAre("ユ", "ユー", "ー", "ーザ", "ザ", "ザー", "ー", "ー作", "作", "作成", "成"));
  EXPECT_THAT(QueryTokens("ひらがな"), ElementsAre("がな", "ひら", "らが"));
  EXPECT_THAT(IndexTokenStream("ｶﾀｶﾅ"), ElementsAre("ｶ", "ｶﾀ", "ﾀ", "ﾀｶ", "ｶ", "ｶﾅ", "ﾅ"));
  EXPECT_TRUE(IsSubset(QueryTokens("ユーザー"), IndexTokens("新しいユーザーを作成しました")));
}

TEST(Tokenizer, KoreanHangul) {
  EXPECT_THAT(IndexTokenStream("사용자 생성"),
              ElementsAre("사", "사용", "용", "용자", "자", "생", "생성", "성"));
  EXPECT_TRUE(IsSubset(QueryTokens("사용자"), IndexTokens("새 사용자를 생성했습니다")));
}

TEST(Tokenizer, FullwidthLatinFoldsToAsciiLowercase) {
  EXPECT_THAT(IndexTokenStream("ＡＢＣ"), ElementsAre("abc"));
  EXPECT_THAT(IndexTokenStream("ａｂｃ１２３"), ElementsAre("abc123"));
  EXPECT_THAT(IndexTokenStream("Ｕｓｅｒ＿ＩＤ：４２"), ElementsAre("user", "id", "42"));
  EXPECT_TRUE(IsSubset(QueryTokens("abc"), IndexTokens("ＡＢＣ")));
}

TEST(Tokenizer, WordAndCjkRunsSplitWithoutSeparator) {
  EXPECT_THAT(IndexTokenStream("abc创建def"), ElementsAre("abc", "创", "创建", "建", "def"));
  EXPECT_THAT(QueryTokens("abc创建def"), ElementsAre("abc", "def", "创建"));
}

TEST(Tokenizer, OtherScriptsAreWordsKeptAsTheyAre) {
  EXPECT_THAT(IndexTokenStream("Café ÉCOLE Привет Αθήνα"),
              ElementsAre("café", "École", "Привет", "Αθήνα"));
  // Symbols and non-CJK punctuation separate words.
  EXPECT_THAT(IndexTokenStream("a—b×c÷d😀e\u00a0f\u200bg™h"),
              ElementsAre("a", "b", "c", "d", "e", "f", "g", "h"));
}

TEST(Tokenizer, EmptyAndSeparatorOnlyTextHasNoTokens) {
  EXPECT_THAT(IndexTokens(""), IsEmpty());
  EXPECT_THAT(QueryTokens(""), IsEmpty());
  EXPECT_THAT(IndexTokens(" 「」、。!?_-"), IsEmpty());
  EXPECT_THAT(QueryTokens(" 「」、。!?_-"), IsEmpty());
}

TEST(Tokenizer, InvalidUtf8BytesAreSeparators) {
  EXPECT_THAT(IndexTokenStream("\xff\xfe"
                               "ab"),
              ElementsAre("ab"));
  EXPECT_THAT(IndexTokenStream("a\x80"
                               "b\xbf"),
              ElementsAre("a", "b"));                              // lone continuation bytes
  EXPECT_THAT(IndexTokenStream("ab\xe5\x88"), ElementsAre("ab"));  // truncated at the end
  EXPECT_THAT(IndexTokenStream("ab\xf0"), ElementsAre("ab"));
  EXPECT_THAT(IndexTokenStream("创\xe5\x88建"), ElementsAre("创", "建"));  // no bigram across
  EXPECT_THAT(IndexTokenStream("\xed\xa0\x80x"), ElementsAre("x"));        // surrogate
  EXPECT_THAT(IndexTokenStream("\xc0\xafx"), ElementsAre("x"));            // overlong '/'
  EXPECT_THAT(IndexTokenStream("\xf4\x90\x80\x80x"), ElementsAre("x"));    // above U+10FFFF
  // Truncation is checked against the view, not a terminating NUL.
  const std::string backing = "ab\xe5\x88\xb8";
  EXPECT_THAT(IndexTokenStream(std::string_view(backing).substr(0, 4)), ElementsAre("ab"));
}

TEST(Tokenizer, LongWordIsCutOnACodePointBoundary) {
  const std::string long_ascii(100, 'A');
  EXPECT_THAT(IndexTokenStream(long_ascii + " next"),
              ElementsAre(std::string(kMaxTokenBytes, 'a'), "next"));
  EXPECT_THAT(QueryTokens(long_ascii), ElementsAre(std::string(kMaxTokenBytes, 'a')));

  // 'a' + 40 * "é" (2 bytes each): 31 of them fit in 63 bytes, a 32nd would not.
  std::string accented = "a";
  for (int char_idx = 0; char_idx < 40; ++char_idx) accented += "é";
  std::string expected = "a";
  for (int char_idx = 0; char_idx < 31; ++char_idx) expected += "é";
  EXPECT_THAT(IndexTokenStream(accented), ElementsAre(expected));
  EXPECT_EQ(QueryTokens(accented), IndexTokens(accented));

  // The cut applies after folding: 100 fullwidth letters become 64 ASCII ones.
  std::string fullwidth;
  for (int char_idx = 0; char_idx < 100; ++char_idx) fullwidth += "Ａ";
  EXPECT_THAT(IndexTokenStream(fullwidth), ElementsAre(std::string(kMaxTokenBytes, 'a')));
}

TEST(Tokenizer, FunctionPointerSinkAndConstCallable) {
  int count = 0;
  ForEachIndexToken(
      "a b 创建", [](void* context, std::string_view) { ++*static_cast<int*>(context); }, &count);
  EXPECT_EQ(count, 5);  // a, b, 创, 创建, 建

  std::vector<std::string> tokens;
  const auto collect = [&tokens](std::string_view token) { tokens.emplace_back(token); };
  ForEachIndexToken("X", collect);
  EXPECT_THAT(tokens, ElementsAre("x"));
}

// Code points biased towards the classes the tokenizer distinguishes; small
// CJK ranges make repeated bigrams likely.
rc::Gen<uint32_t> InterestingCodePoint() {
  return rc::gen::weightedOneOf<uint32_t>({
      {6, rc::gen::inRange<uint32_t>('a', 'z' + 1)},
      {2, rc::gen::inRange<uint32_t>('A', 'Z' + 1)},
      {2, rc::gen::inRange<uint32_t>(0x20, 0x80)},
      {2, rc::gen::element<uint32_t>(' ', '.', '_', 0x3000, 0x300C, 0x300D, 0xFF0C, 0x00A0, 0x2014,
                                     0x1F600, 0xFEFF, 0x00D7)},
      {4, rc::gen::inRange<uint32_t>(0x4E00, 0x4E20)},
      {1, rc::gen::inRange<uint32_t>(0x3040, 0x3100)},
      {1, rc::gen::inRange<uint32_t>(0xAC00, 0xAC10)},
      {1, rc::gen::inRange<uint32_t>(0xFF00, 0xFFF0)},
      {1, rc::gen::inRange<uint32_t>(0x80, 0x800)},
      {1, rc::gen::inRange<uint32_t>(0x20000, 0x20010)},
      {1, rc::gen::suchThat(
              rc::gen::inRange<uint32_t>(0x80, 0x110000),
              [](uint32_t code_point) { return code_point < 0xD800 || code_point > 0xDFFF; })},
  });
}

rc::Gen<std::string> ValidUtf8Text() {
  return rc::gen::map(rc::gen::container<std::vector<uint32_t>>(InterestingCodePoint()),
                      [](const std::vector<uint32_t>& code_points) {
                        std::string text;
                        for (uint32_t code_point : code_points) AppendUtf8(code_point, &text);
                        return text;
                      });
}

// Long runs of word characters of every width, to exercise the cut.
rc::Gen<std::string> LongWord() {
  return rc::gen::map(
      rc::gen::mapcat(rc::gen::inRange<size_t>(50, 120),
                      [](size_t count) {
                        return rc::gen::container<std::vector<uint32_t>>(
                            count, rc::gen::element<uint32_t>('a', 'Z', '7', 0x00E9, 0x0416, 0xFF21,
                                                              0xFF41, 0x10400));
                      }),
      [](const std::vector<uint32_t>& code_points) {
        std::string text;
        for (uint32_t code_point : code_points) AppendUtf8(code_point, &text);
        return text;
      });
}

rc::Gen<std::string> ArbitraryBytes() {
  return rc::gen::container<std::string>(rc::gen::arbitrary<char>());
}

void CheckTokensAreWellFormed(const std::vector<std::string>& tokens) {
  for (const std::string& token : tokens) {
    RC_ASSERT(!token.empty());
    RC_ASSERT(token.size() <= kMaxTokenBytes);
    RC_ASSERT(IsValidUtf8(token));
  }
}

RC_GTEST_PROP(TokenizerProperty, TextAlwaysMatchesItself, ()) {
  const std::string text =
      *rc::gen::oneOf(ValidUtf8Text(), LongWord(), ArbitraryBytes()).as("text");
  RC_ASSERT(IsSubset(QueryTokens(text), IndexTokens(text)));
}

RC_GTEST_PROP(TokenizerProperty, TokensAreNonEmptyValidAndBounded, ()) {
  const std::string text =
      *rc::gen::oneOf(ValidUtf8Text(), LongWord(), ArbitraryBytes()).as("text");
  CheckTokensAreWellFormed(IndexTokenStream(text));
  CheckTokensAreWellFormed(QueryTokens(text));
}

RC_GTEST_PROP(TokenizerProperty, ArbitraryBytesNeverCrash, ()) {
  const std::string bytes = *ArbitraryBytes().as("bytes");
  // Tokenize every prefix too, so multi-byte sequences are cut at the end of
  // the view (ASan builds catch a read past it).
  for (size_t length = 0; length <= bytes.size(); ++length) {
    // A heap copy of exactly `length` bytes: no SSO slack or NUL to hide an overrun.
    const auto prefix = std::make_unique<char[]>(length);
    std::copy_n(bytes.data(), length, prefix.get());
    const std::string_view view(prefix.get(), length);
    CheckTokensAreWellFormed(IndexTokenStream(view));
    CheckTokensAreWellFormed(QueryTokens(view));
  }
}

RC_GTEST_PROP(TokenizerProperty, QueryMatchesTextContainingItBetweenSeparators, ()) {
  const std::string query = *ValidUtf8Text().as("query");
  const std::string before = *ValidUtf8Text().as("before");
  const std::string after = *ValidUtf8Text().as("after");
  RC_ASSERT(IsSubset(QueryTokens(query), IndexTokens(before + " " + query + " " + after)));
}

}  // namespace
}  // namespace auditlog::query
