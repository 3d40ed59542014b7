#pragma once

// Sections stored in blocks (codec kZstdBlocks): a section whose raw layout
// is a run of items — a dictionary's values, a code column's codes, a raw
// column's rows — cut at item boundaries into blocks of about 64 KiB, each
// compressed on its own, behind an index of where each block starts.
//
// Why: a page of whole events drawn from a hundred segments wants one row
// of each. With one zstd frame per section it decompressed and decoded the
// whole of every large section (a segment's `details`, `description` and
// `id` are megabytes) for that row; with blocks it reads one block of each.
// Reading the whole section is unchanged: the blocks' raw bytes, back to
// back, are the section's raw layout (docs/format/segment.md).
//
//   stored := index_length u32le  index  frame*block_count
//   index  := block_count:varint  block*block_count  index_crc u32le
//   block  := first_item:varint  stored_length:varint  raw_length:varint
//             masked_crc u32le                          (of the block's frame)
//
// Thread-safety: pure functions and immutable values.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "storage/segment/section_cache.h"
#include "storage/segment/segment_format.h"

namespace auditlog::storage::segment {

// Whether sections of `kind` may be stored in blocks: those whose raw layout
// is items (after a header, for dictionaries and code columns).
bool HasItems(SectionKind kind);

// Where a block starts in the raw layout, and the index of its first item.
// Block 0 starts at byte 0: the section's header comes before item 0.
struct BlockStart {
  size_t raw_offset;
  uint32_t first_item;
};

// Cuts `raw`, a section of `kind` (HasItems), into blocks of at least
// `target_bytes` (the last may be shorter) at item boundaries. Empty when
// the layout does not parse (the writer then stores the section whole).
std::vector<BlockStart> SplitIntoBlocks(SectionKind kind, std::string_view raw,
                                        size_t target_bytes);

// The index of a section stored in blocks, with each block's place in the
// stored bytes.
class BlockIndex final : public SectionData {
 public:
  struct Block {
    uint32_t first_item;
    uint64_t stored_offset;  // from the section's first stored byte
    uint32_t stored_bytes;
    uint32_t raw_bytes;
    uint32_t masked_crc;
  };

  // The bytes of the index that must be read, from the 4-byte length at the
  // section's start; nullopt when that length cannot fit `stored_bytes`.
  static std::optional<uint32_t> IndexBytes(std::string_view length_prefix, uint64_t stored_bytes);
  // Parses and checks the index, `head` holding at least the stored section's
  // first 4 + IndexBytes bytes; the blocks must account for exactly
  // `stored_bytes` stored and `raw_bytes` raw bytes.
  static Result<std::shared_ptr<const BlockIndex>> Parse(std::string_view head,
                                                         uint64_t stored_bytes, uint64_t raw_bytes);

  size_t size() const { return blocks_.size(); }
  const Block& block(size_t i) const { return blocks_[i]; }
  // The block holding item `item` (the last whose first item is <= it).
  size_t BlockOf(uint32_t item) const;
  // Whether block `i` holds item `item`.
  bool Holds(size_t i, uint32_t item) const {
    return item >= blocks_[i].first_item &&
           (i + 1 >= blocks_.size() || item < blocks_[i + 1].first_item);
  }
  // The first item past block `i`, nullopt for the last block (its items run
  // to the end of the section).
  std::optional<uint32_t> EndItem(size_t i) const;
  size_t memory_bytes() const override { return blocks_.size() * sizeof(Block) + sizeof(*this); }

 private:
  std::vector<Block> blocks_;
};

// Encodes `raw` cut at `starts` as the blocked stored form into `*stored`,
// each block compressed by `compress` into its second argument (false when
// it cannot, and then so does this).
bool EncodeBlocks(std::string_view raw, const std::vector<BlockStart>& starts,
                  const std::function<bool(std::string_view, std::string*)>& compress,
                  std::string* stored);

// One decompressed block of a section stored in blocks, its items located.
class ItemBlock final : public SectionData {
 public:
  // Checks and locates the items of block `block` of `index`, whose raw
  // bytes are `raw`. `section_items`: the section's item count when the
  // directory alone says it (a code or raw column: the segment's rows), else
  // nullopt (a dictionary: the count is in its header).
  static Result<std::shared_ptr<const ItemBlock>> Parse(SectionKind kind, std::string raw,
                                                        const BlockIndex& index, size_t block,
                                                        std::optional<uint32_t> section_items);

  uint32_t first_item() const { return first_item_; }
  uint32_t end_item() const { return first_item_ + static_cast<uint32_t>(item_count_); }
  bool Holds(uint32_t item) const { return item >= first_item_ && item < end_item(); }
  // REQUIRES: Holds(item). A length-prefixed item's bytes.
  std::string_view item(uint32_t item) const {
    const size_t i = 2 * size_t{item - first_item_};
    return std::string_view(bytes_).substr(bounds_[i], bounds_[i + 1] - bounds_[i]);
  }
  // REQUIRES: Holds(row), a code column's block. The code of `row`.
  uint32_t code(uint32_t row) const {
    return DecodeCode(reinterpret_cast<const uint8_t*>(bytes_.data() + codes_begin_) +
                          size_t{row - first_item_} * width_,
                      width_);
  }
  // Block 0 of a dictionary: the value count its header states.
  std::optional<uint32_t> dictionary_size() const { return dictionary_size_; }
  size_t memory_bytes() const override {
    return bytes_.capacity() + bounds_.capacity() * 4 + sizeof(*this);
  }

 private:
  std::string bytes_;
  uint32_t first_item_ = 0;
  size_t item_count_ = 0;
  // Length-prefixed items: item i's bytes are [bounds_[2i], bounds_[2i+1]).
  std::vector<uint32_t> bounds_;
  // Code columns: the codes start at codes_begin_, `width_` bytes each.
  size_t codes_begin_ = 0;
  uint8_t width_ = 0;
  std::optional<uint32_t> dictionary_size_;
};

// The raw layout of a section from its stored bytes, per `codec`; on damage
// nullopt and `*problem` says what is wrong (checksums are the caller's).
std::optional<std::string> DecodeStoredSection(SectionCodec codec, std::string stored,
                                               uint64_t raw_bytes, std::string* problem);

// Decompresses one zstd frame that must hold exactly `raw_bytes` bytes.
std::optional<std::string> DecompressFrame(std::string_view frame, uint64_t raw_bytes,
                                           std::string* problem);

}  // namespace auditlog::storage::segment
