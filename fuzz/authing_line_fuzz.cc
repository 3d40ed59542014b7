// Fuzzes DecodeBody with the Authing decoder (format LogLines).
// Invariants: see fuzz_support.h.

#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auditlog::fuzz::FuzzBody(auditlog::ingest::Dialect::kAuthing, data, size,
                           auditlog::ingest::BodyFormat::kLogLines);
  return 0;
}
