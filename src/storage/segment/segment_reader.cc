#include "storage/segment/segment_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <roaring/roaring.hh>

#include "common/coding.h"
#include "common/crc32c.h"
#include "event/fields.h"

namespace auditlog::storage::segment {
namespace {

Status Bad(std::string_view reason) { return Status::Corruption(std::string(reason)); }

// Reads `count` length-prefixed values from the front of `*in`.
bool GetValues(std::string_view* in, uint32_t count, std::vector<std::string_view>* values) {
  values->reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    std::string_view value;
    if (!GetLengthPrefixed(in, &value)) return false;
    values->push_back(value);
  }
  return true;
}

// Checks an offset table of count+1 u32le entries into a data area of
// `data_bytes` bytes: ascending, ending at data_bytes.
bool CheckOffsets(const char* offsets, uint32_t count, size_t data_bytes) {
  uint32_t previous = 0;
  for (uint32_t i = 0; i <= count; ++i) {
    uint32_t offset = DecodeFixed32(offsets + 4 * i);
    if (offset < previous || offset > data_bytes) return false;
    previous = offset;
  }
  return previous == data_bytes;
}

}  // namespace

// ---- Dictionary

Result<std::shared_ptr<const Dictionary>> Dictionary::Parse(std::string_view bytes) {
  auto dictionary = std::make_shared<Dictionary>();
  std::string_view in = bytes;
  uint32_t count;
  if (!GetVarint32(&in, &count) || count > kMaxSegmentRows || count > in.size())
    return Bad("dictionary is malformed");
  dictionary->values_.reserve(in.size() - count);  // each value has a length byte or more
  dictionary->offsets_.reserve(size_t{count} + 1);
  dictionary->offsets_.push_back(0);
  dictionary->samples_.reserve(count / kSampleEvery + 1);
  std::string_view previous;
  for (uint32_t i = 0; i < count; ++i) {
    std::string_view value;
    if (!GetLengthPrefixed(&in, &value)) return Bad("dictionary is malformed");
    if (i > 0 && !(previous < value)) return Bad("dictionary is not sorted");
    previous = value;
    if (i % kSampleEvery == 0) dictionary->samples_.push_back(OrderedChunk(value, 0));
    dictionary->values_.append(value);
    dictionary->offsets_.push_back(static_cast<uint32_t>(dictionary->values_.size()));
  }
  if (!in.empty()) return Bad("dictionary is malformed");
  return std::shared_ptr<const Dictionary>(std::move(dictionary));
}

uint32_t Dictionary::LowerBound(std::string_view key) const {
  // Samples whose prefix is below the key's come before it, samples whose
  // prefix is above after it: the answer lies in (the code of the last
  // sample below, the code of the first above].
  const uint64_t prefix = OrderedChunk(key, 0);
  const auto below_end = std::lower_bound(samples_.begin(), samples_.end(), prefix);
  const auto above = std::upper_bound(below_end, samples_.end(), prefix);
  auto code_of = [](size_t sample) { return static_cast<uint32_t>(1 + sample * kSampleEvery); };
  uint32_t low = below_end == samples_.begin()
                     ? 1
                     : code_of(static_cast<size_t>(below_end - samples_.begin()) - 1) + 1;
  const uint32_t high =
      above == samples_.end() ? size() + 1 : code_of(static_cast<size_t>(above - samples_.begin()));
  // The first code in [low, high) whose value is not below `key`, by binary
  // search on codes; `high` when none is.
  uint32_t count = high - low;
  while (count > 0) {
    const uint32_t half = count / 2;
    if (value(low + half) < key) {
      low += half + 1;
      count -= half + 1;
    } else {
      count = half;
    }
  }
  return low;
}

std::optional<uint32_t> Dictionary::Find(std::string_view key) const {
  uint32_t code = LowerBound(key);
  if (code > size() || value(code) != key) return std::nullopt;
  return code;
}

// ---- Codes

Result<std::shared_ptr<const Codes>> Codes::Parse(std::string bytes, uint32_t rows,
                                                  uint32_t dictionary_size) {
  if (bytes.empty()) return Bad("code column is empty");
  const uint8_t width = static_cast<uint8_t>(bytes[0]);
  if (width < 1 || width > 3 || bytes.size() != 1 + size_t{rows} * width)
    return Bad("code column has the wrong size");
  auto codes = std::make_shared<Codes>();
  codes->bytes_ = std::move(bytes);
  codes->data_ = reinterpret_cast<const uint8_t*>(codes->bytes_.data() + 1);
  codes->width_ = width;
  codes->rows_ = rows;
  // Widths are the smallest that hold the dictionary's size, so only the
  // widest values can pass it.
  for (uint32_t row = 0; row < rows; ++row)
    if ((*codes)[row] > dictionary_size)
      return Bad("code column names a value past the dictionary");
  return std::shared_ptr<const Codes>(std::move(codes));
}

uint32_t Codes::RowOf(uint32_t code) const {
  std::call_once(inverse_once_, [this] {
    uint32_t max_code = 0;
    for (uint32_t row = 0; row < rows_; ++row) max_code = std::max(max_code, (*this)[row]);
    row_of_code_.assign(max_code + 1, 0);
    for (uint32_t row = 0; row < rows_; ++row) row_of_code_[(*this)[row]] = row;
  });
  return code < row_of_code_.size() ? row_of_code_[code] : 0;
}

// ---- Postings

Result<std::shared_ptr<const Postings>> Postings::Parse(std::string bytes, uint32_t rows,
                                                        uint32_t dictionary_size) {
  auto postings = std::make_shared<Postings>();
  postings->rows_ = rows;
  postings->bytes_ = std::move(bytes);
  std::string_view in = postings->bytes_;
  if (!GetVarint32(&in, &postings->count_) || postings->count_ != dictionary_size ||
      in.size() < (size_t{postings->count_} + 1) * 4)
    return Bad("posting lists do not match the dictionary");
  postings->offsets_ = in.data();
  in.remove_prefix((size_t{postings->count_} + 1) * 4);
  postings->data_ = in;
  if (!CheckOffsets(postings->offsets_, postings->count_, in.size()))
    return Bad("posting list offsets are out of order");
  return std::shared_ptr<const Postings>(std::move(postings));
}

bool Postings::AddRows(uint32_t code, Roaring* out) const {
  if (code == 0 || code > count_) return false;
  uint32_t begin = DecodeFixed32(offsets_ + 4 * (code - 1));
  uint32_t end = DecodeFixed32(offsets_ + 4 * code);
  return DecodePosting(data_.substr(begin, end - begin), rows_, out);
}

std::optional<uint32_t> Postings::CountRows(uint32_t code) const {
  if (code == 0 || code > count_) return std::nullopt;
  const uint32_t begin = DecodeFixed32(offsets_ + 4 * (code - 1));
  const uint32_t end = DecodeFixed32(offsets_ + 4 * code);
  std::string_view posting = data_.substr(begin, end - begin);
  if (posting.empty()) return std::nullopt;
  if (static_cast<PostingEncoding>(posting[0]) == PostingEncoding::kDeltaVarint) {
    posting.remove_prefix(1);
    uint32_t count;
    if (!GetVarint32(&posting, &count) || count > rows_) return std::nullopt;
    return count;
  }
  Roaring rows;
  if (!DecodePosting(posting, rows_, &rows)) return std::nullopt;
  return static_cast<uint32_t>(rows.cardinality());
}

bool DecodePosting(std::string_view posting, uint32_t rows, Roaring* out) {
  if (posting.empty()) return false;
  auto encoding = static_cast<PostingEncoding>(posting[0]);
  posting.remove_prefix(1);
  if (encoding == PostingEncoding::kRoaring) {
    // Sized first: the library's own check prints to stderr.
    if (roaring_bitmap_portable_deserialize_size(posting.data(), posting.size()) != posting.size())
      return false;
    roaring_bitmap_t* bitmap =
        roaring_bitmap_portable_deserialize_safe(posting.data(), posting.size());
    if (bitmap == nullptr) return false;
    const bool in_range = roaring_bitmap_is_empty(bitmap) || roaring_bitmap_maximum(bitmap) < rows;
    if (in_range) roaring_bitmap_or_inplace(&out->roaring, bitmap);
    roaring_bitmap_free(bitmap);
    return in_range;
  }
  if (encoding != PostingEncoding::kDeltaVarint) return false;
  uint32_t count = 0;
  if (!GetVarint32(&posting, &count) || count > rows) return false;
  uint64_t row = 0;
  std::vector<uint32_t> decoded;
  decoded.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t delta;
    if (!GetVarint32(&posting, &delta)) return false;
    row += delta;
    if (row >= rows || (i > 0 && delta == 0)) return false;
    decoded.push_back(static_cast<uint32_t>(row));
  }
  if (!posting.empty()) return false;
  out->addMany(decoded.size(), decoded.data());
  return true;
}

// ---- Token row lists

Result<std::shared_ptr<const TokenTerms>> TokenTerms::Parse(std::string bytes,
                                                            uint64_t rows_bytes) {
  auto terms = std::make_shared<TokenTerms>();
  terms->bytes_ = std::move(bytes);
  std::string_view in = terms->bytes_;
  uint32_t count;
  const size_t blocks = (rows_bytes + kTokenRowsBlockBytes - 1) / kTokenRowsBlockBytes;
  if (!GetVarint32(&in, &count) || count > in.size() || !GetValues(&in, count, &terms->tokens_) ||
      in.size() != (size_t{count} + 1) * 8 + blocks * 4)
    return Bad("token terms are malformed");
  for (uint32_t i = 1; i < count; ++i)
    if (!(terms->tokens_[i - 1] < terms->tokens_[i])) return Bad("token terms are not sorted");
  terms->offsets_.resize(size_t{count} + 1);
  for (size_t i = 0; i <= count; ++i) {
    terms->offsets_[i] = DecodeFixed64(in.data() + 8 * i);
    // Each list holds at least its kind byte and a count.
    if ((i > 0 && terms->offsets_[i] < terms->offsets_[i - 1] + 2) ||
        terms->offsets_[i] > rows_bytes)
      return Bad("token row list offsets are out of order or past the row lists");
  }
  if (terms->offsets_[0] != 0 || terms->offsets_[count] != rows_bytes)
    return Bad("token row lists do not fill their section");
  in.remove_prefix((size_t{count} + 1) * 8);
  for (size_t block = 0; block < blocks; ++block)
    terms->block_crcs_.push_back(DecodeFixed32(in.data() + 4 * block));
  return std::shared_ptr<const TokenTerms>(std::move(terms));
}

std::optional<size_t> TokenTerms::Find(std::string_view token) const {
  const size_t at = LowerBound(token);
  if (at < tokens_.size() && tokens_[at] == token) return at;
  return std::nullopt;
}

size_t TokenTerms::LowerBound(std::string_view key) const {
  return static_cast<size_t>(std::lower_bound(tokens_.begin(), tokens_.end(), key) -
                             tokens_.begin());
}

// ---- Columns

Result<std::shared_ptr<const TimeColumn>> TimeColumn::Parse(std::string_view in, uint32_t rows) {
  auto column = std::make_shared<TimeColumn>();
  if (in.empty() || static_cast<uint8_t>(in[0]) > 1) return Bad("time column is malformed");
  const bool has_presence = in[0] == 1;
  in.remove_prefix(1);
  if (has_presence) {
    const size_t presence_bytes = (size_t{rows} + 7) / 8;
    if (in.size() < presence_bytes) return Bad("time column presence is cut short");
    column->presence_.resize(rows);
    for (uint32_t row = 0; row < rows; ++row)
      column->presence_[row] = (static_cast<uint8_t>(in[row / 8]) >> (row % 8)) & 1;
    in.remove_prefix(presence_bytes);
  }
  column->values_.assign(rows, 0);
  int64_t value = 0;
  for (uint32_t row = 0; row < rows; ++row) {
    if (has_presence && !column->presence_[row]) continue;
    int64_t delta;
    if (!GetVarintSigned64(&in, &delta)) return Bad("time column is cut short");
    value = static_cast<int64_t>(static_cast<uint64_t>(value) + static_cast<uint64_t>(delta));
    column->values_[row] = value;
  }
  if (!in.empty()) return Bad("time column has trailing bytes");
  return std::shared_ptr<const TimeColumn>(std::move(column));
}

Result<std::shared_ptr<const SeqColumn>> SeqColumn::Parse(std::string_view in, uint32_t rows) {
  auto column = std::make_shared<SeqColumn>();
  column->values_.resize(rows);
  int64_t value = 0;
  for (uint32_t row = 0; row < rows; ++row) {
    int64_t delta;
    if (!GetVarintSigned64(&in, &delta)) return Bad("seq column is cut short");
    value = static_cast<int64_t>(static_cast<uint64_t>(value) + static_cast<uint64_t>(delta));
    column->values_[row] = static_cast<uint64_t>(value);
  }
  if (!in.empty()) return Bad("seq column has trailing bytes");
  return std::shared_ptr<const SeqColumn>(std::move(column));
}

Result<std::shared_ptr<const RawColumn>> RawColumn::Parse(std::string bytes, uint32_t rows) {
  auto column = std::make_shared<RawColumn>();
  column->bytes_ = std::move(bytes);
  std::string_view in = column->bytes_;
  if (!GetValues(&in, rows, &column->values_) || !in.empty()) return Bad("raw column is malformed");
  return std::shared_ptr<const RawColumn>(std::move(column));
}

// ---- SegmentReader

Status SegmentReader::ParseDirectory(std::string_view in, SegmentMeta* meta,
                                     std::vector<SectionEntry>* entries) {
  uint32_t count;
  if (!GetSegmentMeta(&in, meta) || !GetVarint32(&in, &count) || count > 4096)
    return Bad("directory is malformed");
  if (meta->rows == 0 || meta->rows > kMaxSegmentRows) return Bad("directory has a bad row count");
  entries->clear();
  for (uint32_t i = 0; i < count; ++i) {
    SectionEntry entry;
    if (in.size() < 3) return Bad("directory is cut short");
    entry.kind = static_cast<SectionKind>(in[0]);
    entry.field = static_cast<uint8_t>(in[1]);
    entry.codec = static_cast<SectionCodec>(in[2]);
    in.remove_prefix(3);
    if (!GetVarint64(&in, &entry.offset) || !GetVarint64(&in, &entry.stored_bytes) ||
        !GetVarint64(&in, &entry.raw_bytes) || !GetFixed32(&in, &entry.masked_crc))
      return Bad("directory entry is cut short");
    if (entry.codec != SectionCodec::kNone && entry.codec != SectionCodec::kZstd &&
        entry.codec != SectionCodec::kZstdBlocks)
      return Bad("directory names an unknown codec");
    if (entry.raw_bytes > (uint64_t{1} << 32)) return Bad("directory entry is too large");
    entries->push_back(entry);
  }
  if (!in.empty()) return Bad("directory has trailing bytes");
  return Status::OK();
}

Result<std::unique_ptr<SegmentReader>> SegmentReader::Open(env::FileSystem& fs,
                                                           const std::string& path, uint64_t id,
                                                           SectionCache* cache) {
  AL_ASSIGN_OR_RETURN(auto file, fs.OpenForRead(path));
  AL_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  auto corrupt = [&](uint64_t offset, std::string_view reason) {
    return Status::Corruption(fmt::format("segment {} at offset {}: {}", path, offset, reason));
  };
  if (size < kHeaderBytes + kFooterBytes) return corrupt(0, "file is too short to be a segment");
  std::string header, footer;
  AL_RETURN_IF_ERROR(file->Read(0, kHeaderBytes, &header));
  if (header.size() != kHeaderBytes || std::string_view(header).substr(0, 8) != kHeaderMagic)
    return corrupt(0, "not a segment file (bad magic)");
  const uint32_t version = DecodeFixed32(header.data() + 8);
  if (!IsKnownFormatVersion(version))
    return corrupt(8, fmt::format("format version {} is not {} or {}", version, kFormatVersion,
                                  kBlocksFormatVersion));
  const uint64_t footer_offset = size - kFooterBytes;
  AL_RETURN_IF_ERROR(file->Read(footer_offset, kFooterBytes, &footer));
  if (footer.size() != kFooterBytes || std::string_view(footer).substr(20) != kFooterMagic)
    return corrupt(footer_offset, "footer is damaged (bad magic)");
  if (DecodeFixed32(footer.data() + 16) != version)
    return corrupt(footer_offset + 16, "footer version differs from the header's");
  const uint64_t directory_offset = DecodeFixed64(footer.data());
  const uint32_t directory_bytes = DecodeFixed32(footer.data() + 8);
  const uint32_t directory_crc = crc32c::Unmask(DecodeFixed32(footer.data() + 12));
  if (directory_offset < kHeaderBytes || directory_offset + directory_bytes != footer_offset)
    return corrupt(footer_offset, "footer points outside the file");
  std::string directory;
  AL_RETURN_IF_ERROR(file->Read(directory_offset, directory_bytes, &directory));
  if (directory.size() != directory_bytes || crc32c::Value(directory) != directory_crc)
    return corrupt(directory_offset, "directory checksum mismatch");

  auto reader = std::unique_ptr<SegmentReader>(new SegmentReader(std::move(file), path, id, cache));
  if (Status status = ParseDirectory(directory, &reader->meta_, &reader->entries_); !status.ok())
    return corrupt(directory_offset, status.message());
  reader->meta_.file_bytes = size;
  reader->directory_offset_ = directory_offset;
  reader->by_field_.assign(event::AllFields().size(), {});
  for (auto& kinds : reader->by_field_) kinds.fill(-1);
  for (size_t i = 0; i < reader->entries_.size(); ++i) {
    const SectionEntry& entry = reader->entries_[i];
    if (entry.offset < kHeaderBytes || entry.offset > directory_offset ||
        entry.stored_bytes > directory_offset - entry.offset)
      return corrupt(directory_offset, fmt::format("section {} lies outside the data area", i));
    if (entry.codec == SectionCodec::kZstdBlocks && version < kBlocksFormatVersion)
      return corrupt(
          directory_offset,
          fmt::format("section {} is stored in blocks in a version {} file", i, version));
    auto kind = static_cast<size_t>(entry.kind);
    if (entry.field < reader->by_field_.size() && kind < kKindSlots)
      reader->by_field_[entry.field][kind] = static_cast<int16_t>(i);
    if (entry.kind != SectionKind::kValueFilter)
      reader->fields_written_ = std::max(reader->fields_written_, size_t{entry.field} + 1);
  }
  reader->block_indexes_ =
      std::make_unique<std::atomic<const BlockIndex*>[]>(reader->entries_.size());
  reader->pinned_dictionaries_ =
      std::make_unique<std::atomic<const std::shared_ptr<const Dictionary>*>[]>(
          reader->entries_.size());
  reader->valueless_fields_.assign(reader->by_field_.size(), false);
  for (size_t field = 0; field < reader->by_field_.size(); ++field) {
    // A one-byte dictionary is a count of 0: no row has a value.
    const int index = reader->Find(SectionKind::kDictionary, field);
    reader->valueless_fields_[field] =
        reader->AppendedSinceWritten(field) ||
        (index >= 0 && reader->entries_[static_cast<size_t>(index)].raw_bytes == 1);
  }
  if (const int index = reader->Find(SectionKind::kValueFilter, 0); index >= 0) {
    AL_ASSIGN_OR_RETURN(std::string bytes, reader->ReadSection(index));
    auto filter = ValueFilter::Parse(bytes);
    if (!filter.ok()) return reader->Corrupt(index, filter.status().message());
    reader->value_filter_ = std::move(*filter);
  }
  return reader;
}

int SegmentReader::Find(SectionKind kind, size_t field) const {
  const auto slot = static_cast<size_t>(kind);
  if (field >= by_field_.size() || slot >= kKindSlots) return -1;
  return by_field_[field][slot];
}

Status SegmentReader::Corrupt(size_t index, std::string_view reason) const {
  const SectionEntry& entry = entries_[index];
  std::string_view field =
      entry.field < event::AllFields().size() ? event::AllFields()[entry.field].path : "?";
  return Status::Corruption(fmt::format("segment {} at offset {}: section {} ({} of {}): {}", path_,
                                        entry.offset, index, static_cast<int>(entry.kind), field,
                                        reason));
}

Result<std::string> SegmentReader::ReadSection(size_t index) const {
  const SectionEntry& entry = entries_[index];
  std::string stored;
  AL_RETURN_IF_ERROR(file_->Read(entry.offset, entry.stored_bytes, &stored));
  if (stored.size() != entry.stored_bytes) return Corrupt(index, "cut short");
  if (crc32c::Value(stored) != crc32c::Unmask(entry.masked_crc))
    return Corrupt(index, "checksum mismatch");
  std::string problem;
  std::optional<std::string> raw =
      DecodeStoredSection(entry.codec, std::move(stored), entry.raw_bytes, &problem);
  if (!raw) return Corrupt(index, problem);
  return std::move(*raw);
}

Result<const BlockIndex*> SegmentReader::GetBlockIndex(size_t index) const {
  if (const BlockIndex* known = block_indexes_[index].load(std::memory_order_acquire)) return known;
  const SectionEntry& entry = entries_[index];
  // One read covers the index of any section up to some hundred blocks.
  std::string head;
  AL_RETURN_IF_ERROR(
      file_->Read(entry.offset, std::min<uint64_t>(entry.stored_bytes, 4096), &head));
  const std::optional<uint32_t> index_bytes = BlockIndex::IndexBytes(head, entry.stored_bytes);
  if (index_bytes && head.size() < 4 + uint64_t{*index_bytes})
    AL_RETURN_IF_ERROR(file_->Read(entry.offset, 4 + uint64_t{*index_bytes}, &head));
  auto parsed = BlockIndex::Parse(head, entry.stored_bytes, entry.raw_bytes);
  if (!parsed.ok()) return Corrupt(index, parsed.status().message());
  std::lock_guard lock(pinned_mu_);
  if (const BlockIndex* known = block_indexes_[index].load(std::memory_order_acquire))
    return known;  // another thread parsed it first
  pinned_bytes_ += (*parsed)->memory_bytes();
  owned_block_indexes_.push_back(std::move(*parsed));
  block_indexes_[index].store(owned_block_indexes_.back().get(), std::memory_order_release);
  return owned_block_indexes_.back().get();
}

Result<const std::shared_ptr<const Dictionary>*> SegmentReader::PinnedDictionary(
    size_t field) const {
  static constexpr const std::shared_ptr<const Dictionary>* kNotPinned = nullptr;
  const int index = Find(SectionKind::kDictionary, field);
  if (index < 0) return kNotPinned;
  const auto section = static_cast<size_t>(index);
  if (const auto* known = pinned_dictionaries_[section].load(std::memory_order_acquire))
    return known;
  const SectionEntry& entry = entries_[section];
  auto over_budget = [&] {
    return pinned_dictionary_raw_bytes_.load(std::memory_order_relaxed) + entry.raw_bytes >
           kPinnedDictionaryBudget;
  };
  if (entry.codec == SectionCodec::kZstdBlocks || entry.raw_bytes > kPinnedDictionaryBytes ||
      over_budget())
    return kNotPinned;
  AL_ASSIGN_OR_RETURN(std::string raw, ReadSection(section));
  auto parsed = Dictionary::Parse(raw);
  if (!parsed.ok()) return Corrupt(section, parsed.status().message());
  std::lock_guard lock(pinned_mu_);
  if (const auto* known = pinned_dictionaries_[section].load(std::memory_order_acquire))
    return known;                        // another thread read it first
  if (over_budget()) return kNotPinned;  // others were kept meanwhile
  pinned_dictionary_raw_bytes_.fetch_add(entry.raw_bytes, std::memory_order_relaxed);
  pinned_bytes_ += (*parsed)->memory_bytes();
  owned_dictionaries_.push_back(std::move(*parsed));
  pinned_dictionaries_[section].store(&owned_dictionaries_.back(), std::memory_order_release);
  return &owned_dictionaries_.back();
}

size_t SegmentReader::resident_bytes() const {
  std::lock_guard lock(pinned_mu_);
  return (value_filter_ ? value_filter_->memory_bytes() : 0) + pinned_bytes_;
}

Result<std::shared_ptr<const ItemBlock>> SegmentReader::GetItemBlock(size_t index,
                                                                     const BlockIndex& blocks,
                                                                     size_t block) const {
  const uint64_t item =
      SectionCache::PartItem(static_cast<uint32_t>(index), static_cast<uint32_t>(block));
  if (auto cached = cache_->Lookup(id_, item))
    return std::static_pointer_cast<const ItemBlock>(cached);
  const SectionEntry& entry = entries_[index];
  const BlockIndex::Block& info = blocks.block(block);
  std::string frame;
  AL_RETURN_IF_ERROR(file_->Read(entry.offset + info.stored_offset, info.stored_bytes, &frame));
  if (frame.size() != info.stored_bytes)
    return Corrupt(index, fmt::format("block {} is cut short", block));
  if (crc32c::Value(frame) != crc32c::Unmask(info.masked_crc))
    return Corrupt(index, fmt::format("block {} checksum mismatch", block));
  std::string problem;
  std::optional<std::string> raw = DecompressFrame(frame, info.raw_bytes, &problem);
  if (!raw) return Corrupt(index, fmt::format("block {}: {}", block, problem));
  // Code and raw columns hold one item a row; a dictionary's count is in its
  // header, which only block 0 holds.
  std::optional<uint32_t> section_items;
  if (entry.kind != SectionKind::kDictionary) section_items = meta_.rows;
  auto parsed = ItemBlock::Parse(entry.kind, std::move(*raw), blocks, block, section_items);
  if (!parsed.ok())
    return Corrupt(index, fmt::format("block {}: {}", block, parsed.status().message()));
  cache_->Insert(id_, item, *parsed);
  return parsed;
}

Status SegmentReader::ReadBlockHolding(size_t index, const BlockIndex& blocks, uint32_t item,
                                       std::shared_ptr<const ItemBlock>* block) const {
  AL_ASSIGN_OR_RETURN(*block, GetItemBlock(index, blocks, blocks.BlockOf(item)));
  return Status::OK();
}

Result<const BlockIndex*> SegmentReader::BlocksToRead(int index,
                                                      std::span<const uint32_t> items) const {
  static constexpr const BlockIndex* kReadWhole = nullptr;
  if (index < 0) return kReadWhole;
  // Blocks even when the whole section is cached too: two lookups a row
  // (codes, value) either way, and the blocks a page needs stay few.
  const auto section = static_cast<size_t>(index);
  if (entries_[section].codec != SectionCodec::kZstdBlocks) return kReadWhole;
  AL_ASSIGN_OR_RETURN(auto blocks, GetBlockIndex(section));
  // A few rows (a page's, in each of many segments) touch at most as many
  // blocks: no need to count them.
  if (items.size() * 2 <= blocks->size()) return blocks;
  // The usual page: rows next to each other, in one block of several.
  const size_t half = blocks->size() / 2;
  if (half >= 1) {
    const size_t first = blocks->BlockOf(items[0]);
    if (std::all_of(items.begin() + 1, items.end(),
                    [&](uint32_t item) { return blocks->Holds(first, item); }))
      return blocks;
  }
  // Count the blocks touched, stopping once they are over half. A page's
  // items mostly come in runs within one block: the previous block is
  // checked before the bitmap.
  const size_t words = (blocks->size() + 63) / 64;
  std::array<uint64_t, 64> small_seen;
  std::vector<uint64_t> large_seen;
  uint64_t* seen = small_seen.data();
  if (words > small_seen.size()) {
    large_seen.resize(words);
    seen = large_seen.data();
  }
  std::fill_n(seen, words, 0);
  size_t distinct = 0, previous = SIZE_MAX;
  for (uint32_t item : items) {
    if (previous != SIZE_MAX && blocks->Holds(previous, item)) continue;
    previous = blocks->BlockOf(item);
    uint64_t& word = seen[previous / 64];
    const uint64_t bit = uint64_t{1} << (previous % 64);
    if ((word & bit) != 0) continue;
    word |= bit;
    if (++distinct > half) return kReadWhole;
  }
  return blocks;
}

template <typename T>
std::shared_ptr<const T> SegmentReader::Cached(SectionKind kind, size_t field) const {
  const int index = Find(kind, field);
  if (index < 0) return nullptr;
  return std::static_pointer_cast<const T>(
      cache_->Lookup(id_, SectionCache::SectionItem(static_cast<uint32_t>(index))));
}

template <typename T, typename ParseFn>
Result<std::shared_ptr<const T>> SegmentReader::Load(SectionKind kind, size_t field,
                                                     ParseFn parse) const {
  int index = Find(kind, field);
  if (index < 0) {
    return Status::Corruption(fmt::format(
        "segment {} at offset {}: the directory has no section {} "
        "for field {}",
        path_, directory_offset_, static_cast<int>(kind), event::AllFields()[field].path));
  }
  const uint64_t item = SectionCache::SectionItem(static_cast<uint32_t>(index));
  if (auto cached = cache_->Lookup(id_, item)) return std::static_pointer_cast<const T>(cached);
  AL_ASSIGN_OR_RETURN(std::string raw, ReadSection(static_cast<size_t>(index)));
  Result<std::shared_ptr<const T>> parsed = parse(std::move(raw));
  if (!parsed.ok()) return Corrupt(static_cast<size_t>(index), parsed.status().message());
  cache_->Insert(id_, item, *parsed);
  return parsed;
}

bool SegmentReader::AppendedSinceWritten(size_t field) const {
  return field >= fields_written_ && field < by_field_.size() &&
         Find(SectionKind::kDictionary, field) < 0;
}

Result<std::shared_ptr<const Dictionary>> SegmentReader::GetDictionary(size_t field) const {
  if (AppendedSinceWritten(field)) return Dictionary::Parse(std::string(1, '\0'));
  AL_ASSIGN_OR_RETURN(const auto* pinned, PinnedDictionary(field));
  if (pinned != nullptr) return *pinned;
  return Load<Dictionary>(SectionKind::kDictionary, field,
                          [](std::string raw) { return Dictionary::Parse(std::move(raw)); });
}

Result<std::shared_ptr<const Codes>> SegmentReader::GetCodes(size_t field) const {
  if (AppendedSinceWritten(field)) {
    std::string zeros(1 + size_t{meta_.rows}, '\0');
    zeros[0] = 1;  // one byte per code, every code 0 (absent)
    return Codes::Parse(std::move(zeros), meta_.rows, 0);
  }
  // The dictionary's size is asked only when the codes are not cached: a
  // page of events reads codes of every field of many segments.
  if (auto cached = Cached<Codes>(SectionKind::kCodes, field)) return cached;
  AL_ASSIGN_OR_RETURN(const uint32_t dictionary_size, DictionarySize(field));
  return Load<Codes>(SectionKind::kCodes, field, [&](std::string raw) {
    return Codes::Parse(std::move(raw), meta_.rows, dictionary_size);
  });
}

Result<uint32_t> SegmentReader::DictionarySize(size_t field) const {
  // A dictionary in blocks states its size in block 0: a code column read
  // for a few rows is checked without the whole dictionary.
  AL_ASSIGN_OR_RETURN(const auto* pinned, PinnedDictionary(field));
  if (pinned != nullptr) return (*pinned)->size();
  if (auto cached = Cached<Dictionary>(SectionKind::kDictionary, field)) return cached->size();
  const int index = Find(SectionKind::kDictionary, field);
  if (index >= 0 && entries_[static_cast<size_t>(index)].codec == SectionCodec::kZstdBlocks) {
    AL_ASSIGN_OR_RETURN(auto blocks, GetBlockIndex(static_cast<size_t>(index)));
    AL_ASSIGN_OR_RETURN(auto first, GetItemBlock(static_cast<size_t>(index), *blocks, 0));
    if (first->dictionary_size()) return *first->dictionary_size();
  }
  AL_ASSIGN_OR_RETURN(auto dictionary, GetDictionary(field));
  return dictionary->size();
}

Result<std::shared_ptr<const Postings>> SegmentReader::GetPostings(size_t field) const {
  if (Find(SectionKind::kPostings, field) < 0) return std::shared_ptr<const Postings>();
  if (auto cached = Cached<Postings>(SectionKind::kPostings, field)) return cached;
  AL_ASSIGN_OR_RETURN(const uint32_t dictionary_size, DictionarySize(field));
  return Load<Postings>(SectionKind::kPostings, field, [&](std::string raw) {
    return Postings::Parse(std::move(raw), meta_.rows, dictionary_size);
  });
}

Result<std::shared_ptr<const TokenTerms>> SegmentReader::GetTokenTerms(size_t field) const {
  const int rows_index = Find(SectionKind::kTokenRows, field);
  if (Find(SectionKind::kTokenTerms, field) < 0 || rows_index < 0)
    return std::shared_ptr<const TokenTerms>();
  const SectionEntry& rows_entry = entries_[static_cast<size_t>(rows_index)];
  if (rows_entry.codec != SectionCodec::kNone)
    return Corrupt(static_cast<size_t>(rows_index), "token row lists must be stored uncompressed");
  return Load<TokenTerms>(SectionKind::kTokenTerms, field, [&](std::string raw) {
    return TokenTerms::Parse(std::move(raw), rows_entry.raw_bytes);
  });
}

Status SegmentReader::AddTokenRows(size_t field, const TokenTerms& terms, size_t term,
                                   Roaring* out) const {
  const int index = Find(SectionKind::kTokenRows, field);
  if (index < 0) return Status::Corruption(fmt::format("segment {}: no token row lists", path_));
  const SectionEntry& entry = entries_[static_cast<size_t>(index)];
  const uint64_t begin = terms.begin(term), end = terms.end(term);
  // A list read before is in the cache, checked: a search for a word that
  // most segments hold makes no system call on its next run.
  const uint64_t item =
      SectionCache::PartItem(static_cast<uint32_t>(index), static_cast<uint32_t>(term));
  if (auto cached = cache_->Lookup(id_, item)) {
    if (!DecodePosting(static_cast<const TokenRowList&>(*cached).posting(), meta_.rows, out))
      return Status::Corruption(fmt::format(
          "segment {}: the cached row list of token {:?} is damaged", path_, terms.token(term)));
    return Status::OK();
  }
  // The whole blocks the list lies in, each checked against its CRC.
  const uint64_t first_block = begin / kTokenRowsBlockBytes;
  const uint64_t read_begin = first_block * kTokenRowsBlockBytes;
  const uint64_t read_end =
      std::min<uint64_t>(entry.raw_bytes, (end + kTokenRowsBlockBytes - 1) / kTokenRowsBlockBytes *
                                              kTokenRowsBlockBytes);
  std::string blocks;
  AL_RETURN_IF_ERROR(file_->Read(entry.offset + read_begin, read_end - read_begin, &blocks));
  auto damaged = [&](uint64_t at, std::string_view why) {
    return Status::Corruption(fmt::format("segment {} at offset {}: the row list of token {:?} {}",
                                          path_, entry.offset + at, terms.token(term), why));
  };
  if (blocks.size() != read_end - read_begin) return damaged(read_begin, "is cut short");
  for (uint64_t at = 0; at < blocks.size(); at += kTokenRowsBlockBytes) {
    const std::string_view block = std::string_view(blocks).substr(at, kTokenRowsBlockBytes);
    const size_t block_index = static_cast<size_t>(first_block + at / kTokenRowsBlockBytes);
    if (crc32c::Value(block) != crc32c::Unmask(terms.block_crc(block_index)))
      return damaged(read_begin + at, "lies in a block that fails its checksum");
  }
  const std::string_view posting = std::string_view(blocks).substr(begin - read_begin, end - begin);
  if (!DecodePosting(posting, meta_.rows, out)) return damaged(begin, "is damaged");
  cache_->Insert(id_, item, std::make_shared<TokenRowList>(std::string(posting)));
  return Status::OK();
}

Result<std::shared_ptr<const TimeColumn>> SegmentReader::GetTimes(size_t field) const {
  return Load<TimeColumn>(SectionKind::kTimes, field,
                          [&](std::string raw) { return TimeColumn::Parse(raw, meta_.rows); });
}

Result<std::shared_ptr<const SeqColumn>> SegmentReader::GetSeqs() const {
  static const size_t kSeqField = event::FieldIndexOf(*event::FindField("seq"));
  return Load<SeqColumn>(SectionKind::kSeqs, kSeqField,
                         [&](std::string raw) { return SeqColumn::Parse(raw, meta_.rows); });
}

Result<std::shared_ptr<const RawColumn>> SegmentReader::GetRaw(size_t field) const {
  return Load<RawColumn>(SectionKind::kRaw, field, [&](std::string raw) {
    return RawColumn::Parse(std::move(raw), meta_.rows);
  });
}

Status SegmentReader::ReadValues(size_t field, std::span<const uint32_t> rows,
                                 std::vector<uint32_t>* codes,
                                 std::vector<std::string_view>* values,
                                 std::vector<std::shared_ptr<const SectionData>>* held,
                                 std::vector<uint32_t>* items) const {
  codes->assign(rows.size(), 0);
  values->assign(rows.size(), std::string_view());
  held->clear();
  // The codes: from the blocks holding the rows, or the whole column.
  const int codes_index = Find(SectionKind::kCodes, field);
  AL_ASSIGN_OR_RETURN(auto code_blocks, BlocksToRead(codes_index, rows));
  if (code_blocks) {
    std::shared_ptr<const ItemBlock> block;
    for (size_t i = 0; i < rows.size(); ++i) {
      AL_RETURN_IF_ERROR(
          SeekBlock(static_cast<size_t>(codes_index), *code_blocks, rows[i], &block));
      (*codes)[i] = block->code(rows[i]);
    }
  } else {
    AL_ASSIGN_OR_RETURN(auto column, GetCodes(field));
    for (size_t i = 0; i < rows.size(); ++i) (*codes)[i] = (*column)[rows[i]];
  }
  // The values: from the dictionary's blocks holding the codes, or whole.
  const int dictionary_index = Find(SectionKind::kDictionary, field);
  items->clear();
  for (uint32_t code : *codes)
    if (code != 0) items->push_back(code - 1);
  AL_ASSIGN_OR_RETURN(auto blocks, BlocksToRead(dictionary_index, *items));
  if (blocks) {
    std::shared_ptr<const ItemBlock> block;
    for (size_t i = 0; i < rows.size(); ++i) {
      const uint32_t code = (*codes)[i];
      if (code == 0) continue;
      AL_RETURN_IF_ERROR(
          SeekBlock(static_cast<size_t>(dictionary_index), *blocks, code - 1, &block));
      if (!block->Holds(code - 1))
        return Corrupt(static_cast<size_t>(codes_index),
                       "code column names a value past the dictionary");
      (*values)[i] = block->item(code - 1);
      if (held->empty() || held->back() != block) held->push_back(block);
    }
    return Status::OK();
  }
  // A pinned dictionary lives as long as the reader: nothing to hold.
  AL_ASSIGN_OR_RETURN(const auto* pinned, PinnedDictionary(field));
  std::shared_ptr<const Dictionary> loaded;
  if (pinned == nullptr) {
    AL_ASSIGN_OR_RETURN(loaded, GetDictionary(field));
  }
  const Dictionary& dictionary = pinned != nullptr ? **pinned : *loaded;
  for (size_t i = 0; i < rows.size(); ++i) {
    const uint32_t code = (*codes)[i];
    if (code == 0) continue;
    if (code > dictionary.size())
      return Corrupt(static_cast<size_t>(codes_index),
                     "code column names a value past the dictionary");
    (*values)[i] = dictionary.value(code);
  }
  if (loaded) held->push_back(std::move(loaded));
  return Status::OK();
}

Status SegmentReader::ReadRows(std::span<const uint32_t> rows, std::span<const size_t> fields,
                               std::vector<event::Event>* out) const {
  const size_t first = out->size();
  out->resize(first + rows.size());
  std::vector<event::Event*> slots(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) slots[i] = &(*out)[first + i];
  return ReadRows(rows, fields, slots);
}

namespace {

// Where ReadRowsInto puts values: into events (copied)...
struct EventSink {
  std::span<event::Event* const> out;

  void Tenant(size_t i, const std::string& tenant) { out[i]->tenant = tenant; }
  void Seq(size_t i, uint64_t seq) { out[i]->seq = seq; }
  void Time(size_t i, const event::FieldSpec& field, std::optional<event::UnixMicros> time) {
    *field.time_member(*out[i]) = time;
  }
  void Json(size_t i, std::string_view json) { out[i]->details = json; }
  void String(size_t i, const event::FieldSpec& field, std::string_view value) {
    field.string_member(*out[i])->assign(value);
  }
  void Outcome(size_t i, event::Outcome outcome) { out[i]->result = outcome; }
  void Bool(size_t i, std::optional<bool> value) { out[i]->ua.is_mobile = value; }
  void Double(size_t i, const event::FieldSpec& field, std::optional<double> value) {
    *field.double_member(*out[i]) = value;
  }
  void Hold(const std::shared_ptr<const SectionData>&) {}
};

// ... or into views of the sections, which are held.
struct ViewSink {
  std::span<event::EventView* const> out;
  std::vector<std::shared_ptr<const SectionData>>* held;

  event::EventView::Value& At(size_t i, const event::FieldSpec& field) {
    return out[i]->values[event::FieldIndexOf(field)];
  }
  void Tenant(size_t i, const std::string& tenant) {
    static const event::FieldSpec& kTenant = *event::FindField("tenant");
    At(i, kTenant).set_text(tenant);  // the reader's meta outlives the views
  }
  void Seq(size_t i, uint64_t seq) { out[i]->seq = seq; }
  void Time(size_t i, const event::FieldSpec& field, std::optional<event::UnixMicros> time) {
    At(i, field).set_time(time);
  }
  void Json(size_t i, std::string_view json) {
    static const event::FieldSpec& kDetails = *event::FindField("details");
    At(i, kDetails).set_text(json);
  }
  void String(size_t i, const event::FieldSpec& field, std::string_view value) {
    At(i, field).set_text(value);
  }
  void Outcome(size_t i, event::Outcome outcome) {
    static const event::FieldSpec& kResult = *event::FindField("result");
    At(i, kResult).set_text(event::OutcomeName(outcome));
  }
  void Bool(size_t i, std::optional<bool> value) {
    static const event::FieldSpec& kIsMobile = *event::FindField("ua.is_mobile");
    At(i, kIsMobile).set_text(event::EventView::BoolText(value));
  }
  void Double(size_t i, const event::FieldSpec& field, std::optional<double> value) {
    At(i, field).set_number(value);
  }
  void Hold(const std::shared_ptr<const SectionData>& section) {
    if (held->empty() || held->back() != section) held->push_back(section);
  }
};

}  // namespace

Status SegmentReader::ReadRows(std::span<const uint32_t> rows, std::span<const size_t> fields,
                               std::span<event::Event* const> out) const {
  if (out.size() != rows.size()) return Status::InvalidArgument("segment: one event a row");
  EventSink sink{out};
  return ReadRowsInto(rows, fields, sink);
}

Status SegmentReader::ReadRowViews(std::span<const uint32_t> rows, std::span<const size_t> fields,
                                   std::span<event::EventView* const> out,
                                   std::vector<std::shared_ptr<const SectionData>>* held) const {
  if (out.size() != rows.size()) return Status::InvalidArgument("segment: one view a row");
  ViewSink sink{out, held};
  return ReadRowsInto(rows, fields, sink);
}

template <typename Sink>
Status SegmentReader::ReadRowsInto(std::span<const uint32_t> rows, std::span<const size_t> fields,
                                   Sink& sink) const {
  using event::FieldType;
  auto all_fields = event::AllFields();
  static const size_t kIdField = event::FieldIndexOf(*event::FindField("id"));
  for (uint32_t row : rows)
    if (row >= meta_.rows) return Status::InvalidArgument("segment: row out of range");
  if (fields.empty())
    for (size_t i = 0; i < rows.size(); ++i) sink.Tenant(i, meta_.tenant);

  AL_ASSIGN_OR_RETURN(auto seqs, GetSeqs());
  for (size_t i = 0; i < rows.size(); ++i) sink.Seq(i, (*seqs)[rows[i]]);

  // One dictionary field's codes and values for `rows`, reused field to field.
  std::vector<uint32_t> codes;
  std::vector<std::string_view> values;
  std::vector<std::shared_ptr<const SectionData>> held;
  std::vector<uint32_t> items;

  auto read_field = [&](size_t field_index) -> Status {
    const event::FieldSpec& field = all_fields[field_index];
    switch (field.type) {
      case FieldType::kUint64:
        return Status::OK();  // seq: always read above
      case FieldType::kTime: {
        AL_ASSIGN_OR_RETURN(auto times, GetTimes(field_index));
        for (size_t i = 0; i < rows.size(); ++i) {
          sink.Time(i, field,
                    times->present(rows[i]) ? std::optional((*times)[rows[i]]) : std::nullopt);
        }
        return Status::OK();
      }
      case FieldType::kJson: {
        const int index = Find(SectionKind::kRaw, field_index);
        AL_ASSIGN_OR_RETURN(auto blocks, BlocksToRead(index, rows));
        if (blocks) {
          std::shared_ptr<const ItemBlock> block;
          for (size_t i = 0; i < rows.size(); ++i) {
            AL_RETURN_IF_ERROR(SeekBlock(static_cast<size_t>(index), *blocks, rows[i], &block));
            sink.Json(i, block->item(rows[i]));
            sink.Hold(block);
          }
          return Status::OK();
        }
        AL_ASSIGN_OR_RETURN(auto raw, GetRaw(field_index));
        for (size_t i = 0; i < rows.size(); ++i) sink.Json(i, (*raw)[rows[i]]);
        sink.Hold(raw);
        return Status::OK();
      }
      default:
        break;
    }
    // The new events already read as absent there (enrichment fields of an
    // unenriched store, say): nothing to look up.
    if (valueless_fields_[field_index]) return Status::OK();
    AL_RETURN_IF_ERROR(ReadValues(field_index, rows, &codes, &values, &held, &items));
    for (const auto& section : held) sink.Hold(section);
    for (size_t i = 0; i < rows.size(); ++i) {
      const uint32_t code = codes[i];
      const std::string_view value = values[i];
      switch (field.type) {
        case FieldType::kKeyword:
        case FieldType::kText:
          sink.String(i, field, value);
          break;
        case FieldType::kOutcome:
          sink.Outcome(i, value == "success"   ? event::Outcome::kSuccess
                          : value == "failure" ? event::Outcome::kFailure
                                               : event::Outcome::kUnset);
          break;
        case FieldType::kBool:
          sink.Bool(i, code == 0 ? std::nullopt : std::optional(value == kTrueKey));
          break;
        case FieldType::kDouble:
          sink.Double(i, field,
                      code == 0 || value.size() != 8 ? std::nullopt
                                                     : std::optional(DecodeDoubleKey(value)));
          break;
        default:
          break;
      }
    }
    return Status::OK();
  };

  if (fields.empty()) {
    for (size_t field = 0; field < all_fields.size(); ++field)
      AL_RETURN_IF_ERROR(read_field(field));
  } else {
    static const size_t kTenantField = event::FieldIndexOf(*event::FindField("tenant"));
    AL_RETURN_IF_ERROR(read_field(kIdField));
    for (size_t field : fields)
      if (field == kTenantField)
        for (size_t i = 0; i < rows.size(); ++i) sink.Tenant(i, meta_.tenant);
    for (size_t field : fields)
      if (field != kIdField) AL_RETURN_IF_ERROR(read_field(field));
  }
  return Status::OK();
}

}  // namespace auditlog::storage::segment
