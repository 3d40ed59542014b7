#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "env/mem_file_system.h"
#include "storage/wal/wal_reader.h"
#include "storage/wal/wal_writer.h"
#include "testing/status_matchers.h"

namespace auditlog::storage::wal {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kPath[] = "/db/000001.wal";

class Wal : public ::testing::Test {
 protected:
  void SetUp() override { AL_ASSERT_OK(fs_.CreateDirs("/db")); }

  void Write(const std::vector<std::string>& payloads) {
    auto file = fs_.NewAppendableFile(kPath);
    ASSERT_TRUE(file.ok());
    AL_ASSERT_OK_AND_ASSIGN(auto writer, WalWriter::Open(std::move(*file)));
    for (const std::string& payload : payloads)
      AL_ASSERT_OK(writer->Append(RecordType::kBatch, payload));
    AL_ASSERT_OK(writer->Sync());
    AL_ASSERT_OK(writer->Close());
  }

  // Every record until the end; the error if reading fails.
  Result<std::vector<std::string>> ReadAll(std::optional<uint64_t>* torn = nullptr) {
    AL_ASSIGN_OR_RETURN(auto file, fs_.OpenForRead(kPath));
    AL_ASSIGN_OR_RETURN(auto reader, WalReader::Open(std::move(file), "000001.wal"));
    std::vector<std::string> payloads;
    while (true) {
      AL_ASSIGN_OR_RETURN(auto record, reader->Next());
      if (!record) break;
      payloads.push_back(std::move(record->payload));
    }
    if (torn != nullptr) *torn = reader->torn_tail_offset();
    return payloads;
  }

  // Replaces the file's contents with `bytes`.
  void Overwrite(const std::string& bytes) {
    AL_ASSERT_OK_AND_ASSIGN(auto file, fs_.NewWritableFile(kPath));
    AL_ASSERT_OK(file->Append(bytes));
    AL_ASSERT_OK(file->Close());
  }

  std::string Contents() {
    auto file = fs_.OpenForRead(kPath);
    std::string bytes;
    (void)(*file)->Read(0, 1 << 24, &bytes);
    return bytes;
  }

  env::MemFileSystem fs_;
};

TEST_F(Wal, RecordsRoundTripAcrossReopens) {
  Write({"first", "", std::string(100000, 'x')});
  Write({"fourth"});
  AL_ASSERT_OK_AND_ASSIGN(auto payloads, ReadAll());
  EXPECT_EQ(payloads, (std::vector<std::string>{"first", "", std::string(100000, 'x'), "fourth"}));
}

TEST_F(Wal, EveryTruncationIsATornTailNeverAnError) {
  const std::vector<std::string> all = {"alpha", "beta", "gamma"};
  Write(all);
  const std::string full = Contents();
  std::vector<size_t> boundaries = {kFileHeaderBytes};
  for (const std::string& payload : all) {
    boundaries.push_back(boundaries.back() + kRecordHeaderBytes + payload.size());
  }
  ASSERT_EQ(boundaries.back(), full.size());
  for (size_t cut = kFileHeaderBytes; cut <= full.size(); ++cut) {
    Overwrite(full.substr(0, cut));
    std::optional<uint64_t> torn;
    auto payloads = ReadAll(&torn);
    ASSERT_TRUE(payloads.ok()) << "cut=" << cut << ": " << payloads.status();
    // Exactly the records that end at or before the cut.
    size_t whole = 0;
    while (whole + 1 < boundaries.size() && boundaries[whole + 1] <= cut) ++whole;
    EXPECT_EQ(*payloads, std::vector<std::string>(all.begin(), all.begin() + whole))
        << "cut=" << cut;
    const bool at_boundary =
        std::find(boundaries.begin(), boundaries.end(), cut) != boundaries.end();
    EXPECT_EQ(torn.has_value(), !at_boundary) << "cut=" << cut;
    if (torn) {
      EXPECT_EQ(*torn, boundaries[whole]);
    }
  }
}

TEST_F(Wal, CorruptionInTheMiddleIsReportedWithFileAndOffset) {
  Write({"alpha", "beta", "gamma"});
  std::string bytes = Contents();
  bytes[kFileHeaderBytes + kRecordHeaderBytes + 1] ^= 0x20;  // inside "alpha"
  Overwrite(bytes);
  EXPECT_THAT(ReadAll(), StatusIs(StatusCode::kCorruption,
                                  HasSubstr("wal: checksum mismatch at offset 16 in 000001.wal")));
}

TEST_F(Wal, CorruptLastRecordIsATornTail) {
  Write({"alpha", "beta"});
  std::string bytes = Contents();
  bytes.back() ^= 0x01;
  Overwrite(bytes);
  std::optional<uint64_t> torn;
  AL_ASSERT_OK_AND_ASSIGN(auto payloads, ReadAll(&torn));
  EXPECT_EQ(payloads, std::vector<std::string>{"alpha"});
  EXPECT_EQ(torn, kFileHeaderBytes + kRecordHeaderBytes + 5);
}

TEST_F(Wal, BadHeaderIsCorruption) {
  Overwrite("notawal!........");
  EXPECT_THAT(ReadAll(), StatusIs(StatusCode::kCorruption, HasSubstr("not a WAL file")));
}

TEST_F(Wal, CrashKeepsExactlyTheSyncedRecords) {
  auto file = fs_.NewAppendableFile(kPath);
  ASSERT_TRUE(file.ok());
  AL_ASSERT_OK_AND_ASSIGN(auto writer, WalWriter::Open(std::move(*file)));
  AL_ASSERT_OK(writer->Append(RecordType::kBatch, "acknowledged"));
  AL_ASSERT_OK(writer->Sync());
  AL_ASSERT_OK(fs_.SyncDir("/db"));
  AL_ASSERT_OK(writer->Append(RecordType::kBatch, "in flight"));
  fs_.SimulateCrash(env::CrashMode::kTornTail, 3);
  AL_ASSERT_OK_AND_ASSIGN(auto payloads, ReadAll());
  ASSERT_GE(payloads.size(), 1u);
  EXPECT_EQ(payloads[0], "acknowledged");
  EXPECT_LE(payloads.size(), 2u);
}

RC_GTEST_PROP(WalProperty, EveryPrefixReadsAsAPrefixOfTheRecords,
              (const std::vector<std::string>& payloads)) {
  env::MemFileSystem fs;
  RC_ASSERT(fs.CreateDirs("/db").ok());
  auto file = fs.NewWritableFile(kPath);
  RC_ASSERT(file.ok());
  auto writer = WalWriter::Open(std::move(*file));
  RC_ASSERT(writer.ok());
  for (const std::string& payload : payloads)
    RC_ASSERT((*writer)->Append(RecordType::kBatch, payload).ok());
  std::string full;
  (void)(*fs.OpenForRead(kPath))->Read(0, 1 << 24, &full);
  const size_t cut = *rc::gen::inRange<size_t>(kFileHeaderBytes, full.size() + 1);
  auto truncated = fs.NewWritableFile(kPath);
  RC_ASSERT((*truncated)->Append(full.substr(0, cut)).ok());
  auto reader = WalReader::Open(*fs.OpenForRead(kPath), "p.wal");
  RC_ASSERT(reader.ok());
  size_t read = 0;
  while (true) {
    auto record = (*reader)->Next();
    RC_ASSERT(record.ok());
    if (!*record) break;
    RC_ASSERT(read < payloads.size());
    RC_ASSERT((*record)->payload == payloads[read]);
    ++read;
  }
  RC_ASSERT(cut < full.size() || read == payloads.size());
}

}  // namespace
}  // namespace auditlog::storage::wal
