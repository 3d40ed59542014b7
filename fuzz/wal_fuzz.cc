// Fuzzes the WAL reader with arbitrary file contents. Invariants: no crash; the
// reader either returns records, stops at a torn tail, or reports corruption,
// and reading the same bytes twice gives the same outcome.

#include <cstdlib>
#include <string>
#include <vector>

#include "env/mem_file_system.h"
#include "storage/wal/wal_reader.h"

namespace {

// The payloads read, then "!" + the error, or "~<offset>" for a torn tail.
std::string ReadOutcome(auditlog::env::MemFileSystem& fs) {
  auto file = fs.OpenForRead("/f.wal");
  if (!file.ok()) std::abort();
  auto reader = auditlog::storage::wal::WalReader::Open(std::move(*file), "f.wal");
  if (!reader.ok()) return "!" + reader.status().ToString();
  std::string outcome;
  while (true) {
    auto record = (*reader)->Next();
    if (!record.ok()) return outcome + "!" + record.status().ToString();
    if (!*record) break;
    outcome += std::to_string((*record)->payload.size()) + ":" + (*record)->payload + ";";
  }
  if ((*reader)->torn_tail_offset())
    outcome += "~" + std::to_string(*(*reader)->torn_tail_offset());
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auditlog::env::MemFileSystem fs;
  auto file = fs.NewWritableFile("/f.wal");
  if (!file.ok()) std::abort();
  // Most inputs get a valid header so the fuzzer explores records, not magic bytes.
  std::string bytes;
  if (size > 0 && (data[0] & 1) == 0) bytes.append("auditwal\x01\x00\x00\x00\x00\x00\x00\x00", 16);
  bytes.append(reinterpret_cast<const char*>(data), size);
  if (!(*file)->Append(bytes).ok()) std::abort();
  if (ReadOutcome(fs) != ReadOutcome(fs)) std::abort();
  return 0;
}
