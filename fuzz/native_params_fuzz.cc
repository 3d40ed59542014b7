// Fuzzes the native API's read parameters (api/native/params.h): the input is
// a query string, split and decoded by http::ParseTarget("/?" + input), and
// handed to ParseSearchParams, ParseCountParams, ParseHistogramParams and
// ParseDistinctParams for tenant "t". Invariants:
//   - no crash, leak or undefined behaviour on any input;
//   - every error is kInvalidArgument with a non-empty error_field, and its
//     message leads with that field (`limit: ...`) or says which parameter is
//     unknown; the one error without a field is a parameter without a name;
//   - every accepted search passes query::ValidateQuery, every accepted stats
//     request passes ValidateQuery and query::ValidateAggSpec, and each keeps
//     the tenant and timeout it was given;
//   - a search accepted without a cursor, given a cursor the server made for
//     it, is accepted with that position and watermark (or refused as
//     combined with an offset).
// Inputs are capped at kMaxInputBytes: a histogram with `fill` walks up to
// query::kMaxHistogramBuckets buckets, and long inputs only repeat that.

#include <chrono>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/native/params.h"
#include "common/status.h"
#include "event/fields.h"
#include "http/message.h"
#include "query/cursor.h"
#include "query/query.h"

namespace {

using auditlog::Status;
using auditlog::StatusCode;
using auditlog::event::FieldType;
using auditlog::http::NameValue;
namespace native = auditlog::api::native;
namespace query = auditlog::query;

constexpr size_t kMaxInputBytes = 4096;
constexpr std::string_view kTenant = "t";
constexpr std::chrono::milliseconds kTimeout{1000};

const query::CursorCodec& Cursors() {
  static const query::CursorCodec* codec =
      new query::CursorCodec("fuzz-cursor-key-0123456789abcdef");  // 32 bytes
  return *codec;
}

void CheckError(const Status& error, const std::string& error_field) {
  if (error.code() != StatusCode::kInvalidArgument) std::abort();
  const std::string_view message = error.message();
  // A parameter sent without a name ("?=x") has no name to report; the error
  // envelope then leaves `field` out, as docs/api/openapi.yaml allows.
  if (error_field.empty()) {
    if (message != R"(unknown parameter "")") std::abort();
    return;
  }
  if (!message.starts_with(error_field + ":") && !message.starts_with("unknown parameter "))
    std::abort();
}

void CheckQuery(const query::Query& parsed) {
  if (parsed.tenant != kTenant || parsed.timeout != kTimeout) std::abort();
  if (!query::ValidateQuery(parsed).ok()) std::abort();
}

// A value of the type the cursor encoding keeps for `type`, drawn from `seed`
// so that tokens differ between inputs.
query::Scalar ScalarFor(FieldType type, uint64_t seed) {
  switch (type) {
    case FieldType::kTime:
    case FieldType::kUint64:
      return static_cast<int64_t>(seed);
    case FieldType::kDouble:
      return static_cast<double>(seed) / 3;
    case FieldType::kBool:
      return seed % 2 == 0;
    case FieldType::kKeyword:
    case FieldType::kText:
    case FieldType::kOutcome:
    case FieldType::kJson:
      break;
  }
  return std::string(seed % 7, 'x');
}

// Gives an accepted, cursor-less search a token the server made for its
// query and checks the second page parses to that position.
void CheckCursorPage(const std::vector<NameValue>& params, const query::Query& first_page,
                     uint64_t seed) {
  query::Position position;
  position.seq = seed;
  uint64_t key_idx = 0;
  for (const query::SortKey& key : query::EffectiveSort(first_page)) {
    // Leave every third key absent: events without the sort field have none.
    if ((seed + key_idx++) % 3 == 0) {
      position.keys.emplace_back();
    } else {
      position.keys.emplace_back(ScalarFor(key.field->type, seed));
    }
  }
  const uint64_t watermark = seed * 7 + 1;
  std::vector<NameValue> next_params;
  bool has_offset = false;
  for (const auto& [name, value] : params) {
    if (name == "cursor") continue;  // given but empty, else the first page had a cursor
    if (name == "offset" && !value.empty()) has_offset = true;
    next_params.emplace_back(name, value);
  }
  next_params.emplace_back("cursor", Cursors().Encode(first_page, position, watermark));

  std::string error_field;
  const auto next =
      native::ParseSearchParams(next_params, kTenant, Cursors(), kTimeout, &error_field);
  if (has_offset) {
    if (next.ok() || error_field != "cursor") std::abort();
    CheckError(next.error(), error_field);
    return;
  }
  if (!next.ok() || !next->has_cursor) std::abort();
  CheckQuery(next->query);
  if (next->query.after != position || next->query.max_seq != watermark) std::abort();
}

void CheckSearch(const std::vector<NameValue>& params, uint64_t seed) {
  std::string error_field;
  const auto parsed = native::ParseSearchParams(params, kTenant, Cursors(), kTimeout, &error_field);
  if (!parsed.ok()) {
    CheckError(parsed.error(), error_field);
    return;
  }
  CheckQuery(parsed->query);
  if (parsed->query.limit < 1 || parsed->query.limit > native::kMaxPageLimit) std::abort();
  if (parsed->has_cursor != parsed->query.after.has_value()) std::abort();
  if (!parsed->has_cursor) CheckCursorPage(params, parsed->query, seed);
}

template <typename ParseStats>
void CheckStats(const std::vector<NameValue>& params, ParseStats parse_stats) {
  std::string error_field;
  const auto parsed = parse_stats(params, kTenant, kTimeout, &error_field);
  if (!parsed.ok()) {
    CheckError(parsed.error(), error_field);
    return;
  }
  CheckQuery(parsed->query);
  if (!query::ValidateAggSpec(parsed->spec).ok()) std::abort();
  // Only histograms fill in empty buckets.
  if (parsed->fill && !std::holds_alternative<query::DateHistogram>(parsed->spec)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInputBytes) return -1;  // -1: not worth keeping in the corpus
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto target = auditlog::http::ParseTarget("/?" + std::string(input));
  if (!target.ok()) return 0;
  const std::vector<NameValue>& params = target->query;
  CheckSearch(params, std::hash<std::string_view>{}(input));
  CheckStats(params, native::ParseCountParams);
  CheckStats(params, native::ParseHistogramParams);
  CheckStats(params, native::ParseDistinctParams);
  return 0;
}
