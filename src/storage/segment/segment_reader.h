#pragma once

// SegmentReader serves one segment file: its meta and directory are read and
// checked at Open; sections are read, checksum-verified, decompressed and
// decoded on first use and kept in the shared SectionCache.
//
// Damage is reported, never guessed around: a bad footer, directory or
// section is kCorruption naming the file and the byte offset.
//
// Thread-safety: thread-safe after Open.

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "env/file_system.h"
#include "event/event.h"
#include "event/json_codec.h"
#include "storage/segment/section_blocks.h"
#include "storage/segment/section_cache.h"
#include "storage/segment/segment_format.h"
#include "storage/segment/value_filter.h"

class Roaring;

namespace auditlog::storage::segment {

// Sorted distinct values of a field; codes are 1..size() in value order.
// Held as the values back to back plus one 4-byte offset each (a field of
// short values such as ip, in every segment, is a large share of the
// section cache).
class Dictionary final : public SectionData {
 public:
  static Result<std::shared_ptr<const Dictionary>> Parse(std::string_view bytes);
  uint32_t size() const { return static_cast<uint32_t>(offsets_.size() - 1); }
  std::string_view value(uint32_t code) const {
    return std::string_view(values_.data() + offsets_[code - 1],
                            offsets_[code] - offsets_[code - 1]);
  }
  // The first code whose value is >= key (size() + 1 when none).
  uint32_t LowerBound(std::string_view key) const;
  std::optional<uint32_t> Find(std::string_view key) const;
  size_t memory_bytes() const override {
    return values_.size() + offsets_.size() * 4 + samples_.size() * 8;
  }

  // Codes between two samples of the prefix index.
  static constexpr uint32_t kSampleEvery = 16;

 private:
  std::string values_;             // every value's bytes, in code order
  std::vector<uint32_t> offsets_;  // size()+1: value `code` is [offsets_[code-1], offsets_[code])
  // The first 8 bytes of every kSampleEvery-th value (codes 1, 17, 33, ...)
  // as big-endian numbers, zero-padded: ordered as the values are, in one
  // small array. A lookup narrows its range on them first and compares
  // whole values (two cache misses each) only within it: a segment's ip or
  // actor dictionary holds 10^5 values, and a lookup over every segment of
  // a store makes one search in each.
  std::vector<uint64_t> samples_;
};

// Per row, the dictionary code of its value (0: absent). Held as stored,
// `width` bytes a row: a page reading one row of each field of many
// segments keeps their code columns at 1-3 bytes a row, not 4, and decoding
// one costs no pass over its rows beyond the check.
class Codes final : public SectionData {
 public:
  static Result<std::shared_ptr<const Codes>> Parse(std::string bytes, uint32_t rows,
                                                    uint32_t dictionary_size);
  uint32_t operator[](uint32_t row) const {
    return DecodeCode(data_ + size_t{row} * width_, width_);
  }
  uint32_t rows() const { return rows_; }
  // For fields whose values each occur at most once: the row of `code`.
  uint32_t RowOf(uint32_t code) const;
  size_t memory_bytes() const override { return bytes_.capacity() + sizeof(*this); }

 private:
  std::string bytes_;  // the raw section: the width byte, then the codes
  const uint8_t* data_ = nullptr;
  uint8_t width_ = 1;
  uint32_t rows_ = 0;
  mutable std::once_flag inverse_once_;
  mutable std::vector<uint32_t> row_of_code_;
};

// Per dictionary code, the rows holding that value.
class Postings final : public SectionData {
 public:
  static Result<std::shared_ptr<const Postings>> Parse(std::string bytes, uint32_t rows,
                                                       uint32_t dictionary_size);
  // Adds the rows of `code` to `out`; false when that list is damaged.
  bool AddRows(uint32_t code, Roaring* out) const;
  // How many rows hold `code`, from the list's header (a delta list's count;
  // a Roaring list is decoded); nullopt when the header is damaged.
  std::optional<uint32_t> CountRows(uint32_t code) const;
  size_t memory_bytes() const override { return bytes_.size(); }

 private:
  std::string bytes_;
  const char* offsets_ = nullptr;  // count+1 u32le, into data_
  std::string_view data_;
  uint32_t count_ = 0;
  uint32_t rows_ = 0;
};

// The tokens of a text field, sorted, each with the byte range of its row
// list in the field's kTokenRows section, and that section's block CRCs.
class TokenTerms final : public SectionData {
 public:
  static Result<std::shared_ptr<const TokenTerms>> Parse(std::string bytes, uint64_t rows_bytes);
  size_t size() const { return tokens_.size(); }
  std::string_view token(size_t i) const { return tokens_[i]; }
  std::optional<size_t> Find(std::string_view token) const;
  // The first term >= `key` (size() when none).
  size_t LowerBound(std::string_view key) const;
  uint64_t begin(size_t i) const { return offsets_[i]; }
  uint64_t end(size_t i) const { return offsets_[i + 1]; }
  // The masked CRC32C of block `block` of kTokenRows.
  uint32_t block_crc(size_t block) const { return block_crcs_[block]; }
  size_t memory_bytes() const override { return bytes_.size() + tokens_.size() * 24; }

 private:
  std::string bytes_;
  std::vector<std::string_view> tokens_;
  std::vector<uint64_t> offsets_;
  std::vector<uint32_t> block_crcs_;
};

// One token's row list (a posting, below), read on its own and checked.
class TokenRowList final : public SectionData {
 public:
  explicit TokenRowList(std::string posting) : posting_(std::move(posting)) {}
  std::string_view posting() const { return posting_; }
  size_t memory_bytes() const override { return posting_.capacity() + sizeof(*this); }

 private:
  std::string posting_;
};

// Adds the rows of one posting list (a kind byte, then a delta list or a
// portable Roaring bitmap) to `out`; false when it is damaged or names a row
// at or past `rows`.
bool DecodePosting(std::string_view posting, uint32_t rows, Roaring* out);

class TimeColumn final : public SectionData {
 public:
  static Result<std::shared_ptr<const TimeColumn>> Parse(std::string_view bytes, uint32_t rows);
  bool present(uint32_t row) const { return presence_.empty() || presence_[row]; }
  int64_t operator[](uint32_t row) const { return values_[row]; }
  const std::vector<int64_t>& values() const { return values_; }
  size_t memory_bytes() const override { return values_.size() * 8 + presence_.size(); }

 private:
  std::vector<int64_t> values_;    // 0 where absent
  std::vector<uint8_t> presence_;  // empty: all present
};

class SeqColumn final : public SectionData {
 public:
  static Result<std::shared_ptr<const SeqColumn>> Parse(std::string_view bytes, uint32_t rows);
  uint64_t operator[](uint32_t row) const { return values_[row]; }
  size_t memory_bytes() const override { return values_.size() * 8; }

 private:
  std::vector<uint64_t> values_;
};

class RawColumn final : public SectionData {
 public:
  static Result<std::shared_ptr<const RawColumn>> Parse(std::string bytes, uint32_t rows);
  std::string_view operator[](uint32_t row) const { return values_[row]; }
  size_t memory_bytes() const override { return bytes_.size() + values_.size() * 16; }

 private:
  std::string bytes_;
  std::vector<std::string_view> values_;
};

struct SectionEntry {
  SectionKind kind;
  uint8_t field;
  SectionCodec codec;
  uint64_t offset;
  uint64_t stored_bytes;
  uint64_t raw_bytes;
  uint32_t masked_crc;
};

class SegmentReader {
 public:
  // `id` names the segment in `cache` (unique per store); `name` in messages.
  static Result<std::unique_ptr<SegmentReader>> Open(env::FileSystem& fs, const std::string& path,
                                                     uint64_t id, SectionCache* cache);
  // Decodes a directory and meta from the last bytes of a file (dump tools).
  static Status ParseDirectory(std::string_view directory, SegmentMeta* meta,
                               std::vector<SectionEntry>* entries);

  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  const SegmentMeta& meta() const { return meta_; }
  const std::string& path() const { return path_; }
  uint64_t id() const { return id_; }
  const std::vector<SectionEntry>& sections() const { return entries_; }

  // Typed sections of registry field `field` (its index in AllFields()).
  Result<std::shared_ptr<const Dictionary>> GetDictionary(size_t field) const;
  Result<std::shared_ptr<const Codes>> GetCodes(size_t field) const;
  // Null when the segment has none for the field (every value occurs once).
  Result<std::shared_ptr<const Postings>> GetPostings(size_t field) const;
  // Null when the field has none (it is not a text field).
  Result<std::shared_ptr<const TokenTerms>> GetTokenTerms(size_t field) const;
  // Adds the rows of term `term` of `terms` (the field's) to `out`: one read
  // of that list alone, checksum-verified, then kept in the section cache.
  Status AddTokenRows(size_t field, const TokenTerms& terms, size_t term, Roaring* out) const;
  Result<std::shared_ptr<const TimeColumn>> GetTimes(size_t field) const;
  Result<std::shared_ptr<const SeqColumn>> GetSeqs() const;
  Result<std::shared_ptr<const RawColumn>> GetRaw(size_t field) const;

  // Reads `rows` (ascending or not) into `out` (appended, in that order),
  // filling the registry fields `fields` (all when empty) plus id and seq.
  Status ReadRows(std::span<const uint32_t> rows, std::span<const size_t> fields,
                  std::vector<event::Event>* out) const;
  // The same into `out[i]` for `rows[i]`: events already in place (a page's
  // slots). REQUIRES: they are default-constructed; a field no row of the
  // segment has a value of is not written.
  Status ReadRows(std::span<const uint32_t> rows, std::span<const size_t> fields,
                  std::span<event::Event* const> out) const;
  // The same as views, for rendering without Events: `out[i]` views what
  // ReadRows would put in the event of `rows[i]`. REQUIRES: the views are
  // fresh (every value absent). The views point into sections added to
  // `held` and into the reader itself, which must both outlive them.
  Status ReadRowViews(std::span<const uint32_t> rows, std::span<const size_t> fields,
                      std::span<event::EventView* const> out,
                      std::vector<std::shared_ptr<const SectionData>>* held) const;

  // Whether the segment may hold `key` (a dictionary key) in registry field
  // `field`, or index token `token` in text field `field`: false only when
  // it certainly does not (the segment's value filter, held in memory since
  // Open; a segment written without one may hold anything).
  bool MayHoldValue(size_t field, std::string_view key) const {
    return !value_filter_ ||
           value_filter_->MayContain(FilterKeyHash(field, FilterKeyKind::kValue, key));
  }
  bool MayHoldToken(size_t field, std::string_view token) const {
    return !value_filter_ ||
           value_filter_->MayContain(FilterKeyHash(field, FilterKeyKind::kToken, token));
  }
  // Bytes held in memory outside the section cache: the value filter, and
  // the block indexes and small dictionaries read so far.
  size_t resident_bytes() const;

  // A whole dictionary of at most kPinnedDictionaryBytes is kept by the
  // reader once read, outside the section cache, while the dictionaries it
  // keeps stay within kPinnedDictionaryBudget (their stored raw bytes). A
  // page of events reads every field's dictionary, and most are a few
  // hundred bytes (types, names, countries): a cache lookup for each (a
  // lock and two reference counts) was a tenth of reading the page. The
  // budget bounds what a store of many small segments keeps outside the
  // cache: 64 KiB a segment.
  static constexpr uint64_t kPinnedDictionaryBytes = 16 << 10;
  static constexpr uint64_t kPinnedDictionaryBudget = 64 << 10;

  // The stored bytes of section `index`, checked and decompressed.
  Result<std::string> ReadSection(size_t index) const;

 private:
  SegmentReader(std::unique_ptr<env::RandomAccessFile> file, std::string path, uint64_t id,
                SectionCache* cache)
      : file_(std::move(file)), path_(std::move(path)), id_(id), cache_(cache) {}

  // Index into entries_ of (kind, field), or -1.
  int Find(SectionKind kind, size_t field) const;
  // Whether `field` joined the registry after this segment was written: the
  // segment has no sections for it and reads it as absent in every row.
  bool AppendedSinceWritten(size_t field) const;
  Status Corrupt(size_t index, std::string_view reason) const;
  // The block index of section `index` (stored in blocks), kept once read
  // for the reader's life.
  Result<const BlockIndex*> GetBlockIndex(size_t index) const;
  // The dictionary of `field` when it is stored whole in at most
  // kPinnedDictionaryBytes, kept once read for the reader's life; null when
  // it is not (or the segment has none).
  Result<const std::shared_ptr<const Dictionary>*> PinnedDictionary(size_t field) const;
  // Block `block` of section `index`, read on its own, checked and cached.
  Result<std::shared_ptr<const ItemBlock>> GetItemBlock(size_t index, const BlockIndex& blocks,
                                                        size_t block) const;
  // The block index of section `index` when `items` are best read from its
  // blocks: it is stored in blocks and they lie in at most half of them
  // (read from blocks even when the whole section is cached too). Null
  // otherwise (read it whole).
  Result<const BlockIndex*> BlocksToRead(int index, std::span<const uint32_t> items) const;
  // Points `*block` at the block of section `index` holding `item`. The
  // items of a page are often neighbours: a block already holding it is
  // kept without a call (or a reference count touched), else the block is
  // read by GetItemBlock.
  Status SeekBlock(size_t index, const BlockIndex& blocks, uint32_t item,
                   std::shared_ptr<const ItemBlock>* block) const {
    if (*block && (*block)->Holds(item)) return Status::OK();
    return ReadBlockHolding(index, blocks, item, block);
  }
  Status ReadBlockHolding(size_t index, const BlockIndex& blocks, uint32_t item,
                          std::shared_ptr<const ItemBlock>* block) const;
  // The value count of field `field`'s dictionary.
  Result<uint32_t> DictionarySize(size_t field) const;
  // The codes and values (`held` keeps them alive) of dictionary field
  // `field` in `rows`. `items` is scratch: the caller reuses every vector
  // field to field, so reading a page does not allocate for each field.
  Status ReadValues(size_t field, std::span<const uint32_t> rows, std::vector<uint32_t>* codes,
                    std::vector<std::string_view>* values,
                    std::vector<std::shared_ptr<const SectionData>>* held,
                    std::vector<uint32_t>* items) const;
  // ReadRows and ReadRowViews: `Sink` writes the values into events or views.
  template <typename Sink>
  Status ReadRowsInto(std::span<const uint32_t> rows, std::span<const size_t> fields,
                      Sink& sink) const;
  // The (kind, field) section when the cache holds it, else null.
  template <typename T>
  std::shared_ptr<const T> Cached(SectionKind kind, size_t field) const;
  template <typename T, typename ParseFn>
  Result<std::shared_ptr<const T>> Load(SectionKind kind, size_t field, ParseFn parse) const;

  // Section kinds the index has room for; later kinds are skipped.
  static constexpr size_t kKindSlots = 16;

  std::unique_ptr<env::RandomAccessFile> file_;
  std::string path_;
  uint64_t id_;
  SectionCache* cache_;
  SegmentMeta meta_;
  std::vector<SectionEntry> entries_;
  std::vector<std::array<int16_t, kKindSlots>> by_field_;  // [field][kind] -> entry index or -1
  std::optional<ValueFilter> value_filter_;
  std::vector<bool> valueless_fields_;  // [field]: no row of the segment has a value
  // Per section: its block index once read (a few dozen bytes a block, kept
  // for the segment's life: a page of events would otherwise pay a cache
  // lookup for it on every field of every segment). Read without a lock
  // (queries on several threads ask for them for every field), written once
  // under the mutex, never freed before the reader.
  std::unique_ptr<std::atomic<const BlockIndex*>[]> block_indexes_;
  // Per section: its dictionary once read, when PinnedDictionary keeps it;
  // read and written as block_indexes_ are. A deque, so that an element
  // stays where it is as others are added.
  std::unique_ptr<std::atomic<const std::shared_ptr<const Dictionary>*>[]> pinned_dictionaries_;
  mutable std::mutex pinned_mu_;
  mutable std::vector<std::shared_ptr<const BlockIndex>> owned_block_indexes_;  // guarded by it
  mutable std::deque<std::shared_ptr<const Dictionary>> owned_dictionaries_;    // guarded by it
  mutable size_t pinned_bytes_ = 0;  // of both; guarded by it
  // Raw bytes of the dictionaries kept, against kPinnedDictionaryBudget.
  // Written under the mutex, read without it to decline cheaply.
  mutable std::atomic<uint64_t> pinned_dictionary_raw_bytes_{0};
  size_t fields_written_ = 0;  // 1 + the highest field the directory names
  uint64_t directory_offset_ = 0;
};

}  // namespace auditlog::storage::segment
