#include "storage/segment/segment_filter.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <unordered_map>

#include "event/fields.h"
#include "query/matcher.h"
#include "query/tokenizer.h"

namespace auditlog::storage::segment {
namespace {

using event::FieldSpec;
using event::FieldType;
using query::Filter;
using query::FilterOp;
using query::Scalar;

// Above this many codes, scanning the code column beats merging posting lists.
constexpr size_t kMaxCodesByPostings = 64;

// Whether the segment may hold `value` in `field`. A text field's values
// are in the value filter by their index tokens: a row holding the value
// holds every one of them.
bool MayHoldValue(const SegmentReader& segment, const FieldSpec& field, size_t field_index,
                  const Scalar& value) {
  const std::string key = DictionaryKeyOf(field.type, value);
  if (field.index != event::IndexKind::kTokens) return segment.MayHoldValue(field_index, key);
  bool may_hold = true;
  query::ForEachIndexToken(key, [&](std::string_view token) {
    may_hold = may_hold && segment.MayHoldToken(field_index, token);
  });
  return may_hold;
}

// The codes in `dictionary` (field `field_index`'s) of an eq or in filter's
// values, sorted and distinct; a value of an `in` that the value filter
// rules out is not looked up.
std::vector<uint32_t> CodesOfValues(const SegmentReader& segment, const Dictionary& dictionary,
                                    const Filter& filter, size_t field_index) {
  const FieldSpec& field = *filter.field;
  std::vector<uint32_t> codes;
  for (const Scalar& value : filter.values) {
    if (filter.values.size() > 1 && !MayHoldValue(segment, field, field_index, value)) continue;
    if (auto code = dictionary.Find(DictionaryKeyOf(field.type, value))) codes.push_back(*code);
  }
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  return codes;
}

// False when the segment's value filter proves that no row matches
// `filter`: an eq/in whose every value, or a text or phrase search one of
// whose tokens, the segment lacks. Conservative everywhere else.
bool MayMatch(const SegmentReader& segment, const Filter& filter) {
  switch (filter.op) {
    case FilterOp::kAnd:
      return std::all_of(filter.children.begin(), filter.children.end(),
                         [&](const Filter& child) { return MayMatch(segment, child); });
    case FilterOp::kOr:
      return std::any_of(filter.children.begin(), filter.children.end(),
                         [&](const Filter& child) { return MayMatch(segment, child); });
    case FilterOp::kEq:
    case FilterOp::kIn: {
      const FieldSpec& field = *filter.field;
      if (!IsDictionaryEncoded(field.type)) return true;
      const size_t field_index = event::FieldIndexOf(field);
      return std::any_of(filter.values.begin(), filter.values.end(), [&](const Scalar& value) {
        return MayHoldValue(segment, field, field_index, value);
      });
    }
    case FilterOp::kText:
    case FilterOp::kPhrase: {
      const size_t field_index = event::FieldIndexOf(*filter.field);
      const std::string& text = std::get<std::string>(filter.values[0]);
      const std::vector<std::string> words =
          filter.op == FilterOp::kText ? query::QueryTokens(text) : query::PhraseWords(text);
      return std::all_of(words.begin(), words.end(), [&](const std::string& word) {
        return segment.MayHoldToken(field_index, word);
      });
    }
    default:  // kNot, ranges, prefixes, wildcards, CIDR, exists: no filter answers these
      return true;
  }
}

class Evaluator {
 public:
  // `root_may_match`: MayMatch(segment, root) already held, so a root leaf
  // need not ask the value filter again.
  Evaluator(const SegmentReader& segment, const Filter& root, bool root_may_match)
      : segment_(segment), rows_(segment.meta().rows), root_(root_may_match ? &root : nullptr) {}

  Result<Roaring> Evaluate(const Filter& filter) {
    switch (filter.op) {
      case FilterOp::kAll:
        return All();
      case FilterOp::kAnd: {
        Roaring result = All();
        for (const Filter& child : filter.children) {
          if (result.isEmpty()) break;
          AL_ASSIGN_OR_RETURN(Roaring rows, Evaluate(child));
          result &= rows;
        }
        return result;
      }
      case FilterOp::kOr: {
        Roaring result;
        for (const Filter& child : filter.children) {
          AL_ASSIGN_OR_RETURN(Roaring rows, Evaluate(child));
          result |= rows;
        }
        return result;
      }
      case FilterOp::kNot: {
        AL_ASSIGN_OR_RETURN(Roaring result, Evaluate(filter.children[0]));
        result.flip(0, rows_);
        return result;
      }
      default:
        break;
    }
    const FieldSpec& field = *filter.field;
    const size_t field_index = event::FieldIndexOf(field);
    switch (field.type) {
      case FieldType::kTime:
        return EvaluateTime(filter, field_index);
      case FieldType::kUint64:
        return EvaluateSeq(filter);
      case FieldType::kJson:
        return EvaluateRaw(filter, field_index);
      default:
        return EvaluateDictionary(filter, field_index);
    }
  }

 private:
  Roaring All() const {
    Roaring all;
    all.addRange(0, rows_);
    return all;
  }

  // Rows whose code is in `codes` (sorted, distinct).
  Result<Roaring> RowsForCodes(size_t field, const std::vector<uint32_t>& codes) {
    Roaring rows;
    if (codes.empty()) return rows;
    AL_ASSIGN_OR_RETURN(auto postings, segment_.GetPostings(field));
    if (codes.size() <= kMaxCodesByPostings) {
      if (postings) {
        for (uint32_t code : codes)
          if (!postings->AddRows(code, &rows))
            return Status::Corruption(
                fmt::format("segment {}: the posting list of value {} of {} is damaged",
                            segment_.path(), code, event::AllFields()[field].path));
        return rows;
      }
      AL_ASSIGN_OR_RETURN(auto column, segment_.GetCodes(field));
      for (uint32_t code : codes) rows.add(column->RowOf(code));
      return rows;
    }
    AL_ASSIGN_OR_RETURN(auto column, segment_.GetCodes(field));
    AL_ASSIGN_OR_RETURN(auto dictionary, segment_.GetDictionary(field));
    std::vector<bool> wanted(size_t{dictionary->size()} + 1, false);
    for (uint32_t code : codes)
      if (code < wanted.size()) wanted[code] = true;
    std::vector<uint32_t> matches;
    for (uint32_t row = 0; row < rows_; ++row) {
      const uint32_t code = (*column)[row];
      if (code < wanted.size() && wanted[code]) matches.push_back(row);
    }
    rows.addMany(matches.size(), matches.data());
    return rows;
  }

  // Rows whose code is in [begin, end).
  Result<Roaring> RowsForCodeRange(size_t field, uint32_t begin, uint32_t end) {
    Roaring rows;
    if (begin >= end) return rows;
    AL_ASSIGN_OR_RETURN(auto postings, segment_.GetPostings(field));
    if (end - begin <= kMaxCodesByPostings) {
      std::vector<uint32_t> codes;
      for (uint32_t code = begin; code < end; ++code) codes.push_back(code);
      return RowsForCodes(field, codes);
    }
    AL_ASSIGN_OR_RETURN(auto column, segment_.GetCodes(field));
    std::vector<uint32_t> matches;
    for (uint32_t row = 0; row < rows_; ++row) {
      const uint32_t code = (*column)[row];
      if (code >= begin && code < end) matches.push_back(row);
    }
    rows.addMany(matches.size(), matches.data());
    return rows;
  }

  Result<Roaring> EvaluateDictionary(const Filter& filter, size_t field_index) {
    const FieldSpec& field = *filter.field;
    // Token searches read the token terms and row lists only: a text field's
    // dictionary is the largest section of a segment.
    if (filter.op == FilterOp::kText || filter.op == FilterOp::kPhrase ||
        (filter.op == FilterOp::kWildcard && field.type == FieldType::kText))
      return EvaluateTokens(filter, field_index);
    if (!Checked(filter) && !MayMatch(segment_, filter)) return Roaring();
    AL_ASSIGN_OR_RETURN(auto dictionary, segment_.GetDictionary(field_index));
    const uint32_t past_end = dictionary->size() + 1;
    switch (filter.op) {
      case FilterOp::kEq:
      case FilterOp::kIn:
        return RowsForCodes(field_index, CodesOfValues(segment_, *dictionary, filter, field_index));
      case FilterOp::kPrefix: {
        auto [begin, end] = PrefixCodes(*dictionary, std::get<std::string>(filter.values[0]));
        return RowsForCodeRange(field_index, begin, end);
      }
      case FilterOp::kRange: {
        uint32_t begin = 1, end = past_end;
        if (filter.lower) {
          std::string key = DictionaryKeyOf(field.type, filter.lower->value);
          begin = dictionary->LowerBound(key);
          if (!filter.lower->inclusive && begin < past_end && dictionary->value(begin) == key)
            ++begin;
        }
        if (filter.upper) {
          std::string key = DictionaryKeyOf(field.type, filter.upper->value);
          end = dictionary->LowerBound(key);
          if (filter.upper->inclusive && end < past_end && dictionary->value(end) == key) ++end;
        }
        return RowsForCodeRange(field_index, begin, end);
      }
      case FilterOp::kExists:
        return RowsForCodeRange(field_index, 1, past_end);
      case FilterOp::kWildcard: {
        const std::string& pattern = std::get<std::string>(filter.values[0]);
        // Only values starting with the pattern's literal prefix can match.
        const std::string literal = pattern.substr(0, pattern.find('*'));
        auto [begin, end] = PrefixCodes(*dictionary, literal);
        std::vector<uint32_t> codes;
        for (uint32_t code = begin; code < end; ++code)
          if (query::WildcardMatches(pattern, dictionary->value(code))) codes.push_back(code);
        return RowsForCodes(field_index, codes);
      }
      case FilterOp::kCidr: {
        const auto network = query::ParseIpNetwork(std::get<std::string>(filter.values[0]));
        std::vector<uint32_t> codes;
        for (uint32_t code = 1; code < past_end; ++code) {
          auto address = query::ParseIpAddress(dictionary->value(code));
          if (address && network->Contains(*address)) codes.push_back(code);
        }
        return RowsForCodes(field_index, codes);
      }
      default:
        return Status::InvalidArgument("segment: unsupported filter");
    }
  }

  // Codes [begin, end) of the values starting with `prefix`.
  static std::pair<uint32_t, uint32_t> PrefixCodes(const Dictionary& dictionary,
                                                   std::string_view prefix) {
    const uint32_t begin = dictionary.LowerBound(prefix);
    // The first value past every value with the prefix: the prefix with its
    // last byte below 0xff incremented (and what follows it dropped).
    std::string after(prefix);
    while (!after.empty() && static_cast<uint8_t>(after.back()) == 0xff) after.pop_back();
    uint32_t end = dictionary.size() + 1;
    if (!after.empty()) {
      after.back() = static_cast<char>(static_cast<uint8_t>(after.back()) + 1);
      end = dictionary.LowerBound(after);
    }
    return {begin, end};
  }

  Result<Roaring> EvaluateTokens(const Filter& filter, size_t field_index) {
    if (!Checked(filter) && !MayMatch(segment_, filter)) return Roaring();
    switch (filter.op) {
      case FilterOp::kText: {
        // Row lists of the query's tokens, intersected.
        AL_ASSIGN_OR_RETURN(auto terms, TermsOf(field_index));
        std::optional<Roaring> result;
        for (const std::string& token :
             query::QueryTokens(std::get<std::string>(filter.values[0]))) {
          auto term = terms->Find(token);
          if (!term) return Roaring();
          Roaring rows;
          AL_RETURN_IF_ERROR(segment_.AddTokenRows(field_index, *terms, *term, &rows));
          if (result)
            *result &= rows;
          else
            result = std::move(rows);
          if (result->isEmpty()) break;
        }
        return result ? std::move(*result) : Roaring();
      }
      case FilterOp::kPhrase: {
        // Values holding every word of the phrase (each is an index token),
        // then the phrase test on each such value once.
        const std::string& phrase = std::get<std::string>(filter.values[0]);
        std::vector<std::string> words = query::PhraseWords(phrase);
        std::sort(words.begin(), words.end());
        words.erase(std::unique(words.begin(), words.end()), words.end());
        AL_ASSIGN_OR_RETURN(auto terms, TermsOf(field_index));
        return PhraseRows(filter, field_index, *terms, words);
      }
      default:  // kWildcard
        return TextWildcardRows(std::get<std::string>(filter.values[0]), field_index);
    }
  }

  // A phrase by token row lists: rows holding every word, then each
  // candidate row's value tested once per distinct value.
  Result<Roaring> PhraseRows(const Filter& filter, size_t field_index, const TokenTerms& terms,
                             const std::vector<std::string>& words) {
    std::optional<Roaring> candidates;
    for (const std::string& word : words) {
      auto term = terms.Find(word);
      if (!term) return Roaring();
      Roaring rows;
      AL_RETURN_IF_ERROR(segment_.AddTokenRows(field_index, terms, *term, &rows));
      if (candidates)
        *candidates &= rows;
      else
        candidates = std::move(rows);
      if (candidates->isEmpty()) return Roaring();
    }
    if (!candidates) return Roaring();
    AL_ASSIGN_OR_RETURN(auto dictionary, segment_.GetDictionary(field_index));
    AL_ASSIGN_OR_RETURN(auto codes, segment_.GetCodes(field_index));
    std::unordered_map<uint32_t, bool> verdict;  // by code
    std::vector<uint32_t> matches;
    for (uint32_t row : *candidates) {
      const uint32_t code = (*codes)[row];
      auto [it, inserted] = verdict.try_emplace(code, false);
      if (inserted)
        it->second = query::LeafMatches(filter, Scalar(std::string(dictionary->value(code))));
      if (it->second) matches.push_back(row);
    }
    Roaring rows;
    rows.addMany(matches.size(), matches.data());
    return rows;
  }

  // A wildcard on a text field: the values holding some token that matches.
  Result<Roaring> TextWildcardRows(const std::string& pattern, size_t field_index) {
    const std::string lowered = query::TokenWildcardPattern(pattern);
    const std::string literal = lowered.substr(0, lowered.find('*'));
    AL_ASSIGN_OR_RETURN(auto terms, TermsOf(field_index));
    Roaring rows;
    for (size_t i = terms->LowerBound(literal);
         i < terms->size() && terms->token(i).starts_with(literal); ++i)
      if (query::WildcardMatches(lowered, terms->token(i)))
        AL_RETURN_IF_ERROR(segment_.AddTokenRows(field_index, *terms, i, &rows));
    return rows;
  }

  // The token terms of a text field (every segment has them).
  Result<std::shared_ptr<const TokenTerms>> TermsOf(size_t field_index) {
    AL_ASSIGN_OR_RETURN(auto terms, segment_.GetTokenTerms(field_index));
    if (!terms)
      return Status::Corruption(fmt::format("segment {}: field {} has no token row lists",
                                            segment_.path(), event::AllFields()[field_index].path));
    return terms;
  }

  // Applies `test` to each present value of a column and collects the rows.
  template <typename Test>
  static Roaring Scan(uint32_t row_count, Test test) {
    std::vector<uint32_t> matches;
    for (uint32_t row = 0; row < row_count; ++row)
      if (test(row)) matches.push_back(row);
    Roaring rows;
    rows.addMany(matches.size(), matches.data());
    return rows;
  }

  Result<Roaring> EvaluateTime(const Filter& filter, size_t field_index) {
    AL_ASSIGN_OR_RETURN(auto times, segment_.GetTimes(field_index));
    static const size_t kTimestampField = event::FieldIndexOf(*event::FindField("timestamp"));
    if (field_index == kTimestampField && filter.op != FilterOp::kExists) {
      // Sorted: each value or range is a run of rows.
      const auto& values = times->values();
      auto run = [&](int64_t low, bool low_inclusive, int64_t high, bool high_inclusive) {
        auto begin = low_inclusive ? std::lower_bound(values.begin(), values.end(), low)
                                   : std::upper_bound(values.begin(), values.end(), low);
        auto end = high_inclusive ? std::upper_bound(values.begin(), values.end(), high)
                                  : std::lower_bound(values.begin(), values.end(), high);
        Roaring rows;
        if (begin < end) rows.addRange(begin - values.begin(), end - values.begin());
        return rows;
      };
      if (filter.op == FilterOp::kRange) {
        return run(filter.lower ? std::get<int64_t>(filter.lower->value) : INT64_MIN,
                   filter.lower ? filter.lower->inclusive : true,
                   filter.upper ? std::get<int64_t>(filter.upper->value) : INT64_MAX,
                   filter.upper ? filter.upper->inclusive : true);
      }
      Roaring rows;
      for (const Scalar& value : filter.values) {
        int64_t at = std::get<int64_t>(value);
        rows |= run(at, true, at, true);
      }
      return rows;
    }
    return Scan(rows_, [&](uint32_t row) {
      return times->present(row) && query::LeafMatches(filter, Scalar(int64_t{(*times)[row]}));
    });
  }

  Result<Roaring> EvaluateSeq(const Filter& filter) {
    AL_ASSIGN_OR_RETURN(auto seqs, segment_.GetSeqs());
    return Scan(rows_, [&](uint32_t row) {
      return query::LeafMatches(filter, Scalar(static_cast<int64_t>((*seqs)[row])));
    });
  }

  Result<Roaring> EvaluateRaw(const Filter& filter, size_t field_index) {
    AL_ASSIGN_OR_RETURN(auto raw, segment_.GetRaw(field_index));
    if (!filter.path.empty()) {
      return Scan(rows_, [&](uint32_t row) {
        std::optional<std::string> value = query::DetailsValue((*raw)[row], filter.path);
        return value && query::LeafMatches(filter, Scalar(std::move(*value)));
      });
    }
    return Scan(rows_, [&](uint32_t row) {
      std::string_view value = (*raw)[row];
      return !value.empty() && query::LeafMatches(filter, Scalar(std::string(value)));
    });
  }

  bool Checked(const Filter& filter) const { return &filter == root_; }

  const SegmentReader& segment_;
  const uint32_t rows_;
  const Filter* root_;  // null: nothing checked
};

}  // namespace

std::string DictionaryKeyOf(FieldType type, const Scalar& value) {
  switch (type) {
    case FieldType::kDouble:
      return EncodeDoubleKey(std::get<double>(value));
    case FieldType::kBool:
      return std::string(std::get<bool>(value) ? kTrueKey : kFalseKey);
    default:
      return std::get<std::string>(value);
  }
}

Result<Roaring> EvaluateFilter(const SegmentReader& segment, const Filter& filter) {
  return Evaluator(segment, filter, /*root_may_match=*/false).Evaluate(filter);
}

Result<Roaring> MatchingRows(const SegmentReader& segment, const Filter& filter,
                             const query::TimeRange& range) {
  if (!MayMatch(segment, filter)) return Roaring();
  AL_ASSIGN_OR_RETURN(auto span, RowsInTimeRange(segment, range));
  if (span.first >= span.second) return Roaring();
  AL_ASSIGN_OR_RETURN(Roaring rows,
                      Evaluator(segment, filter, /*root_may_match=*/true).Evaluate(filter));
  if (span.first > 0 || span.second < segment.meta().rows) {
    Roaring in_range;
    in_range.addRange(span.first, span.second);
    rows &= in_range;
  }
  return rows;
}

Result<std::optional<uint64_t>> CountMatchingRows(const SegmentReader& segment,
                                                  const Filter& filter,
                                                  const query::TimeRange& range) {
  using Count = std::optional<uint64_t>;
  const SegmentMeta& meta = segment.meta();
  if ((range.from && meta.min_time < *range.from) || (range.to && meta.max_time >= *range.to))
    return Count();
  if (filter.op == FilterOp::kAll) return Count(meta.rows);
  if (filter.op != FilterOp::kEq && filter.op != FilterOp::kIn) return Count();
  const FieldSpec& field = *filter.field;
  if (!IsDictionaryEncoded(field.type)) return Count();
  if (!MayMatch(segment, filter)) return Count(0);
  const size_t field_index = event::FieldIndexOf(field);
  AL_ASSIGN_OR_RETURN(auto dictionary, segment.GetDictionary(field_index));
  const std::vector<uint32_t> codes = CodesOfValues(segment, *dictionary, filter, field_index);
  if (codes.empty()) return Count(0);
  AL_ASSIGN_OR_RETURN(auto postings, segment.GetPostings(field_index));
  if (!postings) return Count(codes.size());  // every value occurs once
  uint64_t count = 0;
  for (uint32_t code : codes) {
    const std::optional<uint32_t> length = postings->CountRows(code);
    if (!length)
      return Status::Corruption(
          fmt::format("segment {}: the posting list of value {} of {} is damaged", segment.path(),
                      code, field.path));
    count += *length;
  }
  return Count(count);
}

Result<std::pair<uint32_t, uint32_t>> RowsInTimeRange(const SegmentReader& segment,
                                                      const query::TimeRange& range) {
  const uint32_t rows = segment.meta().rows;
  if (!range.from && !range.to) return std::pair<uint32_t, uint32_t>(0, rows);
  static const size_t kTimestampField = event::FieldIndexOf(*event::FindField("timestamp"));
  AL_ASSIGN_OR_RETURN(auto times, segment.GetTimes(kTimestampField));
  const auto& values = times->values();
  auto begin =
      range.from ? std::lower_bound(values.begin(), values.end(), *range.from) : values.begin();
  auto end = range.to ? std::lower_bound(values.begin(), values.end(), *range.to) : values.end();
  if (end < begin) end = begin;
  return std::pair<uint32_t, uint32_t>(static_cast<uint32_t>(begin - values.begin()),
                                       static_cast<uint32_t>(end - values.begin()));
}

}  // namespace auditlog::storage::segment
