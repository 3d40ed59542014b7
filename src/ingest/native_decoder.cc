// The native dialect: the canonical Event's own JSON form (event/json_codec.h).

#include "event/json_codec.h"
#include "ingest/decoders.h"

namespace auditlog::ingest {
namespace {

class NativeDecoder final : public RecordDecoder {
 public:
  Dialect dialect() const override { return Dialect::kNative; }
  Status DecodeJson(event::PaddedView record, event::Event* out) override {
    return decoder_.Decode(record, out);
  }

 private:
  event::NativeJsonDecoder decoder_;
};

}  // namespace

std::unique_ptr<RecordDecoder> MakeNativeDecoder() { return std::make_unique<NativeDecoder>(); }

}  // namespace auditlog::ingest
