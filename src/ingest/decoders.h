#pragma once

// Factories of the dialect decoders; MakeRecordDecoder() picks among them.
// Internal to ingest/.

#include <memory>

#include "ingest/record_decoder.h"

namespace auditlog::ingest {

std::unique_ptr<RecordDecoder> MakeNativeDecoder();
std::unique_ptr<RecordDecoder> MakeAuthingDecoder();
std::unique_ptr<RecordDecoder> MakeEnosDecoder();
std::unique_ptr<RecordDecoder> MakeAuth0Decoder();

}  // namespace auditlog::ingest
