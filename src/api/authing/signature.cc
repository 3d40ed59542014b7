#include "api/authing/signature.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cctype>
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

// The body's top-level members as JavaScript's `${key}=${value}` prints them.
Result<std::vector<std::pair<std::string, std::string>>> BodyPairs(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> pairs;
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
  std::vector<std::pair<std::string, std::string>> pairs;
  if (request.method == "GET") {
    pairs.assign(request.query.begin(), request.query.end());
  } else {
    AL_ASSIGN_OR_RETURN(pairs, BodyPairs(request.body_text()));
  }
  if (pairs.empty()) return out;
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
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

Result<http::Principal> SignatureVerifier::Verify(const http::Request& request,
                                                  const http::TenantRegistry& registry,
                                                  int64_t now_micros) {
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
  const auto nonce = request.Header("x-authing-signature-nonce");
  if (!nonce || Trim(*nonce).empty()) {
    return Unauthenticated("the x-authing-signature-nonce header is missing");
  }
  if (const auto method = request.Header("x-authing-signature-method");
      method && Trim(*method) != "HMAC-SHA1") {
    return Unauthenticated("only x-authing-signature-method HMAC-SHA1 is supported");
  }
  auto secret = registry.SecretOf(authorization->access_key_id);
  if (!secret.ok()) return Unauthenticated("invalid accessKeyId");
  AL_ASSIGN_OR_RETURN(const std::string string_to_sign, StringToSign(request));
  const std::string expected = SignString(secret->second, string_to_sign);
  if (expected.size() != authorization->signature.size() ||
      CRYPTO_memcmp(expected.data(), authorization->signature.data(), expected.size()) != 0) {
    return Unauthenticated("mismatch: the request was not signed with this accessKeyId's secret");
  }
  // Checked after the signature, so that unsigned requests cannot fill the
  // nonce cache.
  const int64_t skew_seconds = (*date - now_micros) / 1'000'000;
  if (skew_seconds > options_.max_skew_seconds || -skew_seconds > options_.max_skew_seconds) {
    return Unauthenticated(
        fmt::format("stale date: {} s from the server's clock, more than the {} s allowed",
                    skew_seconds, options_.max_skew_seconds));
  }
  if (!RememberNonce(Trim(*nonce), now_micros)) {
    return Unauthenticated("replayed request: this x-authing-signature-nonce was already used");
  }
  return std::move(secret->first);
}

bool SignatureVerifier::RememberNonce(const std::string& nonce, int64_t now_micros) {
  const std::lock_guard lock(mu_);
  // A nonce older than twice the window cannot come with a fresh date.
  const int64_t horizon = now_micros - 2 * options_.max_skew_seconds * 1'000'000;
  while (!by_time_.empty() &&
         (by_time_.front().first < horizon || by_time_.size() >= options_.max_nonces)) {
    nonces_.erase(by_time_.front().second);
    by_time_.pop_front();
  }
  if (!nonces_.insert(nonce).second) return false;
  by_time_.emplace_back(now_micros, nonce);
  return true;
}

}  // namespace auditlog::api::authing
