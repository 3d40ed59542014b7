// Fuzzes the EnOS dialect's request-body parsers (api/enos/request.h): the
// input is handed as a body to ParseLogQueryBody and ParseProduceBody.
// Invariants:
//   - no crash, leak or undefined behaviour on any input;
//   - every error is kInvalidArgument whose message names a member or the
//     body first ("startTime: ...", "pagination.pageSize: ...", "body: ...");
//   - parsing the same bytes twice gives the same answer;
//   - an accepted query has 0 <= startTime <= endTime, a pageSize within
//     1..kMaxPageSize and a pageNo <= kMaxPageNo, and ToQuery over it passes
//     query::ValidateQuery with a non-empty time range;
//   - an accepted produce body has non-empty subjectId and subjectType, and
//     each of its four members is at most kMaxProduceMemberChars code points
//     of valid UTF-8.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/enos/request.h"
#include "common/status.h"

namespace {

using auditlog::Status;
using auditlog::StatusCode;
namespace enos = auditlog::api::enos;

void Check(bool condition) {
  if (!condition) std::abort();
}

bool NamesAMember(std::string_view message) {
  for (const std::string_view prefix :
       {"startTime: ", "endTime: ", "pagination: ", "pagination.pageNo: ", "pagination.pageSize: ",
        "body: ", "subjectId: ", "subjectType: ", "upstreamId: ", "upstreamType: "}) {
    if (message.starts_with(prefix)) return true;
  }
  return false;
}

// Code points of `text`, or SIZE_MAX when it is not valid UTF-8 (no
// overlongs, surrogates or values past U+10FFFF).
size_t CodePointsOrMax(std::string_view text) {
  size_t count = 0;
  for (size_t at = 0; at < text.size(); ++count) {
    const auto byte = static_cast<unsigned char>(text[at]);
    size_t length = 0;
    uint32_t value = 0;
    if (byte < 0x80) {
      length = 1;
      value = byte;
    } else if (byte >= 0xC2 && byte <= 0xDF) {
      length = 2;
      value = byte & 0x1F;
    } else if (byte >= 0xE0 && byte <= 0xEF) {
      length = 3;
      value = byte & 0x0F;
    } else if (byte >= 0xF0 && byte <= 0xF4) {
      length = 4;
      value = byte & 0x07;
    } else {
      return SIZE_MAX;
    }
    if (at + length > text.size()) return SIZE_MAX;
    for (size_t next = 1; next < length; ++next) {
      const auto continuation = static_cast<unsigned char>(text[at + next]);
      if ((continuation & 0xC0) != 0x80) return SIZE_MAX;
      value = (value << 6) | (continuation & 0x3F);
    }
    if ((length == 3 && value < 0x800) || (length == 4 && value < 0x10000) || value > 0x10FFFF ||
        (value >= 0xD800 && value <= 0xDFFF)) {
      return SIZE_MAX;
    }
    at += length;
  }
  return count;
}

void CheckError(const Status& status) {
  Check(status.code() == StatusCode::kInvalidArgument);
  Check(NamesAMember(status.message()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  auto query = enos::ParseLogQueryBody(body);
  auto again = enos::ParseLogQueryBody(body);
  Check(query.ok() == again.ok());
  if (!query.ok()) {
    CheckError(query.status());
    Check(query.status() == again.status());
  } else {
    Check(query->start_ms == again->start_ms && query->end_ms == again->end_ms &&
          query->page_no == again->page_no && query->page_size == again->page_size);
    Check(query->start_ms >= 0 && query->start_ms <= query->end_ms);
    Check(query->page_size >= 1 && query->page_size <= enos::kMaxPageSize);
    Check(query->page_no <= enos::kMaxPageNo);
    const auditlog::query::Query canonical = enos::ToQuery(*query, "t");
    Check(auditlog::query::ValidateQuery(canonical).ok());
    Check(*canonical.time.from < *canonical.time.to);
  }

  auto produce = enos::ParseProduceBody(body);
  if (!produce.ok()) {
    CheckError(produce.status());
  } else {
    Check(!produce->subject_id.empty() && !produce->subject_type.empty());
    for (const std::string* member : {&produce->subject_id, &produce->subject_type,
                                      &produce->upstream_id, &produce->upstream_type}) {
      Check(CodePointsOrMax(*member) <= enos::kMaxProduceMemberChars);
    }
  }
  return 0;
}
