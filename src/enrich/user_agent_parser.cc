#include "enrich/user_agent_parser.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <re2/re2.h>
#include <re2/set.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "common/sharded_lru_cache.h"
#include "enrich/literal_scanner.h"

namespace auditlog::enrich {
namespace {

// The most output fields of a section (family + four version parts).
constexpr int kMaxFields = 5;
// `$1`..`$9`: uap-core's placeholders are one digit.
constexpr int kMaxGroupRef = 9;
// regexes.yaml is about 200 KiB; anything far larger is not one.
constexpr off_t kMaxRegexesFileBytes = off_t{64} << 20;
// Required literals shorter than this are dropped: ";" or "/" is in nearly
// every user agent, so they would only make the prefilter's set bigger.
constexpr size_t kMinLiteralBytes = 2;
constexpr int kSectionCount = 3;

struct FieldSpec {
  std::string_view replacement_key;  // the rule key that overrides this field
  int default_group;                 // the capture group used otherwise; 0 for none
};

// One section of regexes.yaml: its key and how its rules fill the output.
struct SectionSpec {
  std::string_view key;
  int field_count;
  std::array<FieldSpec, kMaxFields> fields;
};

// Field orders match the `outputs` arrays built in ParseUncached().
constexpr SectionSpec kUserAgentSpec{"user_agent_parsers",
                                     5,
                                     {{{"family_replacement", 1},
                                       {"v1_replacement", 2},
                                       {"v2_replacement", 3},
                                       {"v3_replacement", 4},
                                       {"v4_replacement", 5}}}};
constexpr SectionSpec kOsSpec{"os_parsers",
                              5,
                              {{{"os_replacement", 1},
                                {"os_v1_replacement", 2},
                                {"os_v2_replacement", 3},
                                {"os_v3_replacement", 4},
                                {"os_v4_replacement", 5}}}};
constexpr SectionSpec kDeviceSpec{
    "device_parsers",
    3,
    {{{"device_replacement", 1}, {"brand_replacement", 0}, {"model_replacement", 1}}}};

using Outputs = std::array<std::string*, kMaxFields>;
using Groups = std::array<re2::StringPiece, kMaxGroupRef + 1>;

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

void TrimAsciiWhitespace(std::string* text) {
  size_t end = text->size();
  while (end > 0 && IsAsciiSpace((*text)[end - 1])) --end;
  size_t begin = 0;
  while (begin < end && IsAsciiSpace((*text)[begin])) ++begin;
  text->erase(end);
  text->erase(0, begin);
}

// The highest `$N` in `replacement`; 0 when there is none.
int HighestGroupRef(std::string_view replacement) {
  int highest = 0;
  for (size_t pos = 0; pos + 1 < replacement.size(); ++pos) {
    const char next = replacement[pos + 1];
    if (replacement[pos] == '$' && next >= '1' && next <= '9')
      highest = std::max(highest, next - '0');
  }
  return highest;
}

// Appends group `group` of a match to `out`. A group that did not take part
// has a null data pointer, which must not reach memcpy.
void AppendGroup(const re2::StringPiece& group, std::string* out) {
  if (!group.empty()) out->append(group.data(), group.size());
}

// Appends `replacement` to `out` with each `$N` replaced by group N of the
// match; groups beyond `group_count` or that did not take part are empty.
void AppendSubstituted(std::string_view replacement, const Groups& groups, int group_count,
                       std::string* out) {
  for (size_t pos = 0; pos < replacement.size(); ++pos) {
    const char c = replacement[pos];
    const char next = pos + 1 < replacement.size() ? replacement[pos + 1] : '\0';
    if (c == '$' && next >= '1' && next <= '9') {
      const int group = next - '0';
      if (group <= group_count) AppendGroup(groups[group], out);
      ++pos;
      continue;
    }
    out->push_back(c);
  }
}

// Copies `pattern`, letting `rewrite(pattern, &pos, &out)` replace what
// stands at `pos` outside escapes and character classes: it appends its
// replacement, leaves `pos` on the last character it consumed and returns
// true, or returns false to have the character copied as it is. Escapes and
// classes (a ']' first in one, "[]a]" or "[^]a]", is a member, not its end)
// are copied untouched.
template <typename Rewrite>
std::string RewriteOutsideClasses(std::string_view pattern, Rewrite rewrite) {
  std::string out;
  out.reserve(pattern.size());
  bool in_class = false;
  for (size_t pos = 0; pos < pattern.size(); ++pos) {
    const char c = pattern[pos];
    if (c == '\\') {  // an escape: copy it and what it escapes
      out.push_back(c);
      if (pos + 1 < pattern.size()) out.push_back(pattern[++pos]);
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out.push_back(c);
      continue;
    }
    if (c == '[') {
      in_class = true;
      out.push_back(c);
      if (pos + 1 < pattern.size() && pattern[pos + 1] == '^') out.push_back(pattern[++pos]);
      if (pos + 1 < pattern.size() && pattern[pos + 1] == ']') out.push_back(pattern[++pos]);
      continue;
    }
    if (!rewrite(pattern, &pos, &out)) out.push_back(c);
  }
  return out;
}

// Bounded repetitions {m,n} with n at least this are relaxed (see
// RelaxRepetitions); smaller ones (" {0,2}") cost the DFA little.
constexpr size_t kMinRelaxedBound = 20;

// Capture groups a relaxed twin may have: the rule's own (at most
// kMaxGroupRef are ever read, but a rule may have more) and one per relaxed
// repetition. Twins with more do not stand in for their rule.
constexpr int kMaxRelaxedGroups = 31;
using RelaxedGroups = std::array<re2::StringPiece, kMaxRelaxedGroups + 1>;

// A relaxed repetition's group in the twin and the bound it had in the rule.
struct RelaxedBound {
  std::string group_name;
  size_t max_repeats = 0;
};

// A pattern with its large bounded repetitions relaxed (RelaxRepetitions()).
struct RelaxedPattern {
  std::string pattern;  // equal to the original when nothing was relaxed
  // One per relaxed repetition, in pattern order, when each is wrapped in a
  // named group of its own (see `checkable`); empty otherwise.
  std::vector<RelaxedBound> bounds;
  // Whether a match of the twin in which every bound group is no longer
  // than its bound is exactly the rule's own match, groups included.
  bool checkable = false;
  // On ASCII text of at most this many bytes the twin matches exactly where
  // the rule does, with the same groups: each relaxed repetition repeats one
  // character, so it cannot repeat more times than the text has bytes. The
  // smallest relaxed bound; 0 when a relaxed repetition repeats something
  // else (a group, whose iterations may be empty) or lies inside a group
  // that repeats, when the pattern has a construct RelaxRepetitions() does
  // not follow, or when nothing was relaxed.
  size_t exact_up_to_bytes = 0;
};

// A counted repetition at text[pos]: "{m}", "{m,}" or "{m,n}" (RE2 reads
// any other brace as a character).
struct CountedRepetition {
  std::string_view min_text;  // "m"
  // The most repeats: m for "{m}", n for "{m,n}"; SIZE_MAX for "{m,}", and
  // for a number too large for size_t (out of reach all the same).
  size_t max = SIZE_MAX;
  bool bounded_range = false;  // "{m,n}"
  size_t end = 0;              // where its '}' is
};
std::optional<CountedRepetition> ParseCountedRepetition(std::string_view text, size_t pos) {
  if (text[pos] != '{') return std::nullopt;
  const auto skip_digits = [&](size_t at) {
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) ++at;
    return at;
  };
  const size_t min_end = skip_digits(pos + 1);
  if (min_end == pos + 1 || min_end >= text.size()) return std::nullopt;
  CountedRepetition counted;
  counted.min_text = text.substr(pos + 1, min_end - pos - 1);
  if (text[min_end] == '}') {
    std::from_chars(counted.min_text.data(), counted.min_text.data() + counted.min_text.size(),
                    counted.max);
    counted.end = min_end;
    return counted;
  }
  if (text[min_end] != ',') return std::nullopt;
  const size_t max_end = skip_digits(min_end + 1);
  if (max_end >= text.size() || text[max_end] != '}') return std::nullopt;
  if (max_end > min_end + 1) {
    std::from_chars(text.data() + min_end + 1, text.data() + max_end, counted.max);
    counted.bounded_range = true;
  }
  counted.end = max_end;
  return counted;
}

// `pattern` with each bounded repetition {m,n}, n >= kMinRelaxedBound,
// written {m,}, and nothing else changed. Braces inside classes, escaped ones
// and ones that are not repetitions stay as they are.
std::string WidenLargeBounds(std::string_view pattern) {
  return RewriteOutsideClasses(pattern, [&](std::string_view text, size_t* pos, std::string* out) {
    const std::optional<CountedRepetition> counted = ParseCountedRepetition(text, *pos);
    if (!counted.has_value() || !counted->bounded_range || counted->max < kMinRelaxedBound) {
      return false;
    }
    out->append(fmt::format("{{{},}}", counted->min_text));
    *pos = counted->end;
    return true;
  });
}

// How RelaxRepetitions() reads the escape `\escaped`: one character (a
// class such as \d or \S, a control character such as \t, an escaped
// punctuation character), an assertion (\b \B \A \z: nothing after it
// belongs to it), or neither: escapes that go on past their letter (octal
// \101, hex \x41, \pL and \p{Greek}, \Q...\E), which it does not follow.
enum class EscapeKind { kOneCharacter, kAssertion, kNotFollowed };
EscapeKind KindOfEscape(char escaped) {
  if (std::string_view("dDwWsSfnrtv").find(escaped) != std::string_view::npos ||
      std::ispunct(static_cast<unsigned char>(escaped)) != 0) {
    return EscapeKind::kOneCharacter;
  }
  if (std::string_view("bBAz").find(escaped) != std::string_view::npos) {
    return EscapeKind::kAssertion;
  }
  return EscapeKind::kNotFollowed;
}

// Makes `relaxed` the twin that is only a pre-check: `pattern` with its large
// bounds widened and no bound groups (exact_up_to_bytes is kept).
void KeepWidenedOnly(std::string_view pattern, RelaxedPattern* relaxed) {
  relaxed->pattern = WidenLargeBounds(pattern);
  relaxed->bounds.clear();
  relaxed->checkable = false;
}

// `pattern` with each bounded repetition {m,n}, n >= kMinRelaxedBound,
// written {m,}: a pattern that matches every string the original matches
// (and more), and whose DFA stays small. Braces inside classes, escaped ones
// and ones that are not repetitions stay as they are.
//
// Each relaxed repetition of one character (a literal, a class, '.' or a
// one-character escape) is also wrapped in a named group, `(?P<bN>x{m,})`,
// so that a match of the twin tells how often it repeated: one byte per
// repeat on ASCII text in Latin-1. The twin then stands in for the rule:
// when its match repeats each relaxed repetition at most n times, that
// match is the rule's, groups included. (RE2 picks the match a backtracking
// engine would find first. Relaxing a bound only adds choices, which the
// backtracker tries in the same order among the old ones; the first match
// of the twin, being within every bound, is a path of the rule, and no path
// of the rule comes before it, for that path would be a match of the twin
// that comes before its first.) The check is impossible, and `checkable`
// false, when a relaxed repetition repeats a group (its iterations may be
// empty or long) or lies inside a group that repeats (the group captures
// only its last iteration; and there RE2 is not quite a backtracker: a loop
// whose body can match empty takes other paths in the two programs, even
// on text too short to reach a bound, so `exact_up_to_bytes` is 0 too), and
// when the pattern has an escape this reading does not follow.
RelaxedPattern RelaxRepetitions(std::string_view pattern) {
  RelaxedPattern relaxed;
  std::string& out = relaxed.pattern;
  size_t smallest_bound = SIZE_MAX;
  bool repeats_one_character = true;  // every relaxed repetition
  out.reserve(pattern.size() + 16);
  bool checkable = true;
  bool followed = true;  // every construct was read as RE2 reads it
  bool bound_in_repeated_group = false;
  // What the last element copied was, for a repetition that follows it.
  enum class Atom { kNone, kOneCharacter, kGroup, kOther };
  Atom atom = Atom::kNone;
  size_t atom_start = 0;          // where it begins in `out`
  bool atom_holds_bound = false;  // a group holding a relaxed repetition
  struct OpenGroup {
    size_t out_pos;
    bool holds_bound;
  };
  std::vector<OpenGroup> open_groups;

  for (size_t pos = 0; pos < pattern.size(); ++pos) {
    const char c = pattern[pos];
    if (c == '\\') {  // an escape: copy it and what it escapes
      atom_start = out.size();
      out.push_back(c);
      if (pos + 1 < pattern.size()) out.push_back(pattern[++pos]);
      switch (KindOfEscape(out.back())) {
        case EscapeKind::kOneCharacter:
          atom = Atom::kOneCharacter;
          break;
        case EscapeKind::kAssertion:
          atom = Atom::kOther;
          break;
        case EscapeKind::kNotFollowed:
          // What follows may still belong to the escape ("\101"): nothing
          // read from here on can be trusted.
          atom = Atom::kOther;
          followed = false;
          break;
      }
      continue;
    }
    if (c == '[') {  // a class, copied to its end; "[]a]" and "[^]a]" hold a ']'
      atom_start = out.size();
      out.push_back(c);
      if (pos + 1 < pattern.size() && pattern[pos + 1] == '^') out.push_back(pattern[++pos]);
      if (pos + 1 < pattern.size() && pattern[pos + 1] == ']') out.push_back(pattern[++pos]);
      bool posix_class = false;  // "[[:alpha:]]" is not followed
      while (pos + 1 < pattern.size() && pattern[pos + 1] != ']') {
        out.push_back(pattern[++pos]);
        if (out.back() == '\\' && pos + 1 < pattern.size()) out.push_back(pattern[++pos]);
        if (out.back() == '[' && pos + 1 < pattern.size() && pattern[pos + 1] == ':') {
          posix_class = true;
        }
      }
      if (pos + 1 < pattern.size()) out.push_back(pattern[++pos]);
      atom = posix_class ? Atom::kOther : Atom::kOneCharacter;
      if (posix_class) followed = false;
      continue;
    }
    if (c == '(') {
      const size_t group_start = out.size();
      out.push_back(c);
      if (pos + 1 < pattern.size() && pattern[pos + 1] == '?') {
        // "(?:", "(?P<name>", "(?i:" open a group; "(?i)" only sets flags.
        while (pos + 1 < pattern.size()) {
          out.push_back(pattern[++pos]);
          if (out.back() == ':' || out.back() == '>' || out.back() == ')') break;
        }
        if (out.back() == ')') {
          atom = Atom::kNone;
          continue;
        }
      }
      open_groups.push_back({group_start, false});
      atom = Atom::kNone;
      continue;
    }
    if (c == ')') {
      out.push_back(c);
      if (open_groups.empty()) {  // unbalanced: RE2 rejects it anyway
        followed = false;
        atom = Atom::kOther;
        continue;
      }
      const OpenGroup group = open_groups.back();
      open_groups.pop_back();
      if (group.holds_bound && !open_groups.empty()) open_groups.back().holds_bound = true;
      atom = Atom::kGroup;
      atom_start = group.out_pos;
      atom_holds_bound = group.holds_bound;
      continue;
    }
    // A repetition operator: *, +, ? or {m}, {m,}, {m,n}.
    size_t repeats_up_to = 0;  // SIZE_MAX for no bound
    size_t op_end = pos;       // its last character
    std::string_view min_text;
    bool bounded_pair = false;
    if (c == '*' || c == '+') {
      repeats_up_to = SIZE_MAX;
    } else if (c == '?') {
      repeats_up_to = 1;
    } else if (const auto counted = ParseCountedRepetition(pattern, pos)) {
      repeats_up_to = counted->max;
      op_end = counted->end;
      min_text = counted->min_text;
      bounded_pair = counted->bounded_range;
    }
    const bool is_repetition = c == '*' || c == '+' || c == '?' || op_end > pos;
    if (!is_repetition) {  // a character standing for itself
      atom_start = out.size();
      out.push_back(c);
      atom = c == '|' ? Atom::kNone : c == '^' || c == '$' ? Atom::kOther : Atom::kOneCharacter;
      continue;
    }
    if (atom == Atom::kNone) checkable = false;  // nothing to repeat: RE2 rejects it
    if (atom == Atom::kGroup && atom_holds_bound && repeats_up_to > 1) {
      bound_in_repeated_group = true;
    }
    const bool lazy = op_end + 1 < pattern.size() && pattern[op_end + 1] == '?';
    if (bounded_pair && repeats_up_to >= kMinRelaxedBound) {
      smallest_bound = std::min(smallest_bound, repeats_up_to);
      if (atom != Atom::kOneCharacter) repeats_one_character = false;
      if (atom == Atom::kOneCharacter && relaxed.bounds.size() < kMaxRelaxedGroups) {
        RelaxedBound bound{fmt::format("b{}", relaxed.bounds.size()), repeats_up_to};
        out.insert(atom_start, fmt::format("(?P<{}>", bound.group_name));
        relaxed.bounds.push_back(std::move(bound));
        out.append(fmt::format("{{{},}}", min_text));
        if (lazy) out.push_back('?');
        out.push_back(')');
        if (!open_groups.empty()) open_groups.back().holds_bound = true;
      } else {
        checkable = false;
        out.append(fmt::format("{{{},}}", min_text));
        if (lazy) out.push_back('?');
      }
    } else {
      out.append(pattern.substr(pos, op_end + 1 - pos));
      if (lazy) out.push_back('?');
    }
    pos = lazy ? op_end + 1 : op_end;
    atom = Atom::kNone;  // RE2 takes no repetition of a repetition
  }
  if (smallest_bound != SIZE_MAX && repeats_one_character && followed && !bound_in_repeated_group) {
    relaxed.exact_up_to_bytes = smallest_bound;
  }
  relaxed.checkable = checkable && followed && !bound_in_repeated_group && !relaxed.bounds.empty();
  if (!relaxed.checkable) KeepWidenedOnly(pattern, &relaxed);
  return relaxed;
}

bool IsAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

struct Rule {
  std::unique_ptr<RE2> regex;  // UTF-8, as uap-core's regexes are written
  // The same pattern compiled for Latin-1, when the pattern is ASCII; used on
  // ASCII text only, where it matches and captures exactly as `regex` does:
  // each character is one byte in both encodings, and what differs (what
  // '.' or [^x] consume of a multi-byte character, case folding beyond
  // ASCII such as K and the Kelvin sign) needs a non-ASCII byte in the text.
  // Its programs are several times smaller (a negated class is one byte
  // range, not a UTF-8 automaton), which makes capture extraction, RE2's
  // costly step on patterns like `[^;/]{0,100}`, up to four times faster
  // (about 6% of a whole parse, over uap-core's test strings).
  std::unique_ptr<RE2> ascii_regex;
  // For ASCII text, the relaxed twin of `ascii_regex` (RelaxRepetitions()):
  // its large bounded repetitions {m,n} widened to {m,}, so it matches
  // wherever the rule does. uap-core bounds its wildcards
  // (`^.{0,100}(bot|...)`, `Version/.{1,300}(Chrome)`) to keep backtracking
  // engines safe; in RE2 those bounds unroll into that many instructions, so
  // the DFA's states count positions (nearly every new string builds new
  // ones) and extracting groups, which visits text length x instructions,
  // costs up to 100 us a match. Without the bounds the twin is small and
  // warm. Null when the pattern has no large bounded repetition.
  std::unique_ptr<RE2> ascii_relaxed;
  // On ASCII text of at most this many bytes the twin is the rule itself,
  // groups included (RelaxedPattern::exact_up_to_bytes), and runs alone.
  size_t relaxed_exact_up_to_bytes = 0;
  // For a rule that reads groups: when the twin's match shows how often each
  // relaxed repetition repeated (RelaxedPattern::checkable), the twin stands
  // in for the rule on text of any length: a match within every bound is the
  // rule's own, groups included, and only a match beyond a bound runs the
  // rule. (A rule that reads no groups asks only whether it matches: a
  // boolean DFA search, which those extra groups would make costlier.)
  // Otherwise, on longer text, the twin is a quick test that must pass
  // before the rule runs.
  bool relaxed_stands_in = false;
  // With relaxed_stands_in: the twin's group for each of the rule's groups
  // (index 0 is the whole match), the twin's group of each relaxed
  // repetition with its bound, and how many groups to ask the twin for.
  std::array<int, kMaxGroupRef + 1> relaxed_group_of{};
  std::vector<std::pair<int, size_t>> relaxed_bounds;
  int relaxed_submatch_count = 0;
  // Per field; empty means the field takes its default group (uap-core, like
  // its reference implementation, treats an empty replacement as none).
  std::array<std::string, kMaxFields> replacements;
  // Capture groups to ask RE2 for: the highest any field reads, capped at the
  // regex's own count. Asking for fewer makes matching cheaper.
  int groups_needed = 0;
  // RequiredLiterals() of the regex; once the prefilter is built, the item
  // that admits the rule as a candidate comes first, and the others are
  // checked once it is admitted (Section::requirement_begin).
  std::vector<std::vector<RequiredLiteral>> required_literals;

  // Fills `outputs` from this rule when its regex matches `text`.
  // `text_is_ascii` is IsAscii(text).
  bool Apply(std::string_view text, bool text_is_ascii, const SectionSpec& spec,
             const Outputs& outputs) const {
    const re2::StringPiece piece(text.data(), text.size());
    const RE2* matcher = text_is_ascii && ascii_regex != nullptr ? ascii_regex.get() : regex.get();
    Groups groups;
    if (text_is_ascii && ascii_relaxed != nullptr) {
      if (relaxed_stands_in) {
        RelaxedGroups relaxed_groups;
        if (!ascii_relaxed->Match(piece, 0, text.size(), RE2::UNANCHORED, relaxed_groups.data(),
                                  relaxed_submatch_count)) {
          return false;
        }
        const bool within_bounds = std::all_of(
            relaxed_bounds.begin(), relaxed_bounds.end(),
            [&](const auto& bound) { return relaxed_groups[bound.first].size() <= bound.second; });
        if (within_bounds) {
          for (int group = 1; group <= groups_needed; ++group) {
            groups[group] = relaxed_groups[relaxed_group_of[group]];
          }
          FillOutputs(groups, spec, outputs);
          return true;
        }
        // A relaxed repetition went past its bound: the rule itself decides.
      } else if (text.size() <= relaxed_exact_up_to_bytes) {
        matcher = ascii_relaxed.get();
      } else if (!RE2::PartialMatch(piece, *ascii_relaxed)) {
        return false;
      }
    }
    const int submatch_count = groups_needed == 0 ? 0 : groups_needed + 1;
    if (!matcher->Match(piece, 0, text.size(), RE2::UNANCHORED, groups.data(), submatch_count)) {
      return false;
    }
    FillOutputs(groups, spec, outputs);
    return true;
  }

 private:
  void FillOutputs(const Groups& groups, const SectionSpec& spec, const Outputs& outputs) const {
    for (int field_idx = 0; field_idx < spec.field_count; ++field_idx) {
      std::string* out = outputs[field_idx];
      out->clear();
      const std::string& replacement = replacements[field_idx];
      const int default_group = spec.fields[field_idx].default_group;
      if (!replacement.empty()) {
        AppendSubstituted(replacement, groups, groups_needed, out);
      } else if (default_group != 0 && default_group <= groups_needed) {
        AppendGroup(groups[default_group], out);
      }
      TrimAsciiWhitespace(out);
    }
  }
};

// Finds the literals every match of an RE2 pattern must contain (see
// RequiredLiterals() in the header). A recursive descent over the pattern
// that understands uap-core's vocabulary: literal characters and escaped
// punctuation, classes, `.`, Perl classes and assertions, groups (capturing,
// `(?:`, named), alternation and repetition. On anything else it gives up,
// which makes the rule a candidate for every string: slower, never wrong.
//
// Soundness: a sequence requires the conjunction of its elements'
// requirements; a maximal run of literal characters, each present exactly
// once, is required as a string (case-insensitively if one of them is a
// class like [Ss]); an element that may repeat zero times requires nothing.
// A small class ([34], [0-9], \d) in a run stands for each of its bytes, so
// the run requires one of several strings ("E[34]0" requires "E30" or
// "E40"), as long as they stay few: a run that would need more ends there.
// An alternation of branches B1 | B2 with requirements a1 AND a2 and b1 AND
// b2 requires (a1 OR b1) AND (a1 OR b2) AND (a2 OR b1) AND (a2 OR b2): the
// product, distributed; keeping only some of those clauses is weaker, so
// still sound, and the product is capped that way.
class RequiredLiteralAnalyzer {
 public:
  using Alternatives = std::vector<RequiredLiteral>;
  using Requirements = std::vector<Alternatives>;

  explicit RequiredLiteralAnalyzer(std::string_view pattern) : pattern_(pattern) {}

  // nullopt when the pattern uses a construct this analysis does not follow.
  std::optional<Requirements> Analyze() {
    Requirements requirements;
    if (!ParseAlternation(&requirements) || pos_ != pattern_.size()) return std::nullopt;
    return requirements;
  }

  // Whether `alternatives` can serve as a requirement: none is too short.
  static bool Usable(const Alternatives& alternatives) {
    return std::all_of(
        alternatives.begin(), alternatives.end(),
        [](const RequiredLiteral& literal) { return literal.text.size() >= kMinLiteralBytes; });
  }

  // Orders requirements most selective first: by the shortest alternative,
  // then by how few alternatives there are.
  static bool MoreSelective(const Alternatives& a, const Alternatives& b) {
    const size_t a_shortest = ShortestLength(a);
    const size_t b_shortest = ShortestLength(b);
    if (a_shortest != b_shortest) return a_shortest > b_shortest;
    return a.size() < b.size();
  }

 private:
  // The most clauses an alternation's distributed requirements may have.
  static constexpr size_t kMaxClauses = 16;
  // The most bytes a class may have to be expanded into a run's strings.
  static constexpr size_t kMaxClassBytes = 10;
  // The most strings one run may stand for.
  static constexpr size_t kMaxRunStrings = 64;

  static size_t ShortestLength(const Alternatives& alternatives) {
    size_t shortest = SIZE_MAX;
    for (const RequiredLiteral& literal : alternatives) {
      shortest = std::min(shortest, literal.text.size());
    }
    return shortest;
  }

  // Parses branches separated by '|' up to ')' or the end (not consumed).
  bool ParseAlternation(Requirements* out) {
    std::vector<Requirements> branches(1);
    if (!ParseSequence(&branches.back())) return false;
    while (pos_ < pattern_.size() && pattern_[pos_] == '|') {
      ++pos_;
      branches.emplace_back();
      if (!ParseSequence(&branches.back())) return false;
    }
    if (branches.size() == 1) {
      *out = std::move(branches[0]);
      return true;
    }
    // Keep each branch's usable requirements, most selective first; a branch
    // without any makes the alternation require nothing.
    size_t clause_count = 1;
    for (Requirements& branch : branches) {
      std::erase_if(branch, [](const Alternatives& alternatives) { return !Usable(alternatives); });
      if (branch.empty()) return true;  // *out stays empty
      std::stable_sort(branch.begin(), branch.end(), MoreSelective);
      clause_count *= branch.size();
      if (clause_count > kMaxClauses) clause_count = kMaxClauses + 1;  // no overflow
    }
    // Cap the product by dropping the least selective requirement of the
    // branch that has the most.
    while (clause_count > kMaxClauses) {
      auto widest = std::max_element(
          branches.begin(), branches.end(),
          [](const Requirements& a, const Requirements& b) { return a.size() < b.size(); });
      widest->pop_back();
      clause_count = 1;
      for (const Requirements& branch : branches) {
        clause_count = std::min(clause_count * branch.size(), kMaxClauses + 1);
      }
    }
    // One clause per choice of a requirement from every branch.
    std::vector<size_t> choice(branches.size(), 0);
    while (true) {
      Alternatives clause;
      for (size_t branch_idx = 0; branch_idx < branches.size(); ++branch_idx) {
        const Alternatives& chosen = branches[branch_idx][choice[branch_idx]];
        clause.insert(clause.end(), chosen.begin(), chosen.end());
      }
      out->push_back(std::move(clause));
      size_t branch_idx = 0;
      while (branch_idx < branches.size() && ++choice[branch_idx] == branches[branch_idx].size()) {
        choice[branch_idx] = 0;
        ++branch_idx;
      }
      if (branch_idx == branches.size()) break;
    }
    return true;
  }

  // Parses elements up to '|', ')' or the end (not consumed).
  bool ParseSequence(Requirements* out) {
    // Literal characters seen so far, each exactly once, adjacent: the
    // strings they may spell, all of one length.
    std::vector<std::string> run(1);
    bool run_case_insensitive = false;
    const auto end_run = [&] {
      if (!run[0].empty()) {
        Alternatives& alternatives = out->emplace_back();
        for (std::string& text : run) {
          alternatives.push_back({std::move(text), run_case_insensitive});
        }
      }
      run.assign(1, std::string());
      run_case_insensitive = false;
    };
    const auto fold = [](std::string* text) {
      for (char& c : *text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    };
    const auto extend_run = [&](const Element& element) {
      // Too many strings: the run ends before this element, which starts the
      // next one. (Decided first: ending the run also resets its case.)
      if (run.size() * element.literals.size() > kMaxRunStrings) end_run();
      if (element.case_insensitive && !run_case_insensitive) {
        // From here on the whole run compares ignoring case: weaker, still sound.
        for (std::string& text : run) fold(&text);
        run_case_insensitive = true;
      }
      std::string bytes = element.literals;
      if (run_case_insensitive) fold(&bytes);
      std::sort(bytes.begin(), bytes.end());
      bytes.erase(std::unique(bytes.begin(), bytes.end()), bytes.end());
      std::vector<std::string> extended;
      extended.reserve(run.size() * bytes.size());
      for (const std::string& text : run) {
        for (const char byte : bytes) extended.push_back(text + byte);
      }
      run = std::move(extended);
      if (run_case_insensitive) {  // folding may have made strings equal
        std::sort(run.begin(), run.end());
        run.erase(std::unique(run.begin(), run.end()), run.end());
      }
    };
    while (pos_ < pattern_.size() && pattern_[pos_] != '|' && pattern_[pos_] != ')') {
      Element element;
      if (!ParseElement(&element)) return false;
      int min_repeats = 1;
      bool quantified = false;
      if (!ParseRepetition(&min_repeats, &quantified)) return false;
      switch (element.kind) {
        case ElementKind::kLiteral:
          if (!quantified) {
            extend_run(element);
          } else if (min_repeats == 0) {  // "ab?": only "a" is sure
            end_run();
          } else {  // "ab+c": "ab" is sure, "abc" is not
            extend_run(element);
            end_run();
          }
          break;
        case ElementKind::kOther:
          end_run();
          break;
        case ElementKind::kGroup:
          end_run();
          if (min_repeats > 0) {
            out->insert(out->end(), element.group.begin(), element.group.end());
          }
          break;
      }
    }
    end_run();
    return true;
  }

  enum class ElementKind : uint8_t { kLiteral, kOther, kGroup };
  struct Element {
    ElementKind kind = ElementKind::kOther;
    // For kLiteral: the ASCII bytes the element may stand for, one for a
    // plain character, several for a small class.
    std::string literals;
    bool case_insensitive = false;  // for kLiteral: a class such as [Ss]
    Requirements group;             // for kGroup
  };

  bool ParseElement(Element* element) {
    const char c = pattern_[pos_];
    switch (c) {
      case '(':
        return ParseGroup(element);
      case '[': {
        if (ParseCasePairClass(element)) return true;
        const size_t class_start = pos_;
        element->kind = ElementKind::kOther;
        if (!SkipClass()) return false;
        if (std::optional<std::string> bytes =
                SmallClassBytes(pattern_.substr(class_start, pos_ - class_start))) {
          element->kind = ElementKind::kLiteral;
          element->literals = std::move(*bytes);
        }
        return true;
      }
      case '\\':
        return ParseEscape(element);
      case '.':
      case '^':
      case '$':
        ++pos_;
        element->kind = ElementKind::kOther;
        return true;
      case '*':
      case '+':
      case '?':
      case '{':
        return false;  // nothing to repeat, or a brace RE2 reads as a literal
      default:
        ++pos_;
        // A byte of a multi-byte character is not a character of its own: a
        // quantifier after it would apply to the whole character.
        if (static_cast<unsigned char>(c) >= 0x80) {
          element->kind = ElementKind::kOther;
        } else {
          element->kind = ElementKind::kLiteral;
          element->literals.assign(1, c);
        }
        return true;
    }
  }

  // "[Ss]" or "[sS]": one letter in either case.
  bool ParseCasePairClass(Element* element) {
    if (pattern_.size() - pos_ < 4 || pattern_[pos_ + 3] != ']') return false;
    const unsigned char first = static_cast<unsigned char>(pattern_[pos_ + 1]);
    const unsigned char second = static_cast<unsigned char>(pattern_[pos_ + 2]);
    if (first >= 0x80 || !std::isalpha(first) || first == second ||
        std::tolower(first) != std::tolower(second)) {
      return false;
    }
    pos_ += 4;
    element->kind = ElementKind::kLiteral;
    element->literals.assign(1, static_cast<char>(std::tolower(first)));
    element->case_insensitive = true;
    return true;
  }

  // The bytes a bracketed class `text` ("[34]", "[6-8]", "[0-9.]", "[\d_]")
  // matches, when it is not negated, holds only ASCII characters, ranges and
  // \d, and matches at most kMaxClassBytes bytes; nullopt otherwise.
  static std::optional<std::string> SmallClassBytes(std::string_view text) {
    if (text.size() < 3 || text[1] == '^') return std::nullopt;
    std::string bytes;
    const auto add = [&](unsigned char from, unsigned char to) {
      for (unsigned int byte = from; byte <= to; ++byte) bytes.push_back(static_cast<char>(byte));
      return bytes.size() <= kMaxClassBytes;
    };
    // The members, between the brackets; a ']' first is a member.
    const std::string_view members = text.substr(1, text.size() - 2);
    for (size_t pos = 0; pos < members.size(); ++pos) {
      unsigned char member = static_cast<unsigned char>(members[pos]);
      if (member >= 0x80 || members.substr(pos).starts_with("[:")) return std::nullopt;
      if (member == '\\') {
        if (pos + 1 >= members.size()) return std::nullopt;
        const unsigned char escaped = static_cast<unsigned char>(members[++pos]);
        if (escaped == 'd') {
          if (!add('0', '9')) return std::nullopt;
          continue;
        }
        // Only escaped punctuation stands for itself ("\-", "\.", "\/").
        if (escaped >= 0x80 || std::isalnum(escaped) || escaped == '_') return std::nullopt;
        member = escaped;
      }
      // A range "a-z"; a '-' first or last is a member.
      if (pos + 2 < members.size() && members[pos + 1] == '-') {
        const unsigned char last = static_cast<unsigned char>(members[pos + 2]);
        if (last >= 0x80 || last == '\\' || last < member) return std::nullopt;
        if (!add(member, last)) return std::nullopt;
        pos += 2;
        continue;
      }
      if (!add(member, member)) return std::nullopt;
    }
    if (bytes.empty()) return std::nullopt;
    return bytes;
  }

  bool ParseGroup(Element* element) {
    ++pos_;  // '('
    const std::string_view rest = pattern_.substr(pos_);
    if (rest.starts_with("?:")) {
      pos_ += 2;
    } else if (rest.starts_with("?P<") ||
               (rest.starts_with("?<") && !rest.starts_with("?<=") && !rest.starts_with("?<!"))) {
      const size_t close = pattern_.find('>', pos_);
      if (close == std::string_view::npos) return false;
      pos_ = close + 1;
    } else if (rest.starts_with("?")) {
      return false;  // flags such as (?i) change what the literals mean
    }
    element->kind = ElementKind::kGroup;
    if (!ParseAlternation(&element->group)) return false;
    if (pos_ >= pattern_.size() || pattern_[pos_] != ')') return false;
    ++pos_;
    return true;
  }

  // Skips a bracketed class, including "[]a]", "[^]a]" and "[[:alpha:]]".
  bool SkipClass() {
    ++pos_;  // '['
    if (pos_ < pattern_.size() && pattern_[pos_] == '^') ++pos_;
    if (pos_ < pattern_.size() && pattern_[pos_] == ']') ++pos_;
    while (pos_ < pattern_.size()) {
      const std::string_view rest = pattern_.substr(pos_);
      if (rest[0] == ']') {
        ++pos_;
        return true;
      }
      if (rest.starts_with("\\p{") || rest.starts_with("\\P{") || rest.starts_with("\\x{")) {
        const size_t close = pattern_.find('}', pos_);
        if (close == std::string_view::npos) return false;
        pos_ = close + 1;
      } else if (rest[0] == '\\') {
        pos_ += 2;
      } else if (rest.starts_with("[:")) {
        const size_t close = pattern_.find(":]", pos_ + 2);
        if (close == std::string_view::npos) return false;
        pos_ = close + 2;
      } else {
        ++pos_;
      }
    }
    return false;  // unterminated
  }

  bool ParseEscape(Element* element) {
    if (pos_ + 1 >= pattern_.size()) return false;
    const char c = pattern_[pos_ + 1];
    pos_ += 2;
    element->kind = ElementKind::kOther;
    const unsigned char byte = static_cast<unsigned char>(c);
    // RE2 reads a backslash before any ASCII character other than a letter,
    // a digit or '_' as that character: "\.", "\/", "\ ".
    if (byte < 0x80 && !std::isalnum(byte) && c != '_') {
      element->kind = ElementKind::kLiteral;
      element->literals.assign(1, c);
      return true;
    }
    switch (c) {
      case 'd':
        element->kind = ElementKind::kLiteral;
        element->literals = "0123456789";
        return true;
      case 'D':
      case 'w':
      case 'W':
      case 's':
      case 'S':
      case 'b':
      case 'B':
      case 'A':
      case 'z':
      case 'C':
      case 'n':
      case 't':
      case 'r':
      case 'f':
      case 'v':
      case 'a':
        return true;
      case 'p':
      case 'P':
      case 'x':
        if (pos_ < pattern_.size() && pattern_[pos_] == '{') {
          const size_t close = pattern_.find('}', pos_);
          if (close == std::string_view::npos) return false;
          pos_ = close + 1;
        } else {
          pos_ += c == 'x' ? 2 : 1;  // "\xHH", "\pL"
        }
        return pos_ <= pattern_.size();
      default:
        if (c >= '0' && c <= '7') {  // octal "\0", "\012"
          while (pos_ < pattern_.size() && pattern_[pos_] >= '0' && pattern_[pos_] <= '7') ++pos_;
          return true;
        }
        return false;  // \Q...\E, backreferences, anything unknown
    }
  }

  // Parses an optional quantifier ("*", "+", "?", "{n}", "{n,}", "{n,m}",
  // each maybe followed by '?'); sets `quantified` and `min_repeats` if any.
  bool ParseRepetition(int* min_repeats, bool* quantified) {
    if (pos_ >= pattern_.size()) return true;
    const char c = pattern_[pos_];
    if (c == '*' || c == '?') {
      *min_repeats = 0;
      ++pos_;
    } else if (c == '+') {
      *min_repeats = 1;
      ++pos_;
    } else if (c == '{') {
      size_t scan = pos_ + 1;
      int min = 0;
      size_t digits = 0;
      while (scan < pattern_.size() && std::isdigit(static_cast<unsigned char>(pattern_[scan]))) {
        min = std::min(min * 10 + (pattern_[scan] - '0'), 100000);
        ++scan;
        ++digits;
      }
      if (digits == 0) return false;  // "{,5}" or "{x": RE2 reads the brace as a literal
      if (scan < pattern_.size() && pattern_[scan] == ',') {
        ++scan;
        while (scan < pattern_.size() && std::isdigit(static_cast<unsigned char>(pattern_[scan]))) {
          ++scan;
        }
      }
      if (scan >= pattern_.size() || pattern_[scan] != '}') return false;
      pos_ = scan + 1;
      *min_repeats = min;
    } else {
      return true;
    }
    *quantified = true;
    if (pos_ < pattern_.size() && pattern_[pos_] == '?') ++pos_;  // non-greedy
    return true;
  }

  std::string_view pattern_;
  size_t pos_ = 0;
};

std::string IoErrorText(int error_number) { return std::strerror(error_number); }

Result<std::string> ReadRegexesFile(const std::string& path) {
  const std::string prefix = fmt::format("user agent regexes {}", path);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int open_errno = errno;
    if (open_errno == ENOENT) {
      return Status::NotFound(
          fmt::format("{}: {} (uap-core's rules; install the Debian package uap-core)", prefix,
                      IoErrorText(open_errno)));
    }
    return Status::IOError(fmt::format("{}: {}", prefix, IoErrorText(open_errno)));
  }
  struct stat info {};
  std::string bytes;
  Status status;
  if (::fstat(fd, &info) != 0) {
    status = Status::IOError(fmt::format("{}: {}", prefix, IoErrorText(errno)));
  } else if (!S_ISREG(info.st_mode)) {
    status = Status::InvalidArgument(fmt::format("{}: not a regular file", prefix));
  } else if (info.st_size > kMaxRegexesFileBytes) {
    status = Status::InvalidArgument(
        fmt::format("{}: {} bytes, too large for a regexes.yaml", prefix, info.st_size));
  } else {
    bytes.resize(static_cast<size_t>(info.st_size));
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        status = Status::IOError(fmt::format("{}: {}", prefix, IoErrorText(errno)));
        break;
      }
      if (n == 0) break;  // shrank while we read: the YAML parser judges what is left
      done += static_cast<size_t>(n);
    }
    bytes.resize(done);
  }
  ::close(fd);
  if (!status.ok()) return status;
  return bytes;
}

}  // namespace

// One section of the rules, in file order.
struct UserAgentParser::Section {
  const SectionSpec* spec = nullptr;
  std::vector<Rule> rules;
  // The requirements each admitted rule is checked against (all but the
  // first, which admitted it), as literal ids of the prefilter. Flat, since
  // a parse reads those of every candidate: rule r's requirements are
  // requirement_begin[r] up to requirement_begin[r + 1], and requirement q
  // is met by any of requirement_literals[literal_begin[q]] up to
  // literal_begin[q + 1]. Empty without a prefilter.
  std::vector<uint32_t> requirement_begin;
  std::vector<uint32_t> literal_begin;
  std::vector<uint32_t> requirement_literals;
  // Bit i set when rule i has no required literal: a candidate for every
  // string. One bit per rule, in 64-bit words.
  std::vector<uint64_t> unfiltered_rules;

  // Fills `outputs` from the first rule, in file order, whose regex matches
  // `text` and returns true; false (outputs untouched) when none does.
  // `text_is_ascii` is IsAscii(text).
  bool MatchFullScan(std::string_view text, bool text_is_ascii, const Outputs& outputs) const {
    for (const Rule& rule : rules) {
      if (rule.Apply(text, text_is_ascii, *spec, outputs)) return true;
    }
    return false;
  }

  // As MatchFullScan, but only over the rules whose bit is set in
  // `candidates` (one bit per rule), each checked first against the rest of
  // its required literals (`found_bits` has bit i set when literal i occurs
  // in `text`). Equal to MatchFullScan when every rule that matches `text` is
  // a candidate. Clears `candidates`.
  bool MatchCandidates(std::string_view text, bool text_is_ascii, std::span<uint64_t> candidates,
                       const std::vector<uint64_t>& found_bits, const Outputs& outputs) const {
    bool matched = false;
    for (size_t word_idx = 0; word_idx < candidates.size(); ++word_idx) {
      uint64_t word = std::exchange(candidates[word_idx], 0);
      while (word != 0 && !matched) {
        const size_t rule_idx = word_idx * 64 + static_cast<size_t>(std::countr_zero(word));
        word &= word - 1;
        const Rule& rule = rules[rule_idx];
        matched = MeetsRequiredLiterals(rule_idx, found_bits) &&
                  rule.Apply(text, text_is_ascii, *spec, outputs);
      }
    }
    return matched;
  }

 private:
  bool MeetsRequiredLiterals(size_t rule_idx, const std::vector<uint64_t>& found_bits) const {
    for (uint32_t requirement = requirement_begin[rule_idx];
         requirement < requirement_begin[rule_idx + 1]; ++requirement) {
      bool met = false;
      for (uint32_t idx = literal_begin[requirement]; idx < literal_begin[requirement + 1]; ++idx) {
        const uint32_t literal_id = requirement_literals[idx];
        if ((found_bits[literal_id / 64] >> (literal_id % 64)) & 1) {
          met = true;
          break;
        }
      }
      if (!met) return false;
    }
    return true;
  }
};

// The required literals of every rule of every section, findable two ways
// (literal id = set index = scanner id): an Aho-Corasick automaton for ASCII
// text, and an RE2::Set for the rest. Both answer alike on ASCII text; on
// other text only RE2 compares as the rules do (its case folding is Unicode's:
// (?i)k also matches the Kelvin sign).
struct UserAgentParser::Prefilter {
  struct Admission {
    uint32_t section_idx;
    uint32_t rule_idx;
  };
  // Both null when no rule has a required literal.
  std::unique_ptr<LiteralScanner> scanner;
  std::unique_ptr<RE2::Set> set;
  size_t literal_count = 0;
  // Per literal id: the rules whose first requirement it meets, flat (a
  // parse reads those of every literal found): literal i admits
  // admissions[admission_begin[i]] up to admission_begin[i + 1].
  std::vector<uint32_t> admission_begin;
  std::vector<Admission> admissions;
  mutable std::atomic<uint64_t> fallbacks{0};
};

namespace {

// Per-thread buffers for one parse, kept between parses to save allocations.
struct ParseScratch {
  std::vector<int> found_literals;
  std::vector<uint64_t> found_bits;  // all zero between parses
  // Per section, one bit per rule; all zero between parses.
  std::array<std::vector<uint64_t>, kSectionCount> candidates;
};

ParseScratch& ThreadScratch() {
  thread_local ParseScratch scratch;
  return scratch;
}

// Gives `rule` the relaxed twin of its ASCII regex `pattern` (compiled with
// `latin1_options`), when the pattern has a large bounded repetition; the twin
// stands in for the rule when its bound groups are found where expected.
void AddRelaxedTwin(const std::string& pattern, const RE2::Options& latin1_options, Rule* rule) {
  // Between \Q and \E braces are text, which RelaxRepetitions() does not
  // follow: no twin (uap-core uses no \Q).
  if (pattern.find("\\Q") != std::string::npos) return;
  RelaxedPattern relaxed = RelaxRepetitions(pattern);
  const std::map<std::string, int>& rule_names = rule->ascii_regex->NamedCapturingGroups();
  const bool names_collide =
      std::any_of(relaxed.bounds.begin(), relaxed.bounds.end(),
                  [&](const RelaxedBound& bound) { return rule_names.contains(bound.group_name); });
  if ((rule->groups_needed == 0 || names_collide) && relaxed.checkable) {
    // Only whether the rule matches is asked, or the rule has a group named
    // like a bound group (RE2 accepts the same name twice, and the twin's
    // groups could not be told apart): the twin needs no bound groups.
    KeepWidenedOnly(pattern, &relaxed);
  }
  if (relaxed.pattern == pattern) return;
  auto twin = std::make_unique<RE2>(relaxed.pattern, latin1_options);
  if (!twin->ok()) return;  // the exact regex suffices
  const int rule_groups = rule->ascii_regex->NumberOfCapturingGroups();
  const int twin_groups = twin->NumberOfCapturingGroups();
  rule->relaxed_exact_up_to_bytes = twin_groups == rule_groups ? relaxed.exact_up_to_bytes : 0;
  if (relaxed.checkable && twin_groups <= kMaxRelaxedGroups &&
      twin_groups == rule_groups + static_cast<int>(relaxed.bounds.size())) {
    const std::map<std::string, int>& named = twin->NamedCapturingGroups();
    std::vector<bool> is_bound_group(twin_groups + 1, false);
    bool found_all = true;
    for (const RelaxedBound& bound : relaxed.bounds) {
      const auto it = named.find(bound.group_name);
      if (it == named.end()) {
        found_all = false;
        break;
      }
      is_bound_group[it->second] = true;
      rule->relaxed_bounds.emplace_back(it->second, bound.max_repeats);
      rule->relaxed_submatch_count = std::max(rule->relaxed_submatch_count, it->second + 1);
    }
    // The rule's groups are the twin's others, in order.
    int rule_group = 0;
    for (int twin_group = 1; found_all && twin_group <= twin_groups; ++twin_group) {
      if (is_bound_group[twin_group]) continue;
      if (++rule_group > rule->groups_needed) break;
      rule->relaxed_group_of[rule_group] = twin_group;
      rule->relaxed_submatch_count = std::max(rule->relaxed_submatch_count, twin_group + 1);
    }
    rule->relaxed_stands_in = found_all;
    if (!found_all) {
      rule->relaxed_bounds.clear();
      rule->relaxed_submatch_count = 0;
    }
  }
  rule->ascii_relaxed = std::move(twin);
}

// Reads one rule; `rule_name` is "<source>: <section>[<index>] (line <n>)".
Result<Rule> LoadRule(const YAML::Node& node, const SectionSpec& spec, const std::string& rule_name,
                      const UserAgentParser::Options& options) {
  if (!node.IsMap()) return Status::InvalidArgument(fmt::format("{}: not a map", rule_name));
  std::optional<std::string> pattern;
  bool case_insensitive = false;
  Rule rule;
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) {
      return Status::InvalidArgument(fmt::format("{}: a key is not a string", rule_name));
    }
    const std::string key = entry.first.as<std::string>();
    if (entry.second.IsNull()) continue;  // `v1_replacement:` with no value: as if absent
    if (!entry.second.IsScalar()) {
      return Status::InvalidArgument(fmt::format("{}: {} is not a string", rule_name, key));
    }
    std::string value = entry.second.as<std::string>();
    if (key == "regex") {
      pattern = std::move(value);
      continue;
    }
    if (key == "regex_flag") {
      if (value != "i") {
        return Status::InvalidArgument(
            fmt::format("{}: regex_flag {:?} is not supported (only 'i')", rule_name, value));
      }
      case_insensitive = true;
      continue;
    }
    for (int field_idx = 0; field_idx < spec.field_count; ++field_idx) {
      if (key == spec.fields[field_idx].replacement_key) {
        rule.replacements[field_idx] = std::move(value);
        break;
      }
    }
    // Other keys are ignored, so that newer uap-core files still load.
  }
  if (!pattern.has_value()) {
    return Status::InvalidArgument(fmt::format("{}: no regex", rule_name));
  }

  RE2::Options re2_options;
  re2_options.set_log_errors(false);
  re2_options.set_case_sensitive(!case_insensitive);
  re2_options.set_max_mem(options.rule_max_mem_bytes);
  const std::string translated = TranslateToRe2Syntax(*pattern);
  rule.regex = std::make_unique<RE2>(translated, re2_options);
  if (!rule.regex->ok()) {
    return Status::InvalidArgument(fmt::format("{}: regex {:?} does not compile with RE2: {}",
                                               rule_name, *pattern, rule.regex->error()));
  }
  if (options.use_ascii_fast_path && IsAscii(translated)) {
    RE2::Options latin1_options = re2_options;
    latin1_options.set_encoding(RE2::Options::EncodingLatin1);
    rule.ascii_regex = std::make_unique<RE2>(translated, latin1_options);
    // A pattern valid in UTF-8 is valid in Latin-1; if RE2 ever disagrees,
    // the UTF-8 regex alone is still right.
    if (!rule.ascii_regex->ok()) rule.ascii_regex.reset();
  }

  int highest_group_read = 0;
  for (int field_idx = 0; field_idx < spec.field_count; ++field_idx) {
    const std::string& replacement = rule.replacements[field_idx];
    highest_group_read =
        std::max(highest_group_read, replacement.empty() ? spec.fields[field_idx].default_group
                                                         : HighestGroupRef(replacement));
  }
  rule.groups_needed = std::min(highest_group_read, rule.regex->NumberOfCapturingGroups());
  if (rule.ascii_regex != nullptr) AddRelaxedTwin(translated, rule.ascii_regex->options(), &rule);
  rule.required_literals = RequiredLiterals(translated);
  return rule;
}

Result<std::unique_ptr<UserAgentParser::Section>> LoadSection(
    const YAML::Node& root, const SectionSpec& spec, std::string_view source_name,
    const UserAgentParser::Options& options) {
  const YAML::Node list = root[std::string(spec.key)];
  if (!list.IsDefined() || list.IsNull()) {
    return Status::InvalidArgument(fmt::format("{}: no {}", source_name, spec.key));
  }
  if (!list.IsSequence()) {
    return Status::InvalidArgument(
        fmt::format("{}: line {}: {} is not a list", source_name, list.Mark().line + 1, spec.key));
  }
  auto section = std::make_unique<UserAgentParser::Section>();
  section->spec = &spec;
  section->rules.reserve(list.size());
  for (size_t rule_idx = 0; rule_idx < list.size(); ++rule_idx) {
    const YAML::Node node = list[rule_idx];
    const std::string rule_name =
        fmt::format("{}: {}[{}] (line {})", source_name, spec.key, rule_idx, node.Mark().line + 1);
    AL_ASSIGN_OR_RETURN(Rule rule, LoadRule(node, spec, rule_name, options));
    section->rules.push_back(std::move(rule));
  }
  section->unfiltered_rules.assign((section->rules.size() + 63) / 64, 0);
  for (size_t rule_idx = 0; rule_idx < section->rules.size(); ++rule_idx) {
    if (section->rules[rule_idx].required_literals.empty()) {
      section->unfiltered_rules[rule_idx / 64] |= uint64_t{1} << (rule_idx % 64);
    }
  }
  return section;
}

// Builds the prefilter over the sections' rules, and gives each rule its
// required literals as ids, with the requirement that admits it first.
//
// The admitting requirement is the one whose literals the fewest rules
// share: a literal in many rules (" Build", "Android") is likely common in
// user agents too, and each occurrence would admit all those rules, only for
// most to fail their other requirements.
Result<std::unique_ptr<UserAgentParser::Prefilter>> BuildPrefilter(
    const std::array<UserAgentParser::Section*, kSectionCount>& sections,
    std::string_view source_name, const UserAgentParser::Options& options) {
  using LiteralKey = std::pair<bool, std::string>;  // (case-insensitive, text)
  const auto key_of = [](const Rule& rule, const RequiredLiteral& literal) {
    const bool rule_case_insensitive = !rule.regex->options().case_sensitive();
    return LiteralKey(rule_case_insensitive || literal.case_insensitive, literal.text);
  };
  std::map<LiteralKey, size_t> rules_with_literal;
  for (const UserAgentParser::Section* section : sections) {
    for (const Rule& rule : section->rules) {
      std::set<LiteralKey> keys;
      for (const auto& alternatives : rule.required_literals) {
        for (const RequiredLiteral& literal : alternatives) keys.insert(key_of(rule, literal));
      }
      for (const LiteralKey& key : keys) ++rules_with_literal[key];
    }
  }

  auto prefilter = std::make_unique<UserAgentParser::Prefilter>();
  // Case-sensitive literals are compared as bytes; the others with RE2's own
  // case folding, as their rules are.
  std::map<LiteralKey, uint32_t> literal_ids;
  std::vector<LiteralScanner::Literal> literals;                           // by id
  std::vector<std::vector<UserAgentParser::Prefilter::Admission>> admits;  // by literal id
  for (uint32_t section_idx = 0; section_idx < kSectionCount; ++section_idx) {
    UserAgentParser::Section& section = *sections[section_idx];
    std::vector<Rule>& rules = section.rules;
    section.requirement_begin.assign(1, 0);
    section.literal_begin.assign(1, 0);
    section.requirement_literals.clear();
    for (uint32_t rule_idx = 0; rule_idx < rules.size(); ++rule_idx) {
      Rule& rule = rules[rule_idx];
      if (rule.required_literals.empty()) {
        section.requirement_begin.push_back(section.requirement_begin.back());
        continue;
      }
      const auto sharing = [&](const std::vector<RequiredLiteral>& alternatives) {
        size_t total = 0;
        for (const RequiredLiteral& literal : alternatives) {
          total += rules_with_literal[key_of(rule, literal)];
        }
        return total;
      };
      std::stable_sort(rule.required_literals.begin(), rule.required_literals.end(),
                       [&](const auto& a, const auto& b) {
                         const size_t a_sharing = sharing(a);
                         const size_t b_sharing = sharing(b);
                         if (a_sharing != b_sharing) return a_sharing < b_sharing;
                         return RequiredLiteralAnalyzer::MoreSelective(a, b);
                       });
      for (size_t requirement_idx = 0; requirement_idx < rule.required_literals.size();
           ++requirement_idx) {
        for (const RequiredLiteral& literal : rule.required_literals[requirement_idx]) {
          const LiteralKey key = key_of(rule, literal);
          const auto [entry, added] =
              literal_ids.try_emplace(key, static_cast<uint32_t>(literals.size()));
          if (added) {
            literals.push_back({key.second, key.first});
            admits.emplace_back();
          }
          if (requirement_idx == 0) {
            admits[entry->second].push_back({section_idx, rule_idx});
          } else {
            section.requirement_literals.push_back(entry->second);
          }
        }
        if (requirement_idx > 0) {
          section.literal_begin.push_back(
              static_cast<uint32_t>(section.requirement_literals.size()));
        }
      }
      section.requirement_begin.push_back(static_cast<uint32_t>(section.literal_begin.size() - 1));
    }
  }
  prefilter->literal_count = literals.size();
  prefilter->admission_begin.push_back(0);
  for (const auto& admitted : admits) {
    prefilter->admissions.insert(prefilter->admissions.end(), admitted.begin(), admitted.end());
    prefilter->admission_begin.push_back(static_cast<uint32_t>(prefilter->admissions.size()));
  }
  if (literals.empty()) return prefilter;
  prefilter->scanner = std::make_unique<LiteralScanner>(literals);

  RE2::Options set_options;
  set_options.set_log_errors(false);
  set_options.set_max_mem(options.prefilter_max_mem_bytes);
  prefilter->set = std::make_unique<RE2::Set>(set_options, RE2::UNANCHORED);
  for (size_t literal_id = 0; literal_id < literals.size(); ++literal_id) {
    const LiteralScanner::Literal& literal = literals[literal_id];
    const std::string pattern =
        (literal.case_insensitive ? "(?i)" : "") + RE2::QuoteMeta(literal.text);
    std::string error;
    if (prefilter->set->Add(pattern, &error) != static_cast<int>(literal_id)) {
      return Status::Internal(fmt::format("{}: prefilter: RE2::Set rejects literal {:?}: {}",
                                          source_name, pattern, error));
    }
  }
  if (!prefilter->set->Compile()) {
    return Status::InvalidArgument(fmt::format(
        "{}: the prefilter's RE2::Set of {} literals does not fit in prefilter_max_mem_bytes = {}",
        source_name, literals.size(), options.prefilter_max_mem_bytes));
  }
  return prefilter;
}

}  // namespace

UserAgentParser::UserAgentParser(std::unique_ptr<Section> ua, std::unique_ptr<Section> os,
                                 std::unique_ptr<Section> device,
                                 std::unique_ptr<Prefilter> prefilter, const Options& options)
    : ua_(std::move(ua)),
      os_(std::move(os)),
      device_(std::move(device)),
      prefilter_(std::move(prefilter)),
      cache_(options.cache_entries == 0 ? nullptr
                                        : std::make_unique<ShardedLruCache<ParsedUserAgent>>(
                                              options.cache_entries, options.cache_shards)),
      cache_max_user_agent_bytes_(options.cache_max_user_agent_bytes) {}

UserAgentParser::~UserAgentParser() = default;

Result<std::unique_ptr<UserAgentParser>> UserAgentParser::LoadFile(
    const std::string& regexes_yaml_path, const Options& options) {
  AL_ASSIGN_OR_RETURN(const std::string text, ReadRegexesFile(regexes_yaml_path));
  return FromYamlNamed(text, fmt::format("user agent regexes {}", regexes_yaml_path), options);
}

Result<std::unique_ptr<UserAgentParser>> UserAgentParser::FromYaml(std::string_view yaml_text,
                                                                   const Options& options) {
  return FromYamlNamed(yaml_text, "user agent regexes", options);
}

Result<std::unique_ptr<UserAgentParser>> UserAgentParser::FromYamlNamed(
    std::string_view yaml_text, std::string_view source_name, const Options& options) {
  // yaml-cpp reports errors by throwing; they stop here (STYLE.md §3). The
  // checks in LoadSection/LoadRule keep conversions from throwing, so the
  // catch is a net for yaml-cpp's own surprises.
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    if (!root.IsMap()) {
      return Status::InvalidArgument(fmt::format(
          "{}: expected a map of user_agent_parsers, os_parsers and device_parsers", source_name));
    }
    AL_ASSIGN_OR_RETURN(auto ua, LoadSection(root, kUserAgentSpec, source_name, options));
    AL_ASSIGN_OR_RETURN(auto os, LoadSection(root, kOsSpec, source_name, options));
    AL_ASSIGN_OR_RETURN(auto device, LoadSection(root, kDeviceSpec, source_name, options));
    std::unique_ptr<Prefilter> prefilter;
    if (options.use_literal_prefilter) {
      AL_ASSIGN_OR_RETURN(prefilter,
                          BuildPrefilter({ua.get(), os.get(), device.get()}, source_name, options));
    }
    return std::unique_ptr<UserAgentParser>(new UserAgentParser(
        std::move(ua), std::move(os), std::move(device), std::move(prefilter), options));
  } catch (const YAML::Exception& error) {
    if (error.mark.is_null()) {
      return Status::InvalidArgument(fmt::format("{}: {}", source_name, error.msg));
    }
    return Status::InvalidArgument(
        fmt::format("{}: line {}: {}", source_name, error.mark.line + 1, error.msg));
  }
}

ParsedUserAgent UserAgentParser::Parse(std::string_view user_agent) const {
  ParsedUserAgent parsed;
  Parse(user_agent, &parsed);
  return parsed;
}

ParsedUserAgent UserAgentParser::ParseUncached(std::string_view user_agent) const {
  ParsedUserAgent parsed;
  ParseUncached(user_agent, &parsed);
  return parsed;
}

void UserAgentParser::Parse(std::string_view user_agent, ParsedUserAgent* out) const {
  if (cache_ == nullptr || user_agent.size() > cache_max_user_agent_bytes_) {
    ParseUncached(user_agent, out);
    return;
  }
  const size_t hash = std::hash<std::string_view>{}(user_agent);
  if (cache_->Lookup(user_agent, hash, out)) return;
  ParseUncached(user_agent, out);
  cache_->Insert(user_agent, hash, *out);
}

void UserAgentParser::ParseUncached(std::string_view user_agent, ParsedUserAgent* out) const {
  ParsedSoftware& ua = out->ua;
  ParsedSoftware& os = out->os;
  ParsedDevice& device = out->device;
  const std::array<const Section*, kSectionCount> sections = {ua_.get(), os_.get(), device_.get()};
  const std::array<Outputs, kSectionCount> outputs = {
      Outputs{&ua.family, &ua.major, &ua.minor, &ua.patch, &ua.patch_minor},
      Outputs{&os.family, &os.major, &os.minor, &os.patch, &os.patch_minor},
      Outputs{&device.family, &device.brand, &device.model}};
  // A section with no match leaves its outputs as they are: start empty.
  for (const Outputs& section_outputs : outputs) {
    for (std::string* field : section_outputs) {
      if (field != nullptr) field->clear();
    }
  }

  const bool text_is_ascii = IsAscii(user_agent);
  bool prefiltered = false;
  if (prefilter_ != nullptr) {
    ParseScratch& scratch = ThreadScratch();
    scratch.found_literals.clear();
    scratch.found_bits.resize(
        std::max(scratch.found_bits.size(), (prefilter_->literal_count + 63) / 64));
    // Scanner and set are both null when no rule requires a literal.
    bool set_ok = true;
    if (text_is_ascii && prefilter_->scanner != nullptr) {
      prefilter_->scanner->FindAll(user_agent, &scratch.found_literals, scratch.found_bits);
    } else if (prefilter_->set != nullptr) {
      RE2::Set::ErrorInfo error{RE2::Set::kNoError};
      set_ok = prefilter_->set->Match(re2::StringPiece(user_agent.data(), user_agent.size()),
                                      &scratch.found_literals, &error) ||
               error.kind == RE2::Set::kNoError;  // false with no error: no literal occurs
    }
    if (set_ok) {
      for (int section_idx = 0; section_idx < kSectionCount; ++section_idx) {
        const std::vector<uint64_t>& unfiltered = sections[section_idx]->unfiltered_rules;
        std::vector<uint64_t>& candidates = scratch.candidates[section_idx];
        if (candidates.size() < unfiltered.size()) candidates.resize(unfiltered.size());
        std::copy(unfiltered.begin(), unfiltered.end(), candidates.begin());
      }
      for (const int literal_id : scratch.found_literals) {
        scratch.found_bits[literal_id / 64] |= uint64_t{1} << (literal_id % 64);
        for (uint32_t idx = prefilter_->admission_begin[literal_id];
             idx < prefilter_->admission_begin[literal_id + 1]; ++idx) {
          const Prefilter::Admission admission = prefilter_->admissions[idx];
          scratch.candidates[admission.section_idx][admission.rule_idx / 64] |=
              uint64_t{1} << (admission.rule_idx % 64);
        }
      }
      for (int section_idx = 0; section_idx < kSectionCount; ++section_idx) {
        const size_t word_count = sections[section_idx]->unfiltered_rules.size();
        sections[section_idx]->MatchCandidates(
            user_agent, text_is_ascii,
            std::span<uint64_t>(scratch.candidates[section_idx].data(), word_count),
            scratch.found_bits, outputs[section_idx]);
      }
      for (const int literal_id : scratch.found_literals) scratch.found_bits[literal_id / 64] = 0;
      prefiltered = true;
    } else {
      prefilter_->fallbacks.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (!prefiltered) {
    for (int section_idx = 0; section_idx < kSectionCount; ++section_idx) {
      sections[section_idx]->MatchFullScan(user_agent, text_is_ascii, outputs[section_idx]);
    }
  }
  // No match, or a match whose family came out empty: uap-core says "Other".
  for (std::string* family : {&ua.family, &os.family, &device.family}) {
    if (family->empty()) family->assign(kOtherFamily);
  }
}

size_t UserAgentParser::rule_count() const {
  return ua_->rules.size() + os_->rules.size() + device_->rules.size();
}

UserAgentParser::Stats UserAgentParser::stats() const {
  Stats stats;
  if (cache_ != nullptr) {
    const auto cache = cache_->stats();
    stats.cache_hits = cache.hits;
    stats.cache_misses = cache.misses;
    stats.cache_entries = cache.entries;
  }
  if (prefilter_ != nullptr) {
    stats.prefilter_fallbacks = prefilter_->fallbacks.load(std::memory_order_relaxed);
  }
  return stats;
}

std::vector<std::vector<RequiredLiteral>> RequiredLiterals(std::string_view pattern) {
  using Analyzer = RequiredLiteralAnalyzer;
  std::optional<Analyzer::Requirements> requirements = Analyzer(pattern).Analyze();
  if (!requirements.has_value()) return {};
  Analyzer::Requirements kept;
  for (Analyzer::Alternatives& alternatives : *requirements) {
    if (!Analyzer::Usable(alternatives)) continue;
    std::sort(alternatives.begin(), alternatives.end());
    alternatives.erase(std::unique(alternatives.begin(), alternatives.end()), alternatives.end());
    if (std::find(kept.begin(), kept.end(), alternatives) == kept.end()) {
      kept.push_back(std::move(alternatives));
    }
  }
  return kept;
}

std::string TranslateToRe2Syntax(std::string_view pattern) {
  return RewriteOutsideClasses(pattern, [](std::string_view text, size_t* pos, std::string* out) {
    const std::string_view rest = text.substr(*pos);
    const bool named_group =
        rest.starts_with("(?<") && !rest.starts_with("(?<=") && !rest.starts_with("(?<!");
    if (!named_group) return false;
    out->append("(?P<");
    *pos += 2;  // the '<'
    return true;
  });
}

event::UserAgentInfo ToUserAgentInfo(const ParsedUserAgent& parsed, std::string_view user_agent) {
  event::UserAgentInfo info;
  if (user_agent.empty()) return info;
  info.name = parsed.ua.family;
  info.major = parsed.ua.major;
  info.minor = parsed.ua.minor;
  info.patch = parsed.ua.patch;
  info.os = parsed.os.family;
  info.os_major = parsed.os.major;
  info.os_minor = parsed.os.minor;
  info.device = parsed.device.family;
  info.is_mobile = user_agent.find("Mobi") != std::string_view::npos;
  return info;
}

}  // namespace auditlog::enrich
