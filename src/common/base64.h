#pragma once

// Base64url without padding (RFC 4648 §5): the alphabet of tokens that ride
// in URLs and headers, such as cursors and API keys.
//
// Thread-safety: pure functions.

#include <string>
#include <string_view>

namespace auditlog {

std::string Base64UrlEncode(std::string_view bytes);
// Appends the bytes of `text` to `*out`. False for a character outside the
// alphabet or a length no encoding produces.
bool Base64UrlDecode(std::string_view text, std::string* out);

}  // namespace auditlog
