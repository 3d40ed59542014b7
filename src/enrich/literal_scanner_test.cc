#include "enrich/literal_scanner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <string>
#include <vector>

namespace auditlog::enrich {
namespace {

// The ids FindAll reports, sorted; checks the seen bitmap on the way.
std::vector<int> Find(const LiteralScanner& scanner, std::string_view text) {
  std::vector<uint64_t> seen((scanner.literal_count() + 63) / 64 + 1, 0);
  std::vector<int> found;
  scanner.FindAll(text, &found, seen);
  for (const int id : found) {
    EXPECT_TRUE((seen[id / 64] >> (id % 64)) & 1) << id;
    seen[id / 64] &= ~(uint64_t{1} << (id % 64));
  }
  EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](uint64_t word) { return word == 0; }))
      << "a bit set for an id not reported";
  std::sort(found.begin(), found.end());
  return found;
}

std::string FoldAscii(std::string_view text) {
  std::string folded(text);
  for (char& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return folded;
}

// What FindAll must answer, by brute force.
std::vector<int> FindNaively(const std::vector<LiteralScanner::Literal>& literals,
                             std::string_view text) {
  std::vector<int> found;
  for (size_t id = 0; id < literals.size(); ++id) {
    const LiteralScanner::Literal& literal = literals[id];
    if (literal.text.empty()) continue;
    const bool occurs = literal.case_insensitive
                            ? FoldAscii(text).find(FoldAscii(literal.text)) != std::string::npos
                            : text.find(literal.text) != std::string_view::npos;
    if (occurs) found.push_back(static_cast<int>(id));
  }
  return found;
}

TEST(LiteralScannerTest, FindsEachLiteralOnceWhereverItOccurs) {
  const std::vector<LiteralScanner::Literal> literals = {
      {"Chrome", false}, {"Mobile", false}, {"bot", true}, {"Safari", false}};
  const LiteralScanner scanner(literals);
  EXPECT_EQ(Find(scanner, "Mozilla/5.0 Chrome/120.0 Mobile Safari/537.36 Chrome"),
            (std::vector<int>{0, 1, 3}));
  EXPECT_EQ(Find(scanner, "Googlebot/2.1 BOT"), (std::vector<int>{2}));
  EXPECT_EQ(Find(scanner, ""), (std::vector<int>{}));
  EXPECT_EQ(Find(scanner, "nothing here"), (std::vector<int>{}));
}

TEST(LiteralScannerTest, CaseSensitiveLiteralsMatchOnlyTheirOwnCase) {
  const std::vector<LiteralScanner::Literal> literals = {{"Build", false}, {"build", true}};
  const LiteralScanner scanner(literals);
  EXPECT_EQ(Find(scanner, "; SM-G991B Build/TP1A"), (std::vector<int>{0, 1}));
  EXPECT_EQ(Find(scanner, "; SM-G991B BUILD/TP1A"), (std::vector<int>{1}));
  EXPECT_EQ(Find(scanner, "; SM-G991B build/TP1A"), (std::vector<int>{1}));
}

TEST(LiteralScannerTest, FindsLiteralsInsideAndOverlappingOthers) {
  // "he" ends inside "she", "hers" overlaps "she"; the classic example.
  const std::vector<LiteralScanner::Literal> literals = {
      {"he", false}, {"she", false}, {"his", false}, {"hers", false}, {"HE", false}};
  const LiteralScanner scanner(literals);
  EXPECT_EQ(Find(scanner, "ushers"), (std::vector<int>{0, 1, 3}));
  // The folded automaton reaches "she", "he" and "hers" here; only the
  // exact "HE" is in the text.
  EXPECT_EQ(Find(scanner, "uSHErs"), (std::vector<int>{4}));
  EXPECT_EQ(Find(scanner, "uShErs"), (std::vector<int>{}));
}

TEST(LiteralScannerTest, DuplicatesAreReportedUnderEachId) {
  const std::vector<LiteralScanner::Literal> literals = {
      {"Android", false}, {"android", true}, {"Android", false}};
  const LiteralScanner scanner(literals);
  EXPECT_EQ(Find(scanner, "Linux; Android 14"), (std::vector<int>{0, 1, 2}));
}

TEST(LiteralScannerTest, EmptyAndNonAsciiLiteralsAreNeverReported) {
  const std::vector<LiteralScanner::Literal> literals = {
      {"", false}, {"caf\xc3\xa9", false}, {"caf", true}};
  const LiteralScanner scanner(literals);
  EXPECT_EQ(Find(scanner, "un caf\xc3\xa9"), (std::vector<int>{2}));
}

TEST(LiteralScannerTest, NonAsciiTextBytesBreakMatches) {
  const std::vector<LiteralScanner::Literal> literals = {{"ab", false}};
  const LiteralScanner scanner(literals);
  EXPECT_EQ(Find(scanner,
                 "a\xc3\xa9"
                 "b ab"),
            (std::vector<int>{0}));
  EXPECT_EQ(Find(scanner,
                 "a\xc3\xa9"
                 "b"),
            (std::vector<int>{}));
}

// Random literals over a small alphabet (so that they overlap and share
// prefixes and suffixes) against random texts, compared with brute force.
TEST(LiteralScannerTest, AgreesWithBruteForceOnRandomLiteralsAndTexts) {
  std::mt19937 random(20261207);
  const std::string alphabet = "abAB-/ ";
  const auto random_string = [&](size_t max_length) {
    std::string text(1 + random() % max_length, ' ');
    for (char& c : text) c = alphabet[random() % alphabet.size()];
    return text;
  };
  for (int round = 0; round < 200; ++round) {
    std::vector<LiteralScanner::Literal> literals(1 + random() % 40);
    for (LiteralScanner::Literal& literal : literals) {
      literal.text = random_string(5);
      literal.case_insensitive = random() % 2 == 0;
    }
    const LiteralScanner scanner(literals);
    for (int text_idx = 0; text_idx < 20; ++text_idx) {
      const std::string text = random_string(60);
      ASSERT_EQ(Find(scanner, text), FindNaively(literals, text))
          << "round " << round << ", text \"" << text << "\"";
    }
  }
}

TEST(LiteralScannerTest, LargeAutomataTakeTheWideTable) {
  // Over 2^15 states do not fit the 16-bit table: the scanner must switch
  // to 32-bit entries and still agree with brute force, on literals deep in
  // the trie as well as near its root.
  std::mt19937 random(20261208);
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::vector<LiteralScanner::Literal> literals(4000);
  for (LiteralScanner::Literal& literal : literals) {
    literal.text.resize(6 + random() % 10);
    for (char& c : literal.text) c = alphabet[random() % alphabet.size()];
    literal.case_insensitive = random() % 2 == 0;
  }
  const LiteralScanner scanner(literals);
  ASSERT_GE(scanner.state_count(), size_t{1} << 15);
  for (int text_idx = 0; text_idx < 200; ++text_idx) {
    std::string text;
    for (int part = 0; part < 4; ++part) {
      text += literals[random() % literals.size()].text;
      if (random() % 2 == 0) text[text.size() - 1 - random() % 3] ^= 0x20;  // flip a letter's case
      text += alphabet[random() % alphabet.size()];
    }
    ASSERT_EQ(Find(scanner, text), FindNaively(literals, text)) << "text \"" << text << "\"";
  }
}

TEST(LiteralScannerTest, TablesAtTheBoundaryOfSixteenBits) {
  // One literal of n letters makes a trie of n + 1 states (a second one,
  // its prefix, adds none): 2^15 - 1 states take the 16-bit table; 2^15 + 1
  // the wide one, whose last state's number needs the bit the narrow table
  // uses as its flag. Both find the long literal, and not in a text one
  // letter short of it.
  for (const size_t states : {(size_t{1} << 15) - 1, (size_t{1} << 15) + 1}) {
    const std::vector<LiteralScanner::Literal> literals = {{std::string(states - 1, 'a'), false},
                                                           {"AA", true}};
    const LiteralScanner scanner(literals);
    ASSERT_EQ(scanner.state_count(), states);
    EXPECT_EQ(Find(scanner, "x" + std::string(states - 1, 'a') + "b"), (std::vector<int>{0, 1}))
        << states;
    EXPECT_EQ(Find(scanner, std::string(states - 2, 'a') + "b"), (std::vector<int>{1})) << states;
  }
}

}  // namespace
}  // namespace auditlog::enrich
