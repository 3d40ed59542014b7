#pragma once

// UserAgentParser turns a User-Agent header into uap-core's fields: the
// browser or library (family and version), the operating system (family and
// version) and the device (family, brand, model). The rules are uap-core's
// `regexes.yaml` (Debian package `uap-core`), matched with RE2; enrichment at
// ingest uses it (issue #6).
//
// Semantics follow uap-core's specification (specification.md, in
// /usr/share/doc/uap-core), and uap-core's own test files where it is silent;
// uap_conformance_test.cc runs those files:
//   - each section (user_agent_parsers, os_parsers, device_parsers) is tried
//     in file order and the first rule whose `regex` matches anywhere in the
//     string wins; matching is case sensitive unless the rule has
//     `regex_flag: 'i'`;
//   - a field takes its replacement when the rule names one (a non-empty
//     `family_replacement`, `v1_replacement`, ... `os_v4_replacement`,
//     `device_replacement`, `brand_replacement`, `model_replacement`), with
//     every `$1`..`$9` replaced by that capture group (empty when the group did
//     not take part or does not exist); otherwise it takes its default group:
//     family/major/minor/patch/patch_minor are groups 1..5, the device's family
//     and model are group 1, the device's brand has none;
//   - every field is trimmed of ASCII whitespace; an empty family is "Other";
//   - when no rule of a section matches, its family is "Other" and its other
//     fields are empty.
// Empty strings stand for uap-core's null.
//
// Speed: a prefilter finds the rules that can match, and only those are run,
// in file order, until one matches. Each rule's regex is analysed for the
// literal strings any match must contain (RequiredLiterals(); small classes
// such as [34] or \d spell several strings); one pass over the user agent
// finds which of all those literals occur (an Aho-Corasick LiteralScanner for
// ASCII text, an RE2::Set for the rest), and a rule is a candidate when every
// one of its requirements is met (rules with none are always candidates). A
// set over the rules' regexes themselves would answer directly, but its DFA
// explodes on uap-core's hundreds of unanchored patterns and rebuilds states
// for nearly every new string (hundreds of microseconds per user agent).
// ASCII user agents, nearly all of them, then run each rule as a Latin-1 twin
// (smaller programs, the same answers on ASCII text). A rule with large
// bounded repetitions (`.{0,200}`, costly in RE2, which unrolls each bound)
// runs as a twin without those bounds that also captures what each relaxed
// repetition matched: when every one stayed within its bound, the twin's
// match is the rule's own, groups included, and only otherwise does the rule
// itself run (see RelaxRepetitions() and struct Rule in the .cc). Results
// of recent user agents are kept in a cache (CLOCK eviction, an approximate
// LRU), sharded by hash so that threads rarely wait on one another.
//
// Memory: about 20 MiB once loaded; RE2 builds programs and DFA states as
// strings need them, and after a broad mix (all of uap-core's test strings)
// the parser holds about 110 MiB, plus the cache.
//
// Thread-safety: a loaded parser is immutable apart from its internally
// synchronized cache; Parse() and every const method may be called from any
// number of threads at once.

#include <compare>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "event/event.h"

namespace auditlog {
template <typename Value>
class ShardedLruCache;  // common/sharded_lru_cache.h
}  // namespace auditlog

namespace auditlog::enrich {

// Where Debian's uap-core package installs the rules.
inline constexpr std::string_view kDefaultUapRegexesPath = "/usr/share/uap-core/regexes.yaml";
// uap-core's family for "no rule matched".
inline constexpr std::string_view kOtherFamily = "Other";

// A browser or library (uap-core's `user_agent`), or an operating system
// (uap-core's `os`). Intentionally copyable.
struct ParsedSoftware {
  std::string family;  // "Chrome", "Mac OS X"; "Other" when no rule matched
  std::string major;   // version parts as written, e.g. "120", "0", "6099", "" when absent
  std::string minor;
  std::string patch;
  std::string patch_minor;

  friend bool operator==(const ParsedSoftware&, const ParsedSoftware&) = default;
};

// uap-core's `device`. Intentionally copyable.
struct ParsedDevice {
  std::string family;  // "iPhone", "Samsung SM-G991B", "Spider"; "Other" when no rule matched
  std::string brand;   // "Apple", "Samsung"; "" when absent
  std::string model;   // "iPhone", "SM-G991B"; "" when absent

  friend bool operator==(const ParsedDevice&, const ParsedDevice&) = default;
};

// All of uap-core's output for one user agent string. Intentionally copyable.
struct ParsedUserAgent {
  ParsedSoftware ua;
  ParsedSoftware os;
  ParsedDevice device;

  friend bool operator==(const ParsedUserAgent&, const ParsedUserAgent&) = default;
};

class UserAgentParser {
 public:
  struct Options {
    // The most distinct user agents whose results are cached (over all
    // shards; each shard holds its share and evicts an entry not used
    // recently). 0 disables the cache. Each entry costs about 0.55 KiB plus the
    // length of the user agent.
    // Default: 100000 (about 70 MiB when full of typical browser strings).
    size_t cache_entries = 100000;
    // Independently locked parts of the cache, picked by hash. More shards
    // mean less waiting between threads; each adds a mutex and a map.
    // Default: 16.
    size_t cache_shards = 16;
    // User agents longer than this are parsed every time and never cached, so
    // that a flood of huge junk headers cannot fill memory.
    // Default: 1024 (real browser strings are rarely over 300 bytes).
    size_t cache_max_user_agent_bytes = 1024;
    // Memory budget of the prefilter's RE2::Set of literals, for its program
    // and its DFA's state cache, in bytes; taken as states are built, not up
    // front. Too small and the DFA keeps discarding states (at 4 MiB parsing
    // took twice as long) or gives up (each parse then tries every rule: see
    // Stats::prefilter_fallbacks); smaller than the program itself and
    // loading fails.
    // Default: 64 MiB, an upper bound.
    int64_t prefilter_max_mem_bytes = int64_t{64} << 20;
    // Memory budget of each rule's RE2 (its programs and DFA state caches),
    // in bytes; taken as states are built. A few of uap-core's rules (bot
    // catch-alls such as `^.{0,100}(bot|crawl|...)`, case-insensitive) build
    // many DFA states over a broad mix of strings and run slower at RE2's
    // default of 8 MiB. Most rules use kilobytes.
    // Default: 16 MiB per rule, an upper bound.
    int64_t rule_max_mem_bytes = int64_t{16} << 20;
    // Whether to find candidate rules with the literal prefilter. false tries
    // every rule in order instead: 10-100 times slower; for differential tests.
    // Default: true.
    bool use_literal_prefilter = true;
    // Whether to run ASCII user agents through each rule's Latin-1 twin and
    // its relaxed twin (see user_agent_parser.cc, struct Rule): the same
    // answers, faster (bench/RESULTS.md, "Enrichment"), for about twice the
    // compiled programs. false runs every rule as written, in UTF-8; with
    // use_literal_prefilter = false that is the plain reading of uap-core's
    // specification, the reference for differential tests.
    // Default: true.
    bool use_ascii_fast_path = true;
  };

  // Counters for metrics. All are totals since load.
  struct Stats {
    uint64_t cache_hits = 0;
    uint64_t cache_misses = 0;  // lookups that had to parse (excludes uncacheable strings)
    size_t cache_entries = 0;   // entries held now
    // Parses whose prefilter failed (its DFA ran out of memory) and that fell
    // back to trying every rule; non-zero means prefilter_max_mem_bytes is too low.
    uint64_t prefilter_fallbacks = 0;
  };

  UserAgentParser(const UserAgentParser&) = delete;
  UserAgentParser& operator=(const UserAgentParser&) = delete;
  ~UserAgentParser();

  // Loads the rules from uap-core's `regexes.yaml` at `regexes_yaml_path`
  // (usually kDefaultUapRegexesPath). kNotFound when the file does not exist
  // (the message names the Debian package), kIOError when it cannot be read,
  // kInvalidArgument naming the file, the section, the rule's index and line
  // when the YAML is malformed, a rule has no `regex`, or a regex does not
  // compile with RE2 (after the translations of TranslateToRe2Syntax()).
  static Result<std::unique_ptr<UserAgentParser>> LoadFile(const std::string& regexes_yaml_path,
                                                           const Options& options);
  // As LoadFile, from the text of a `regexes.yaml`. All three sections must
  // be present; any may be an empty list.
  static Result<std::unique_ptr<UserAgentParser>> FromYaml(std::string_view yaml_text,
                                                           const Options& options);

  // Parses `user_agent` (any bytes; not necessarily UTF-8), answering from
  // the cache when it holds the string. Never fails: unknown strings give
  // "Other" families.
  ParsedUserAgent Parse(std::string_view user_agent) const;
  // As Parse, bypassing the cache (neither read nor filled).
  ParsedUserAgent ParseUncached(std::string_view user_agent) const;
  // As above, into `*out` (every field overwritten), reusing its strings'
  // capacity: a loop that keeps one ParsedUserAgent allocates nothing on
  // cache hits once its strings have grown.
  void Parse(std::string_view user_agent, ParsedUserAgent* out) const;
  void ParseUncached(std::string_view user_agent, ParsedUserAgent* out) const;

  // The number of rules over all three sections.
  size_t rule_count() const;
  Stats stats() const;

  // Defined in user_agent_parser.cc.
  struct Section;    // one section's rules
  struct Prefilter;  // the RE2::Set of literals and which rules each one admits

 private:
  UserAgentParser(std::unique_ptr<Section> ua, std::unique_ptr<Section> os,
                  std::unique_ptr<Section> device, std::unique_ptr<Prefilter> prefilter,
                  const Options& options);
  static Result<std::unique_ptr<UserAgentParser>> FromYamlNamed(std::string_view yaml_text,
                                                                std::string_view source_name,
                                                                const Options& options);

  std::unique_ptr<Section> ua_;
  std::unique_ptr<Section> os_;
  std::unique_ptr<Section> device_;
  std::unique_ptr<Prefilter> prefilter_;                     // null when disabled
  std::unique_ptr<ShardedLruCache<ParsedUserAgent>> cache_;  // null when disabled
  size_t cache_max_user_agent_bytes_;
};

// Rewrites the few constructs of Perl/JavaScript regex syntax that RE2 spells
// differently but means the same by: named groups `(?<name>...)` become
// `(?P<name>...)`. Anything else is returned as is; constructs RE2 lacks
// (lookaround, backreferences, possessive quantifiers) then fail to compile
// and loading reports the rule. uap-core 0.16 needs no rewriting.
std::string TranslateToRe2Syntax(std::string_view pattern);

// A string that a match of a regex must contain (see RequiredLiterals()).
// Intentionally copyable.
struct RequiredLiteral {
  std::string text;
  // Whether to compare ignoring case (the pattern spelled the letters as
  // classes such as [Ss]); `text` is then lower case.
  bool case_insensitive = false;

  friend auto operator<=>(const RequiredLiteral&, const RequiredLiteral&) = default;
};

// What a match of the RE2 `pattern` must contain, as a conjunction of
// alternatives: every inner list must have one of its literals in the text.
// (For a rule with `regex_flag: 'i'` every literal compares ignoring case.)
// Empty when nothing is required, and also when the pattern uses a construct
// the analysis does not follow (flag groups, \Q...\E, a brace that is not a
// repetition): the answer may be weaker than the truth, never stronger.
// Literals shorter than two bytes are left out (they occur in nearly every
// user agent). The prefilter's analysis; exposed for tests.
std::vector<std::vector<RequiredLiteral>> RequiredLiterals(std::string_view pattern);

// The canonical event's `ua` view of a parse: name = the user agent family,
// os = the OS family and device = the device family, each kept as "Other"
// when no rule matched (as uap-core and Logstash do); major/minor/patch and
// os_major/os_minor copied as they are.
//
// is_mobile follows MDN's rule: true exactly when the user agent string
// contains "Mobi" (Safari, Chrome, Firefox, Edge and Opera all put "Mobile"
// in phone user agents, and tablets mostly leave it out), false otherwise.
//
// An empty `user_agent` gives an empty UserAgentInfo (is_mobile unset):
// there was nothing to parse.
event::UserAgentInfo ToUserAgentInfo(const ParsedUserAgent& parsed, std::string_view user_agent);

}  // namespace auditlog::enrich
