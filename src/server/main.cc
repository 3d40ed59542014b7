// The `auditlog` binary: `serve` (the service), `decode` (any supported
// record shape to canonical NDJSON, for checking data before it is sent) and
// `dump` (WAL, segment and MANIFEST files, readably).
// The only file no test links: keep logic in libraries.

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "common/clock.h"
#include "common/random.h"
#include "env/file_system.h"
#include "event/event_id.h"
#include "event/json_buffer.h"
#include "event/json_codec.h"
#include "event/json_writer.h"
#include "ingest/batch_decoder.h"
#include "ingest/record_decoder.h"
#include "ingest/stamp.h"
#include "server/app.h"
#include "server/config.h"
#include "storage/manifest_dump.h"
#include "storage/segment/segment_dump.h"
#include "storage/wal/wal_dump.h"

namespace {

using auditlog::Result;
using auditlog::Status;

Result<auditlog::event::PaddedBuffer> ReadInput(const std::string& path) {
  std::string contents;
  if (path == "-") {
    contents.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream file(path, std::ios::binary);
    if (!file) return Status::NotFound(fmt::format("{}: cannot open", path));
    contents.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  }
  return auditlog::event::PaddedBuffer(contents);
}

Result<auditlog::ingest::BodyFormat> ParseFormat(const std::string& name) {
  using auditlog::ingest::BodyFormat;
  for (BodyFormat format : {BodyFormat::kAuto, BodyFormat::kObject, BodyFormat::kArray,
                            BodyFormat::kNdjson, BodyFormat::kLogLines}) {
    if (auditlog::ingest::BodyFormatName(format) == name) return format;
  }
  return Status::InvalidArgument(fmt::format("unknown format \"{}\"", name));
}

// Returns the process exit code: 0 all records good, 1 some bad, 2 unusable input.
int RunDecode(const std::string& dialect_name, const std::string& format_name,
              const std::string& path, bool json_errors, bool stamp) {
  const auto dialect = auditlog::ingest::DialectFromName(dialect_name);
  const auto format = ParseFormat(format_name);
  if (!dialect.ok() || !format.ok()) {
    std::fprintf(
        stderr, "auditlog decode: %s\n",
        std::string((dialect.ok() ? format.status() : dialect.status()).message()).c_str());
    return 2;
  }
  auto input = ReadInput(path);
  if (!input.ok()) {
    std::fprintf(stderr, "auditlog decode: %s\n", std::string(input.status().message()).c_str());
    return 2;
  }
  auto decoder = auditlog::ingest::MakeRecordDecoder(*dialect);
  auto batch = auditlog::ingest::DecodeBody(*decoder, input->view(), *format);
  if (!batch.ok()) {
    std::fprintf(stderr, "auditlog decode: %s\n", std::string(batch.status().message()).c_str());
    return 2;
  }
  if (stamp) {
    auditlog::event::EventIdGenerator ids(auditlog::SecureRandom());
    auditlog::ingest::StampAccepted(batch->events, auditlog::SystemClock().NowMicros(), ids);
  }
  std::string out;
  for (const auto& event : batch->events) {
    auditlog::event::AppendEventJson(event, &out);
    out.push_back('\n');
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  for (const auto& error : batch->errors) {
    if (json_errors) {
      std::string line = "{\"index\":" + std::to_string(error.index) +
                         ",\"line\":" + std::to_string(error.line) + ",\"message\":";
      auditlog::event::AppendJsonString(&line, error.message);
      line += "}\n";
      std::fputs(line.c_str(), stderr);
    } else {
      // Messages may quote input (an unknown member's name): escape control
      // characters so one rejection stays one line.
      std::string message;
      for (const char c : error.message) {
        if (static_cast<unsigned char>(c) < 0x20) {
          message += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
        } else {
          message.push_back(c);
        }
      }
      std::fprintf(stderr, "record %zu (line %zu): %s\n", error.index, error.line, message.c_str());
    }
  }
  if (!json_errors) {
    std::fprintf(stderr, "%zu records: %zu decoded, %zu rejected (%s)\n", batch->record_count,
                 batch->events.size(), batch->errors.size(),
                 std::string(auditlog::ingest::BodyFormatName(batch->format)).c_str());
  }
  return batch->errors.empty() ? 0 : 1;
}

// The first bytes of `path`, enough for any file magic; empty when unreadable.
std::string ReadHead(auditlog::env::FileSystem& fs, const std::string& path) {
  constexpr size_t kHeadBytes = 8;
  std::string head;
  auto file = fs.OpenForRead(path);
  if (!file.ok() || !(*file)->Read(0, kHeadBytes, &head).ok()) head.clear();
  return head;
}

// Returns the exit code: 0 all files printed, 2 one could not be read, is
// damaged or is unknown. Files are told apart by their magic, not their name.
int RunDump(const std::vector<std::string>& paths) {
  auto& fs = auditlog::env::PosixFileSystem();
  int exit_code = 0;
  for (const std::string& path : paths) {
    const std::string head = ReadHead(fs, path);
    std::string listing;
    Status status;
    if (auditlog::storage::segment::LooksLikeSegment(head)) {
      status = auditlog::storage::segment::DumpSegment(fs, path, &listing);
    } else if (auditlog::storage::LooksLikeManifest(path, head)) {
      status = auditlog::storage::DumpManifest(fs, path, &listing);
    } else if (auditlog::storage::wal::LooksLikeWal(fs, path)) {
      status = auditlog::storage::wal::DumpWal(fs, path, &listing);
    } else {
      std::fprintf(stderr, "auditlog dump: %s: not a file auditlog knows how to print\n",
                   path.c_str());
      exit_code = 2;
      continue;
    }
    std::fwrite(listing.data(), 1, listing.size(), stdout);
    if (!status.ok()) {
      std::fprintf(stderr, "auditlog dump: %s\n", status.ToString().c_str());
      exit_code = 2;
    }
  }
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"auditlog: a self-hosted, tamper-evident audit-log service"};
  app.set_version_flag("--version", "auditlog 0.1.0");
  app.require_subcommand(1);

  std::string dialect = "native";
  std::string format = "auto";
  std::string path = "-";
  bool json_errors = false;
  bool stamp = false;
  CLI::App* decode = app.add_subcommand(
      "decode",
      "Decode audit records (native, Authing, EnOS, Auth0) into canonical NDJSON on stdout");
  decode->add_option("-d,--dialect", dialect, "Record shape: native, authing, enos, auth0")
      ->capture_default_str();
  decode->add_option("-f,--format", format, "Body format: auto, object, array, ndjson, lines")
      ->capture_default_str();
  decode->add_flag("--json-errors", json_errors, "Report rejected records as JSON lines on stderr");
  decode->add_flag("--stamp", stamp,
                   "Add what the server adds on acceptance: received_at, an id (ULID) where "
                   "missing, timestamp where missing");
  decode->add_option("file", path, "Input file, or - for standard input")->capture_default_str();

  std::vector<std::string> dump_paths;
  CLI::App* dump = app.add_subcommand(
      "dump", "Print storage files (write-ahead logs, segments, MANIFEST) readably");
  dump->add_option("files", dump_paths, "Files to print")->required();

  auditlog::server::ServeConfig serve_config;
  CLI::App* serve = app.add_subcommand(
      "serve", "Start the server: the native API over HTTP(S) on the embedded store");
  auditlog::server::AddServeOptions(*serve, &serve_config);

  CLI11_PARSE(app, argc, argv);
  if (decode->parsed()) return RunDecode(dialect, format, path, json_errors, stamp);
  if (dump->parsed()) return RunDump(dump_paths);
  if (serve->parsed()) {
    if (Status resolved = auditlog::server::ResolveServeConfig(
            *serve, auditlog::server::GetProcessEnv, &serve_config);
        !resolved.ok()) {
      std::fprintf(stderr, "auditlog serve: %s\n", std::string(resolved.message()).c_str());
      return 2;
    }
    return auditlog::server::RunServe(serve_config);
  }
  return 0;
}
