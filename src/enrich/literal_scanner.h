#pragma once

// LiteralScanner finds which of a fixed set of ASCII literals occur in a
// text, in one pass over it: an Aho-Corasick automaton whose transitions are
// one table lookup per byte. The user agent parser's prefilter runs it over
// every ASCII user agent to learn which rules can match (issue #6).
//
// Each literal compares either exactly (byte for byte) or ignoring ASCII
// case. The automaton runs over the text with ASCII letters folded to lower
// case, so both kinds share one pass; a case-sensitive literal found that way
// is confirmed against the text's own bytes before it is reported.
//
// An RE2::Set of the same literals answers the same question, but its DFA
// must track every literal that may still complete at each position and
// build those states lazily, under a lock, in a cache that a broad mix of
// strings keeps growing; this table is built once and is several times
// faster per byte.
//
// Thread-safety: immutable once built; FindAll() may be called from any
// number of threads at once.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace auditlog::enrich {

class LiteralScanner {
 public:
  // One literal to look for; its id is its index in the list given to the
  // constructor. Intentionally copyable.
  struct Literal {
    std::string text;  // ASCII, non-empty
    // Whether to compare ignoring ASCII case (A-Z and a-z alike).
    bool case_insensitive = false;
  };

  // Builds the automaton. Literals that are empty or hold a non-ASCII byte are
  // never reported (the parser's literals are always ASCII). Duplicates are
  // allowed, each reported under its own id.
  explicit LiteralScanner(std::span<const Literal> literals);

  LiteralScanner(const LiteralScanner&) = delete;
  LiteralScanner& operator=(const LiteralScanner&) = delete;

  // Appends to `found` the id of every literal that occurs in `text`, each
  // once, in no particular order. `seen` is the caller's scratch bitmap, one
  // bit per id in 64-bit words (at least (literal_count() + 63) / 64 of
  // them); it must be all zero on entry, and comes back with exactly the bits
  // of the ids appended set, for the caller to use and then clear.
  void FindAll(std::string_view text, std::vector<int>* found, std::span<uint64_t> seen) const;

  size_t literal_count() const { return literal_count_; }
  // Automaton states (trie nodes), for sizing; the table holds
  // state_count() * byte classes entries.
  size_t state_count() const { return report_from_.size(); }
  size_t class_count() const { return class_count_; }

 private:
  template <typename Entry>
  void Scan(const Entry* table, std::string_view text, std::vector<int>* found,
            std::span<uint64_t> seen) const;
  void Report(uint32_t state, std::string_view text, size_t end, std::vector<int>* found,
              std::span<uint64_t> seen) const;

  size_t literal_count_;
  // Per literal id: its exact bytes, exact_texts_[exact_begin_[id]] up to
  // exact_begin_[id + 1], when it is case-sensitive and has a letter (a
  // match of the folded bytes must be confirmed); empty otherwise.
  std::string exact_texts_;
  std::vector<uint32_t> exact_begin_;
  // Byte -> class: ASCII letters fold to one class per letter; bytes that
  // occur in no literal share class 0, which always leads back to the root.
  uint8_t byte_class_[256] = {};
  uint32_t class_count_ = 1;
  // table[state * class_count_ + class] is the next state, states numbered
  // breadth first, with the top bit of an entry set when some literal ends at
  // its state: in 16 bits when there are fewer than 2^15 states (half the
  // cache footprint), else in 32.
  std::vector<uint16_t> narrow_table_;
  std::vector<uint32_t> wide_table_;
  // Per state: the first state on its suffix chain (itself included) at which
  // some literal ends, or kNoReport.
  std::vector<uint32_t> report_from_;
  // Per state: the next state after it on its suffix chain at which some
  // literal ends, or kNoReport.
  std::vector<uint32_t> next_report_;
  // The ids of the literals that end at each state: ends_[ends_begin_[s]] up
  // to ends_[ends_begin_[s + 1]].
  std::vector<uint32_t> ends_begin_;
  std::vector<uint32_t> ends_;

  static constexpr uint32_t kNoReport = UINT32_MAX;
};

}  // namespace auditlog::enrich
