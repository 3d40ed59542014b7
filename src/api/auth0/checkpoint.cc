#include "api/auth0/checkpoint.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdint>

namespace auditlog::api::auth0 {
namespace {

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiHexDigit(char c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool IsRegNameChar(char c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

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
  // A checkpoint query names one tenant, and for one tenant the store always
  // sets the watermark (query/query.h): 0 is "nothing visible yet", not
  // "no watermark", so it trims every event (only all-tenant queries leave
  // it unset, and checkpoint pages never are).
  size_t keep = 0;
  while (keep < result->events.size() && result->events[keep].seq <= result->watermark) ++keep;
  result->events.resize(keep);
}

std::string CheckpointToken(uint64_t after_seq) {
  return fmt::format("{}{}", kCheckpointTokenPrefix, after_seq);
}

Result<CheckpointFrom> ParseCheckpointFrom(std::string_view from) {
  CheckpointFrom out;
  if (!from.starts_with(kCheckpointTokenPrefix)) {
    out.log_id = std::string(from);
    return out;
  }
  const std::string_view digits = from.substr(kCheckpointTokenPrefix.size());
  uint64_t seq = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  const bool canonical = !digits.empty() && IsAsciiDigit(digits.front()) &&
                         (digits.size() == 1 || digits.front() != '0');
  if (!canonical || error != std::errc() || end != digits.data() + digits.size() ||
      seq > static_cast<uint64_t>(INT64_MAX)) {
    return Status::InvalidArgument(
        fmt::format("Query validation error: '{:?} is not a checkpoint token (cp.<position>, as "
                    "the Link header gives it) nor a log_id' on property from.",
                    from));
  }
  out.after_seq = seq;
  return out;
}

bool IsSafeHost(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  std::string_view name = host;
  std::string_view port;
  if (host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos || close < 2) return false;
    for (char c : host.substr(1, close - 1))
      if (!IsAsciiHexDigit(c) && c != ':' && c != '.') return false;
    const std::string_view rest = host.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
      if (port.empty()) return false;
    }
    name = {};
  } else if (const size_t colon = host.find(':'); colon != std::string_view::npos) {
    name = host.substr(0, colon);
    port = host.substr(colon + 1);
    if (port.empty()) return false;
  }
  for (char c : name)
    if (!IsRegNameChar(c)) return false;
  if (host.front() != '[' && name.empty()) return false;
  if (port.size() > 5) return false;
  for (char c : port)
    if (!IsAsciiDigit(c)) return false;
  return true;
}

std::string NextLink(const http::Request& request, std::string_view from, uint32_t take,
                     std::string_view public_url) {
  const std::optional<std::string_view> host = request.Header("host");
  std::string url;
  if (!public_url.empty()) {
    url = std::string(public_url);
  } else if (host && IsSafeHost(*host)) {
    url = fmt::format("{}://{}", request.tls ? "https" : "http", *host);
  }
  url += "/api/v2/logs?";
  if (!from.empty()) url += "from=" + http::PercentEncode(from) + "&";
  url += fmt::format("take={}", take);
  return fmt::format("<{}>; rel=\"next\"", url);
}

}  // namespace auditlog::api::auth0
