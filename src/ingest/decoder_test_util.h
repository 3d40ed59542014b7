#pragma once

// Helpers for the decoder tests: decode a body or a test data file with one
// dialect.

#include <string_view>

#include "event/json_buffer.h"
#include "ingest/batch_decoder.h"
#include "ingest/record_decoder.h"
#include "testing/testdata.h"

namespace auditlog::ingest {

inline Result<DecodedBatch> DecodeText(Dialect dialect, std::string_view body,
                                       BodyFormat format = BodyFormat::kAuto) {
  auto decoder = MakeRecordDecoder(dialect);
  const event::PaddedBuffer buffer(body);
  return DecodeBody(*decoder, buffer.view(), format);
}

inline Result<DecodedBatch> DecodeTestData(Dialect dialect, std::string_view relative_path) {
  return DecodeText(dialect, testing::ReadTestData(relative_path));
}

}  // namespace auditlog::ingest
