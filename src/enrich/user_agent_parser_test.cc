#include "enrich/user_agent_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <cstdio>
#include <filesystem>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "testing/status_matchers.h"

namespace auditlog::enrich {

// Readable failure messages (found by argument-dependent lookup).
void PrintTo(const ParsedSoftware& software, std::ostream* os) {
  *os << "{family '" << software.family << "', " << software.major << "." << software.minor << "."
      << software.patch << "." << software.patch_minor << "}";
}
void PrintTo(const ParsedDevice& device, std::ostream* os) {
  *os << "{family '" << device.family << "', brand '" << device.brand << "', model '"
      << device.model << "'}";
}
void PrintTo(const ParsedUserAgent& parsed, std::ostream* os) {
  *os << "{ua ";
  PrintTo(parsed.ua, os);
  *os << ", os ";
  PrintTo(parsed.os, os);
  *os << ", device ";
  PrintTo(parsed.device, os);
  *os << "}";
}

namespace {

using ::auditlog::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

// A regexes.yaml from the three sections' rule lists (YAML block sequences,
// each line indented by four spaces, or "[]").
std::string RegexesYaml(std::string_view ua_rules, std::string_view os_rules,
                        std::string_view device_rules) {
  std::string yaml;
  yaml += "user_agent_parsers:";
  yaml += ua_rules == "[]" ? " []\n" : "\n" + std::string(ua_rules);
  yaml += "os_parsers:";
  yaml += os_rules == "[]" ? " []\n" : "\n" + std::string(os_rules);
  yaml += "device_parsers:";
  yaml += device_rules == "[]" ? " []\n" : "\n" + std::string(device_rules);
  return yaml;
}

UserAgentParser::Options NoCache() {
  UserAgentParser::Options options;
  options.cache_entries = 0;
  return options;
}

// Parses with the fast paths (literal prefilter, ASCII twins) and with the
// reference rule-by-rule scan in UTF-8; checks they agree.
class SmallRules {
 public:
  explicit SmallRules(const std::string& yaml) {
    auto with_set = UserAgentParser::FromYaml(yaml, NoCache());
    UserAgentParser::Options scan_options = NoCache();
    scan_options.use_literal_prefilter = false;
    scan_options.use_ascii_fast_path = false;
    auto full_scan = UserAgentParser::FromYaml(yaml, scan_options);
    EXPECT_TRUE(with_set.ok()) << with_set.status();
    EXPECT_TRUE(full_scan.ok()) << full_scan.status();
    if (with_set.ok()) with_set_ = std::move(with_set).value();
    if (full_scan.ok()) full_scan_ = std::move(full_scan).value();
  }

  ParsedUserAgent Parse(std::string_view user_agent) const {
    if (with_set_ == nullptr || full_scan_ == nullptr) return {};
    ParsedUserAgent parsed = with_set_->ParseUncached(user_agent);
    EXPECT_EQ(parsed, full_scan_->ParseUncached(user_agent)) << user_agent;
    return parsed;
  }

 private:
  std::unique_ptr<UserAgentParser> with_set_;
  std::unique_ptr<UserAgentParser> full_scan_;
};

ParsedSoftware Software(std::string family, std::string major = "", std::string minor = "",
                        std::string patch = "", std::string patch_minor = "") {
  return ParsedSoftware{std::move(family), std::move(major), std::move(minor), std::move(patch),
                        std::move(patch_minor)};
}

// The real rules, loaded once: uap-core is a build dependency.
const UserAgentParser& RealParser() {
  static const UserAgentParser* parser = [] {
    auto loaded = UserAgentParser::LoadFile(std::string(kDefaultUapRegexesPath), NoCache());
    if (!loaded.ok()) {
      std::fprintf(stderr, "%s\n", loaded.status().ToString().c_str());
      std::abort();
    }
    return std::move(loaded).value().release();
  }();
  return *parser;
}

constexpr std::string_view kChromeOnAndroid =
    "Mozilla/5.0 (Linux; Android 13; SM-S908B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/112.0.0.0 Mobile Safari/537.36";
constexpr std::string_view kFirefoxOnMac =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:109.0) Gecko/20100101 Firefox/115.0";
constexpr std::string_view kSafariOnIphone =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/16.5 Mobile/15E148 Safari/604.1";

// --- the specification's rules, on small rule sets ---

TEST(UserAgentParser, GroupsFillFamilyAndVersionsInOrder) {
  const SmallRules rules(RegexesYaml("    - regex: '(Luminary)/(\\d+)\\.(\\d+)(?:\\.(\\d+)|)'\n",
                                     "    - regex: '(Darwin)/(\\d+)\\.(\\d+)\\.(\\d+)\\.(\\d+)'\n",
                                     "    - regex: '(Watch\\d),\\d'\n"));
  const ParsedUserAgent parsed = rules.Parse("Luminary/1.0 Darwin/18.5.0.7 model/Watch3,4");
  EXPECT_EQ(parsed.ua, Software("Luminary", "1", "0"));
  EXPECT_EQ(parsed.os, Software("Darwin", "18", "5", "0", "7"));
  // A device's first group is both its family and its model; no brand.
  EXPECT_EQ(parsed.device, (ParsedDevice{"Watch3", "", "Watch3"}));
}

TEST(UserAgentParser, SpecificationExampleFamilyReplacement) {
  const SmallRules rules(
      RegexesYaml("    - regex: '(Namoroka|Shiretoko|Minefield)/(\\d+)\\.(\\d+)\\.(\\d+(?:pre)?)'\n"
                  "      family_replacement: 'Firefox ($1)'\n",
                  "[]", "[]"));
  EXPECT_EQ(rules
                .Parse("Mozilla/5.0 (Windows; Windows NT 5.1; rv:2.0b3pre) Gecko/20100727 "
                       "Minefield/4.0.1pre")
                .ua,
            Software("Firefox (Minefield)", "4", "0", "1pre"));
}

TEST(UserAgentParser, SpecificationExampleOsReplacement) {
  const SmallRules rules(RegexesYaml(
      "[]", "    - regex: 'Win(95|98|3.1|NT|ME|2000)'\n      os_replacement: 'Windows $1'\n",
      "[]"));
  const ParsedUserAgent parsed =
      rules.Parse("Mozilla/5.0 (Windows; U; Win95; en-US; rv:1.1) Gecko/20020826");
  // The replacement consumed group 1; group 2 (major) does not exist.
  EXPECT_EQ(parsed.os, Software("Windows 95"));
}

TEST(UserAgentParser, SpecificationExampleDeviceReplacements) {
  const SmallRules rules(RegexesYaml("[]", "[]",
                                     "    - regex: '; *(PEDI)_(PLUS)_(W) Build'\n"
                                     "      device_replacement: 'Odys $1 $2 $3'\n"
                                     "      brand_replacement: 'Odys'\n"
                                     "      model_replacement: '$1 $2 $3'\n"));
  EXPECT_EQ(rules
                .Parse("Mozilla/5.0 (Linux; U; Android 4.2.2; de-de; PEDI_PLUS_W Build/JDQ39) "
                       "AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Safari/534.30")
                .device,
            (ParsedDevice{"Odys PEDI PLUS W", "Odys", "PEDI PLUS W"}));
}

TEST(UserAgentParser, VersionReplacementsOverrideGroups) {
  const SmallRules rules(
      RegexesYaml("    - regex: '(Foo)/(\\d+)'\n"
                  "      v1_replacement: '7'\n"
                  "      v2_replacement: 'beta'\n",
                  "    - regex: 'Windows NT (6\\.1)'\n"
                  "      os_replacement: 'Windows'\n"
                  "      os_v1_replacement: '$1'\n"
                  "      os_v4_replacement: 'sp1'\n",
                  "[]"));
  const ParsedUserAgent parsed = rules.Parse("Foo/3 (Windows NT 6.1)");
  EXPECT_EQ(parsed.ua, Software("Foo", "7", "beta"));
  EXPECT_EQ(parsed.os, Software("Windows", "6.1", "", "", "sp1"));
}

TEST(UserAgentParser, EmptyOrNullReplacementMeansTheGroup) {
  const SmallRules rules(
      RegexesYaml("    - regex: '(Foo)/(\\d+)\\.(\\d+)'\n"
                  "      family_replacement: ''\n"
                  "      v1_replacement:\n",
                  "[]", "[]"));
  EXPECT_EQ(rules.Parse("Foo/3.4").ua, Software("Foo", "3", "4"));
}

TEST(UserAgentParser, MissingOrUnmatchedGroupsSubstituteEmptyAndResultsAreTrimmed) {
  const SmallRules rules(RegexesYaml("    - regex: '( Bar )/(\\d+)'\n", "[]",
                                     "    - regex: '(Acme)(?: (Pro)|) (\\w+)'\n"
                                     "      device_replacement: '$1 $2 $3 $9'\n"
                                     "      brand_replacement: ' $1 '\n"
                                     "      model_replacement: '$2 $3'\n"));
  const ParsedUserAgent parsed = rules.Parse("x Bar /2 Acme Z1");
  EXPECT_EQ(parsed.ua, Software("Bar", "2"));
  // "$2" did not take part and "$9" does not exist: both are empty. Only the
  // ends are trimmed, so the double space inside stays (as in uap-core).
  EXPECT_EQ(parsed.device, (ParsedDevice{"Acme  Z1", "Acme", "Z1"}));
}

TEST(UserAgentParser, EmptyFamilyIsOther) {
  const SmallRules rules(RegexesYaml("    - regex: 'Foo(\\d*)'\n", "[]",
                                     "    - regex: 'Foo(\\d*)'\n"
                                     "      device_replacement: '$1'\n"));
  const ParsedUserAgent parsed = rules.Parse("Foo");
  EXPECT_EQ(parsed.ua, Software("Other"));
  EXPECT_EQ(parsed.device, (ParsedDevice{"Other", "", ""}));
}

TEST(UserAgentParser, RegexFlagIMakesOneRuleCaseInsensitive) {
  const SmallRules rules(RegexesYaml("[]", "[]",
                                     "    - regex: '(iphone)'\n"
                                     "      device_replacement: 'sensitive'\n"
                                     "    - regex: '(iphone)'\n"
                                     "      regex_flag: 'i'\n"
                                     "      device_replacement: 'insensitive $1'\n"));
  EXPECT_EQ(rules.Parse("an iphone").device.family, "sensitive");
  EXPECT_EQ(rules.Parse("an IPhone").device.family, "insensitive IPhone");
  EXPECT_EQ(rules.Parse("an iPod").device.family, "Other");
}

TEST(UserAgentParser, OtherRulesStayCaseSensitive) {
  const SmallRules rules(RegexesYaml("    - regex: '(Chrome)/(\\d+)'\n", "[]",
                                     "    - regex: '(x)'\n      regex_flag: 'i'\n"));
  EXPECT_EQ(rules.Parse("chrome/1").ua.family, "Other");
  EXPECT_EQ(rules.Parse("Chrome/1").ua.family, "Chrome");
}

TEST(UserAgentParser, FirstRuleInFileOrderWinsNotFirstPositionInString) {
  // Rule 0 matches late in the string, rule 1 early and longer: rule 0 wins.
  const SmallRules rules(
      RegexesYaml("    - regex: '(Safari)/(\\d+)'\n"
                  "    - regex: '(Chrome)/(\\d+)\\.(\\d+)'\n"
                  "    - regex: '(Mozilla)/(\\d+)'\n",
                  "[]", "[]"));
  EXPECT_EQ(rules.Parse("Mozilla/5 Chrome/112.0 Safari/537").ua, Software("Safari", "537"));
  EXPECT_EQ(rules.Parse("Mozilla/5 Chrome/112.0").ua, Software("Chrome", "112", "0"));
  EXPECT_EQ(rules.Parse("Mozilla/5").ua, Software("Mozilla", "5"));
}

TEST(UserAgentParser, RegexesAreNotAnchored) {
  const SmallRules rules(RegexesYaml("    - regex: '(Bot)'\n", "[]", "[]"));
  EXPECT_EQ(rules.Parse("my-Bot-crawler").ua.family, "Bot");
}

TEST(UserAgentParser, NoMatchGivesOtherAndNoVersions) {
  const SmallRules rules(RegexesYaml("    - regex: '(Foo)/(\\d+)'\n",
                                     "    - regex: '(Bar)/(\\d+)'\n",
                                     "    - regex: '(Baz)'\n      brand_replacement: 'B'\n"));
  for (std::string_view user_agent : {std::string_view("Qux/1"), std::string_view()}) {
    const ParsedUserAgent parsed = rules.Parse(user_agent);
    EXPECT_EQ(parsed.ua, Software("Other"));
    EXPECT_EQ(parsed.os, Software("Other"));
    EXPECT_EQ(parsed.device, (ParsedDevice{"Other", "", ""}));
  }
}

TEST(UserAgentParser, EmptySectionsAreAllowed) {
  AL_ASSERT_OK_AND_ASSIGN(auto parser,
                          UserAgentParser::FromYaml(RegexesYaml("[]", "[]", "[]"), NoCache()));
  EXPECT_EQ(parser->rule_count(), 0u);
  EXPECT_EQ(parser->Parse("anything").ua.family, "Other");
}

TEST(UserAgentParser, UnknownKeysInARuleAreIgnored) {
  const SmallRules rules(
      RegexesYaml("    - regex: '(Foo)'\n      some_future_key: 'x'\n", "[]", "[]"));
  EXPECT_EQ(rules.Parse("Foo").ua.family, "Foo");
}

// --- errors ---

TEST(UserAgentParserErrors, MissingFileNamesThePathAndThePackage) {
  const auto loaded = UserAgentParser::LoadFile("/nonexistent/uap/regexes.yaml", NoCache());
  EXPECT_THAT(loaded,
              StatusIs(StatusCode::kNotFound, AllOf(HasSubstr("/nonexistent/uap/regexes.yaml"),
                                                    HasSubstr("Debian package uap-core"))));
}

TEST(UserAgentParserErrors, DirectoryIsNotARegexesFile) {
  const std::string dir = std::filesystem::temp_directory_path().string();
  EXPECT_THAT(UserAgentParser::LoadFile(dir, NoCache()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("not a regular file")));
}

TEST(UserAgentParserErrors, MalformedYamlNamesTheLine) {
  EXPECT_THAT(UserAgentParser::FromYaml("user_agent_parsers:\n  - regex: 'a\n  - [", NoCache()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("user agent regexes: line ")));
}

TEST(UserAgentParserErrors, RootMustBeAMap) {
  EXPECT_THAT(UserAgentParser::FromYaml("- a\n- b\n", NoCache()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("expected a map")));
  EXPECT_THAT(UserAgentParser::FromYaml("", NoCache()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("expected a map")));
}

TEST(UserAgentParserErrors, MissingSectionIsNamed) {
  EXPECT_THAT(UserAgentParser::FromYaml("user_agent_parsers: []\ndevice_parsers: []\n", NoCache()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("no os_parsers")));
  EXPECT_THAT(
      UserAgentParser::FromYaml("user_agent_parsers: {a: 1}\nos_parsers: []\ndevice_parsers: []\n",
                                NoCache()),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("user_agent_parsers is not a list")));
}

TEST(UserAgentParserErrors, RuleWithoutRegexNamesSectionIndexAndLine) {
  const std::string yaml = RegexesYaml("[]", "[]",
                                       "    - regex: 'a'\n"
                                       "    - device_replacement: 'b'\n");
  EXPECT_THAT(UserAgentParser::FromYaml(yaml, NoCache()),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("user agent regexes: device_parsers[1] (line 5): no regex")));
}

TEST(UserAgentParserErrors, RegexRe2CannotCompileIsReported) {
  // Lookahead and backreferences exist in PCRE and JavaScript, not in RE2.
  for (std::string_view pattern : {"Foo(?=Bar)", "(a)\\1"}) {
    const std::string yaml =
        RegexesYaml("    - regex: 'ok'\n    - regex: '" + std::string(pattern) + "'\n", "[]", "[]");
    EXPECT_THAT(UserAgentParser::FromYaml(yaml, NoCache()),
                StatusIs(StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("user_agent_parsers[1] (line 3): regex"),
                               HasSubstr("does not compile with RE2"))))
        << pattern;
  }
}

TEST(UserAgentParserErrors, WrongShapesAreErrorsNotExceptions) {
  const char* const bad_rules[] = {
      "    - 'just a string'\n",    // a rule that is not a map
      "    - regex: ['a', 'b']\n",  // a regex that is a list
      "    - regex: 'a'\n      v1_replacement: {x: 1}\n",
      "    - regex: 'a'\n      regex_flag: 'x'\n",  // only 'i' exists
      "    - ? [a, b]\n      : c\n",                // a key that is not a string
  };
  for (const char* rule : bad_rules) {
    EXPECT_THAT(UserAgentParser::FromYaml(RegexesYaml(rule, "[]", "[]"), NoCache()),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr("user_agent_parsers[0]")))
        << rule;
  }
}

TEST(UserAgentParserErrors, PrefilterBudgetTooSmallIsReported) {
  UserAgentParser::Options options = NoCache();
  options.prefilter_max_mem_bytes = 1024;
  EXPECT_THAT(UserAgentParser::LoadFile(std::string(kDefaultUapRegexesPath), options),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("prefilter_max_mem_bytes = 1024")));
}

// --- RE2 syntax translation ---

TEST(TranslateToRe2Syntax, NamedGroupsGetRe2Spelling) {
  EXPECT_EQ(TranslateToRe2Syntax("(?<name>\\d+)/(?<v>x)"), "(?P<name>\\d+)/(?P<v>x)");
  EXPECT_TRUE(RE2(TranslateToRe2Syntax("(?<major>\\d+)")).ok());
}

TEST(TranslateToRe2Syntax, LeavesEverythingElseAlone) {
  for (std::string_view pattern :
       {"(?<=a)b", "(?<!a)b", "\\(?<a>", "[(?<]x>", "[]?<a>]", "[^]](?<n>x)", "plain (\\d+)"}) {
    const std::string translated = TranslateToRe2Syntax(pattern);
    if (pattern == "[^]](?<n>x)") {
      EXPECT_EQ(translated, "[^]](?P<n>x)");
    } else {
      EXPECT_EQ(translated, pattern);
    }
  }
}

// --- the prefilter's analysis ---

using Requirements = std::vector<std::vector<std::string>>;

// RequiredLiterals() as strings, case-insensitive ones marked "(?i)".
Requirements Literals(std::string_view pattern) {
  Requirements described;
  for (const std::vector<RequiredLiteral>& alternatives : RequiredLiterals(pattern)) {
    std::vector<std::string>& strings = described.emplace_back();
    for (const RequiredLiteral& literal : alternatives) {
      strings.push_back((literal.case_insensitive ? "(?i)" : "") + literal.text);
    }
  }
  return described;
}

TEST(RequiredLiterals, LiteralRunsAreRequired) {
  EXPECT_EQ(Literals("Chrome/(\\d+)"), (Requirements{{"Chrome/"}}));
  EXPECT_EQ(Literals("Mozilla.{1,200}Mobile"), (Requirements{{"Mozilla"}, {"Mobile"}}));
  EXPECT_EQ(Literals("Opera\\/9\\.80"), (Requirements{{"Opera/9.80"}}));
  EXPECT_EQ(Literals("(x86_64)\\ (\\d+)"), (Requirements{{"x86_64"}}));
  EXPECT_EQ(Literals("\\bYeti\\b"), (Requirements{{"Yeti"}}));
  EXPECT_EQ(Literals("[Bb]\\w\\d+yz$"), (Requirements{{"yz"}}));
}

TEST(RequiredLiterals, SmallClassesSpellSeveralStrings) {
  EXPECT_EQ(Literals("E[34]0"), (Requirements{{"E30", "E40"}}));
  EXPECT_EQ(Literals("LS[6-8]x"), (Requirements{{"LS6x", "LS7x", "LS8x"}}));
  EXPECT_EQ(Literals("v\\d\\."),
            (Requirements{{"v0.", "v1.", "v2.", "v3.", "v4.", "v5.", "v6.", "v7.", "v8.", "v9."}}));
  EXPECT_EQ(Literals("[\\-.]ab"), (Requirements{{"-ab", ".ab"}}));
  EXPECT_EQ(Literals("[-a]b"), (Requirements{{"-b", "ab"}}));
  // Repeated: the first repetition is sure, what follows is not adjacent.
  EXPECT_EQ(Literals("SM[GT]\\d{3}x"),
            (Requirements{{"SMG0", "SMG1", "SMG2", "SMG3", "SMG4", "SMG5", "SMG6",
                           "SMG7", "SMG8", "SMG9", "SMT0", "SMT1", "SMT2", "SMT3",
                           "SMT4", "SMT5", "SMT6", "SMT7", "SMT8", "SMT9"}}));
  // Too many strings (10 x 10 > 64): the run ends before the class that
  // would overflow it and starts again there; runs of one byte are dropped.
  EXPECT_EQ(Literals("\\d\\d\\dx"),
            (Requirements{{"0x", "1x", "2x", "3x", "4x", "5x", "6x", "7x", "8x", "9x"}}));
  // Large, negated and named classes are not expanded.
  for (std::string_view pattern : {"[A-Z]", "[^ab]", "[[:digit:]]", "[a-z0-9]", "\\w"}) {
    EXPECT_EQ(Literals(std::string(pattern) + "x"), Requirements{}) << pattern;
  }
  // In a case-insensitive run the strings are folded and deduplicated.
  EXPECT_EQ(Literals("[Ss][aA]x"), (Requirements{{"(?i)sax"}}));
  // A run that overflows ends; the next one compares by its own case: the
  // capitals of [A-J] stay capitals after a case-insensitive run.
  EXPECT_EQ(Literals("[Ss]\\d[A-J]Q"),
            (Requirements{{"(?i)s0", "(?i)s1", "(?i)s2", "(?i)s3", "(?i)s4", "(?i)s5", "(?i)s6",
                           "(?i)s7", "(?i)s8", "(?i)s9"},
                          {"AQ", "BQ", "CQ", "DQ", "EQ", "FQ", "GQ", "HQ", "IQ", "JQ"}}));
}

TEST(RequiredLiterals, CasePairClassesMakeCaseInsensitiveLiterals) {
  EXPECT_EQ(Literals("[Ss][Pp][Ii][Dd][Ee][Rr]"), (Requirements{{"(?i)spider"}}));
  EXPECT_EQ(Literals("Web[Kk]it/"), (Requirements{{"(?i)webkit/"}}));
  EXPECT_EQ(Literals("[Bb]ot\\d+yz$"),
            (Requirements{{"(?i)bot0", "(?i)bot1", "(?i)bot2", "(?i)bot3", "(?i)bot4", "(?i)bot5",
                           "(?i)bot6", "(?i)bot7", "(?i)bot8", "(?i)bot9"},
                          {"yz"}}));
  EXPECT_EQ(Literals("[Bb]"), Requirements{});
  EXPECT_EQ(Literals("[Bb-]ot"), (Requirements{{"-ot", "Bot", "bot"}}));
}

TEST(RequiredLiterals, OptionalCharactersEndRuns) {
  EXPECT_EQ(Literals("UC? ?Browser"), (Requirements{{"Browser"}}));
  EXPECT_EQ(Literals("abc?de"), (Requirements{{"ab"}, {"de"}}));
  EXPECT_EQ(Literals("abc*?de"), (Requirements{{"ab"}, {"de"}}));
  EXPECT_EQ(Literals("abc{0,2}de"), (Requirements{{"ab"}, {"de"}}));
  // Repeated at least once: the character is required, but not next to what follows.
  EXPECT_EQ(Literals("ab+cd"), (Requirements{{"ab"}, {"cd"}}));
  EXPECT_EQ(Literals("ab{2,}cd"), (Requirements{{"ab"}, {"cd"}}));
}

TEST(RequiredLiterals, AlternationRequiresOneLiteralPerBranch) {
  EXPECT_EQ(Literals("(Foo|Bar)/(\\d+)"), (Requirements{{"Bar", "Foo"}}));
  EXPECT_EQ(Literals("; {0,2}(A19|A19Q|A105|A107[^;/\\)]*) ?(?:Build|;|\\))"),
            (Requirements{{"A105", "A107", "A19", "A19Q"}}));
  // A branch with no literal of its own makes the alternation require nothing.
  EXPECT_EQ(Literals("(Foo|B)xyz"), (Requirements{{"xyz"}}));
  EXPECT_EQ(Literals("(Mobile|)Safari"), (Requirements{{"Safari"}}));
  EXPECT_EQ(Literals("Foo|\\d+"), Requirements{});
}

TEST(RequiredLiterals, AlternationOfConjunctionsIsDistributed) {
  // (iPhone AND Bot) OR AdsBot == (iPhone OR AdsBot) AND (Bot OR AdsBot).
  EXPECT_EQ(Literals("(?:iPhone.{0,9}Bot|AdsBot)"),
            (Requirements{{"AdsBot", "iPhone"}, {"AdsBot", "Bot"}}));
  EXPECT_EQ(Literals("(ab.cdef|(?:gh|ij)kl)"),
            (Requirements{{"cdef", "kl"}, {"ab", "kl"}, {"cdef", "gh", "ij"}, {"ab", "gh", "ij"}}));
  // 5 x 5 x 2 clauses are capped at 16 by dropping the least selective.
  const Requirements capped = Literals("(?:aa.bb.cc.dd.ee|ff.gg.hh.ii.jj|kk.ll)");
  EXPECT_FALSE(capped.empty());
  EXPECT_LE(capped.size(), 16u);
}

TEST(RequiredLiterals, OptionalGroupsRequireNothing) {
  EXPECT_EQ(Literals("(?:Mobile )?Safari"), (Requirements{{"Safari"}}));
  EXPECT_EQ(Literals("(?:Mobile)*Safari"), (Requirements{{"Safari"}}));
  EXPECT_EQ(Literals("(?:Mobile){0}Safari"), (Requirements{{"Safari"}}));
  EXPECT_EQ(Literals("(?P<m>Mobile)+Safari"), (Requirements{{"Mobile"}, {"Safari"}}));
}

TEST(RequiredLiterals, NonAsciiCharactersAreNotLiterals) {
  // Each byte of "\xc5\xbe" could be repeated as part of one character.
  EXPECT_EQ(Literals("Seznam prohl\xc3\xad\xc5\xbe?ec"), (Requirements{{"Seznam prohl"}, {"ec"}}));
}

TEST(RequiredLiterals, ConstructsNotFollowedGiveNothing) {
  for (std::string_view pattern : {"(?i)foo", "(?i:foo)bar", "a{,5}foo", "\\Qfoo\\E", "foo{x"}) {
    EXPECT_EQ(Literals(pattern), Requirements{}) << pattern;
  }
}

TEST(UserAgentParser, BoundedRepetitionsStayExact) {
  // The relaxed pre-check (bounds of 20 and more dropped) matches
  // "Foo<21 digits>Bar"; the rule itself must not.
  const std::string digits21(21, '7');
  const SmallRules rules(
      RegexesYaml("    - regex: '(Foo).{0,20}(Bar)'\n"
                  "    - regex: '(Foo)[0-9]{2,24}(Baz)'\n"
                  "    - regex: '(Foo)(?:ab){1,20}(Bax)'\n"
                  "    - regex: '(Any)'\n",
                  "[]", "[]"));
  EXPECT_EQ(rules.Parse("Foo" + digits21 + "Bar Any").ua, Software("Any"));
  EXPECT_EQ(rules.Parse("Foo123Bar").ua, Software("Foo", "Bar"));
  EXPECT_EQ(rules.Parse("Foo" + digits21 + "1234Baz Any").ua, Software("Any"));
  EXPECT_EQ(rules.Parse("Foo1234Baz").ua, Software("Foo", "Baz"));
  EXPECT_EQ(rules.Parse("Fooababab" + std::string("Bax")).ua, Software("Foo", "Bax"));
  std::string ab21;
  for (int idx = 0; idx < 21; ++idx) ab21 += "ab";
  EXPECT_EQ(rules.Parse("Foo" + ab21 + "Bax Any").ua, Software("Any"));
  // Non-ASCII text takes the UTF-8 rules: ".{0,20}" counts characters.
  std::string accented;
  for (int idx = 0; idx < 20; ++idx) accented += "\xc3\xa9";
  EXPECT_EQ(rules.Parse("Foo" + accented + "Bar").ua, Software("Foo", "Bar"));
}

TEST(UserAgentParser, RelaxedTwinGivesTheRulesGroupsOnShortText) {
  // On text no longer than the smallest relaxed bound the relaxed twin
  // stands in for the rule, groups included; on longer text the rule's own
  // bound decides which "Bar" a greedy ".{0,20}" reaches.
  const SmallRules rules(RegexesYaml("    - regex: '(Foo)(.{0,20})(Bar)'\n", "[]", "[]"));
  EXPECT_EQ(rules.Parse("Foo-Bar-Bar").ua, Software("Foo", "-Bar-", "Bar"));
  EXPECT_EQ(rules.Parse("Foo-aBar" + std::string(30, 'b') + "Bar").ua,
            Software("Foo", "-a", "Bar"));
  const std::string exactly20 = "Foo" + std::string(14, '-') + "Bar";
  ASSERT_EQ(exactly20.size(), 20u);
  EXPECT_EQ(rules.Parse(exactly20).ua, Software("Foo", std::string(14, '-'), "Bar"));
  const std::string bar_at_21 = "Foo" + std::string(21, '-') + "Bar";
  EXPECT_EQ(rules.Parse(bar_at_21).ua, Software("Other"));
}

TEST(UserAgentParser, RelaxedTwinStandsInOnLongTextWithinTheBounds) {
  // The text is longer than the smallest relaxed bound ({1,20}), but each
  // relaxed repetition of the match stays within its own: the twin's
  // answer is the rule's, including groups after the twin's bound groups.
  const SmallRules rules(RegexesYaml(
      "    - regex: '(Foo)[a-z]{1,20}/(.{0,200}?) (\\d+)\\w{1,30}(End)'\n", "[]", "[]"));
  const std::string middle(150, '-');
  EXPECT_EQ(rules.Parse("x Foo" + std::string(20, 'q') + "/" + middle + " 42abcEnd").ua,
            Software("Foo", middle, "42", "End"));
  // One repeat too many for [a-z]{1,20}: the twin's match is past the bound
  // and the rule itself decides (here: no match).
  EXPECT_EQ(rules.Parse("x Foo" + std::string(21, 'q') + "/" + middle + " 42abcEnd").ua,
            Software("Other"));
  // Past the bound of \w{1,30} in the twin's first match, while the rule
  // matches with a later "End".
  EXPECT_EQ(rules.Parse("Foob/a 1" + std::string(40, 'w') + "End 7vEnd").ua,
            Software("Foo", "a 1" + std::string(40, 'w') + "End", "7", "End"));
}

TEST(UserAgentParser, RelaxedTwinKeepsEveryKindOfRepetitionExact) {
  // Classes, escapes, lazy and greedy repetitions, case-insensitive rules
  // and relaxed repetitions inside repeated groups (which the twin cannot
  // check, so the rule decides); SmallRules compares each answer with the
  // rule-by-rule scan.
  const SmallRules rules(
      RegexesYaml("    - regex: '(S)(?:ab.{0,20}?c)+(Rep)'\n"
                  "    - regex: '(Lazy)(.{0,25}?)(X)'\n"
                  "    - regex: '(Cls)([^;]{1,22});'\n"
                  "    - regex: '(?:(Opt).{0,20})?(Tail)'\n"
                  "    - regex: '(case)\\s{0,20}(\\d+)'\n"
                  "      regex_flag: 'i'\n"
                  "    - regex: '(Quo)\\Q.{0,25}\\E(t)'\n",
                  "[]", "[]"));
  for (const size_t length : {0, 1, 19, 20, 21, 22, 23, 24, 25, 26, 40}) {
    const std::string run(length, 'r');
    const std::string spaces(length, ' ');
    rules.Parse("Sab" + run + "cab" + run + "cRep");
    rules.Parse("Sab" + run + "cabcRep");
    rules.Parse("Lazy" + run + "X" + run + "X");
    rules.Parse("Cls" + run + ";" + run + ";");
    rules.Parse("Opt" + run + "Tail" + run + "Tail");
    rules.Parse("CASE" + spaces + "12 case" + spaces + "3");
  }
  EXPECT_EQ(rules.Parse("Lazy" + std::string(24, 'r') + "X" + "rX").ua,
            Software("Lazy", std::string(24, 'r'), "X"));
  // The group captures only its last iteration: a long first one must
  // still fail the rule.
  EXPECT_EQ(rules.Parse("Sab" + std::string(21, 'r') + "cabcRep").ua, Software("Other"));
  EXPECT_EQ(rules.Parse("CASE" + std::string(20, ' ') + "12").ua, Software("CASE", "12"));
  EXPECT_EQ(rules.Parse("CASE" + std::string(21, ' ') + "12").ua, Software("Other"));
  // Between \Q and \E a brace is text, not a repetition.
  EXPECT_EQ(rules.Parse("Quo.{0,25}t").ua, Software("Quo", "t"));
  EXPECT_EQ(rules.Parse("Quo" + std::string(10, '.') + "t").ua, Software("Other"));
}

TEST(UserAgentParser, RelaxedTwinReadsFlagsClassesBranchesAndLiteralBraces) {
  // Scoped and inline flags, a class holding ']', bounds in several branches,
  // and braces that are not repetitions; SmallRules compares each answer
  // with the rule-by-rule scan.
  const SmallRules rules(
      RegexesYaml("    - regex: '(?i:(Fl))[^]x]{0,20}(?i)(end)'\n"
                  "    - regex: '(Br)(?:a{1,20}|b{2,25}|c)(Z)'\n"
                  "    - regex: '(Lb)a{,20}b{2,(W)'\n",
                  "[]", "[]"));
  for (const size_t length : {0, 1, 2, 19, 20, 21, 24, 25, 26}) {
    rules.Parse("FL" + std::string(length, ']') + "END");
    rules.Parse("fl" + std::string(length, 'y') + "End");
    rules.Parse("Br" + std::string(length, 'a') + "Z");
    rules.Parse("Br" + std::string(length, 'b') + "Z");
  }
  EXPECT_EQ(rules.Parse("Lba{,20}b{2,W").ua, Software("Lb", "W"));
}

TEST(UserAgentParser, RelaxedTwinIsNotTrustedWhereItCannotReadThePattern) {
  // Escapes that go on past their letter: "\101" is the letter A, not a
  // backspace and a "1" repeated. Loops whose body can match empty take
  // other paths in RE2 once a bound is relaxed, even on short text. A rule's
  // own group named like the twin's bound groups. SmallRules compares each
  // answer with the rule-by-rule scan.
  {
    const SmallRules rules(
        RegexesYaml("    - regex: '(X)\\101{0,20}(Y)'\n"
                    "    - regex: '(P)\\123{0,20}(Q)'\n"
                    "    - regex: '(H)\\x41{0,20}(J)'\n",
                    "[]", "[]"));
    EXPECT_EQ(rules.Parse("XAAY").ua, Software("X", "Y"));
    EXPECT_EQ(rules.Parse("XY").ua, Software("X", "Y"));
    EXPECT_EQ(rules.Parse("X" + std::string(21, 'A') + "Y").ua, Software("Other"));
    EXPECT_EQ(rules.Parse("PSSQ").ua, Software("P", "Q"));
    EXPECT_EQ(rules.Parse("P\n33Q").ua, Software("Other"));
    EXPECT_EQ(rules.Parse("HAAJ").ua, Software("H", "J"));
  }
  {
    const SmallRules rules(RegexesYaml("    - regex: '(?:(b{0,20}?))*(c)'\n", "[]", "[]"));
    EXPECT_EQ(rules.Parse("bbc").ua.family, "b");
  }
  {
    const SmallRules rules(RegexesYaml("    - regex: '([^a]{0,23}?)*(\\.)'\n", "[]", "[]"));
    EXPECT_EQ(rules.Parse("bc.").ua.family, "c");
  }
  {
    const SmallRules rules(RegexesYaml("    - regex: '(?P<b0>Nm)[a-z]{1,30}(Q)'\n", "[]", "[]"));
    EXPECT_EQ(rules.Parse("NmabcQ").ua, Software("Nm", "Q"));
    EXPECT_EQ(rules.Parse("Nm" + std::string(31, 'z') + "Q").ua, Software("Other"));
  }
}

TEST(UserAgentParser, PrefilterAgreesWhereRequirementsAreSubtle) {
  // Every rule here has a requirement the prefilter uses; SmallRules checks
  // each answer against the rule-by-rule scan.
  const SmallRules rules(
      RegexesYaml("    - regex: '(ab+cd)'\n"
                  "    - regex: '(Foo|Bar)/(\\d+)'\n"
                  "    - regex: '(?:Mobile )?(Safari)'\n"
                  "    - regex: '(xy)z'\n"
                  "      regex_flag: 'i'\n"
                  "    - regex: '([Ss]\\d[A-J]Q)'\n",
                  "[]",
                  "    - regex: '(KINDLE)'\n"
                  "      regex_flag: 'i'\n"));
  EXPECT_EQ(rules.Parse("abbbcd").ua.family, "abbbcd");
  EXPECT_EQ(rules.Parse("Bar/2").ua, Software("Bar", "2"));
  EXPECT_EQ(rules.Parse("Safari").ua.family, "Safari");
  EXPECT_EQ(rules.Parse("XyZ").ua.family, "Xy");
  // A case-insensitive run ends where a class would make too many strings;
  // the class's capitals must stay capitals in the run that follows.
  EXPECT_EQ(rules.Parse("an S1BQ").ua.family, "S1BQ");
  EXPECT_EQ(rules.Parse("a Kindle").device.family, "Kindle");
  // RE2 folds 'K' with U+212A KELVIN SIGN; the literal prefilter must too.
  EXPECT_EQ(rules.Parse("\xe2\x84\xaaindle").device.family, "\xe2\x84\xaaindle");
}

// --- the real rules: hostile input, cache, threads ---

TEST(UserAgentParserReal, CommonBrowsers) {
  const ParsedUserAgent chrome = RealParser().Parse(kChromeOnAndroid);
  EXPECT_EQ(chrome.ua, Software("Chrome Mobile", "112", "0", "0", "0"));
  EXPECT_EQ(chrome.os, Software("Android", "13"));
  EXPECT_EQ(chrome.device, (ParsedDevice{"Samsung SM-S908B", "Samsung", "SM-S908B"}));
  const ParsedUserAgent firefox = RealParser().Parse(kFirefoxOnMac);
  EXPECT_EQ(firefox.ua, Software("Firefox", "115", "0"));
  EXPECT_EQ(firefox.os, Software("Mac OS X", "10", "15"));
  EXPECT_EQ(firefox.device, (ParsedDevice{"Mac", "Apple", "Mac"}));
}

TEST(UserAgentParserReal, VeryLongAndGarbageInputs) {
  std::vector<std::string> inputs;
  inputs.push_back(std::string(1 << 20, 'a'));
  std::string repeated;
  while (repeated.size() < (256 << 10)) repeated += std::string(kChromeOnAndroid) + "; ";
  inputs.push_back(repeated);
  std::string all_bytes;
  for (int byte = 0; byte < 256; ++byte) all_bytes.push_back(static_cast<char>(byte));
  inputs.push_back(all_bytes + all_bytes);
  inputs.push_back(std::string("Chrome/1\0.2 Android \xff\xfe 4", 24));  // NUL, invalid UTF-8
  inputs.push_back("\xc3(\xa0\xa1 Mozilla/5.0 (iPhone; \xe2\x28\xa1");
  for (const std::string& input : inputs) {
    const ParsedUserAgent parsed = RealParser().ParseUncached(input);
    EXPECT_FALSE(parsed.ua.family.empty());
    EXPECT_FALSE(parsed.os.family.empty());
    EXPECT_FALSE(parsed.device.family.empty());
    EXPECT_EQ(parsed, RealParser().ParseUncached(input));
  }
  EXPECT_EQ(RealParser().ParseUncached(inputs[0]).ua.family, "Other");
  EXPECT_EQ(RealParser().ParseUncached(inputs[1]).os.family, "Android");
  EXPECT_EQ(RealParser().stats().prefilter_fallbacks, 0u);
}

TEST(UserAgentParserCache, CachedAnswersEqualUncached) {
  UserAgentParser::Options options;
  options.cache_entries = 100;
  AL_ASSERT_OK_AND_ASSIGN(auto parser,
                          UserAgentParser::LoadFile(std::string(kDefaultUapRegexesPath), options));
  for (int round = 0; round < 3; ++round) {
    for (std::string_view user_agent : {kChromeOnAndroid, kFirefoxOnMac, kSafariOnIphone}) {
      EXPECT_EQ(parser->Parse(user_agent), parser->ParseUncached(user_agent));
    }
  }
  const UserAgentParser::Stats stats = parser->stats();
  EXPECT_EQ(stats.cache_misses, 3u);
  EXPECT_EQ(stats.cache_hits, 6u);
  EXPECT_EQ(stats.cache_entries, 3u);
}

TEST(UserAgentParserCache, ParseIntoOverwritesEveryField) {
  UserAgentParser::Options options;
  options.cache_entries = 10;
  AL_ASSERT_OK_AND_ASSIGN(auto parser,
                          UserAgentParser::LoadFile(std::string(kDefaultUapRegexesPath), options));
  ParsedUserAgent out;
  for (int round = 0; round < 2; ++round) {  // a miss, then a hit
    parser->Parse(kChromeOnAndroid, &out);
    EXPECT_EQ(out, RealParser().ParseUncached(kChromeOnAndroid));
    parser->Parse("zzz", &out);
    EXPECT_EQ(out, RealParser().ParseUncached("zzz"));
    EXPECT_EQ(out.ua, Software("Other"));
    EXPECT_EQ(out.device, (ParsedDevice{"Other", "", ""}));
  }
  parser->ParseUncached(kFirefoxOnMac, &out);
  EXPECT_EQ(out, RealParser().ParseUncached(kFirefoxOnMac));
  parser->ParseUncached("", &out);
  EXPECT_EQ(out, RealParser().ParseUncached(""));
}

TEST(UserAgentParserCache, EvictsLeastRecentlyUsedWithinItsBound) {
  UserAgentParser::Options options;
  options.cache_entries = 2;
  options.cache_shards = 1;  // one shard: the LRU order is exact
  AL_ASSERT_OK_AND_ASSIGN(
      auto parser,
      UserAgentParser::FromYaml(RegexesYaml("    - regex: '(\\w+)'\n", "[]", "[]"), options));
  EXPECT_EQ(parser->Parse("a").ua.family, "a");  // miss: [a]
  EXPECT_EQ(parser->Parse("b").ua.family, "b");  // miss: [b a]
  EXPECT_EQ(parser->Parse("a").ua.family, "a");  // hit:  [a b]
  EXPECT_EQ(parser->Parse("c").ua.family, "c");  // miss, evicts b: [c a]
  EXPECT_EQ(parser->Parse("a").ua.family, "a");  // hit
  EXPECT_EQ(parser->Parse("b").ua.family, "b");  // miss again
  const UserAgentParser::Stats stats = parser->stats();
  EXPECT_EQ(stats.cache_hits, 2u);
  EXPECT_EQ(stats.cache_misses, 4u);
  EXPECT_EQ(stats.cache_entries, 2u);
}

TEST(UserAgentParserCache, ShardedCacheStaysWithinItsBound) {
  UserAgentParser::Options options;
  options.cache_entries = 50;
  options.cache_shards = 8;
  AL_ASSERT_OK_AND_ASSIGN(
      auto parser,
      UserAgentParser::FromYaml(RegexesYaml("    - regex: '(\\w+)'\n", "[]", "[]"), options));
  for (int idx = 0; idx < 1000; ++idx) {
    EXPECT_EQ(parser->Parse("ua" + std::to_string(idx)).ua.family, "ua" + std::to_string(idx));
  }
  EXPECT_LE(parser->stats().cache_entries, 50u);
  EXPECT_EQ(parser->stats().cache_misses, 1000u);
}

TEST(UserAgentParserCache, ZeroEntriesDisablesTheCache) {
  AL_ASSERT_OK_AND_ASSIGN(
      auto parser,
      UserAgentParser::FromYaml(RegexesYaml("    - regex: '(\\w+)'\n", "[]", "[]"), NoCache()));
  EXPECT_EQ(parser->Parse("a").ua.family, "a");
  EXPECT_EQ(parser->Parse("a").ua.family, "a");
  const UserAgentParser::Stats stats = parser->stats();
  EXPECT_EQ(stats.cache_hits + stats.cache_misses + stats.cache_entries, 0u);
}

TEST(UserAgentParserCache, LongUserAgentsAreNotCached) {
  UserAgentParser::Options options;
  options.cache_max_user_agent_bytes = 8;
  AL_ASSERT_OK_AND_ASSIGN(
      auto parser,
      UserAgentParser::FromYaml(RegexesYaml("    - regex: '(\\w+)'\n", "[]", "[]"), options));
  EXPECT_EQ(parser->Parse("longer_than_8").ua.family, "longer_than_8");
  EXPECT_EQ(parser->Parse("longer_than_8").ua.family, "longer_than_8");
  EXPECT_EQ(parser->Parse("short").ua.family, "short");
  const UserAgentParser::Stats stats = parser->stats();
  EXPECT_EQ(stats.cache_entries, 1u);
  EXPECT_EQ(stats.cache_misses, 1u);
  EXPECT_EQ(stats.cache_hits, 0u);
}

TEST(UserAgentParserCache, ConcurrentParseFromSeveralThreads) {
  UserAgentParser::Options options;
  options.cache_entries = 16;  // smaller than the working set: constant eviction
  options.cache_shards = 4;
  AL_ASSERT_OK_AND_ASSIGN(auto parser,
                          UserAgentParser::LoadFile(std::string(kDefaultUapRegexesPath), options));
  std::vector<std::string> user_agents;
  for (int idx = 0; idx < 40; ++idx) {
    user_agents.push_back(std::string(idx % 2 == 0 ? kChromeOnAndroid : kSafariOnIphone) +
                          " build/" + std::to_string(idx));
  }
  user_agents.emplace_back(kFirefoxOnMac);
  std::vector<ParsedUserAgent> expected;
  for (const std::string& user_agent : user_agents) {
    expected.push_back(RealParser().ParseUncached(user_agent));
  }

  constexpr int kThreads = 4;
  constexpr int kRoundsPerThread = 5;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      for (int round = 0; round < kRoundsPerThread; ++round) {
        for (size_t ua_idx = 0; ua_idx < user_agents.size(); ++ua_idx) {
          // Threads walk the list from different offsets.
          const size_t pick = (ua_idx + thread_idx * 7) % user_agents.size();
          if (!(parser->Parse(user_agents[pick]) == expected[pick])) ++mismatches[thread_idx];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    EXPECT_EQ(mismatches[thread_idx], 0) << "thread " << thread_idx;
  }
  const UserAgentParser::Stats stats = parser->stats();
  EXPECT_EQ(stats.cache_hits + stats.cache_misses,
            static_cast<uint64_t>(kThreads * kRoundsPerThread) * user_agents.size());
  EXPECT_LE(stats.cache_entries, 16u);
}

// --- the canonical event's view ---

TEST(ToUserAgentInfo, CopiesFamiliesAndVersions) {
  const event::UserAgentInfo info =
      ToUserAgentInfo(RealParser().Parse(kChromeOnAndroid), kChromeOnAndroid);
  EXPECT_EQ(info.name, "Chrome Mobile");
  EXPECT_EQ(info.major, "112");
  EXPECT_EQ(info.minor, "0");
  EXPECT_EQ(info.patch, "0");
  EXPECT_EQ(info.os, "Android");
  EXPECT_EQ(info.os_major, "13");
  EXPECT_EQ(info.os_minor, "");
  EXPECT_EQ(info.device, "Samsung SM-S908B");
  EXPECT_EQ(info.is_mobile, true);
}

TEST(ToUserAgentInfo, IsMobileIsTheMdnMobiRule) {
  EXPECT_EQ(ToUserAgentInfo(RealParser().Parse(kSafariOnIphone), kSafariOnIphone).is_mobile, true);
  EXPECT_EQ(ToUserAgentInfo(RealParser().Parse(kFirefoxOnMac), kFirefoxOnMac).is_mobile, false);
  constexpr std::string_view kOperaMobi = "Opera/9.80 (Android; Opera Mini/7.5; U; Mobi) Presto";
  EXPECT_EQ(ToUserAgentInfo(RealParser().Parse(kOperaMobi), kOperaMobi).is_mobile, true);
}

TEST(ToUserAgentInfo, KeepsOtherForUnknownAgents) {
  constexpr std::string_view kUnknown = "zzz";
  const event::UserAgentInfo info = ToUserAgentInfo(RealParser().Parse(kUnknown), kUnknown);
  EXPECT_EQ(info.name, "Other");
  EXPECT_EQ(info.os, "Other");
  EXPECT_EQ(info.device, "Other");
  EXPECT_EQ(info.is_mobile, false);
}

TEST(ToUserAgentInfo, EmptyUserAgentGivesEmptyInfo) {
  const event::UserAgentInfo info = ToUserAgentInfo(RealParser().Parse(""), "");
  EXPECT_TRUE(info.empty());
  EXPECT_FALSE(info.is_mobile.has_value());
}

}  // namespace
}  // namespace auditlog::enrich
