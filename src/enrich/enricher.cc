#include "enrich/enricher.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <string_view>
#include <utility>

#include "common/sharded_lru_cache.h"
#include "common/string_index.h"
#include "enrich/geoip_database.h"
#include "enrich/user_agent_parser.h"

namespace auditlog::enrich {

namespace {

// The events of one batch that were enriched, by the text they were enriched
// from (`ip` or `user_agent`), so that later events of the batch with the
// same text copy their answer. A batch usually comes from one service, whose
// events share a few addresses and user agents; a copy from the batch skips
// the shared caches' hashing, locking and probing. Direct-mapped: a slot
// keeps the last text that hashed to it.
class BatchMemo {
 public:
  struct Entry {
    uint64_t hash = 0;
    std::string_view text;  // a view of a member of `source`
    const event::Event* source = nullptr;
    bool found = false;  // for addresses: whether a database located it
  };
  // What was remembered for `text` (whose StringIndex::Hash is `hash`)
  // earlier in the batch, or null.
  const Entry* Find(std::string_view text, uint64_t hash) const {
    const Entry& entry = entries_[hash % kEntries];
    return entry.source != nullptr && entry.hash == hash && entry.text == text ? &entry : nullptr;
  }
  void Remember(const Entry& entry) { entries_[entry.hash % kEntries] = entry; }

 private:
  static constexpr size_t kEntries = 64;
  Entry entries_[kEntries];
};

}  // namespace

struct Enricher::GeoIpSet {
  std::vector<std::unique_ptr<GeoIpDatabase>> databases;
  // What the databases answered for recent addresses; null when disabled.
  struct Located {
    event::Geo geo;
    bool found = false;
  };
  std::unique_ptr<ShardedLruCache<Located>> cache;
};

Enricher::Enricher(EnrichOptions options) : options_(std::move(options)) {
  if (options_.uap_regexes.empty()) {
    ua_status_ = Status::Unavailable("user-agent parsing is off (no regexes file given)");
  } else {
    UserAgentParser::Options parser_options;
    parser_options.cache_entries = options_.ua_cache_entries;
    auto parser = UserAgentParser::LoadFile(options_.uap_regexes, parser_options);
    if (parser.ok()) {
      ua_parser_ = std::move(*parser);
    } else {
      ua_status_ = parser.status();
    }
  }

  std::lock_guard lock(reload_mutex_);
  if (options_.geoip_databases.empty()) {
    geoip_status_ = Status::Unavailable("GeoIP is off (no database given: --geoip-db)");
    return;
  }
  (void)LoadGeoIpLocked(CurrentStamps());  // a failure is kept in geoip_status_
}

Enricher::~Enricher() = default;

Enricher::FileStamp Enricher::StampOf(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return {};
  const auto nanos = [](const timespec& at) {
    return static_cast<int64_t>(at.tv_sec) * 1'000'000'000 + at.tv_nsec;
  };
  return {true,
          static_cast<uint64_t>(info.st_dev),
          static_cast<uint64_t>(info.st_ino),
          static_cast<int64_t>(info.st_size),
          nanos(info.st_mtim),
          nanos(info.st_ctim)};
}

std::vector<Enricher::FileStamp> Enricher::CurrentStamps() const {
  std::vector<FileStamp> stamps;
  for (const std::string& path : options_.geoip_databases) stamps.push_back(StampOf(path));
  return stamps;
}

Result<std::shared_ptr<const Enricher::GeoIpSet>> Enricher::OpenGeoIp() const {
  auto set = std::make_shared<GeoIpSet>();
  for (const std::string& path : options_.geoip_databases) {
    AL_ASSIGN_OR_RETURN(auto database, GeoIpDatabase::Open(path));
    set->databases.push_back(std::move(database));
  }
  if (options_.geoip_cache_entries > 0)
    set->cache = std::make_unique<ShardedLruCache<GeoIpSet::Located>>(options_.geoip_cache_entries,
                                                                      /*shards=*/16);
  return std::shared_ptr<const GeoIpSet>(std::move(set));
}

void Enricher::Enrich(std::span<event::Event> events) {
  const std::shared_ptr<const GeoIpSet> geoip = geoip_.load();
  uint64_t located = 0, not_located = 0, parsed = 0;
  BatchMemo addresses, user_agents;
  for (event::Event& event : events) {
    if (geoip && !event.ip.empty() && event.geo.empty()) {
      const uint64_t hash = StringIndex::Hash(event.ip);
      bool found;
      if (const BatchMemo::Entry* earlier = addresses.Find(event.ip, hash)) {
        event.geo = earlier->source->geo;
        found = earlier->found;
      } else {
        found = Locate(*geoip, event.ip, hash, &event.geo);
        addresses.Remember({hash, event.ip, &event, found});
      }
      ++(found ? located : not_located);
    }
    if (ua_parser_ && !event.user_agent.empty() && event.ua.empty()) {
      const uint64_t hash = StringIndex::Hash(event.user_agent);
      if (const BatchMemo::Entry* earlier = user_agents.Find(event.user_agent, hash)) {
        event.ua = earlier->source->ua;
      } else {
        event.ua = ToUserAgentInfo(ua_parser_->Parse(event.user_agent), event.user_agent);
        user_agents.Remember({hash, event.user_agent, &event});
      }
      ++parsed;
    }
  }
  if (located) geo_located_.fetch_add(located, std::memory_order_relaxed);
  if (not_located) geo_not_located_.fetch_add(not_located, std::memory_order_relaxed);
  if (parsed) ua_parsed_.fetch_add(parsed, std::memory_order_relaxed);
}

bool Enricher::Locate(const GeoIpSet& set, std::string_view ip, uint64_t hash, event::Geo* geo) {
  if (set.cache != nullptr) {
    GeoIpSet::Located cached;
    if (set.cache->Lookup(ip, hash, &cached)) {
      *geo = std::move(cached.geo);
      return cached.found;
    }
  }
  bool found = false;
  if (const std::optional<IpAddress> address = ParseIpAddress(ip)) {
    for (const auto& database : set.databases) found |= database->Lookup(*address, geo);
  }
  if (set.cache != nullptr) set.cache->Insert(ip, hash, GeoIpSet::Located{*geo, found});
  return found;
}

Status Enricher::LoadGeoIpLocked(std::vector<FileStamp> stamps) {
  // Remember what was tried, so a broken file is not retried on every poll;
  // it is retried once it changes again.
  stamps_ = std::move(stamps);
  auto set = OpenGeoIp();
  if (!set.ok()) {
    if (geoip_.load() == nullptr) geoip_status_ = set.status();
    return set.status();
  }
  geoip_.store(std::move(*set));
  geoip_status_ = Status::OK();
  return Status::OK();
}

Status Enricher::CountReload(Status status) {
  (status.ok() ? reloads_ : reload_failures_).fetch_add(1, std::memory_order_relaxed);
  return status;
}

Status Enricher::Reload() {
  std::lock_guard lock(reload_mutex_);
  if (options_.geoip_databases.empty()) return Status::OK();
  return CountReload(LoadGeoIpLocked(CurrentStamps()));
}

Result<bool> Enricher::ReloadIfChanged() {
  std::lock_guard lock(reload_mutex_);
  std::vector<FileStamp> stamps = CurrentStamps();
  if (stamps == stamps_) return false;
  AL_RETURN_IF_ERROR(CountReload(LoadGeoIpLocked(std::move(stamps))));
  return true;
}

bool Enricher::geoip_enabled() const { return geoip_.load() != nullptr; }

Status Enricher::geoip_status() const {
  std::lock_guard lock(reload_mutex_);
  return geoip_status_;
}

std::vector<std::string> Enricher::Describe() const {
  std::vector<std::string> lines;
  if (auto geoip = geoip_.load()) {
    for (const auto& database : geoip->databases) lines.push_back("geoip: " + database->Describe());
  } else {
    lines.push_back("geoip: off: " + std::string(geoip_status().message()));
  }
  if (ua_parser_) {
    lines.push_back(fmt::format("user agents: {} rules from {}", ua_parser_->rule_count(),
                                options_.uap_regexes));
  } else {
    lines.push_back("user agents: off: " + std::string(ua_status_.message()));
  }
  return lines;
}

EnrichStats Enricher::stats() const {
  return {geo_located_.load(std::memory_order_relaxed),
          geo_not_located_.load(std::memory_order_relaxed),
          ua_parsed_.load(std::memory_order_relaxed), reloads_.load(std::memory_order_relaxed),
          reload_failures_.load(std::memory_order_relaxed)};
}

}  // namespace auditlog::enrich
