#pragma once

// Cursors: opaque tokens a client hands back to get the next page of a walk
// in sort order. A token holds the position of the last event returned (its
// sort values and seq) and the walk's watermark: the seq every event up to
// which was visible when the walk's first page ran. Later pages answer the
// same query pinned to that watermark (Query::max_seq), after the position.
//
// What a walk guarantees: every event of the tenant that matches the query
// and was visible at the first page is returned exactly once, in order,
// however many events arrive meanwhile, late timestamps included (they have
// higher seqs, so they are outside the pinned walk). Events that arrive
// during a walk are not part of it: start a new walk, or follow the `seq`
// order (sort by seq ascending), where new events always come after every
// event already seen, for export and polling. Retention may drop events a
// walk has not reached yet; nothing else changes a walk's results.
//
// Tokens are tamper-checked: an HMAC-SHA256 (truncated to 128 bits) under a
// server key covers the position and the query's identity (tenant, filter,
// time range, sort). Altered tokens, tokens of another tenant or of another
// query are rejected with kInvalidArgument naming the cursor.
//
// Thread-safety: CursorCodec is immutable after construction.

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "query/query.h"

namespace auditlog {
class HmacSha256;
}  // namespace auditlog

namespace auditlog::query {

class CursorCodec {
 public:
  // `key`: the server's secret, at least 16 bytes.
  explicit CursorCodec(std::string key);
  ~CursorCodec();

  // The token for the page after `position` of `query` pinned to `watermark`.
  std::string Encode(const Query& query, const Position& position, uint64_t watermark) const;

  // Sets `query->after` and `query->max_seq` from `token`. REQUIRES: the
  // query's tenant, filter, time range and sort are set as on the first page.
  Status Apply(std::string_view token, Query* query) const;

 private:
  std::string Mac(const Query& query, std::string_view payload) const;
  std::unique_ptr<HmacSha256> signer_;
};

// The position of `event` in the order of `query` (its effective sort).
Position PositionOf(const Query& query, const event::Event& event);

}  // namespace auditlog::query
