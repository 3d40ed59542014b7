#include "query/cursor.h"

#include <openssl/crypto.h>

#include <array>
#include <bit>
#include <cstring>

#include "common/base64.h"
#include "common/check.h"
#include "common/coding.h"
#include "common/hmac.h"
#include "event/fields.h"

namespace auditlog::query {
namespace {

constexpr uint8_t kCursorVersion = 1;
constexpr size_t kMacBytes = 16;

// Scalars: a type tag, then the value.
void PutScalar(std::string* out, const Scalar& value) {
  out->push_back(static_cast<char>(value.index()));
  switch (value.index()) {
    case 0:
      PutLengthPrefixed(out, std::get<std::string>(value));
      break;
    case 1:
      PutVarintSigned64(out, std::get<int64_t>(value));
      break;
    case 2:
      PutFixed64(out, std::bit_cast<uint64_t>(std::get<double>(value)));
      break;
    default:
      out->push_back(std::get<bool>(value) ? 1 : 0);
  }
}

bool GetScalar(std::string_view* in, Scalar* value) {
  if (in->empty()) return false;
  const uint8_t tag = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  switch (tag) {
    case 0: {
      std::string_view text;
      if (!GetLengthPrefixed(in, &text)) return false;
      *value = std::string(text);
      return true;
    }
    case 1: {
      int64_t number;
      if (!GetVarintSigned64(in, &number)) return false;
      *value = number;
      return true;
    }
    case 2: {
      uint64_t bits;
      if (!GetFixed64(in, &bits)) return false;
      *value = std::bit_cast<double>(bits);
      return true;
    }
    case 3:
      if (in->empty() || static_cast<uint8_t>((*in)[0]) > 1) return false;
      *value = (*in)[0] == 1;
      in->remove_prefix(1);
      return true;
    default:
      return false;
  }
}

size_t FieldNumber(const event::FieldSpec* field) {
  return field == nullptr ? SIZE_MAX : event::FieldIndexOf(*field);
}

// A deterministic encoding of everything a walk must keep constant.
void PutFilter(std::string* out, const Filter& filter) {
  out->push_back(static_cast<char>(filter.op));
  PutVarint64(out, FieldNumber(filter.field));
  PutLengthPrefixed(out, filter.path);
  PutVarint64(out, filter.values.size());
  for (const Scalar& value : filter.values) PutScalar(out, value);
  for (const auto* bound : {&filter.lower, &filter.upper}) {
    out->push_back(bound->has_value() ? static_cast<char>(1 + (*bound)->inclusive) : 0);
    if (*bound) PutScalar(out, (*bound)->value);
  }
  PutVarint64(out, filter.children.size());
  for (const Filter& child : filter.children) PutFilter(out, child);
}

std::string QueryIdentity(const Query& query) {
  std::string out;
  PutLengthPrefixed(&out, query.tenant);
  PutFilter(&out, query.filter);
  for (const auto* end : {&query.time.from, &query.time.to}) {
    out.push_back(end->has_value() ? 1 : 0);
    if (*end) PutVarintSigned64(&out, **end);
  }
  for (const SortKey& key : EffectiveSort(query)) {
    PutVarint64(&out, FieldNumber(key.field));
    out.push_back(key.descending ? 1 : 0);
  }
  return out;
}

}  // namespace

CursorCodec::CursorCodec(std::string key) {
  AL_CHECK(key.size() >= 16, "a cursor key has at least 16 bytes");
  signer_ = std::make_unique<HmacSha256>(key);
}

CursorCodec::~CursorCodec() = default;

std::string CursorCodec::Mac(const Query& query, std::string_view payload) const {
  std::string message = QueryIdentity(query);
  message.append(payload);
  const HmacSha256::Digest digest = signer_->Sign(message);
  return std::string(reinterpret_cast<const char*>(digest.data()), kMacBytes);
}

std::string CursorCodec::Encode(const Query& query, const Position& position,
                                uint64_t watermark) const {
  std::string payload;
  payload.push_back(static_cast<char>(kCursorVersion));
  PutVarint64(&payload, watermark);
  PutVarint64(&payload, position.seq);
  PutVarint64(&payload, position.keys.size());
  for (const auto& key : position.keys) {
    payload.push_back(key ? 1 : 0);
    if (key) PutScalar(&payload, *key);
  }
  payload.append(Mac(query, payload));
  return Base64UrlEncode(payload);
}

Status CursorCodec::Apply(std::string_view token, Query* query) const {
  static const Status kMalformed = Status::InvalidArgument("cursor: not a cursor of this API");
  std::string bytes;
  if (token.empty() || token.size() > 8192 || !Base64UrlDecode(token, &bytes) ||
      bytes.size() < 1 + kMacBytes)
    return kMalformed;
  const std::string_view payload = std::string_view(bytes).substr(0, bytes.size() - kMacBytes);
  const std::string_view mac = std::string_view(bytes).substr(payload.size());
  const std::string expected = Mac(*query, payload);
  if (CRYPTO_memcmp(expected.data(), mac.data(), kMacBytes) != 0)
    return Status::InvalidArgument(
        "cursor: it belongs to another query (the tenant, filter, time range and sort must be "
        "those of the page that returned it) or was altered");
  std::string_view in = payload;
  if (static_cast<uint8_t>(in[0]) != kCursorVersion) return kMalformed;
  in.remove_prefix(1);
  Position position;
  uint64_t watermark = 0, count = 0;
  if (!GetVarint64(&in, &watermark) || !GetVarint64(&in, &position.seq) ||
      !GetVarint64(&in, &count) || count > 64)
    return kMalformed;
  for (uint64_t i = 0; i < count; ++i) {
    if (in.empty()) return kMalformed;
    const bool present = in[0] == 1;
    in.remove_prefix(1);
    auto& key = position.keys.emplace_back();
    if (present) {
      Scalar value;
      if (!GetScalar(&in, &value)) return kMalformed;
      key = std::move(value);
    }
  }
  if (!in.empty()) return kMalformed;
  query->after = std::move(position);
  query->max_seq = watermark;
  query->offset = 0;
  return Status::OK();
}

Position PositionOf(const Query& query, const event::Event& event) {
  Position position;
  for (const SortKey& key : EffectiveSort(query))
    position.keys.push_back(FieldValue(*key.field, event));
  position.seq = event.seq;
  return position;
}

}  // namespace auditlog::query
