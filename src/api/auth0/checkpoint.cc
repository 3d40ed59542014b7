#include "api/auth0/checkpoint.h"

#include <fmt/format.h>

namespace auditlog::api::auth0 {

query::Query CheckpointQuery(std::string_view tenant, uint64_t after_seq, uint32_t take,
                             std::chrono::milliseconds timeout) {
  const event::FieldSpec& seq = *event::FindField("seq");
  query::Query query;
  query.tenant = std::string(tenant);
  if (after_seq > 0) {
    query.filter = query::Filter::Range(
        seq, query::RangeBound{.value = static_cast<int64_t>(after_seq), .inclusive = false},
        std::nullopt);
  }
  query.sort = {query::SortKey{.field = &seq, .descending = false}};
  query.limit = take;
  query.timeout = timeout;
  return query;
}

void TrimToWatermark(query::SearchResult* result) {
  if (result->watermark == 0) return;  // the store gave none (all-tenant queries)
  size_t keep = 0;
  while (keep < result->events.size() && result->events[keep].seq <= result->watermark) ++keep;
  result->events.resize(keep);
}

std::string NextLink(const http::Request& request, std::string_view from, uint32_t take) {
  const std::string_view host = request.Header("host").value_or("localhost");
  std::string url = fmt::format("{}://{}/api/v2/logs?", request.tls ? "https" : "http", host);
  if (!from.empty()) url += "from=" + http::PercentEncode(from) + "&";
  url += fmt::format("take={}", take);
  return fmt::format("<{}>; rel=\"next\"", url);
}

}  // namespace auditlog::api::auth0
