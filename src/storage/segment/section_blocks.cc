#include "storage/segment/section_blocks.h"

#include <fmt/format.h>
#include <zstd.h>

#include <algorithm>

#include "common/coding.h"
#include "common/crc32c.h"

namespace auditlog::storage::segment {
namespace {

Status Bad(std::string_view reason) { return Status::Corruption(std::string(reason)); }

// A block's raw bytes at most: a dictionary value or a `details` text may
// be large, but a block is cut right after the item that fills it.
constexpr uint64_t kMaxBlockRawBytes = uint64_t{1} << 31;

// The header before item 0: a dictionary's count, a code column's width.
bool SkipHeader(SectionKind kind, std::string_view* in) {
  uint32_t count;
  switch (kind) {
    case SectionKind::kDictionary:
      return GetVarint32(in, &count);
    case SectionKind::kCodes:
      if (in->empty()) return false;
      in->remove_prefix(1);
      return true;
    default:
      return true;
  }
}

}  // namespace

bool HasItems(SectionKind kind) {
  return kind == SectionKind::kDictionary || kind == SectionKind::kCodes ||
         kind == SectionKind::kRaw;
}

std::vector<BlockStart> SplitIntoBlocks(SectionKind kind, std::string_view raw,
                                        size_t target_bytes) {
  std::vector<BlockStart> starts;
  if (!HasItems(kind) || target_bytes == 0) return starts;
  std::string_view in = raw;
  if (!SkipHeader(kind, &in)) return starts;
  starts.push_back({0, 0});
  if (kind == SectionKind::kCodes) {
    const size_t width = static_cast<uint8_t>(raw[0]);
    if (width == 0 || in.size() % width != 0) return {};
    const size_t per_block = std::max<size_t>(1, target_bytes / width);
    const size_t rows = in.size() / width;
    for (size_t row = per_block; row < rows; row += per_block)
      starts.push_back({1 + row * width, static_cast<uint32_t>(row)});
    return starts;
  }
  uint32_t item = 0;
  size_t block_begin = 0;
  while (!in.empty()) {
    std::string_view value;
    if (!GetLengthPrefixed(&in, &value)) return {};
    ++item;
    const size_t offset = raw.size() - in.size();
    if (offset - block_begin >= target_bytes && !in.empty()) {
      starts.push_back({offset, item});
      block_begin = offset;
    }
  }
  return starts;
}

// ---- BlockIndex

std::optional<uint32_t> BlockIndex::IndexBytes(std::string_view length_prefix,
                                               uint64_t stored_bytes) {
  if (length_prefix.size() < 4) return std::nullopt;
  const uint32_t index_bytes = DecodeFixed32(length_prefix.data());
  if (stored_bytes < 4 || index_bytes > stored_bytes - 4 || index_bytes < 5) return std::nullopt;
  return index_bytes;
}

Result<std::shared_ptr<const BlockIndex>> BlockIndex::Parse(std::string_view head,
                                                            uint64_t stored_bytes,
                                                            uint64_t raw_bytes) {
  const std::optional<uint32_t> index_bytes = IndexBytes(head, stored_bytes);
  if (!index_bytes || head.size() < 4 + uint64_t{*index_bytes})
    return Bad("block index length is out of range");
  std::string_view index = head.substr(4, *index_bytes - 4);
  if (crc32c::Value(index) != crc32c::Unmask(DecodeFixed32(head.data() + *index_bytes)))
    return Bad("block index checksum mismatch");
  auto parsed = std::make_shared<BlockIndex>();
  uint32_t count;
  if (!GetVarint32(&index, &count) || count == 0 || count > index.size())
    return Bad("block index is malformed");
  uint64_t stored_offset = 4 + uint64_t{*index_bytes}, raw_total = 0;
  parsed->blocks_.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    Block block;
    uint64_t stored, raw;
    if (!GetVarint32(&index, &block.first_item) || !GetVarint64(&index, &stored) ||
        !GetVarint64(&index, &raw) || !GetFixed32(&index, &block.masked_crc))
      return Bad("block index is cut short");
    if (i == 0 ? block.first_item != 0 : block.first_item <= parsed->blocks_.back().first_item)
      return Bad("block index items are out of order");
    if (stored == 0 || raw == 0 || raw > kMaxBlockRawBytes || stored > stored_bytes - stored_offset)
      return Bad("block index sizes are out of range");
    block.stored_offset = stored_offset;
    block.stored_bytes = static_cast<uint32_t>(stored);
    block.raw_bytes = static_cast<uint32_t>(raw);
    stored_offset += stored;
    raw_total += raw;
    parsed->blocks_.push_back(block);
  }
  if (!index.empty()) return Bad("block index has trailing bytes");
  if (stored_offset != stored_bytes || raw_total != raw_bytes)
    return Bad("blocks do not fill their section");
  return std::shared_ptr<const BlockIndex>(std::move(parsed));
}

size_t BlockIndex::BlockOf(uint32_t item) const {
  auto after =
      std::upper_bound(blocks_.begin(), blocks_.end(), item,
                       [](uint32_t x, const Block& block) { return x < block.first_item; });
  return static_cast<size_t>(after - blocks_.begin()) - 1;  // blocks_[0].first_item == 0
}

std::optional<uint32_t> BlockIndex::EndItem(size_t i) const {
  if (i + 1 >= blocks_.size()) return std::nullopt;
  return blocks_[i + 1].first_item;
}

// ---- Encoding

bool EncodeBlocks(std::string_view raw, const std::vector<BlockStart>& starts,
                  const std::function<bool(std::string_view, std::string*)>& compress,
                  std::string* stored) {
  std::string index, frames, frame;
  PutVarint32(&index, static_cast<uint32_t>(starts.size()));
  for (size_t i = 0; i < starts.size(); ++i) {
    const size_t end = i + 1 < starts.size() ? starts[i + 1].raw_offset : raw.size();
    const std::string_view part = raw.substr(starts[i].raw_offset, end - starts[i].raw_offset);
    if (part.empty() || !compress(part, &frame)) return false;
    PutVarint32(&index, starts[i].first_item);
    PutVarint64(&index, frame.size());
    PutVarint64(&index, part.size());
    PutFixed32(&index, crc32c::Mask(crc32c::Value(frame)));
    frames.append(frame);
  }
  stored->clear();
  PutFixed32(stored, static_cast<uint32_t>(index.size() + 4));
  stored->append(index);
  PutFixed32(stored, crc32c::Mask(crc32c::Value(index)));
  stored->append(frames);
  return true;
}

// ---- ItemBlock

Result<std::shared_ptr<const ItemBlock>> ItemBlock::Parse(SectionKind kind, std::string raw,
                                                          const BlockIndex& index, size_t block,
                                                          std::optional<uint32_t> section_items) {
  if (!HasItems(kind) || block >= index.size()) return Bad("not a section of items");
  auto parsed = std::make_shared<ItemBlock>();
  parsed->first_item_ = index.block(block).first_item;
  std::optional<uint32_t> end_item = index.EndItem(block);
  if (!end_item) end_item = section_items;
  if (end_item && *end_item < parsed->first_item_) return Bad("block holds no items");
  parsed->bytes_ = std::move(raw);
  std::string_view in = parsed->bytes_;
  if (block == 0 && kind == SectionKind::kDictionary) {
    uint32_t count;
    if (!GetVarint32(&in, &count) || count > kMaxSegmentRows) return Bad("dictionary is malformed");
    parsed->dictionary_size_ = count;
  } else if (block == 0 && !SkipHeader(kind, &in)) {
    return Bad("section header is cut short");
  }
  if (kind == SectionKind::kCodes) {
    if (!end_item) return Bad("code column has no row count");
    const size_t rows = *end_item - parsed->first_item_;
    const size_t width =
        block == 0 ? static_cast<uint8_t>(parsed->bytes_[0]) : (rows ? in.size() / rows : 0);
    if (width < 1 || width > 3 || in.size() != rows * width)
      return Bad("code block has the wrong size");
    parsed->width_ = static_cast<uint8_t>(width);
    parsed->codes_begin_ = parsed->bytes_.size() - in.size();
    parsed->item_count_ = rows;
    return std::shared_ptr<const ItemBlock>(std::move(parsed));
  }
  while (!in.empty()) {
    std::string_view value;
    if (!GetLengthPrefixed(&in, &value)) return Bad("block items are malformed");
    const auto begin = static_cast<uint32_t>(value.data() - parsed->bytes_.data());
    parsed->bounds_.push_back(begin);
    parsed->bounds_.push_back(begin + static_cast<uint32_t>(value.size()));
  }
  parsed->item_count_ = parsed->bounds_.size() / 2;
  if (end_item && parsed->item_count_ != *end_item - parsed->first_item_)
    return Bad("block holds the wrong number of items");
  return std::shared_ptr<const ItemBlock>(std::move(parsed));
}

// ---- Whole sections

std::optional<std::string> DecompressFrame(std::string_view frame, uint64_t raw_bytes,
                                           std::string* problem) {
  // The frame states its own size; trusting raw_bytes alone would let a
  // damaged directory ask for gigabytes.
  if (ZSTD_getFrameContentSize(frame.data(), frame.size()) != raw_bytes) {
    *problem = "zstd frame size does not match the directory";
    return std::nullopt;
  }
  std::string raw(static_cast<size_t>(raw_bytes), '\0');
  const size_t size = ZSTD_decompress(raw.data(), raw.size(), frame.data(), frame.size());
  if (ZSTD_isError(size) || size != raw.size()) {
    *problem = fmt::format("does not decompress ({})",
                           ZSTD_isError(size) ? ZSTD_getErrorName(size) : "size");
    return std::nullopt;
  }
  return raw;
}

std::optional<std::string> DecodeStoredSection(SectionCodec codec, std::string stored,
                                               uint64_t raw_bytes, std::string* problem) {
  switch (codec) {
    case SectionCodec::kNone:
      if (stored.size() != raw_bytes) {
        *problem = "size mismatch";
        return std::nullopt;
      }
      return stored;
    case SectionCodec::kZstd:
      return DecompressFrame(stored, raw_bytes, problem);
    case SectionCodec::kZstdBlocks:
      break;
    default:
      *problem = "unknown codec";
      return std::nullopt;
  }
  auto index = BlockIndex::Parse(stored, stored.size(), raw_bytes);
  if (!index.ok()) {
    *problem = index.status().message();
    return std::nullopt;
  }
  // The section's own checksum, checked by the caller, covers every frame.
  // Each frame must state the size the index gives it before anything is
  // allocated: a damaged index cannot ask for gigabytes.
  for (size_t i = 0; i < (*index)->size(); ++i) {
    const BlockIndex::Block& block = (*index)->block(i);
    const std::string_view frame =
        std::string_view(stored).substr(block.stored_offset, block.stored_bytes);
    if (ZSTD_getFrameContentSize(frame.data(), frame.size()) != block.raw_bytes) {
      *problem = fmt::format("block {}: zstd frame size does not match the index", i);
      return std::nullopt;
    }
  }
  std::string raw;
  raw.reserve(static_cast<size_t>(raw_bytes));
  for (size_t i = 0; i < (*index)->size(); ++i) {
    const BlockIndex::Block& block = (*index)->block(i);
    auto part =
        DecompressFrame(std::string_view(stored).substr(block.stored_offset, block.stored_bytes),
                        block.raw_bytes, problem);
    if (!part) {
      *problem = fmt::format("block {}: {}", i, *problem);
      return std::nullopt;
    }
    raw.append(*part);
  }
  return raw;
}

}  // namespace auditlog::storage::segment
