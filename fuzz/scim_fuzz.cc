// Fuzzes the SCIM filter parser (Okta's System Log `filter`). Invariants: no
// crash, leak or undefined behaviour on any input; every error is
// kInvalidArgument "filter: at ..."; every accepted filter passes
// ValidateFilter; parsing the same text twice gives the same filter.

#include <cstdlib>
#include <string_view>

#include "query/query.h"
#include "query/scim_filter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace auditlog;
  using namespace auditlog::query;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<Filter> first = ParseScimFilter(text, ResolveNativeAttribute);
  Result<Filter> second = ParseScimFilter(text, ResolveNativeAttribute);
  if (first.ok() != second.ok()) std::abort();
  if (!first.ok()) {
    if (first.error().code() != StatusCode::kInvalidArgument) std::abort();
    if (!first.error().message().starts_with("filter: at ")) std::abort();
    if (!(first.error() == second.error())) std::abort();
    return 0;
  }
  if (!ValidateFilter(*first).ok()) std::abort();
  if (DebugString(*first) != DebugString(*second)) std::abort();
  return 0;
}
