#include "api/authing/signature.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <vector>

#include "event/time.h"

namespace auditlog::api::authing {
namespace {

std::string Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

// buildSignature.js's filter(): tab, newline, CR and form feed as spaces.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string text(value);
  for (char& c : text) {
    if (c == '\t' || c == '\n' || c == '\r' || c == '\f') c = ' ';
  }
  return Trim(text);
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

// The body's top-level members as JavaScript's `${key}=${value}` prints them.
Result<Pairs> BodyPairs(std::string_view body) {
  Pairs pairs;
  if (body.size() > kMaxSignedBodyBytes) {
    return Status::InvalidArgument(fmt::format(
        "body: larger than the {} bytes a signed request may have", kMaxSignedBodyBytes));
  }
  if (Trim(body).empty()) return pairs;
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(body.data(), body.size()).get(object)) {
    return Status::InvalidArgument("body: expected a JSON object");
  }
  for (auto [key, value] : object) {
    std::string text;
    std::string_view string_value;
    if (!value.get(string_value)) {
      text = std::string(string_value);
    } else {
      text = simdjson::minify(value);
    }
    pairs.emplace_back(std::string(key), std::move(text));
  }
  return pairs;
}

// Refuses pairs whose `k=v&k=v` joining could be read another way: with no
// `=` or `&` in keys, no `&` in values and no repeated key, splitting at `&`
// and then at the first `=` gives back exactly the pairs that were signed.
// REQUIRES: `sorted` is sorted by key.
Status CheckUnambiguous(const Pairs& sorted, std::string_view where) {
  for (size_t index = 0; index < sorted.size(); ++index) {
    const auto& [key, value] = sorted[index];
    if (key.find_first_of("=&") != std::string::npos) {
      return Status::InvalidArgument(
          fmt::format("{} key {:?}: must not contain '=' or '&' in a signed request", where, key));
    }
    if (value.find('&') != std::string::npos) {
      return Status::InvalidArgument(
          fmt::format("{}: the value must not contain '&' in a signed request", key));
    }
    if (index > 0 && sorted[index - 1].first == key) {
      return Status::InvalidArgument(
          fmt::format("{}: given twice; a signed request names each {} key once", key, where));
    }
  }
  return Status::OK();
}

Status Unauthenticated(std::string_view why) {
  return Status::Unauthenticated(fmt::format("signature: {}", why));
}

}  // namespace

Result<std::string> StringToSign(const http::Request& request) {
  std::string out = request.method;
  out += '\n';
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : request.headers) {
    if (name.starts_with("x-authing-") || name == "date") {
      headers.emplace_back(name, CanonicalHeaderValue(value));
    }
  }
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [name, value] : headers) {
    out += name;
    out += ':';
    out += value;
    out += '\n';
  }
  out += request.path;
  Pairs pairs;
  const bool is_get = request.method == "GET";
  if (is_get) {
    pairs.assign(request.query.begin(), request.query.end());
  } else {
    AL_ASSIGN_OR_RETURN(pairs, BodyPairs(request.body_text()));
  }
  if (pairs.empty()) return out;
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  AL_RETURN_IF_ERROR(CheckUnambiguous(pairs, is_get ? "query" : "body"));
  out += '?';
  for (size_t index = 0; index < pairs.size(); ++index) {
    if (index > 0) out += '&';
    out += pairs[index].first;
    out += '=';
    out += pairs[index].second;
  }
  return out;
}

std::string SignString(std::string_view secret, std::string_view string_to_sign) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(string_to_sign.data()), string_to_sign.size(), digest,
       &digest_length);
  std::string encoded(4 * ((digest_length + 2) / 3), '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), digest,
                                      static_cast<int>(digest_length));
  encoded.resize(static_cast<size_t>(written));
  return encoded;
}

std::optional<AuthingAuthorization> ParseAuthingAuthorization(std::string_view header) {
  constexpr std::string_view kScheme = "authing ";
  if (header.size() <= kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return std::nullopt;
  }
  const std::string credential = Trim(header.substr(kScheme.size()));
  const size_t colon = credential.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == credential.size()) {
    return std::nullopt;
  }
  return AuthingAuthorization{credential.substr(0, colon), credential.substr(colon + 1)};
}

std::optional<int64_t> ParseHttpDate(std::string_view text) {
  // "Sun, 22 Nov 2026 03:05:23 GMT" — the only form Date.toUTCString() writes.
  constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() != 29 || text[3] != ',' || text[4] != ' ' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  const auto number = [&](size_t at, size_t digits) -> std::optional<int> {
    int value = 0;
    for (size_t i = at; i < at + digits; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const auto day = number(5, 2);
  const auto year = number(12, 4);
  const auto hour = number(17, 2);
  const auto minute = number(20, 2);
  const auto second = number(23, 2);
  if (!day || !year || !hour || !minute || !second || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':') {
    return std::nullopt;
  }
  unsigned month = 0;
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (text.substr(8, 3) == kMonths[i]) month = static_cast<unsigned>(i + 1);
  }
  if (month == 0 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60 ||
      *year < 1970) {
    return std::nullopt;
  }
  const int64_t days = event::DaysFromCivil(*year, month, static_cast<unsigned>(*day));
  const int64_t seconds = days * 86400 + *hour * 3600 + *minute * 60 + *second;
  return seconds * 1'000'000;
}

bool IsValidNonce(std::string_view nonce) {
  if (nonce.empty() || nonce.size() > kMaxNonceBytes) return false;
  for (const char c : nonce) {
    const bool allowed = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
                         (c >= 'a' && c <= 'z') || c == '_' || c == '-';
    if (!allowed) return false;
  }
  return true;
}

Result<SignedRequest> SignatureVerifier::Check(const http::Request& request,
                                               const http::TenantRegistry& registry,
                                               int64_t now_micros) const {
  const auto header = request.Header("authorization");
  if (!header) {
    return Status::Unauthenticated(
        "missing credentials: send authorization: authing <accessKeyId>:<signature>");
  }
  const auto authorization = ParseAuthingAuthorization(*header);
  if (!authorization) {
    return Unauthenticated(
        "malformed authorization header: expected authing <accessKeyId>:<signature>");
  }
  const auto date_text = request.Header("date");
  if (!date_text) return Unauthenticated("the date header is missing");
  const auto date = ParseHttpDate(Trim(*date_text));
  if (!date) return Unauthenticated("the date header is not an RFC 1123 date in GMT");
  const auto nonce_header = request.Header("x-authing-signature-nonce");
  const std::string nonce = nonce_header ? Trim(*nonce_header) : std::string();
  if (nonce.empty()) return Unauthenticated("the x-authing-signature-nonce header is missing");
  if (!IsValidNonce(nonce)) {
    return Unauthenticated(fmt::format(
        "x-authing-signature-nonce must be 1 to {} characters of [0-9A-Za-z_-]", kMaxNonceBytes));
  }
  if (const auto method = request.Header("x-authing-signature-method");
      method && Trim(*method) != "HMAC-SHA1") {
    return Unauthenticated("only x-authing-signature-method HMAC-SHA1 is supported");
  }
  AL_ASSIGN_OR_RETURN(const std::string string_to_sign, StringToSign(request));
  // An unknown id is answered like a wrong signature, after the same HMAC,
  // so that neither the message nor the time tells which ids exist.
  static constexpr std::string_view kDummySecret =
      "al_aaaaaaaaaaaaaaaa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  auto secret = registry.SecretOf(authorization->access_key_id);
  const std::string expected =
      SignString(secret.ok() ? std::string_view(secret->second) : kDummySecret, string_to_sign);
  const bool signature_matches =
      expected.size() == authorization->signature.size() &&
      CRYPTO_memcmp(expected.data(), authorization->signature.data(), expected.size()) == 0;
  if (!secret.ok() || !signature_matches) {
    return Unauthenticated("invalid accessKeyId or signature");
  }
  // Checked after the signature, so that the message for an unsigned
  // request says nothing about the clock.
  const int64_t max_skew_micros = options_.max_skew_seconds * 1'000'000;
  const int64_t skew_micros = *date - now_micros;
  if (skew_micros > max_skew_micros || -skew_micros > max_skew_micros) {
    return Unauthenticated(
        fmt::format("stale date: {:.3f} s from the server's clock, more than the {} s allowed",
                    static_cast<double>(skew_micros) / 1e6, options_.max_skew_seconds));
  }
  SignedRequest checked;
  checked.principal = std::move(secret->first);
  // Keyed by (accessKeyId, nonce): one key's nonces cannot block another's.
  // 128 bits of SHA-256 keep each entry small whatever the nonce's length.
  std::string material = authorization->access_key_id;
  material += '\0';
  material += nonce;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
  std::memcpy(&checked.nonce_key.first, digest, sizeof(uint64_t));
  std::memcpy(&checked.nonce_key.second, digest + sizeof(uint64_t), sizeof(uint64_t));
  // The date stays acceptable until date + max_skew; past that the date
  // check refuses a replay by itself.
  checked.nonce_expiry_micros = *date + max_skew_micros;
  return checked;
}

Status SignatureVerifier::Accept(const SignedRequest& signed_request, int64_t now_micros,
                                 int64_t* retry_after_seconds) {
  const std::lock_guard lock(mu_);
  while (!by_expiry_.empty() && by_expiry_.top().first < now_micros) {
    nonces_.erase(by_expiry_.top().second);
    by_expiry_.pop();
  }
  if (nonces_.contains(signed_request.nonce_key)) {
    return Unauthenticated("replayed request: this x-authing-signature-nonce was already used");
  }
  if (nonces_.size() >= options_.max_nonces) {
    // Forgetting an unexpired nonce would let its request be replayed:
    // refuse instead, until the soonest nonce expires.
    const int64_t wait_micros = by_expiry_.empty() ? 0 : by_expiry_.top().first - now_micros;
    if (retry_after_seconds != nullptr) {
      *retry_after_seconds = std::max<int64_t>(1, (wait_micros + 999'999) / 1'000'000);
    }
    return Status::Unavailable(
        "signature: too many signed requests within the replay window; retry later");
  }
  nonces_.insert(signed_request.nonce_key);
  by_expiry_.emplace(signed_request.nonce_expiry_micros, signed_request.nonce_key);
  return Status::OK();
}

Result<http::Principal> SignatureVerifier::Verify(
    const http::Request& request, const http::TenantRegistry& registry, int64_t now_micros,
    const std::function<Status(const http::Principal&)>& authorize) {
  AL_ASSIGN_OR_RETURN(SignedRequest checked, Check(request, registry, now_micros));
  if (authorize) {
    AL_RETURN_IF_ERROR(authorize(checked.principal));
  }
  AL_RETURN_IF_ERROR(Accept(checked, now_micros));
  return std::move(checked.principal);
}

size_t SignatureVerifier::NonceCount() {
  const std::lock_guard lock(mu_);
  return nonces_.size();
}

}  // namespace auditlog::api::authing
