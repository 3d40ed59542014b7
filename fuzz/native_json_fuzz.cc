// Fuzzes DecodeBody with the Native decoder (format Auto).
// Invariants: see fuzz_support.h.

#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auditlog::fuzz::FuzzBody(auditlog::ingest::Dialect::kNative, data, size,
                           auditlog::ingest::BodyFormat::kAuto);
  return 0;
}
