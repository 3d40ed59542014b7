#pragma once

// Auth0's "retrieve logs by checkpoint" over the canonical store: pages of
// events in ingest order (`seq`, per tenant, gap-free), each starting after
// the position named by `from`, each answered with a `Link: <...>;
// rel="next"` header pointing at the next page. The Link's `from` is a
// position token ("cp.<seq>"), which stays valid when retention removes the
// event it was taken from; a plain log_id is accepted too, while that event
// is stored. Auth0 orders checkpoint pages by log_id "to prevent skipping
// past records due to system delays"; here ingest order gives the same
// guarantee, since a search sees a gap-free prefix of each tenant's seqs
// (store/store.h, SearchResult::watermark).
//
// Thread-safety: pure functions.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "http/message.h"
#include "query/query.h"

namespace auditlog::api::auth0 {

// The query of one page: `take` events of `tenant` with seq > `after_seq`
// (0: from the first), ascending by seq.
query::Query CheckpointQuery(std::string_view tenant, uint64_t after_seq, uint32_t take,
                             std::chrono::milliseconds timeout);

// Drops from `result` (ascending by seq) the events past its watermark, so
// that a page never runs ahead of an event not yet visible.
// REQUIRES: `result` answers a single-tenant query (CheckpointQuery's), whose
// watermark is always set: 0 there means no event is visible yet.
void TrimToWatermark(query::SearchResult* result);

// What the `from` of a checkpoint request names.
struct CheckpointFrom {
  // A position token: the page starts after this seq (0: at the oldest).
  std::optional<uint64_t> after_seq;
  // Otherwise a log_id (or empty: at the oldest event).
  std::string log_id;
};

// The token prefix: a `from` starting with it is a position token.
inline constexpr std::string_view kCheckpointTokenPrefix = "cp.";

// The position token of "after the event with this seq": "cp.<seq>".
std::string CheckpointToken(uint64_t after_seq);

// Reads `from`: "cp.<seq>" (seq a whole number in canonical form, at most
// INT64_MAX) is a token; any other value starting with "cp." is
// kInvalidArgument; anything else is a log_id.
Result<CheckpointFrom> ParseCheckpointFrom(std::string_view from);

// Whether `host` (a Host header) is a strict authority without userinfo:
// reg-name (ALPHA DIGIT - . _ ~), or an IP literal "[...]" of hex digits,
// ':' and '.', each with an optional ":port" of 1 to 5 digits; at most 255
// bytes. Anything else could smuggle text into the Link header.
bool IsSafeHost(std::string_view host);

// The value of the Link header of a checkpoint page:
//   <https://HOST/api/v2/logs?from=TOKEN&take=N>; rel="next"
// with `public_url` ("https://logs.example.com", the server's --public-url)
// as its base when set; else with the request's Host header (and http://
// without TLS), or the relative
//   </api/v2/logs?from=TOKEN&take=N>; rel="next"
// when Host is missing or not IsSafeHost. `from` goes in percent-encoded;
// when empty the link has only `take`.
std::string NextLink(const http::Request& request, std::string_view from, uint32_t take,
                     std::string_view public_url = {});

}  // namespace auditlog::api::auth0
