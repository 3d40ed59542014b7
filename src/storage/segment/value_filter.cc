#include "storage/segment/value_filter.h"

#include <fmt/format.h>

#include <algorithm>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "common/coding.h"

namespace auditlog::storage::segment {
namespace {

constexpr size_t kWordsPerBlock = 8;
constexpr size_t kBlockBytes = kWordsPerBlock * sizeof(uint32_t);
// About 1% false positives with eight bits per key in 256-bit blocks.
constexpr size_t kBitsPerKey = 10;

// One odd multiplier per word: a key's low 32 bits times each picks the bit
// it sets in that word (the salts of Parquet's split-block Bloom filter).
constexpr uint32_t kSalts[kWordsPerBlock] = {0x47b6137bU, 0x44974d91U, 0x8824ad5bU, 0xa2b7289dU,
                                             0x705495c7U, 0x2df1424bU, 0x9efc4947U, 0x5c6bfb31U};

// The block of `hash`: its high 32 bits scaled onto [0, blocks).
uint64_t BlockOf(uint64_t hash, uint64_t blocks) { return ((hash >> 32) * blocks) >> 32; }

uint32_t BitOf(uint64_t hash, size_t word) {
  return uint32_t{1} << ((static_cast<uint32_t>(hash) * kSalts[word]) >> 27);
}

}  // namespace

uint64_t FilterKeyHash(size_t field_index, FilterKeyKind kind, std::string_view key) {
  // Not XXH3's seed: for short keys a seed acts as an XOR on the input, so
  // "v12" of one field would collide outright with some "v13" of the next.
  // The key's hash is mixed with its field and kind, then avalanched
  // (splitmix64's finalizer).
  const uint64_t tag = (uint64_t{field_index} << 1) | static_cast<uint64_t>(kind);
  uint64_t z = XXH3_64bits(key.data(), key.size()) ^ ((tag + 1) * 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

std::string ValueFilterBuilder::Finish() const {
  const uint64_t blocks = std::max<uint64_t>(
      1, (hashes_.size() * kBitsPerKey + kBlockBytes * 8 - 1) / (kBlockBytes * 8));
  std::vector<uint32_t> words(blocks * kWordsPerBlock, 0);
  for (uint64_t hash : hashes_) {
    uint32_t* block = &words[BlockOf(hash, blocks) * kWordsPerBlock];
    for (size_t word = 0; word < kWordsPerBlock; ++word) block[word] |= BitOf(hash, word);
  }
  std::string out;
  out.reserve(4 + words.size() * 4);
  PutFixed32(&out, static_cast<uint32_t>(blocks));
  for (uint32_t word : words) PutFixed32(&out, word);
  return out;
}

Result<ValueFilter> ValueFilter::Parse(std::string_view bytes) {
  if (bytes.size() < 4) return Status::Corruption("value filter: shorter than its block count");
  const uint64_t blocks = DecodeFixed32(bytes.data());
  if (blocks == 0 || bytes.size() != 4 + blocks * kBlockBytes)
    return Status::Corruption(
        fmt::format("value filter: {} bytes do not hold {} blocks of {} bytes", bytes.size() - 4,
                    blocks, kBlockBytes));
  ValueFilter filter;
  filter.blocks_ = blocks;
  filter.words_.resize(blocks * kWordsPerBlock);
  for (size_t i = 0; i < filter.words_.size(); ++i)
    filter.words_[i] = DecodeFixed32(bytes.data() + 4 + i * 4);
  return filter;
}

bool ValueFilter::MayContain(uint64_t hash) const {
  const uint32_t* block = &words_[BlockOf(hash, blocks_) * kWordsPerBlock];
  uint32_t missing = 0;
  for (size_t word = 0; word < kWordsPerBlock; ++word) missing |= BitOf(hash, word) & ~block[word];
  return missing == 0;
}

}  // namespace auditlog::storage::segment
