// Properties of the segment format (docs/format/segment.md) and the manifest
// encoding (docs/format/manifest.md):
//   - what BuildSegment writes, SegmentReader reads back exactly;
//   - EvaluateFilter and MatchingRows agree with the reference matcher
//     (query/matcher.h) on every filter;
//   - a manifest decodes to what was encoded, and nothing shorter decodes;
//   - any single damaged byte of a segment is reported as kCorruption naming
//     the file and the offset, never read as a wrong answer.

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <roaring/roaring.hh>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/coding.h"
#include "common/crc32c.h"
#include "env/mem_file_system.h"
#include "event/event_codec.h"
#include "event/fields.h"
#include "event/json_codec.h"
#include "query/matcher.h"
#include "query/query.h"
#include "query/tokenizer.h"
#include "storage/atomic_file.h"
#include "storage/manifest.h"
#include "storage/segment/section_cache.h"
#include "storage/segment/segment_dump.h"
#include "storage/segment/segment_filter.h"
#include "storage/segment/segment_format.h"
#include "storage/segment/segment_reader.h"
#include "storage/segment/segment_writer.h"
#include "testing/status_matchers.h"

namespace auditlog::storage::segment {
namespace {

using event::Event;
using event::FieldSpec;
using event::FieldType;
using query::Filter;
using query::Scalar;

constexpr std::string_view kDir = "/seg";
constexpr std::string_view kPath = "/seg/000001.seg";
// The last time an event may carry (9999-12-31T23:59:59.999999Z).
constexpr int64_t kLastMicros = 253'402'300'799'999'999;
constexpr int64_t kBaseMicros = 1'740'787'200'000'000;

// Small vocabularies, so that rows share values (posting lists, Roaring
// bitmaps) and filters hit; every word has a text token. Mixed scripts: ASCII,
// CJK, fullwidth Latin, Latin-1 letters, separators inside words.
const std::vector<std::string>& Words() {
  static const auto* words = new std::vector<std::string>{
      "alpha",     "alphabet",    "Beta", "beta", "创建",  "创建用户",   "用户",
      "登录失败",  "ＡＢＣ",      "abc",  "É",    "é",     "x-y",        "10.0.0.1",
      "10.0.0.12", "curl/7.88.1", "zzz",  "a",    "Ωμέγα", "user_agent", "「删除」"};
  return *words;
}

const std::vector<double>& Doubles() {
  static const auto* doubles = new std::vector<double>{0.0,
                                                       -0.0,
                                                       -33.5,
                                                       33.5,
                                                       90.0,
                                                       -90.0,
                                                       1e300,
                                                       -1e-300,
                                                       std::numeric_limits<double>::denorm_min(),
                                                       std::numeric_limits<double>::infinity(),
                                                       -std::numeric_limits<double>::infinity()};
  return *doubles;
}

std::string RandomWord() {
  if (*rc::gen::inRange(0, 8) == 0) return *rc::gen::arbitrary<std::string>();
  return *rc::gen::elementOf(Words());
}

// One to three words, as free text reads.
std::string RandomText() {
  std::string text = RandomWord();
  const int more = *rc::gen::inRange(0, 3);
  for (int word_idx = 0; word_idx < more; ++word_idx)
    text += *rc::gen::elementOf(std::vector<std::string>{" ", ", ", "。", "_"}) + RandomWord();
  return text;
}

double RandomDouble() {
  if (*rc::gen::inRange(0, 3) != 0) return *rc::gen::elementOf(Doubles());
  const double value = *rc::gen::arbitrary<double>();
  return std::isnan(value) ? 1.5 : value;
}

int64_t RandomTime() {
  if (*rc::gen::inRange(0, 4) == 0) return *rc::gen::inRange<int64_t>(0, kLastMicros + 1);
  return kBaseMicros + *rc::gen::inRange<int64_t>(0, 1'000);
}

// Sets a random subset of the registry's optional fields of `event`.
void FillRandomFields(Event* event) {
  for (const FieldSpec& field : event::AllFields()) {
    if (field.path == "id" || field.path == "tenant" || field.path == "timestamp") continue;
    if (field.type == FieldType::kUint64) continue;  // seq: set by the caller
    if (*rc::gen::inRange(0, 3) == 0) continue;      // absent
    switch (field.type) {
      case FieldType::kKeyword:
        *field.string_member(*event) = RandomWord();
        break;
      case FieldType::kText:
        *field.string_member(*event) = RandomText();
        break;
      case FieldType::kTime:
        *field.time_member(*event) = RandomTime();
        break;
      case FieldType::kOutcome:
        event->result = *rc::gen::element(event::Outcome::kSuccess, event::Outcome::kFailure);
        break;
      case FieldType::kDouble:
        *field.double_member(*event) = RandomDouble();
        break;
      case FieldType::kBool:
        event->ua.is_mobile = *rc::gen::arbitrary<bool>();
        break;
      case FieldType::kJson:
        event->details = *rc::gen::element<std::string>(R"({"a":1})", R"({"k":"创建"})", "{}",
                                                        *rc::gen::arbitrary<std::string>());
        break;
      case FieldType::kUint64:
        break;
    }
  }
}

// Events of one tenant with seq 1..n, sorted by (timestamp, seq) as a segment
// holds them. Timestamps are often equal, so seq breaks ties.
std::vector<Event> RandomRows() {
  const std::string tenant = *rc::gen::element<std::string>("t1", "租户-甲", "tenant/with/slash");
  const size_t row_count =
      *rc::gen::oneOf(rc::gen::inRange<size_t>(1, 40), rc::gen::inRange<size_t>(1, 700));
  const int64_t time_spread = *rc::gen::element<int64_t>(1, 10, 1'000'000, kLastMicros / 2);
  std::vector<Event> rows(row_count);
  for (size_t row = 0; row < row_count; ++row) {
    Event& event = rows[row];
    event.tenant = tenant;
    event.seq = row + 1;
    // Unique per segment; a common prefix, so prefixes and ranges over ids
    // cover many dictionary codes.
    event.id = fmt::format("id-{}-{}", row + 1, *rc::gen::element<std::string>("x", "创"));
    event.timestamp = *rc::gen::inRange<int64_t>(0, time_spread) +
                      (time_spread > kLastMicros / 4 ? 0 : kBaseMicros);
    FillRandomFields(&event);
  }
  std::sort(rows.begin(), rows.end(), [](const Event& a, const Event& b) {
    return std::pair(*a.timestamp, a.seq) < std::pair(*b.timestamp, b.seq);
  });
  return rows;
}

// A segment file written into `fs`, opened.
class SegmentFile {
 public:
  explicit SegmentFile(size_t cache_bytes = 64u << 20) : cache(cache_bytes) {}

  Status Write(std::string_view bytes) {
    AL_RETURN_IF_ERROR(fs.CreateDirs(std::string(kDir)));
    AL_ASSIGN_OR_RETURN(auto file, fs.NewWritableFile(std::string(kPath)));
    AL_RETURN_IF_ERROR(file->Append(bytes));
    AL_RETURN_IF_ERROR(file->Sync());
    return file->Close();
  }

  Result<std::unique_ptr<SegmentReader>> Open() {
    return SegmentReader::Open(fs, std::string(kPath), /*id=*/1, &cache);
  }

  env::MemFileSystem fs;
  SectionCache cache;
};

// Write options of a random block size: sections of items stored whole (0),
// in blocks of an item or two, or in a few blocks.
SegmentWriteOptions RandomWriteOptions() {
  SegmentWriteOptions options;
  options.block_bytes = *rc::gen::element<size_t>(0, 1, 8, 64, 512, kDefaultBlockBytes);
  return options;
}

std::string Build(const std::vector<Event>& rows, SegmentMeta* meta,
                  const SegmentWriteOptions& options) {
  auto bytes = BuildSegment(rows, /*window_start=*/0, options, meta);
  RC_ASSERT(bytes.ok());
  return std::move(*bytes);
}

// `rows` built into one segment, written to `file` and opened.
Result<std::unique_ptr<SegmentReader>> WriteAndOpen(SegmentFile& file,
                                                    const std::vector<Event>& rows,
                                                    const SegmentWriteOptions& options = {}) {
  SegmentMeta meta;
  AL_ASSIGN_OR_RETURN(std::string bytes, BuildSegment(rows, 0, options, &meta));
  AL_RETURN_IF_ERROR(file.Write(bytes));
  return file.Open();
}

std::vector<uint32_t> AllRows(uint32_t count) {
  std::vector<uint32_t> rows(count);
  std::iota(rows.begin(), rows.end(), 0);
  return rows;
}

// Reads every row, every field.
Status ReadAll(const SegmentReader& reader, std::vector<Event>* out) {
  return reader.ReadRows(AllRows(reader.meta().rows), {}, out);
}

// ---- the section cache

struct FakeSection : SectionData {
  explicit FakeSection(size_t bytes) : bytes(bytes) {}
  size_t memory_bytes() const override { return bytes; }
  size_t bytes;
};

// CLOCK: an entry hit since the hand last passed it is spared while there
// are entries that were not; the budget holds throughout. (Lookups flag what
// they find, so the test looks up only what it means to hit.)
TEST(SectionCache, SparesEntriesHitSinceTheHandPassed) {
  constexpr uint64_t kEntries = 16;
  const size_t entry_bytes = 400 + SectionCache::kEntryOverheadBytes;
  SectionCache cache(kEntries * entry_bytes);
  auto insert = [&](uint64_t item) {
    cache.Insert(1, item, std::make_shared<FakeSection>(400));
    EXPECT_NE(cache.Lookup(1, item), nullptr);  // never the entry just inserted
    EXPECT_EQ(cache.usage_bytes(), std::min(item + 1, kEntries) * entry_bytes);
  };
  for (uint64_t item = 0; item < kEntries; ++item) insert(item);
  // Every entry starts flagged: this insertion's hand clears all the flags,
  // then evicts one old entry.
  insert(kEntries);
  // Entry 0, or 1 if 0 went, is hit before every insertion; the other old
  // entries never are, and each insertion finds one of them unflagged.
  const uint64_t hot = cache.Lookup(1, 0) != nullptr ? 0 : 1;
  for (uint64_t item = kEntries + 1; item < 2 * kEntries - 1; ++item) {
    ASSERT_NE(cache.Lookup(1, hot), nullptr) << "before inserting " << item;
    insert(item);
  }
  EXPECT_NE(cache.Lookup(1, hot), nullptr);
  for (uint64_t item = 0; item < kEntries; ++item) {
    if (item == hot) continue;
    EXPECT_EQ(cache.Lookup(1, item), nullptr) << item;
  }
}

TEST(SectionCache, EraseSegmentDropsOnlyThatSegmentsSections) {
  SectionCache cache(1 << 20);
  for (uint32_t section = 0; section < 5; ++section) {
    cache.Insert(7, section, std::make_shared<FakeSection>(10));
    cache.Insert(8, section, std::make_shared<FakeSection>(10));
  }
  // Segment numbers whose keys differ only above the section bits.
  cache.Insert(7 + (1 << 16), 0, std::make_shared<FakeSection>(10));
  cache.EraseSegment(7);
  for (uint32_t section = 0; section < 5; ++section) {
    EXPECT_EQ(cache.Lookup(7, section), nullptr);
    EXPECT_NE(cache.Lookup(8, section), nullptr);
  }
  EXPECT_NE(cache.Lookup(7 + (1 << 16), 0), nullptr);
  EXPECT_EQ(cache.usage_bytes(), 6 * (10u + 64));
}

// Lookups narrow their search on sampled 8-byte prefixes first: values
// sharing long prefixes (generated ids, addresses), shorter than 8 bytes,
// holding zero bytes, and keys between and beyond them all find what a plain
// binary search finds.
TEST(Dictionary, LowerBoundAgreesWithABinarySearchOfTheValues) {
  EXPECT_TRUE(rc::check([](uint16_t seed) {
    std::mt19937 random(seed);
    const std::string alphabet = std::string("ab\0\xff", 4);
    auto random_string = [&] {
      std::string value(random() % 3 == 0 ? "2025-03-0" : "", 0);
      if (random() % 2) value = std::string("01JQMPMX", random() % 9);
      const size_t length = random() % 12;
      for (size_t i = 0; i < length; ++i) value += alphabet[random() % alphabet.size()];
      return value;
    };
    std::set<std::string> distinct;
    const size_t count = random() % 300;
    while (distinct.size() < count) distinct.insert(random_string());
    const std::vector<std::string> values(distinct.begin(), distinct.end());
    std::string bytes;
    PutVarint32(&bytes, static_cast<uint32_t>(values.size()));
    for (const std::string& value : values) PutLengthPrefixed(&bytes, value);
    auto dictionary = Dictionary::Parse(bytes);
    RC_ASSERT(dictionary.ok());
    for (int probe = 0; probe < 200; ++probe) {
      const std::string key =
          probe % 2 == 0 && !values.empty() ? values[random() % values.size()] : random_string();
      const auto expected = static_cast<uint32_t>(
          std::lower_bound(values.begin(), values.end(), key) - values.begin() + 1);
      RC_ASSERT((*dictionary)->LowerBound(key) == expected);
      const bool present = distinct.count(key) != 0;
      RC_ASSERT((*dictionary)->Find(key) == (present ? std::optional(expected) : std::nullopt));
    }
  }));
}

// A random mix of inserts, hits, misses and erased segments against a
// model of what the cache may hold: a hit returns what was inserted under
// its key, the budget holds after every insert, and usage_bytes() is the sum
// of what is still there. The table grows past its first size, and entries
// probe past each other.
TEST(SectionCache, StaysConsistentUnderRandomUse) {
  EXPECT_TRUE(rc::check([](uint8_t seed_byte) {
    const size_t capacity = 64u << 20;
    SectionCache cache(capacity);
    std::mt19937_64 random(seed_byte);
    std::map<std::pair<uint64_t, uint64_t>, std::shared_ptr<const SectionData>> inserted;
    for (int step = 0; step < 4000; ++step) {
      const uint64_t segment = random() % 24;
      const uint64_t item = random() % 3 == 0 ? SectionCache::SectionItem(random() % 40)
                                              : SectionCache::PartItem(random() % 8, random() % 64);
      const int action = static_cast<int>(random() % 10);
      if (action < 5) {
        // Large entries make the budget evict; small ones, many, make the table grow.
        const size_t bytes = random() % 2 ? 4096 + random() % (2u << 20) : random() % 256;
        auto data = std::make_shared<FakeSection>(bytes);
        cache.Insert(segment, item, data);
        RC_ASSERT(cache.usage_bytes() <= capacity);
        // The new entry, or one already there under the key: never none.
        auto now = cache.Lookup(segment, item);
        RC_ASSERT(now != nullptr);
        auto it = inserted.find({segment, item});
        RC_ASSERT(now == data || (it != inserted.end() && now == it->second));
        inserted[{segment, item}] = now;
      } else if (action < 9) {
        if (auto hit = cache.Lookup(segment, item)) {
          auto it = inserted.find({segment, item});
          RC_ASSERT(it != inserted.end());
          RC_ASSERT(hit == it->second);
        }
      } else {
        cache.EraseSegment(segment);
        for (uint64_t any = 0; any < 64; ++any)
          RC_ASSERT(cache.Lookup(segment, SectionCache::PartItem(0, any)) == nullptr);
      }
    }
    size_t held = 0;
    for (const auto& [key, data] : inserted)
      if (auto hit = cache.Lookup(key.first, key.second)) {
        RC_ASSERT(hit == data);
        held += data->memory_bytes() + SectionCache::kEntryOverheadBytes;
      }
    RC_ASSERT(cache.usage_bytes() == held);
  }));
}

TEST(SectionCache, KeepsAnEntryLargerThanItsBudget) {
  SectionCache cache(1000);
  cache.Insert(1, 0, std::make_shared<FakeSection>(100));
  cache.Insert(1, 1, std::make_shared<FakeSection>(5000));
  EXPECT_EQ(cache.Lookup(1, 0), nullptr);
  EXPECT_NE(cache.Lookup(1, 1), nullptr);
  EXPECT_EQ(cache.usage_bytes(), 5000u + SectionCache::kEntryOverheadBytes);
}

// Queries on several threads share the cache; run under the sanitizers.
TEST(SectionCache, ServesSeveralThreadsAtOnce) {
  SectionCache cache(64u << 20);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 random(t);
      for (int step = 0; step < 20000; ++step) {
        const uint64_t segment = random() % 16, item = random() % 256;
        // An entry's size tells its key, so a hit can be checked.
        const size_t bytes = 1024 * (1 + segment * 256 + item);
        if (auto hit = cache.Lookup(segment, item)) {
          if (hit->memory_bytes() != bytes) ++wrong;
        } else {
          cache.Insert(segment, item, std::make_shared<FakeSection>(bytes));
        }
        if (step % 5000 == 4999) cache.EraseSegment(segment);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(cache.usage_bytes(), cache.capacity_bytes());
}

// ---- (a) round trip

// The memtable's rows are written from their encodings, located in place:
// the file must be byte for byte the one built from the decoded Events.
RC_GTEST_PROP(SegmentProperty, EncodedRowsBuildTheSameBytesAsEvents, ()) {
  const std::vector<Event> rows = RandomRows();
  std::vector<std::string> encodings(rows.size());
  std::vector<event::EncodedEventFields> located(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    event::AppendEncodedEvent(rows[i], &encodings[i]);
    RC_ASSERT(located[i].Locate(encodings[i]).ok());
  }
  SegmentMeta from_events, from_encodings;
  const SegmentWriteOptions options = RandomWriteOptions();
  const std::string expected = Build(rows, &from_events, options);
  auto bytes = BuildSegment(std::span<const event::EncodedEventFields>(located), 0, options,
                            &from_encodings);
  RC_ASSERT(bytes.ok());
  RC_ASSERT(*bytes == expected);
  RC_ASSERT(from_encodings == from_events);
}

RC_GTEST_PROP(SegmentProperty, ReadRowsReturnsWhatWasWritten, ()) {
  const std::vector<Event> rows = RandomRows();
  SegmentMeta meta;
  const std::string bytes = Build(rows, &meta, RandomWriteOptions());
  SegmentFile file;
  RC_ASSERT(file.Write(bytes).ok());
  auto reader = file.Open();
  RC_ASSERT(reader.ok());
  meta.file_bytes = bytes.size();
  RC_ASSERT((*reader)->meta() == meta);
  RC_ASSERT(meta.rows == rows.size());
  RC_ASSERT(meta.min_time == *rows.front().timestamp);
  RC_ASSERT(meta.max_time == *rows.back().timestamp);

  std::vector<Event> read;
  RC_ASSERT(ReadAll(**reader, &read).ok());
  RC_ASSERT(read == rows);

  // Some rows, in any order, some fields: id and seq always, the rest as asked
  // (Project is what a query does with the same field list).
  std::vector<uint32_t> some = *rc::gen::container<std::vector<uint32_t>>(
      rc::gen::inRange<uint32_t>(0, static_cast<uint32_t>(rows.size())));
  query::Query projection;
  std::vector<size_t> field_indexes;
  const auto fields = event::AllFields();
  for (size_t field = 0; field < fields.size(); ++field) {
    if (*rc::gen::inRange(0, 4) != 0) continue;
    field_indexes.push_back(field);
    projection.fields.push_back(&fields[field]);
  }
  std::vector<Event> partial;
  RC_ASSERT((*reader)->ReadRows(some, field_indexes, &partial).ok());
  RC_ASSERT(partial.size() == some.size());
  for (size_t i = 0; i < some.size(); ++i) {
    Event expected = rows[some[i]];
    if (!field_indexes.empty()) {
      query::Project(projection, &expected);
      // Project empties `id` when the field list names it (it moves the id
      // out twice); the id is always returned.
      expected.id = rows[some[i]].id;
    }
    RC_ASSERT(partial[i] == expected);
  }

  // As views, rendered: the same JSON as the events. The views outlive
  // their sections in a cache of one entry (each read evicts the one
  // before): what they point into is held.
  SegmentFile small_cache(1);
  RC_ASSERT(small_cache.Write(bytes).ok());
  auto small_reader = small_cache.Open();
  RC_ASSERT(small_reader.ok());
  for (const std::vector<size_t>& read_fields : {std::vector<size_t>{}, field_indexes}) {
    std::vector<uint32_t> which = read_fields.empty() ? AllRows(meta.rows) : some;
    std::vector<event::EventView> views(which.size());
    std::vector<event::EventView*> slots;
    for (event::EventView& view : views) slots.push_back(&view);
    std::vector<std::shared_ptr<const SectionData>> held;
    RC_ASSERT((*small_reader)->ReadRowViews(which, read_fields, slots, &held).ok());
    const std::vector<Event>& events = read_fields.empty() ? read : partial;
    for (size_t i = 0; i < which.size(); ++i) {
      std::string rendered;
      event::AppendEventJson(views[i], &rendered);
      RC_ASSERT(rendered == event::EventToJson(events[i]));
    }
  }
}

// geo.* and ua.* are numbered by guessing from the row's ip and user_agent
// (the writer's Numbering): rows that share an address or an agent but not
// its enrichment (a client's own geo, a database replaced between events)
// must still keep their own values, and absent ones stay absent.
TEST(Segment, RowsSharingASourceKeepTheirOwnDerivedValues) {
  struct Derived {
    std::string ip, country;
    std::optional<double> latitude;
    std::string user_agent, browser;
  };
  const std::vector<Derived> derived = {
      {"198.51.100.7", "DE", 52.5, "agent-a", "Chrome"},
      {"198.51.100.7", "DE", 52.5, "agent-a", "Chrome"},
      {"198.51.100.7", "FR", 48.9, "agent-a", "Firefox"},
      {"198.51.100.7", "DE", 52.5, "agent-b", "Chrome"},
      {"198.51.100.7", "", std::nullopt, "agent-a", ""},
      {"203.0.113.9", "DE", 48.9, "agent-b", "Chrome"},
      {"198.51.100.7", "FR", 52.5, "agent-a", "Chrome"},
      {"", "FR", std::nullopt, "", "Safari"},
  };
  std::vector<Event> rows(derived.size());
  for (size_t row = 0; row < rows.size(); ++row) {
    rows[row].tenant = "t";
    rows[row].seq = row + 1;
    rows[row].id = fmt::format("id-{}", row);
    rows[row].timestamp = kBaseMicros + static_cast<int64_t>(row);
    rows[row].ip = derived[row].ip;
    rows[row].geo.country_code = derived[row].country;
    rows[row].geo.latitude = derived[row].latitude;
    rows[row].user_agent = derived[row].user_agent;
    rows[row].ua.name = derived[row].browser;
  }
  SegmentFile file;
  auto reader = WriteAndOpen(file, rows);
  AL_ASSERT_OK(reader);
  std::vector<Event> read;
  AL_ASSERT_OK(ReadAll(**reader, &read));
  EXPECT_EQ(read, rows);
}

TEST(Segment, CodesWiderThanTwoBytesRoundTrip) {
  // More than 65535 distinct ids: the id code column needs three bytes a row.
  std::vector<Event> rows(70'000);
  for (size_t row = 0; row < rows.size(); ++row) {
    rows[row].tenant = "t";
    rows[row].seq = row + 1;
    rows[row].id = fmt::format("{:08}", row);
    rows[row].timestamp = kBaseMicros + static_cast<int64_t>(row / 3);
  }
  SegmentMeta meta;
  AL_ASSERT_OK_AND_ASSIGN(std::string bytes, BuildSegment(rows, 0, {}, &meta));
  SegmentFile file;
  AL_ASSERT_OK(file.Write(bytes));
  AL_ASSERT_OK_AND_ASSIGN(auto reader, file.Open());
  static const size_t kIdField = event::FieldIndexOf(*event::FindField("id"));
  size_t codes_index = 0;
  while (codes_index < reader->sections().size() &&
         !(reader->sections()[codes_index].kind == SectionKind::kCodes &&
           reader->sections()[codes_index].field == kIdField))
    ++codes_index;
  AL_ASSERT_OK_AND_ASSIGN(std::string codes_section, reader->ReadSection(codes_index));
  EXPECT_EQ(codes_section[0], 3);  // the width byte
  std::vector<Event> read;
  AL_ASSERT_OK(ReadAll(*reader, &read));
  EXPECT_TRUE(read == rows);
}

// ---- sections stored in blocks

Status ReadEverything(const SegmentReader& reader, std::vector<Event>* rows);

// Rows whose id, description and details are all distinct: with small
// blocks, each of those sections is cut into many.
std::vector<Event> DistinctRows(size_t count) {
  std::vector<Event> rows(count);
  for (size_t row = 0; row < count; ++row) {
    Event& event = rows[row];
    event.tenant = "t";
    event.seq = row + 1;
    event.id = fmt::format("evt-{:06}", row);
    event.timestamp = kBaseMicros + static_cast<int64_t>(row);
    event.type = row % 3 == 0 ? "user.login" : "user.logout";
    event.description = fmt::format("user {} signed in from office {}", row * 7919 % 1000, row);
    event.details = fmt::format(R"({{"n":{},"note":"row {}"}})", row, row);
  }
  return rows;
}

// The index of the (kind, field) section; sections().size() when none.
size_t SectionIndex(const SegmentReader& reader, SectionKind kind, std::string_view path) {
  const size_t field = event::FieldIndexOf(*event::FindField(path));
  for (size_t index = 0; index < reader.sections().size(); ++index)
    if (reader.sections()[index].kind == kind && reader.sections()[index].field == field)
      return index;
  return reader.sections().size();
}

TEST(Segment, LargeSectionsOfItemsAreReadOneBlockAtATime) {
  const std::vector<Event> rows = DistinctRows(3000);
  SegmentWriteOptions options;
  options.block_bytes = 1024;
  SegmentMeta meta;
  AL_ASSERT_OK_AND_ASSIGN(std::string bytes, BuildSegment(rows, 0, options, &meta));
  // Blocks need version 2, in the header and the footer.
  EXPECT_EQ(DecodeFixed32(bytes.data() + 8), kBlocksFormatVersion);
  EXPECT_EQ(DecodeFixed32(bytes.data() + bytes.size() - 12), kBlocksFormatVersion);
  {
    // Stamped version 1, the file is refused: a version 1 reader would not
    // know the codec.
    std::string as_version_1 = bytes;
    EncodeFixed32(as_version_1.data() + 8, kFormatVersion);
    EncodeFixed32(as_version_1.data() + as_version_1.size() - 12, kFormatVersion);
    SegmentFile old_file;
    AL_ASSERT_OK(old_file.Write(as_version_1));
    auto opened = old_file.Open();
    ASSERT_EQ(opened.status().code(), StatusCode::kCorruption);
    EXPECT_THAT(std::string(opened.status().message()),
                ::testing::HasSubstr("is stored in blocks in a version 1 file"));
  }
  SegmentFile file;
  AL_ASSERT_OK(file.Write(bytes));
  AL_ASSERT_OK_AND_ASSIGN(auto reader, file.Open());
  std::vector<size_t> large;
  for (auto [kind, path] :
       {std::pair(SectionKind::kDictionary, "id"), std::pair(SectionKind::kCodes, "id"),
        std::pair(SectionKind::kDictionary, "description"),
        std::pair(SectionKind::kRaw, "details")}) {
    const size_t index = SectionIndex(*reader, kind, path);
    ASSERT_LT(index, reader->sections().size()) << path;
    EXPECT_EQ(reader->sections()[index].codec, SectionCodec::kZstdBlocks) << path;
    large.push_back(index);
  }
  // Two values: small, whole.
  EXPECT_NE(reader->sections()[SectionIndex(*reader, SectionKind::kDictionary, "type")].codec,
            SectionCodec::kZstdBlocks);

  // One row reads a block of each large section, not the sections.
  std::vector<Event> one;
  AL_ASSERT_OK(reader->ReadRows(std::vector<uint32_t>{1234}, {}, &one));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_TRUE(one[0] == rows[1234]);
  for (size_t index : large)
    EXPECT_EQ(file.cache.Lookup(/*segment_id=*/1, SectionCache::SectionItem(index)), nullptr)
        << index;

  // More rows than half the blocks of the id codes: a run of neighbours lies
  // in one or two blocks and is still read from them; rows spread over every
  // block are read from the whole sections.
  const size_t id_codes = SectionIndex(*reader, SectionKind::kCodes, "id");
  AL_ASSERT_OK_AND_ASSIGN(std::string id_codes_raw, reader->ReadSection(id_codes));
  const size_t id_code_blocks = (id_codes_raw.size() + 1023) / 1024;
  ASSERT_GE(id_code_blocks, 4u);
  std::vector<uint32_t> run, spread;
  for (uint32_t row = 1500; run.size() < 2 * id_code_blocks + 2; ++row) run.push_back(row);
  const size_t spread_rows = 2 * id_code_blocks + 2;
  for (size_t i = 0; i < spread_rows; ++i)
    spread.push_back(static_cast<uint32_t>(i * rows.size() / spread_rows));
  std::vector<Event> read_run, read_spread;
  AL_ASSERT_OK(reader->ReadRows(run, {}, &read_run));
  for (size_t i = 0; i < run.size(); ++i) ASSERT_TRUE(read_run[i] == rows[run[i]]) << run[i];
  EXPECT_EQ(file.cache.Lookup(/*segment_id=*/1, SectionCache::SectionItem(id_codes)), nullptr);
  AL_ASSERT_OK(reader->ReadRows(spread, {}, &read_spread));
  for (size_t i = 0; i < spread.size(); ++i)
    ASSERT_TRUE(read_spread[i] == rows[spread[i]]) << spread[i];
  EXPECT_NE(file.cache.Lookup(/*segment_id=*/1, SectionCache::SectionItem(id_codes)), nullptr);

  // Rows read alone or a few at once from blocks, then all at once from the
  // whole sections, read the same.
  for (uint32_t row = 0; row < rows.size(); row += 97) {
    std::vector<Event> read;
    AL_ASSERT_OK(reader->ReadRows(std::vector<uint32_t>{row, 2999 - row}, {}, &read));
    ASSERT_EQ(read.size(), 2u);
    EXPECT_TRUE(read[0] == rows[row]) << row;
    EXPECT_TRUE(read[1] == rows[2999 - row]) << row;
  }
  std::vector<Event> all;
  AL_ASSERT_OK(ReadAll(*reader, &all));
  EXPECT_TRUE(all == rows);

  // The dump reads them too.
  std::string dump;
  AL_ASSERT_OK(DumpSegment(file.fs, std::string(kPath), &dump));
  EXPECT_THAT(dump, ::testing::HasSubstr("#0 dictionary id: zstd-blocks @12 stored "));
  EXPECT_THAT(dump, ::testing::HasSubstr("crc ok; 3000 values \"evt-000000\""));
  EXPECT_THAT(dump, ::testing::Not(::testing::HasSubstr("BAD")));

  // Written without blocks, the same rows make the same events.
  options.block_bytes = 0;
  AL_ASSERT_OK_AND_ASSIGN(std::string whole, BuildSegment(rows, 0, options, &meta));
  EXPECT_EQ(DecodeFixed32(whole.data() + 8), kFormatVersion);
  SegmentFile whole_file;
  AL_ASSERT_OK(whole_file.Write(whole));
  AL_ASSERT_OK_AND_ASSIGN(auto whole_reader, whole_file.Open());
  for (const SectionEntry& entry : whole_reader->sections())
    EXPECT_NE(entry.codec, SectionCodec::kZstdBlocks);
  std::vector<Event> all_whole;
  AL_ASSERT_OK(ReadAll(*whole_reader, &all_whole));
  EXPECT_TRUE(all_whole == rows);
}

RC_GTEST_PROP(SegmentProperty, DamageFoundByABlockReadIsCorruption, ()) {
  const std::vector<Event> rows = DistinctRows(*rc::gen::inRange<size_t>(200, 800));
  SegmentWriteOptions options;
  options.block_bytes = *rc::gen::element<size_t>(64, 512);
  SegmentMeta meta;
  auto built = BuildSegment(rows, 0, options, &meta);
  RC_ASSERT(built.ok());
  std::string bytes = std::move(*built);
  // A byte of a section stored in blocks: its index or one of its frames.
  std::vector<SectionEntry> blocked;
  {
    SegmentFile clean;
    RC_ASSERT(clean.Write(bytes).ok());
    auto reader = clean.Open();
    RC_ASSERT(reader.ok());
    for (const SectionEntry& entry : (*reader)->sections())
      if (entry.codec == SectionCodec::kZstdBlocks) blocked.push_back(entry);
  }
  RC_ASSERT(!blocked.empty());
  const SectionEntry& target = *rc::gen::elementOf(blocked);
  const size_t offset = target.offset + *rc::gen::inRange<size_t>(0, target.stored_bytes);
  bytes[offset] = static_cast<char>(bytes[offset] ^ *rc::gen::inRange<int>(1, 256));

  SegmentFile file;
  RC_ASSERT(file.Write(bytes).ok());
  auto reader = file.Open();
  RC_ASSERT(reader.ok());
  std::vector<Event> read;
  const auto row = *rc::gen::inRange<uint32_t>(0, static_cast<uint32_t>(rows.size()));
  const Status status = (*reader)->ReadRows(std::vector<uint32_t>{row}, {}, &read);
  // A block read is checked by its own checksum: the damage is found when
  // the read covers it, and reported at the section's offset.
  if (!status.ok()) {
    RC_ASSERT(status.code() == StatusCode::kCorruption);
    RC_ASSERT(
        std::string(status.message())
            .starts_with(fmt::format("segment {} at offset {}: section ", kPath, target.offset)));
  } else {
    RC_ASSERT(read.size() == 1u && read[0] == rows[row]);
  }
  RC_ASSERT(ReadEverything(**reader, &read).code() == StatusCode::kCorruption);
}

TEST(Segment, BuildRejectsWhatASegmentCannotHold) {
  SegmentMeta meta;
  EXPECT_EQ(BuildSegment(std::span<const Event>(), 0, {}, &meta).status().code(),
            StatusCode::kInvalidArgument);
  std::vector<Event> rows(2);
  for (size_t row = 0; row < rows.size(); ++row) {
    rows[row].tenant = "t";
    rows[row].seq = 2 - row;  // (timestamp, seq) descending
    rows[row].id = std::to_string(row);
    rows[row].timestamp = kBaseMicros;
  }
  EXPECT_EQ(BuildSegment(rows, 0, {}, &meta).status().code(), StatusCode::kInvalidArgument);
  rows[0].seq = 1;
  rows[1].seq = 2;
  ASSERT_TRUE(BuildSegment(rows, 0, {}, &meta).ok());
  rows[1].tenant = "u";
  EXPECT_THAT(BuildSegment(rows, 0, {}, &meta).status().message(),
              ::testing::HasSubstr("row 1 has another tenant"));
  rows[1].tenant = "t";
  rows[0].seq = 0;
  EXPECT_THAT(BuildSegment(rows, 0, {}, &meta).status().message(),
              ::testing::HasSubstr("row 0 has another tenant, no timestamp or no seq"));
}

// Dictionaries are in byte order, whatever the values share: long common
// prefixes (ordered eight bytes at a time), NUL bytes, bytes above 0x7f, and
// values that are prefixes of others ("ab" < "ab\0" < "ab\0\0" < "abc").
RC_GTEST_PROP(SegmentProperty, DictionariesAreInByteOrder, ()) {
  const std::string common = *rc::gen::container<std::string>(
      *rc::gen::inRange<size_t>(0, 24), rc::gen::element<char>('a', 'b', '\0'));
  const size_t row_count = *rc::gen::inRange<size_t>(1, 300);
  std::vector<Event> rows(row_count);
  std::set<std::string> values;
  for (size_t row = 0; row < row_count; ++row) {
    rows[row].tenant = "t";
    rows[row].seq = row + 1;
    rows[row].timestamp = kBaseMicros + static_cast<int64_t>(row);
    rows[row].id = common + *rc::gen::container<std::string>(
                                *rc::gen::inRange<size_t>(0, 20),
                                rc::gen::element<char>('\0', 'a', 'b', '\x7f', '\xff'));
    if (rows[row].id.empty()) rows[row].id = "x";
    // Ids are unique in a segment: a repeat is made unique.
    if (!values.insert(rows[row].id).second) {
      rows[row].id += "#" + std::to_string(row);
      values.insert(rows[row].id);
    }
  }
  SegmentFile file;
  auto reader = WriteAndOpen(file, rows);
  RC_ASSERT(reader.ok());
  const size_t id_field = event::FieldIndexOf(*event::FindField("id"));
  auto dictionary = (*reader)->GetDictionary(id_field);
  RC_ASSERT(dictionary.ok());
  std::vector<std::string> stored;
  for (uint32_t code = 1; code <= (*dictionary)->size(); ++code)
    stored.emplace_back((*dictionary)->value(code));
  RC_ASSERT(stored == std::vector<std::string>(values.begin(), values.end()));
}

RC_GTEST_PROP(SegmentProperty, DoubleKeysSortAsTheValuesDo, (double a, double b)) {
  RC_PRE(!std::isnan(a) && !std::isnan(b));
  const std::string key_a = EncodeDoubleKey(a), key_b = EncodeDoubleKey(b);
  RC_ASSERT(key_a.size() == 8u);
  const int key_order = key_a < key_b ? -1 : key_a > key_b ? 1 : 0;
  RC_ASSERT(key_order == query::CompareScalars(Scalar(a), Scalar(b)));
  RC_ASSERT(std::signbit(DecodeDoubleKey(key_a)) == std::signbit(a));
  RC_ASSERT(DecodeDoubleKey(key_a) == a);
}

// ---- (b) filters agree with the reference matcher

const std::vector<std::string_view>& FilterFields() {
  static const auto* paths = new std::vector<std::string_view>{
      "id",          "tenant",      "seq",    "timestamp",      "received_at",
      "type",        "description", "result", "result_message", "origin_value",
      "details",     "actor.id",    "ip",     "user_agent",     "geo.latitude",
      "ua.is_mobile"};
  return *paths;
}

// A value of the type `field` takes, often one the rows hold.
Scalar RandomScalar(const FieldSpec& field, const std::vector<Event>& rows) {
  const Event& row = rows[*rc::gen::inRange<size_t>(0, rows.size())];
  const bool from_rows = *rc::gen::inRange(0, 3) != 0;
  if (from_rows) {
    if (auto value = query::FieldValue(field, row)) {
      // A prefix of a stored string, for prefix filters and near misses.
      auto* text = std::get_if<std::string>(&*value);
      if (text != nullptr && field.type != FieldType::kOutcome && *rc::gen::inRange(0, 3) == 0)
        return text->substr(0, *rc::gen::inRange<size_t>(0, text->size() + 1));
      return *value;
    }
  }
  switch (field.type) {
    case FieldType::kTime:
      return RandomTime();
    case FieldType::kUint64:
      return *rc::gen::inRange<int64_t>(0, static_cast<int64_t>(rows.size()) + 2);
    case FieldType::kDouble:
      return RandomDouble();
    case FieldType::kBool:
      return *rc::gen::arbitrary<bool>();
    case FieldType::kOutcome:
      return std::string(*rc::gen::element("success", "failure"));
    default:
      return RandomWord();
  }
}

Filter RandomFilter(const std::vector<Event>& rows, int depth) {
  const int choice = *rc::gen::inRange(0, depth > 0 ? 12 : 8);
  if (choice >= 8) {
    if (choice == 11) return Filter::Not(RandomFilter(rows, depth - 1));
    std::vector<Filter> children(*rc::gen::inRange<size_t>(0, 4));
    for (Filter& child : children) child = RandomFilter(rows, depth - 1);
    return choice == 8 ? Filter::Or(std::move(children)) : Filter::And(std::move(children));
  }
  const FieldSpec& field = *event::FindField(*rc::gen::elementOf(FilterFields()));
  const bool is_string = field.type == FieldType::kKeyword || field.type == FieldType::kText ||
                         field.type == FieldType::kJson;
  switch (choice) {
    case 0:
      return Filter::Eq(field, RandomScalar(field, rows));
    case 1: {
      std::vector<Scalar> values(*rc::gen::inRange<size_t>(1, 5));
      for (Scalar& value : values) value = RandomScalar(field, rows);
      return Filter::In(field, std::move(values));
    }
    case 2:
      if (is_string) return Filter::Prefix(field, std::get<std::string>(RandomScalar(field, rows)));
      return Filter::Exists(field);
    case 3:
    case 4: {
      if (field.type == FieldType::kBool) return Filter::Eq(field, RandomScalar(field, rows));
      std::optional<query::RangeBound> lower, upper;
      if (*rc::gen::inRange(0, 4) != 0)
        lower = query::RangeBound{RandomScalar(field, rows), *rc::gen::arbitrary<bool>()};
      if (*rc::gen::inRange(0, 4) != 0)
        upper = query::RangeBound{RandomScalar(field, rows), *rc::gen::arbitrary<bool>()};
      if (lower && upper && query::CompareScalars(lower->value, upper->value) > 0)
        std::swap(lower->value, upper->value);
      return Filter::Range(field, std::move(lower), std::move(upper));
    }
    case 5:
    case 6:
      if (field.index == event::IndexKind::kTokens) {
        std::string text = RandomText();
        if (!query::QueryTokens(text).empty()) return Filter::Text(field, std::move(text));
      }
      return Filter::Exists(field);
    default:
      return Filter::Exists(field);
  }
}

RC_GTEST_PROP(SegmentProperty, FiltersAgreeWithTheReferenceMatcher, ()) {
  const std::vector<Event> rows = RandomRows();
  SegmentMeta meta;
  SegmentFile file;
  RC_ASSERT(file.Write(Build(rows, &meta, RandomWriteOptions())).ok());
  auto reader = file.Open();
  RC_ASSERT(reader.ok());
  const int filters = *rc::gen::inRange(1, 8);
  for (int filter_idx = 0; filter_idx < filters; ++filter_idx) {
    const Filter filter = RandomFilter(rows, *rc::gen::inRange(0, 4));
    RC_ASSERT(query::ValidateFilter(filter).ok());
    query::TimeRange range;
    if (*rc::gen::arbitrary<bool>()) range.from = RandomTime();
    if (*rc::gen::arbitrary<bool>()) range.to = RandomTime();

    auto matched = EvaluateFilter(**reader, filter);
    RC_ASSERT(matched.ok());
    auto in_range = MatchingRows(**reader, filter, range);
    RC_ASSERT(in_range.ok());
    Roaring expected, expected_in_range;
    for (uint32_t row = 0; row < rows.size(); ++row) {
      if (!query::Matches(filter, rows[row])) continue;
      expected.add(row);
      if (query::InTimeRange(range, rows[row])) expected_in_range.add(row);
    }
    RC_LOG() << query::DebugString(filter) << "\n";
    RC_ASSERT(*matched == expected);
    RC_ASSERT(*in_range == expected_in_range);
    // Counted without the rows, where it can be, the same number.
    auto counted = CountMatchingRows(**reader, filter, range);
    RC_ASSERT(counted.ok());
    if (counted->has_value()) RC_ASSERT(**counted == expected_in_range.cardinality());
  }
}

TEST(Segment, CountsEqAndInFiltersWithoutTheirRows) {
  const std::vector<Event> rows = DistinctRows(300);
  SegmentFile file;
  AL_ASSERT_OK_AND_ASSIGN(auto reader, WriteAndOpen(file, rows));
  const FieldSpec& type = *event::FindField("type");
  const FieldSpec& id = *event::FindField("id");
  auto expect_count = [&](const Filter& filter, const query::TimeRange& range) {
    AL_ASSERT_OK_AND_ASSIGN(std::optional<uint64_t> counted,
                            CountMatchingRows(*reader, filter, range));
    AL_ASSERT_OK_AND_ASSIGN(Roaring matched, MatchingRows(*reader, filter, range));
    ASSERT_TRUE(counted.has_value()) << query::DebugString(filter);
    EXPECT_EQ(*counted, matched.cardinality()) << query::DebugString(filter);
  };
  const query::TimeRange everything;
  expect_count(Filter::All(), everything);
  expect_count(Filter::Eq(type, rows[0].type), everything);  // posting lists
  expect_count(Filter::In(id, {Scalar(rows[3].id), Scalar(rows[7].id), Scalar("absent")}),
               everything);  // unique values: no posting lists
  expect_count(Filter::Eq(type, std::string("no-such-type")), everything);
  // Not counted: a range cutting the segment, or a filter with no posting
  // lengths to add up.
  query::TimeRange cut;
  cut.from = *rows[rows.size() / 2].timestamp;
  AL_ASSERT_OK_AND_ASSIGN(auto partial, CountMatchingRows(*reader, Filter::All(), cut));
  EXPECT_FALSE(partial.has_value());
  AL_ASSERT_OK_AND_ASSIGN(
      auto negated,
      CountMatchingRows(*reader, Filter::Not(Filter::Eq(type, rows[0].type)), everything));
  EXPECT_FALSE(negated.has_value());
}

// ---- (c) the manifest encoding

Manifest RandomManifest() {
  Manifest manifest;
  manifest.next_file_number = *rc::gen::arbitrary<uint64_t>();
  manifest.log_number = *rc::gen::arbitrary<uint64_t>();
  const size_t tenants = *rc::gen::inRange<size_t>(0, 5);
  for (size_t i = 0; i < tenants; ++i)
    manifest.last_seq[RandomWord()] = *rc::gen::arbitrary<uint64_t>();
  manifest.segments.resize(*rc::gen::inRange<size_t>(0, 5));
  for (ManifestSegment& segment : manifest.segments) {
    segment.file_number = *rc::gen::arbitrary<uint64_t>();
    segment.meta.tenant = RandomWord();
    segment.meta.rows = *rc::gen::arbitrary<uint32_t>();
    segment.meta.window_start = *rc::gen::arbitrary<int64_t>();
    segment.meta.min_time = *rc::gen::arbitrary<int64_t>();
    segment.meta.max_time = *rc::gen::arbitrary<int64_t>();
    segment.meta.min_seq = *rc::gen::arbitrary<uint64_t>();
    segment.meta.max_seq = *rc::gen::arbitrary<uint64_t>();
    segment.meta.file_bytes = *rc::gen::arbitrary<uint64_t>();
  }
  return manifest;
}

RC_GTEST_PROP(ManifestProperty, DecodeReturnsWhatWasEncoded, ()) {
  const Manifest manifest = RandomManifest();
  const std::string bytes = EncodeManifest(manifest);
  auto decoded = DecodeManifest(bytes);
  RC_ASSERT(decoded.ok());
  RC_ASSERT(*decoded == manifest);
  for (size_t prefix_bytes = 0; prefix_bytes < bytes.size(); ++prefix_bytes)
    RC_ASSERT(DecodeManifest(std::string_view(bytes).substr(0, prefix_bytes)).status().code() ==
              StatusCode::kCorruption);
}

RC_GTEST_PROP(ManifestProperty, RandomBytesDecodeOrFailCleanly, (const std::string& bytes)) {
  auto decoded = DecodeManifest(bytes);
  if (!decoded.ok()) {
    RC_ASSERT(decoded.status().code() == StatusCode::kCorruption);
    return;
  }
  // Accepted: it says something a manifest can say, once more in canonical form.
  RC_ASSERT(DecodeManifest(EncodeManifest(*decoded)).value() == *decoded);
}

RC_GTEST_PROP(ManifestProperty, AnyDamagedByteOfTheFileIsCorruption, ()) {
  const Manifest manifest = RandomManifest();
  env::MemFileSystem fs;
  RC_ASSERT(fs.CreateDirs("/db").ok());
  RC_ASSERT(SaveManifest(fs, "/db", manifest).ok());
  RC_ASSERT(LoadManifest(fs, "/db").value() == manifest);
  std::string framed;
  RC_ASSERT((*fs.OpenForRead("/db/MANIFEST"))->Read(0, 1 << 20, &framed).ok());
  const size_t offset = *rc::gen::inRange<size_t>(0, framed.size());
  framed[offset] =
      static_cast<char>(framed[offset] ^ *rc::gen::inRange<int>(1, 256));  // never a no-op
  auto file = fs.NewWritableFile("/db/MANIFEST");
  RC_ASSERT(file.ok());
  RC_ASSERT((*file)->Append(framed).ok());
  RC_ASSERT((*file)->Sync().ok());
  RC_ASSERT(LoadManifest(fs, "/db").status().code() == StatusCode::kCorruption);
}

// ---- (d) damage is always reported

// Reads everything a query could: each section raw, each typed section of each
// field, every row. The first error, or OK.
Status ReadEverything(const SegmentReader& reader, std::vector<Event>* rows) {
  for (size_t index = 0; index < reader.sections().size(); ++index)
    AL_RETURN_IF_ERROR(reader.ReadSection(index).status());
  const auto fields = event::AllFields();
  for (size_t field = 0; field < fields.size(); ++field) {
    switch (fields[field].type) {
      case FieldType::kTime:
        AL_RETURN_IF_ERROR(reader.GetTimes(field).status());
        break;
      case FieldType::kUint64:
        AL_RETURN_IF_ERROR(reader.GetSeqs().status());
        break;
      case FieldType::kJson:
        AL_RETURN_IF_ERROR(reader.GetRaw(field).status());
        break;
      default:
        AL_RETURN_IF_ERROR(reader.GetCodes(field).status());
        AL_RETURN_IF_ERROR(reader.GetPostings(field).status());
        if (fields[field].index == event::IndexKind::kTokens)
          AL_RETURN_IF_ERROR(reader.GetTokenTerms(field).status());
    }
  }
  return ReadAll(reader, rows);
}

// Small segments: the property is about the bytes, not the row count.
std::vector<Event> SmallRandomRows() {
  std::vector<Event> rows = RandomRows();
  if (rows.size() > 40) rows.resize(40);
  return rows;
}

RC_GTEST_PROP(SegmentProperty, AnyDamagedByteIsReportedAsCorruption, ()) {
  const std::vector<Event> rows = SmallRandomRows();
  SegmentMeta meta;
  std::string bytes = Build(rows, &meta, RandomWriteOptions());
  const size_t offset = *rc::gen::inRange<size_t>(0, bytes.size());
  bytes[offset] = static_cast<char>(bytes[offset] ^ *rc::gen::inRange<int>(1, 256));
  SegmentFile file;
  RC_ASSERT(file.Write(bytes).ok());
  auto reader = file.Open();
  Status status = reader.status();
  std::vector<Event> read;
  if (reader.ok()) status = ReadEverything(**reader, &read);
  // Every byte is under a check: the magics, both copies of the version, the
  // footer's directory bounds, the directory's and each section's checksum.
  RC_ASSERT(status.code() == StatusCode::kCorruption);
  const std::string message(status.message());
  RC_ASSERT(message.starts_with(fmt::format("segment {} at offset ", kPath)));
  if (reader.ok()) {
    // Damage inside a section is reported at that section's offset.
    bool in_reported_section = false;
    for (size_t index = 0; index < (*reader)->sections().size(); ++index) {
      const SectionEntry& entry = (*reader)->sections()[index];
      if (offset >= entry.offset && offset < entry.offset + entry.stored_bytes)
        in_reported_section = message.starts_with(
            fmt::format("segment {} at offset {}: section {} ", kPath, entry.offset, index));
    }
    RC_ASSERT(in_reported_section);
  }
}

RC_GTEST_PROP(SegmentProperty, CutOrExtendedFilesDoNotOpen, ()) {
  const std::vector<Event> rows = SmallRandomRows();
  SegmentMeta meta;
  std::string bytes = Build(rows, &meta, RandomWriteOptions());
  if (*rc::gen::arbitrary<bool>()) {
    bytes.resize(*rc::gen::inRange<size_t>(0, bytes.size()));
  } else {
    bytes += *rc::gen::nonEmpty(rc::gen::arbitrary<std::string>());
  }
  SegmentFile file;
  RC_ASSERT(file.Write(bytes).ok());
  auto reader = file.Open();
  RC_ASSERT(reader.status().code() == StatusCode::kCorruption);
}

// ---- (e) checksum-valid files a buggy or later writer could produce

// A segment file taken apart: its data area (header and sections) and its
// directory.
struct ParsedSegment {
  std::string data;
  SegmentMeta meta;
  std::vector<SectionEntry> entries;
};

Result<ParsedSegment> ParseSegment(const std::string& bytes) {
  ParsedSegment parsed;
  const uint64_t directory_offset = DecodeFixed64(bytes.data() + bytes.size() - kFooterBytes);
  parsed.data = bytes.substr(0, directory_offset);
  AL_RETURN_IF_ERROR(SegmentReader::ParseDirectory(
      std::string_view(bytes).substr(directory_offset,
                                     bytes.size() - kFooterBytes - directory_offset),
      &parsed.meta, &parsed.entries));
  return parsed;
}

// The file of `parsed`, with a directory and footer that check.
std::string Reassemble(const ParsedSegment& parsed) {
  std::string directory;
  PutSegmentMeta(&directory, parsed.meta);
  PutVarint32(&directory, static_cast<uint32_t>(parsed.entries.size()));
  for (const SectionEntry& entry : parsed.entries) {
    directory.push_back(static_cast<char>(entry.kind));
    directory.push_back(static_cast<char>(entry.field));
    directory.push_back(static_cast<char>(entry.codec));
    PutVarint64(&directory, entry.offset);
    PutVarint64(&directory, entry.stored_bytes);
    PutVarint64(&directory, entry.raw_bytes);
    PutFixed32(&directory, entry.masked_crc);
  }
  std::string file_bytes = parsed.data;
  const uint64_t directory_offset = file_bytes.size();
  file_bytes += directory;
  PutFixed64(&file_bytes, directory_offset);
  PutFixed32(&file_bytes, static_cast<uint32_t>(directory.size()));
  PutFixed32(&file_bytes, crc32c::Mask(crc32c::Value(directory)));
  PutFixed32(&file_bytes, kFormatVersion);
  file_bytes += kFooterMagic;
  return file_bytes;
}

// `count` minimal rows of tenant "t", seq 1..count, ids "0", "1", ...,
// one microsecond apart.
std::vector<Event> NumberedRows(size_t count) {
  std::vector<Event> rows(count);
  for (size_t row = 0; row < rows.size(); ++row) {
    rows[row].tenant = "t";
    rows[row].seq = row + 1;
    rows[row].id = std::to_string(row);
    rows[row].timestamp = kBaseMicros + static_cast<int64_t>(row);
  }
  return rows;
}

std::vector<Event> ThreeRows() { return NumberedRows(3); }

// Rows whose ids, ips and descriptions are distinct, for the value filter.
std::vector<Event> FilterRows(size_t count) {
  std::vector<Event> rows = NumberedRows(count);
  for (size_t row = 0; row < count; ++row) {
    rows[row].id = fmt::format("id-{}", row);
    rows[row].ip = fmt::format("10.0.{}.{}", row / 256, row % 256);
    rows[row].description = fmt::format("login word{}", row);
  }
  return rows;
}

TEST(Segment, ValueFilterSkipsAbsentValuesWithoutReadingASection) {
  const std::vector<Event> rows = FilterRows(200);
  SegmentFile file;
  AL_ASSERT_OK_AND_ASSIGN(auto reader, WriteAndOpen(file, rows));
  EXPECT_GT(reader->resident_bytes(), 0u);
  const FieldSpec* ip = event::FindField("ip");
  const FieldSpec* description = event::FindField("description");
  const size_t ip_index = event::FieldIndexOf(*ip);
  const size_t description_index = event::FieldIndexOf(*description);
  for (const Event& row : rows) {
    ASSERT_TRUE(reader->MayHoldValue(ip_index, row.ip));
    ASSERT_TRUE(reader->MayHoldToken(description_index, row.description.substr(6)));
  }
  EXPECT_TRUE(reader->MayHoldToken(description_index, "login"));

  // Absent values: most are ruled out, and a ruled-out lookup reads nothing.
  int ruled_out = 0;
  std::string absent_ip, absent_word;
  for (int i = 0; i < 100; ++i) {
    const std::string candidate_ip = fmt::format("192.168.0.{}", i);
    const std::string candidate_word = fmt::format("absent{}", i);
    if (!reader->MayHoldValue(ip_index, candidate_ip)) {
      ++ruled_out;
      absent_ip = candidate_ip;
    }
    if (!reader->MayHoldToken(description_index, candidate_word)) absent_word = candidate_word;
  }
  EXPECT_GT(ruled_out, 90);
  ASSERT_FALSE(absent_ip.empty());
  ASSERT_FALSE(absent_word.empty());
  const size_t resident = reader->resident_bytes();
  for (const Filter& filter :
       {Filter::Eq(*ip, absent_ip), Filter::In(*ip, {Scalar(absent_ip), Scalar("192.168.9.9")}),
        Filter::Text(*description, "login " + absent_word),
        Filter::Eq(*description, "login " + absent_word),
        Filter::And({Filter::Eq(*ip, "10.0.0.1"), Filter::Eq(*ip, absent_ip)})}) {
    AL_ASSERT_OK_AND_ASSIGN(Roaring matches, MatchingRows(*reader, filter, {}));
    EXPECT_TRUE(matches.isEmpty()) << query::DebugString(filter);
    EXPECT_EQ(file.cache.usage_bytes(), 0u) << query::DebugString(filter);
    EXPECT_EQ(reader->resident_bytes(), resident) << query::DebugString(filter);  // nor kept
  }
  // Present values are read and found.
  AL_ASSERT_OK_AND_ASSIGN(Roaring one, MatchingRows(*reader, Filter::Eq(*ip, "10.0.0.7"), {}));
  EXPECT_EQ(one.cardinality(), 1u);
  AL_ASSERT_OK_AND_ASSIGN(
      Roaring either,
      MatchingRows(*reader,
                   Filter::Or({Filter::Eq(*ip, absent_ip), Filter::Text(*description, "word12")}),
                   {}));
  EXPECT_EQ(either.cardinality(), 1u);
  AL_ASSERT_OK_AND_ASSIGN(Roaring exact,
                          MatchingRows(*reader, Filter::Eq(*description, "login word7"), {}));
  EXPECT_EQ(exact.cardinality(), 1u);
  EXPECT_GT(file.cache.usage_bytes(), 0u);
}

TEST(Segment, SmallDictionariesAreKeptByTheReader) {
  // Three types (a dictionary of a few bytes) and distinct ids of 40 bytes
  // (a dictionary of ~40 KB, over kPinnedDictionaryBytes, yet stored whole).
  std::vector<Event> rows = NumberedRows(1000);
  for (size_t row = 0; row < rows.size(); ++row) {
    rows[row].id = fmt::format("{:040}", row);
    rows[row].type = fmt::format("type{}", row % 3);
  }
  SegmentFile file(/*cache_bytes=*/1);  // nothing stays in the cache
  AL_ASSERT_OK_AND_ASSIGN(auto reader, WriteAndOpen(file, rows));
  const size_t type = event::FieldIndexOf(*event::FindField("type"));
  const size_t id = event::FieldIndexOf(*event::FindField("id"));
  const size_t resident = reader->resident_bytes();

  AL_ASSERT_OK_AND_ASSIGN(auto types, reader->GetDictionary(type));
  EXPECT_GT(reader->resident_bytes(), resident);
  AL_ASSERT_OK(reader->GetCodes(type).status());  // the cache's one entry now
  AL_ASSERT_OK_AND_ASSIGN(auto types_again, reader->GetDictionary(type));
  EXPECT_EQ(types.get(), types_again.get());  // kept, not read again
  EXPECT_EQ(types->size(), 3u);

  const size_t with_types = reader->resident_bytes();
  AL_ASSERT_OK_AND_ASSIGN(auto ids, reader->GetDictionary(id));
  ASSERT_GT(ids->memory_bytes(), SegmentReader::kPinnedDictionaryBytes);
  for (const SectionEntry& section : reader->sections()) {
    if (section.kind == SectionKind::kDictionary && section.field == id) {
      EXPECT_NE(section.codec, SectionCodec::kZstdBlocks);
    }
  }
  EXPECT_EQ(reader->resident_bytes(), with_types);
  AL_ASSERT_OK(reader->GetCodes(id).status());  // the cache's one entry now
  AL_ASSERT_OK_AND_ASSIGN(auto ids_again, reader->GetDictionary(id));
  EXPECT_NE(ids.get(), ids_again.get());  // read again

  // Rows read from the kept dictionary, as events and as views alike.
  const std::vector<uint32_t> which = {0, 1, 2, 500, 999};
  std::vector<Event> events;
  AL_ASSERT_OK(reader->ReadRows(which, {}, &events));
  std::vector<event::EventView> views(which.size());
  std::vector<event::EventView*> slots;
  for (event::EventView& view : views) slots.push_back(&view);
  std::vector<std::shared_ptr<const SectionData>> held;
  AL_ASSERT_OK(reader->ReadRowViews(which, {}, slots, &held));
  for (size_t i = 0; i < which.size(); ++i) {
    EXPECT_EQ(events[i].type, rows[which[i]].type);
    std::string from_event, from_view;
    event::AppendEventJson(events[i], &from_event);
    event::AppendEventJson(views[i], &from_view);
    EXPECT_EQ(from_view, from_event);
  }
}

TEST(Segment, TheDictionariesKeptStayWithinTheBudget) {
  // Eight fields of 1,000 distinct values, dictionaries of ~11 KB each:
  // each small enough to keep, not all of them together.
  const std::vector<std::string> paths = {"actor.id",    "actor.name",    "actor.email",
                                          "resource.id", "resource.name", "client.id",
                                          "client.name", "hostname"};
  std::vector<Event> rows = NumberedRows(1000);
  for (size_t row = 0; row < rows.size(); ++row) {
    for (const std::string& path : paths)
      *event::FindField(path)->string_member(rows[row]) = fmt::format("{}-{:06}", path, row);
  }
  SegmentFile file(/*cache_bytes=*/1);
  AL_ASSERT_OK_AND_ASSIGN(auto reader, WriteAndOpen(file, rows));
  uint64_t kept_raw_bytes = 0;
  size_t kept = 0;
  for (const std::string& path : paths) {
    const size_t field = event::FieldIndexOf(*event::FindField(path));
    AL_ASSERT_OK_AND_ASSIGN(auto first, reader->GetDictionary(field));
    AL_ASSERT_OK(reader->GetCodes(field).status());  // the cache's one entry now
    AL_ASSERT_OK_AND_ASSIGN(auto second, reader->GetDictionary(field));
    if (first.get() != second.get()) continue;
    ++kept;
    for (const SectionEntry& section : reader->sections()) {
      if (section.kind == SectionKind::kDictionary && section.field == field) {
        EXPECT_LE(section.raw_bytes, SegmentReader::kPinnedDictionaryBytes) << path;
        kept_raw_bytes += section.raw_bytes;
      }
    }
  }
  EXPECT_GT(kept, 0u);
  EXPECT_LT(kept, paths.size());
  EXPECT_LE(kept_raw_bytes, SegmentReader::kPinnedDictionaryBudget);
}

TEST(Segment, ASegmentWithoutAValueFilterIsSearchedInFull) {
  // As segments written before the filter existed: every lookup reads.
  const std::vector<Event> rows = FilterRows(50);
  SegmentMeta meta;
  SegmentWriteOptions options;
  options.value_filter = false;
  AL_ASSERT_OK_AND_ASSIGN(std::string bytes, BuildSegment(rows, 0, options, &meta));
  SegmentFile file;
  AL_ASSERT_OK(file.Write(bytes));
  AL_ASSERT_OK_AND_ASSIGN(auto reader, file.Open());
  EXPECT_EQ(reader->resident_bytes(), 0u);
  for (const auto& section : reader->sections()) EXPECT_NE(section.kind, SectionKind::kValueFilter);
  const FieldSpec* ip = event::FindField("ip");
  EXPECT_TRUE(reader->MayHoldValue(event::FieldIndexOf(*ip), "192.168.1.1"));
  AL_ASSERT_OK_AND_ASSIGN(Roaring none, MatchingRows(*reader, Filter::Eq(*ip, "192.168.1.1"), {}));
  EXPECT_TRUE(none.isEmpty());
  // The dictionary was read (a small one is kept by the reader, not cached).
  EXPECT_GT(reader->resident_bytes(), 0u);
  AL_ASSERT_OK_AND_ASSIGN(Roaring one, MatchingRows(*reader, Filter::Eq(*ip, "10.0.0.7"), {}));
  EXPECT_EQ(one.cardinality(), 1u);
}

TEST(Segment, UnknownSectionKindsAreSkipped) {
  // A directory entry of a kind this version does not know, as a later
  // version may add (per-event Merkle leaf hashes): the reader ignores it.
  std::vector<Event> rows = ThreeRows();
  SegmentMeta meta;
  AL_ASSERT_OK_AND_ASSIGN(std::string bytes, BuildSegment(rows, 0, {}, &meta));
  // Rebuild the file with one more section (kind 100) and its entry.
  AL_ASSERT_OK_AND_ASSIGN(ParsedSegment parsed, ParseSegment(bytes));
  const std::string extra = "leaf hashes";
  parsed.entries.push_back(SectionEntry{static_cast<SectionKind>(100), 0, SectionCodec::kNone,
                                        parsed.data.size(), extra.size(), extra.size(),
                                        crc32c::Mask(crc32c::Value(extra))});
  parsed.data += extra;
  const std::vector<SectionEntry> entries = parsed.entries;
  const std::string file_bytes = Reassemble(parsed);

  SegmentFile file;
  AL_ASSERT_OK(file.Write(file_bytes));
  AL_ASSERT_OK_AND_ASSIGN(auto reader, file.Open());
  EXPECT_EQ(reader->sections().size(), entries.size());
  std::vector<Event> read;
  AL_ASSERT_OK(ReadAll(*reader, &read));
  EXPECT_TRUE(read == rows);
}

TEST(Segment, FieldsAppendedToTheRegistryReadAsAbsentInOlderSegments) {
  // A segment written before geo.asn, geo.as_org and ua.os_minor (fields
  // 54..56) joined the registry names fields 0..53 only: the reader takes
  // the later fields as absent in every row, and filters on them match none.
  std::vector<Event> rows = ThreeRows();
  for (Event& row : rows) row.ua.name = "Chrome";
  SegmentMeta meta;
  AL_ASSERT_OK_AND_ASSIGN(std::string bytes, BuildSegment(rows, 0, {}, &meta));
  AL_ASSERT_OK_AND_ASSIGN(ParsedSegment parsed, ParseSegment(bytes));
  const size_t first_appended = event::FieldIndexOf(*event::FindField("geo.asn"));
  ASSERT_EQ(first_appended, 54u);
  std::erase_if(parsed.entries,
                [&](const SectionEntry& entry) { return entry.field >= first_appended; });

  SegmentFile file;
  AL_ASSERT_OK(file.Write(Reassemble(parsed)));
  AL_ASSERT_OK_AND_ASSIGN(auto reader, file.Open());
  std::vector<Event> read;
  AL_ASSERT_OK(ReadAll(*reader, &read));
  EXPECT_TRUE(read == rows);
  AL_ASSERT_OK_AND_ASSIGN(auto dictionary, reader->GetDictionary(first_appended));
  EXPECT_EQ(dictionary->size(), 0u);
  AL_ASSERT_OK_AND_ASSIGN(auto codes, reader->GetCodes(first_appended + 2));
  ASSERT_EQ(codes->rows(), rows.size());
  for (uint32_t row = 0; row < codes->rows(); ++row) EXPECT_EQ((*codes)[row], 0u) << row;

  // A field the directory skips below its highest one is damage, not age.
  AL_ASSERT_OK_AND_ASSIGN(ParsedSegment gap, ParseSegment(bytes));
  const size_t type_field = event::FieldIndexOf(*event::FindField("type"));
  std::erase_if(gap.entries, [&](const SectionEntry& entry) { return entry.field == type_field; });
  SegmentFile gap_file;
  AL_ASSERT_OK(gap_file.Write(Reassemble(gap)));
  AL_ASSERT_OK_AND_ASSIGN(auto gap_reader, gap_file.Open());
  EXPECT_EQ(gap_reader->GetDictionary(type_field).status().code(), StatusCode::kCorruption);
}

std::string DeltaPosting(std::span<const uint32_t> deltas) {
  std::string posting(1, static_cast<char>(PostingEncoding::kDeltaVarint));
  PutVarint32(&posting, static_cast<uint32_t>(deltas.size()));
  for (uint32_t delta : deltas) PutVarint32(&posting, delta);
  return posting;
}

std::string RoaringPosting(std::span<const uint32_t> rows) {
  Roaring bitmap(rows.size(), rows.data());
  std::string posting(1 + bitmap.getSizeInBytes(/*portable=*/true), '\0');
  posting[0] = static_cast<char>(PostingEncoding::kRoaring);
  bitmap.write(posting.data() + 1, /*portable=*/true);
  return posting;
}

TEST(Segment, DamagedPostingListsAreCorruption) {
  // Three rows, `type` "a", "b", "a": a posting section with one list per
  // value. The list of "a" is replaced; the filter that reads it reports the
  // damage instead of answering from it.
  std::vector<Event> rows = ThreeRows();
  for (size_t row = 0; row < rows.size(); ++row) rows[row].type = row == 1 ? "b" : "a";
  SegmentMeta meta;
  AL_ASSERT_OK_AND_ASSIGN(std::string bytes, BuildSegment(rows, 0, {}, &meta));
  const FieldSpec& type = *event::FindField("type");
  const size_t type_field = event::FieldIndexOf(type);
  const std::string list_of_b = DeltaPosting(std::vector<uint32_t>{1});
  struct Case {
    std::string name;
    std::string list_of_a;
    bool damaged;
  };
  const std::vector<Case> cases = {
      {"delta list", DeltaPosting(std::vector<uint32_t>{0, 2}), false},
      {"Roaring bitmap", RoaringPosting(std::vector<uint32_t>{0, 2}), false},
      {"unknown encoding", "\x07" + DeltaPosting(std::vector<uint32_t>{0, 2}).substr(1), true},
      {"empty list", "", true},
      {"delta row past the last row", DeltaPosting(std::vector<uint32_t>{0, 3}), true},
      {"duplicate delta row", DeltaPosting(std::vector<uint32_t>{0, 0}), true},
      {"delta list cut short", DeltaPosting(std::vector<uint32_t>{0, 2}).substr(0, 3), true},
      {"delta list with trailing bytes", DeltaPosting(std::vector<uint32_t>{0, 2}) + "\x01", true},
      {"Roaring row past the last row", RoaringPosting(std::vector<uint32_t>{0, 3}), true},
      {"Roaring cut short", RoaringPosting(std::vector<uint32_t>{0, 2}).substr(0, 6), true},
      {"Roaring with trailing bytes", RoaringPosting(std::vector<uint32_t>{0, 2}) + "\x01", true},
  };
  for (const Case& test_case : cases) {
    SCOPED_TRACE(test_case.name);
    AL_ASSERT_OK_AND_ASSIGN(ParsedSegment parsed, ParseSegment(bytes));
    auto entry = std::find_if(parsed.entries.begin(), parsed.entries.end(), [&](auto& e) {
      return e.kind == SectionKind::kPostings && e.field == type_field;
    });
    ASSERT_NE(entry, parsed.entries.end());
    std::string postings;
    PutVarint32(&postings, 2);
    PutFixed32(&postings, 0);
    PutFixed32(&postings, static_cast<uint32_t>(test_case.list_of_a.size()));
    PutFixed32(&postings, static_cast<uint32_t>(test_case.list_of_a.size() + list_of_b.size()));
    postings += test_case.list_of_a + list_of_b;
    *entry = SectionEntry{entry->kind,
                          entry->field,
                          SectionCodec::kNone,
                          parsed.data.size(),
                          postings.size(),
                          postings.size(),
                          crc32c::Mask(crc32c::Value(postings))};
    parsed.data += postings;
    SegmentFile file;
    AL_ASSERT_OK(file.Write(Reassemble(parsed)));
    AL_ASSERT_OK_AND_ASSIGN(auto reader, file.Open());
    AL_ASSERT_OK_AND_ASSIGN(Roaring rows_of_b,
                            EvaluateFilter(*reader, Filter::Eq(type, std::string("b"))));
    EXPECT_EQ(rows_of_b, Roaring::bitmapOf(1, 1));
    auto rows_of_a = EvaluateFilter(*reader, Filter::Eq(type, std::string("a")));
    if (!test_case.damaged) {
      AL_ASSERT_OK(rows_of_a.status());
      EXPECT_EQ(*rows_of_a, Roaring::bitmapOf(2, 0, 2));
      continue;
    }
    EXPECT_THAT(
        rows_of_a.status(),
        auditlog::testing::StatusIs(
            StatusCode::kCorruption,
            fmt::format("segment {}: the posting list of value 1 of type is damaged", kPath)));
  }
}

}  // namespace
}  // namespace auditlog::storage::segment
