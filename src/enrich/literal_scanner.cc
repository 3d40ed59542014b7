#include "enrich/literal_scanner.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <type_traits>

namespace auditlog::enrich {
namespace {

constexpr uint32_t kAbsent = UINT32_MAX;  // no trie edge (only while building)

unsigned char FoldAscii(unsigned char byte) {
  return byte >= 'A' && byte <= 'Z' ? static_cast<unsigned char>(byte - 'A' + 'a') : byte;
}

bool IsUsable(const LiteralScanner::Literal& literal) {
  return !literal.text.empty() && std::all_of(literal.text.begin(), literal.text.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x80;
  });
}

}  // namespace

LiteralScanner::LiteralScanner(std::span<const Literal> literals)
    : literal_count_(literals.size()) {
  // What a report confirms: the exact bytes of each case-sensitive literal
  // that has a letter (the automaton compared its folded bytes), side by
  // side; the others need nothing.
  exact_begin_.reserve(literals.size() + 1);
  for (const Literal& literal : literals) {
    exact_begin_.push_back(static_cast<uint32_t>(exact_texts_.size()));
    const bool has_letter = std::any_of(literal.text.begin(), literal.text.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    });
    if (!literal.case_insensitive && has_letter && IsUsable(literal)) {
      exact_texts_ += literal.text;
    }
  }
  exact_begin_.push_back(static_cast<uint32_t>(exact_texts_.size()));

  // One class per folded byte that some literal uses; an upper-case letter
  // shares its lower-case letter's class.
  for (const Literal& literal : literals) {
    if (!IsUsable(literal)) continue;
    for (const char c : literal.text) {
      const unsigned char folded = FoldAscii(static_cast<unsigned char>(c));
      if (byte_class_[folded] == 0) byte_class_[folded] = static_cast<uint8_t>(class_count_++);
    }
  }
  for (unsigned char upper = 'A'; upper <= 'Z'; ++upper) {
    byte_class_[upper] = byte_class_[FoldAscii(upper)];
  }

  // The trie over the folded literals. State 0 is the root.
  std::vector<std::vector<uint32_t>> ends_at(1);
  // trie[state * class_count_ + class] is the next state, in the order
  // states were made (renumbered below).
  std::vector<uint32_t> trie(class_count_, kAbsent);
  for (uint32_t literal_id = 0; literal_id < literals.size(); ++literal_id) {
    if (!IsUsable(literals[literal_id])) continue;
    uint32_t state = 0;
    for (const char c : literals[literal_id].text) {
      uint32_t& edge =
          trie[size_t{state} * class_count_ + byte_class_[static_cast<unsigned char>(c)]];
      if (edge == kAbsent) {
        edge = static_cast<uint32_t>(ends_at.size());
        ends_at.emplace_back();
        // `edge` may dangle once the table grows: it was written first.
        trie.resize(trie.size() + class_count_, kAbsent);
      }
      state = trie[size_t{state} * class_count_ + byte_class_[static_cast<unsigned char>(c)]];
    }
    ends_at[state].push_back(literal_id);
  }
  const size_t state_count = ends_at.size();

  // Breadth first, so that every state's failure state (its longest proper
  // suffix in the trie) is finished before the state itself: missing edges
  // become the failure state's edges, and the report chain follows the
  // failure links to the states where literals end.
  std::vector<uint32_t> failure(state_count, 0);
  report_from_.assign(state_count, kNoReport);
  next_report_.assign(state_count, kNoReport);
  report_from_[0] = ends_at[0].empty() ? kNoReport : 0;
  std::deque<uint32_t> queue;
  std::vector<uint32_t> breadth_first_order = {0};
  breadth_first_order.reserve(state_count);
  for (uint32_t cls = 0; cls < class_count_; ++cls) {
    uint32_t& edge = trie[cls];
    if (edge == kAbsent) {
      edge = 0;
    } else {
      failure[edge] = 0;
      queue.push_back(edge);
    }
  }
  while (!queue.empty()) {
    const uint32_t state = queue.front();
    queue.pop_front();
    breadth_first_order.push_back(state);
    const uint32_t fail = failure[state];
    next_report_[state] = report_from_[fail];
    report_from_[state] = ends_at[state].empty() ? report_from_[fail] : state;
    for (uint32_t cls = 0; cls < class_count_; ++cls) {
      const uint32_t fail_target = trie[size_t{fail} * class_count_ + cls];
      uint32_t& edge = trie[size_t{state} * class_count_ + cls];
      if (edge == kAbsent) {
        edge = fail_target;
      } else {
        failure[edge] = fail_target;
        queue.push_back(edge);
      }
    }
  }

  // Renumber the states breadth first: the shallow states, which every text
  // visits, then share cache lines.
  std::vector<uint32_t> new_id(state_count);
  for (uint32_t idx = 0; idx < state_count; ++idx) new_id[breadth_first_order[idx]] = idx;
  const auto renumbered = [&](uint32_t state) {
    return state == kNoReport ? state : new_id[state];
  };
  std::vector<uint32_t> report_from(state_count), next_report(state_count);
  std::vector<uint32_t> transitions(trie.size());
  for (uint32_t old_state = 0; old_state < state_count; ++old_state) {
    const uint32_t state = new_id[old_state];
    report_from[state] = renumbered(report_from_[old_state]);
    next_report[state] = renumbered(next_report_[old_state]);
    for (uint32_t cls = 0; cls < class_count_; ++cls) {
      transitions[size_t{state} * class_count_ + cls] =
          new_id[trie[size_t{old_state} * class_count_ + cls]];
    }
  }
  report_from_ = std::move(report_from);
  next_report_ = std::move(next_report);
  ends_begin_.reserve(state_count + 1);
  for (const uint32_t old_state : breadth_first_order) {
    ends_begin_.push_back(static_cast<uint32_t>(ends_.size()));
    ends_.insert(ends_.end(), ends_at[old_state].begin(), ends_at[old_state].end());
  }
  ends_begin_.push_back(static_cast<uint32_t>(ends_.size()));

  // The table the scan reads: each entry the next state, its top bit set
  // when some literal ends there; in 16 bits when the states allow.
  const auto fill = [&](auto* table) {
    using Entry = typename std::remove_reference_t<decltype(*table)>::value_type;
    constexpr Entry kEnds = Entry{1} << (sizeof(Entry) * 8 - 1);
    table->resize(transitions.size());
    for (size_t idx = 0; idx < transitions.size(); ++idx) {
      const uint32_t next = transitions[idx];
      (*table)[idx] = static_cast<Entry>(next | (report_from_[next] != kNoReport ? kEnds : 0));
    }
  };
  if (state_count < (size_t{1} << 15)) {
    fill(&narrow_table_);
  } else {
    fill(&wide_table_);
  }
}

void LiteralScanner::FindAll(std::string_view text, std::vector<int>* found,
                             std::span<uint64_t> seen) const {
  if (!narrow_table_.empty()) {
    Scan(narrow_table_.data(), text, found, seen);
  } else {
    Scan(wide_table_.data(), text, found, seen);
  }
}

template <typename Entry>
void LiteralScanner::Scan(const Entry* table, std::string_view text, std::vector<int>* found,
                          std::span<uint64_t> seen) const {
  constexpr Entry kEnds = Entry{1} << (sizeof(Entry) * 8 - 1);
  uint32_t state = 0;
  for (size_t pos = 0; pos < text.size(); ++pos) {
    const uint8_t cls = byte_class_[static_cast<unsigned char>(text[pos])];
    const Entry next = table[size_t{state} * class_count_ + cls];
    state = next & ~kEnds;
    if ((next & kEnds) != 0) Report(report_from_[state], text, pos + 1, found, seen);
  }
}

// Reports the literals ending at `text[end - 1]`: those of `state` and of
// every reporting state on its suffix chain.
void LiteralScanner::Report(uint32_t state, std::string_view text, size_t end,
                            std::vector<int>* found, std::span<uint64_t> seen) const {
  for (; state != kNoReport; state = next_report_[state]) {
    for (uint32_t idx = ends_begin_[state]; idx < ends_begin_[state + 1]; ++idx) {
      const uint32_t literal_id = ends_[idx];
      uint64_t& word = seen[literal_id / 64];
      const uint64_t bit = uint64_t{1} << (literal_id % 64);
      if ((word & bit) != 0) continue;
      // The automaton matched the folded bytes; an exact literal with
      // letters must match the text's own.
      const uint32_t exact_begin = exact_begin_[literal_id];
      const uint32_t exact_size = exact_begin_[literal_id + 1] - exact_begin;
      if (exact_size != 0 && std::memcmp(text.data() + end - exact_size,
                                         exact_texts_.data() + exact_begin, exact_size) != 0) {
        continue;
      }
      word |= bit;
      found->push_back(static_cast<int>(literal_id));
    }
  }
}

}  // namespace auditlog::enrich
