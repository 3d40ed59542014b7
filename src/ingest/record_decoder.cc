#include "ingest/record_decoder.h"

#include <fmt/format.h>

#include "ingest/decoders.h"

namespace auditlog::ingest {

std::string_view DialectName(Dialect dialect) {
  switch (dialect) {
    case Dialect::kNative:
      return "native";
    case Dialect::kAuthing:
      return "authing";
    case Dialect::kEnos:
      return "enos";
    case Dialect::kAuth0:
      return "auth0";
  }
  return "?";
}

Result<Dialect> DialectFromName(std::string_view name) {
  for (Dialect dialect : {Dialect::kNative, Dialect::kAuthing, Dialect::kEnos, Dialect::kAuth0}) {
    if (DialectName(dialect) == name) return dialect;
  }
  return Status::InvalidArgument(
      fmt::format("unknown dialect \"{}\" (native, authing, enos, auth0)", name));
}

Status RecordDecoder::DecodeLine(std::string_view /*line*/, event::Event* /*out*/) {
  return Status::InvalidArgument(
      fmt::format("record: not a JSON object ({} records are JSON)", DialectName(dialect())));
}

std::unique_ptr<RecordDecoder> MakeRecordDecoder(Dialect dialect) {
  switch (dialect) {
    case Dialect::kNative:
      return MakeNativeDecoder();
    case Dialect::kAuthing:
      return MakeAuthingDecoder();
    case Dialect::kEnos:
      return MakeEnosDecoder();
    case Dialect::kAuth0:
      return MakeAuth0Decoder();
  }
  return MakeNativeDecoder();
}

}  // namespace auditlog::ingest
