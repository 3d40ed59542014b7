#pragma once

// Auth0's "retrieve logs by checkpoint" over the canonical store: pages of
// events in ingest order (`seq`, per tenant, gap-free), each starting after
// the event named by `from`, each answered with a `Link: <...>; rel="next"`
// header pointing at the next page. Auth0 orders checkpoint pages by log_id
// "to prevent skipping past records due to system delays"; here ingest order
// gives the same guarantee, since a search sees a gap-free prefix of each
// tenant's seqs (store/store.h, SearchResult::watermark).
//
// Thread-safety: pure functions.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/message.h"
#include "query/query.h"

namespace auditlog::api::auth0 {

// The query of one page: `take` events of `tenant` with seq > `after_seq`
// (0: from the first), ascending by seq.
query::Query CheckpointQuery(std::string_view tenant, uint64_t after_seq, uint32_t take,
                             std::chrono::milliseconds timeout);

// Drops from `result` (ascending by seq) the events past its watermark, so
// that a page never runs ahead of an event not yet visible.
void TrimToWatermark(query::SearchResult* result);

// The value of the Link header of a checkpoint page:
//   <https://HOST/api/v2/logs?from=ID&take=N>; rel="next"
// with the request's Host header (and http:// without TLS). `from` is the
// last log_id of the page, or the request's own `from` when the page is
// empty (then the link repeats the request); when that is empty too the
// link has only `take`.
std::string NextLink(const http::Request& request, std::string_view from, uint32_t take);

}  // namespace auditlog::api::auth0
