#pragma once

// Shared invariants of the decoder fuzz targets:
//   1. decoding never crashes, leaks or reads out of bounds (ASan/UBSan);
//   2. decoding the same bytes twice gives the same result;
//   3. every accepted event re-encodes to native JSON that decodes back to an
//      equal event (the native codec loses nothing a decoder produced).

#include <cstdlib>
#include <string>

#include "event/json_buffer.h"
#include "event/json_codec.h"
#include "ingest/batch_decoder.h"
#include "ingest/record_decoder.h"

namespace auditlog::fuzz {

inline void CheckRoundTrip(const event::Event& decoded) {
  static event::NativeJsonDecoder* native = new event::NativeJsonDecoder();
  const event::PaddedBuffer encoded(event::EventToJson(decoded));
  event::Event again;
  if (!native->Decode(encoded.view(), &again).ok() || !(again == decoded)) std::abort();
}

inline void FuzzBody(ingest::Dialect dialect, const uint8_t* data, size_t size,
                     ingest::BodyFormat format) {
  static ingest::RecordDecoder* decoders[5] = {};
  auto& decoder = decoders[static_cast<int>(dialect)];
  if (decoder == nullptr) decoder = ingest::MakeRecordDecoder(dialect).release();
  const event::PaddedBuffer body(std::string_view(reinterpret_cast<const char*>(data), size));
  auto first = ingest::DecodeBody(*decoder, body.view(), format);
  auto second = ingest::DecodeBody(*decoder, body.view(), format);
  if (first.ok() != second.ok()) std::abort();
  if (!first.ok()) return;
  if (first->events != second->events || first->errors != second->errors) std::abort();
  if (first->events.size() + first->errors.size() != first->record_count) std::abort();
  for (const auto& decoded : first->events) CheckRoundTrip(decoded);
}

}  // namespace auditlog::fuzz
