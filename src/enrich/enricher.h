#pragma once

// Enricher: what auditlog derives from an event at ingest, before it is
// stored. `geo` is located from `ip` with the GeoIP databases given
// (geoip_database.h); `ua` is parsed from `user_agent` with uap-core's rules
// (user_agent_parser.h). What a client supplied is kept: an event that
// arrives with any `geo` member keeps its `geo` whole, and likewise `ua`.
//
// Each part is optional. Without databases, or with a regexes file that does
// not load, that part is off and Status() says why; ingest goes on either way.
// The databases can be replaced while the server runs: Reload() opens the
// files again (the server calls it on SIGHUP), ReloadIfChanged() only when a
// file was replaced or changed (the server polls it). A reload that fails
// keeps what was loaded before. Replace a file by renaming a new one over it:
// the databases are memory-mapped, and a file rewritten in place changes
// under the lookups still reading the old one (a shorter one ends them with
// SIGBUS).
//
// Thread-safety: Enrich() may run on many threads at once, concurrently with
// Reload(); a batch being enriched keeps the databases it started with.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "event/event.h"

namespace auditlog::enrich {

class GeoIpDatabase;
class UserAgentParser;

struct EnrichOptions {
  // .mmdb files: a city or country database and, optionally, an ASN one.
  std::vector<std::string> geoip_databases;
  // uap-core's regexes.yaml; empty turns user-agent parsing off.
  std::string uap_regexes = "/usr/share/uap-core/regexes.yaml";
  // Parsed user agents remembered (0: no cache).
  size_t ua_cache_entries = 100'000;
  // Located addresses remembered, by the text of `ip` (0: no cache). Audit
  // logs see the same addresses again and again (a user's, an office's);
  // a hit copies the answer instead of searching every database and
  // decoding its records. A reload starts with an empty cache.
  size_t geoip_cache_entries = 100'000;
};

// Counters since start, for /metrics.
struct EnrichStats {
  uint64_t geo_located = 0;      // events given a `geo`
  uint64_t geo_not_located = 0;  // addresses not located (private, masked, unknown)
  uint64_t ua_parsed = 0;        // events given a `ua`
  uint64_t reloads = 0;          // successful reloads of the GeoIP databases
  uint64_t reload_failures = 0;
};

class Enricher {
 public:
  // Loads what `options` names. Never fails: a part that does not load is
  // off, and Describe() / geoip_status() / ua_status() say why.
  explicit Enricher(EnrichOptions options);
  ~Enricher();
  Enricher(const Enricher&) = delete;
  Enricher& operator=(const Enricher&) = delete;

  // Fills `geo` and `ua` of each event that lacks them (see above).
  void Enrich(std::span<event::Event> events);

  // Opens every GeoIP database again. On failure keeps the loaded ones and
  // returns why (naming the file).
  Status Reload();
  // Reload() when a database file changed since it was loaded (or a missing
  // one appeared): true when it reloaded, false when nothing changed, or why
  // the reload failed.
  Result<bool> ReloadIfChanged();

  bool geoip_enabled() const;
  bool ua_enabled() const { return ua_parser_ != nullptr; }
  // OK, or why the part is off (no databases given, a file that failed).
  Status geoip_status() const;
  const Status& ua_status() const { return ua_status_; }
  // One line per part for the start-up log: "geoip: GeoLite2-City (...)",
  // "user agents: 1,245 rules from FILE", or why a part is off.
  std::vector<std::string> Describe() const;
  EnrichStats stats() const;

 private:
  // The databases in use, replaced whole on reload.
  struct GeoIpSet;
  // What tells a replaced file: a rename brings a new inode, a rewrite in
  // place a new ctime (which `cp -p` and `rsync -t` do not set back).
  struct FileStamp {
    bool exists = false;
    uint64_t device = 0;
    uint64_t inode = 0;
    int64_t size = 0;
    int64_t mtime_ns = 0;
    int64_t ctime_ns = 0;
    friend bool operator==(const FileStamp&, const FileStamp&) = default;
  };
  static FileStamp StampOf(const std::string& path);
  // Opens every file of options_.geoip_databases; null set with the error on failure.
  Result<std::shared_ptr<const GeoIpSet>> OpenGeoIp() const;
  std::vector<FileStamp> CurrentStamps() const;
  // Fills `*geo` (empty on entry) for the address `ip`, whose
  // StringIndex::Hash is `hash`, from `set`, through its cache; false when
  // no database located it.
  static bool Locate(const GeoIpSet& set, std::string_view ip, uint64_t hash, event::Geo* geo);
  // Opens the databases, records `stamps` as what was tried and, on success,
  // swaps the set in. REQUIRES: reload_mutex_ held.
  Status LoadGeoIpLocked(std::vector<FileStamp> stamps);
  // Counts `status` as a reload or a failed one; returns it.
  Status CountReload(Status status);

  const EnrichOptions options_;
  std::unique_ptr<UserAgentParser> ua_parser_;
  Status ua_status_;

  mutable std::mutex reload_mutex_;  // serializes reloads; guards the two below
  std::vector<FileStamp> stamps_;    // of the files when last (re)loaded
  Status geoip_status_;
  std::atomic<std::shared_ptr<const GeoIpSet>> geoip_;

  std::atomic<uint64_t> geo_located_{0};
  std::atomic<uint64_t> geo_not_located_{0};
  std::atomic<uint64_t> ua_parsed_{0};
  std::atomic<uint64_t> reloads_{0};
  std::atomic<uint64_t> reload_failures_{0};
};

}  // namespace auditlog::enrich
