// Fuzzes the user agent parser with uap-core's real rules
// (/usr/share/uap-core/regexes.yaml, Debian package uap-core). Invariants: no
// crash, leak or undefined behaviour on any bytes; every family is set
// ("Other" at worst); the cache answers exactly what a fresh parse does, on a
// miss and on a hit; and the speed-ups (literal prefilter, ASCII fast path)
// never change an answer: a parser that tries every rule in order, as
// written in UTF-8, agrees (for inputs up to 4 KiB, to keep that slow
// parser's share of the run bounded).

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "enrich/user_agent_parser.h"

namespace {

using auditlog::enrich::UserAgentParser;

constexpr size_t kMaxFullScanBytes = 4096;

// Loads the real rules; the parser lives for the whole run.
const UserAgentParser* Load(const UserAgentParser::Options& options) {
  auto loaded =
      UserAgentParser::LoadFile(std::string(auditlog::enrich::kDefaultUapRegexesPath), options);
  if (!loaded.ok()) {
    std::fprintf(stderr, "user_agent_fuzz: %s\n", loaded.status().ToString().c_str());
    std::abort();
  }
  return std::move(loaded).value().release();
}

const UserAgentParser& CachedParser() {
  static const UserAgentParser* parser = [] {
    UserAgentParser::Options options;
    options.cache_entries = 64;  // small: inputs keep evicting each other
    options.cache_shards = 4;
    return Load(options);
  }();
  return *parser;
}

const UserAgentParser& FullScanParser() {
  static const UserAgentParser* parser = [] {
    UserAgentParser::Options options;
    options.cache_entries = 0;
    options.use_literal_prefilter = false;
    options.use_ascii_fast_path = false;
    return Load(options);
  }();
  return *parser;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace auditlog::enrich;
  const std::string_view user_agent(reinterpret_cast<const char*>(data), size);
  const UserAgentParser& parser = CachedParser();

  const ParsedUserAgent uncached = parser.ParseUncached(user_agent);
  if (uncached.ua.family.empty() || uncached.os.family.empty() || uncached.device.family.empty()) {
    std::abort();
  }
  if (!(parser.Parse(user_agent) == uncached)) std::abort();  // a miss, or a hit from before
  if (!(parser.Parse(user_agent) == uncached)) std::abort();  // a hit unless too long to cache
  if (size <= kMaxFullScanBytes && !(FullScanParser().ParseUncached(user_agent) == uncached)) {
    std::abort();
  }

  const auditlog::event::UserAgentInfo info = ToUserAgentInfo(uncached, user_agent);
  if (user_agent.empty() != info.empty()) std::abort();
  if (!user_agent.empty() && (info.name != uncached.ua.family || !info.is_mobile.has_value())) {
    std::abort();
  }
  return 0;
}
