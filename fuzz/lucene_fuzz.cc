// Fuzzes the Lucene-subset parser of the `q` parameter, in both dialects.
// Invariants: no crash, leak or undefined behaviour on any input; every error
// is kInvalidArgument "q: at ..."; every accepted filter passes
// ValidateFilter; parsing the same text twice gives the same result.

#include <cstdlib>
#include <string_view>

#include "query/lucene_parser.h"
#include "query/query.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace auditlog;
  using namespace auditlog::query;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (LuceneDialect dialect : {LuceneDialect::kNative, LuceneDialect::kAuth0}) {
    Result<Filter> first = ParseLucene(text, dialect);
    Result<Filter> second = ParseLucene(text, dialect);
    if (first.ok() != second.ok()) std::abort();
    if (!first.ok()) {
      if (first.error().code() != StatusCode::kInvalidArgument) std::abort();
      if (!first.error().message().starts_with("q: at ")) std::abort();
      if (!(first.error() == second.error())) std::abort();
      continue;
    }
    if (!ValidateFilter(*first).ok()) std::abort();
    if (DebugString(*first) != DebugString(*second)) std::abort();
  }
  return 0;
}
