#include "event/event_codec.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

#include "event/fields.h"
#include "event/time.h"
#include "testing/status_matchers.h"

namespace auditlog::event {
namespace {

using ::auditlog::testing::StatusIs;
using ::testing::HasSubstr;

std::string Encode(const Event& event) {
  std::string out;
  AppendEncodedEvent(event, &out);
  return out;
}

size_t FieldCount() { return AllFields().size(); }
size_t BitmapBytes() { return (FieldCount() + 7) / 8; }

size_t FieldIndex(std::string_view path) {
  const FieldSpec* spec = FindField(path);
  EXPECT_NE(spec, nullptr) << path;
  return FieldIndexOf(*spec);
}

// A presence bitmap with the bits of `paths` set, for hand-built encodings.
std::string Bitmap(std::initializer_list<std::string_view> paths) {
  std::string bitmap(BitmapBytes(), '\0');
  for (std::string_view path : paths) {
    const size_t field_idx = FieldIndex(path);
    bitmap[field_idx / 8] = static_cast<char>(bitmap[field_idx / 8] | (1 << (field_idx % 8)));
  }
  return bitmap;
}

// Every registry field set, through the registry's accessors, so a field added
// to the registry is covered without touching this test.
Event FullEvent() {
  Event event;
  for (size_t field_idx = 0; field_idx < FieldCount(); ++field_idx) {
    const FieldSpec& spec = AllFields()[field_idx];
    switch (spec.type) {
      case FieldType::kKeyword:
      case FieldType::kText:
        *spec.string_member(event) = std::string(spec.path) + " value \xe4\xb8\xad";
        break;
      case FieldType::kJson:
        event.details = R"({"connection":"email","n":[1,2.5e3,true,null]})";
        break;
      case FieldType::kTime:
        *spec.time_member(event) = 1742083302549000 + static_cast<UnixMicros>(field_idx);
        break;
      case FieldType::kUint64:
        event.seq = (uint64_t{1} << 40) + 7;
        break;
      case FieldType::kOutcome:
        event.result = Outcome::kFailure;
        break;
      case FieldType::kDouble:
        *spec.double_member(event) = -39.9288 - static_cast<double>(field_idx);
        break;
      case FieldType::kBool:
        event.ua.is_mobile = false;  // false is a value, present like true
        break;
    }
  }
  return event;
}

Event SparseEvent() {
  Event event;
  event.id = "01JPE41QSYFJ5EPE3FGP8ZHK9T";
  event.tenant = "acme";
  event.timestamp = 1742083302549000;
  event.result = Outcome::kSuccess;
  return event;
}

TEST(EventCodec, EmptyEventIsJustTheBitmap) {
  const std::string encoded = Encode(Event());
  EXPECT_EQ(encoded, std::string(BitmapBytes(), '\0'));
  Event decoded = FullEvent();
  std::string_view in = encoded;
  AL_ASSERT_OK(DecodeEvent(&in, &decoded));
  EXPECT_EQ(decoded, Event());
  EXPECT_TRUE(in.empty());
}

TEST(EventCodec, FullEventRoundTrips) {
  const Event event = FullEvent();
  const std::string encoded = Encode(event);
  // Every bit of the bitmap is set: FullEvent() reached every registry field.
  for (size_t field_idx = 0; field_idx < FieldCount(); ++field_idx) {
    EXPECT_TRUE(static_cast<uint8_t>(encoded[field_idx / 8]) & (1 << (field_idx % 8)))
        << AllFields()[field_idx].path;
  }
  Event decoded;
  std::string_view in = encoded;
  AL_ASSERT_OK(DecodeEvent(&in, &decoded));
  EXPECT_EQ(decoded, event);
  EXPECT_TRUE(in.empty());
}

// The example in event_codec.h, byte for byte. If this fails because the
// registry changed, the WAL format changed: bump kEventCodecVersion.
TEST(EventCodec, WorkedExampleFromHeader) {
  ASSERT_EQ(FieldCount(), 57u);
  ASSERT_EQ(kEventCodecVersion, 2u);
  Event event;
  event.id = "a1";
  event.seq = 7;
  event.result = Outcome::kSuccess;
  // Version 2: 57 fields, 8 bitmap bytes.
  const std::string expected(
      "\x05\x01\x00\x00\x00\x00\x00\x00"
      "\x02"
      "a1"
      "\x07"
      "\x01",
      13);
  EXPECT_EQ(Encode(event), expected);
  // Version 1, as the header's example shows it: 54 fields, 7 bitmap bytes.
  std::string_view v1(
      "\x05\x01\x00\x00\x00\x00\x00\x02"
      "a1\x07\x01",
      12);
  Event decoded;
  AL_ASSERT_OK(DecodeEventOfVersion(1, &v1, &decoded));
  EXPECT_EQ(decoded, event);
  EXPECT_TRUE(v1.empty());
}

// Version 1 encoded the first 54 fields: an event without the fields added
// since encodes the same in both but for the bitmap's length.
TEST(EventCodec, ReadsVersionOneEncodings) {
  EXPECT_TRUE(IsReadableEventCodecVersion(1));
  EXPECT_TRUE(IsReadableEventCodecVersion(2));
  EXPECT_FALSE(IsReadableEventCodecVersion(0));
  EXPECT_FALSE(IsReadableEventCodecVersion(3));
  Event event = FullEvent();
  event.geo.asn.clear();
  event.geo.as_org.clear();
  event.ua.os_minor.clear();
  const std::string current = Encode(event);
  // Drop bitmap byte 7 (fields 56..63: only ua.os_minor, absent) and clear
  // the bits of fields 54 and 55 in byte 6, which are absent too.
  std::string v1 = current.substr(0, 7) + current.substr(8);
  ASSERT_EQ(static_cast<uint8_t>(v1[6]) & 0xc0, 0);
  std::string_view in = v1;
  Event decoded;
  AL_ASSERT_OK(DecodeEventOfVersion(1, &in, &decoded));
  EXPECT_EQ(decoded, event);
  EXPECT_TRUE(in.empty());
  // A version 1 bitmap has no bits for fields 54 and up.
  v1[6] = static_cast<char>(v1[6] | 0x40);
  in = v1;
  EXPECT_THAT(DecodeEventOfVersion(1, &in, &decoded),
              StatusIs(StatusCode::kCorruption, HasSubstr("bit set beyond the field count")));
}

TEST(EventCodec, ExtremeValuesRoundTrip) {
  for (const UnixMicros micros : {std::numeric_limits<int64_t>::min(), int64_t{-1}, int64_t{0},
                                  kMaxTimeMicros, std::numeric_limits<int64_t>::max()}) {
    Event event;
    event.timestamp = micros;
    event.received_at = -micros / 2;
    event.seq = std::numeric_limits<uint64_t>::max();
    event.geo.latitude = -0.0;
    event.geo.longitude = std::numeric_limits<double>::infinity();
    event.ua.is_mobile = true;
    event.details = std::string(300, 'x');  // a two-byte length
    const std::string encoded = Encode(event);
    Event decoded;
    std::string_view in = encoded;
    AL_ASSERT_OK(DecodeEvent(&in, &decoded));
    EXPECT_EQ(decoded, event) << micros;
    EXPECT_TRUE(std::signbit(*decoded.geo.latitude));
  }
}

TEST(EventCodec, ConcatenatedEventsDecodeInSequence) {
  std::vector<Event> events = {FullEvent(), Event(), SparseEvent(), FullEvent()};
  events[3].description = std::string("embedded\0nul", 12);
  std::string buffer;
  for (const Event& event : events) AppendEncodedEvent(event, &buffer);
  std::string_view in = buffer;
  Event decoded;  // reused, as WAL replay does
  for (const Event& event : events) {
    AL_ASSERT_OK(DecodeEvent(&in, &decoded));
    EXPECT_EQ(decoded, event);
  }
  EXPECT_TRUE(in.empty());
}

TEST(EventCodec, DecodingClearsAbsentFields) {
  const std::string full = Encode(FullEvent());
  const std::string sparse = Encode(SparseEvent());
  Event decoded;
  std::string_view in = full;
  AL_ASSERT_OK(DecodeEvent(&in, &decoded));
  in = sparse;
  AL_ASSERT_OK(DecodeEvent(&in, &decoded));
  EXPECT_EQ(decoded, SparseEvent());
}

TEST(EventCodec, LeavesTheBytesAfterTheEvent) {
  const std::string buffer = Encode(SparseEvent()) + "tail";
  std::string_view in = buffer;
  Event decoded;
  AL_ASSERT_OK(DecodeEvent(&in, &decoded));
  EXPECT_EQ(in, "tail");
}

// Decodes `bytes`, expecting kCorruption whose message contains `reason`, and
// `in` left where it was.
void ExpectCorruption(const std::string& bytes, std::string_view reason) {
  std::string_view in = bytes;
  Event decoded;
  EXPECT_THAT(DecodeEvent(&in, &decoded),
              StatusIs(StatusCode::kCorruption, HasSubstr(std::string(reason))));
  EXPECT_EQ(in.size(), bytes.size());
}

TEST(EventCodec, RejectsTruncatedBitmap) {
  ExpectCorruption("", "truncated bitmap (0 of 8 bytes) at offset 0");
  ExpectCorruption(std::string(BitmapBytes() - 1, '\0'), "truncated bitmap");
}

TEST(EventCodec, RejectsBitBeyondFieldCount) {
  if (FieldCount() % 8 == 0) GTEST_SKIP() << "the bitmap has no unused bits";
  std::string bytes(BitmapBytes(), '\0');
  bytes.back() = static_cast<char>(0x80);  // the last bit: past field N - 1
  ExpectCorruption(bytes, "bit set beyond the field count at offset 7");
}

TEST(EventCodec, RejectsTruncatedValues) {
  const std::string bitmap_id = Bitmap({"id"});
  ExpectCorruption(bitmap_id, "id: truncated varint at offset 8");
  ExpectCorruption(bitmap_id + "\x85", "id: truncated varint at offset 8");
  ExpectCorruption(Bitmap({"timestamp"}), "timestamp: truncated varint");
  ExpectCorruption(Bitmap({"seq"}) + "\xff\xff", "seq: truncated varint");
  ExpectCorruption(Bitmap({"result"}), "result: truncated outcome at offset 8");
  ExpectCorruption(Bitmap({"geo.latitude"}) + "1234567", "geo.latitude: truncated double");
  ExpectCorruption(Bitmap({"ua.is_mobile"}), "ua.is_mobile: truncated bool");
  // A later field missing after a good one: the offset is the field's own.
  ExpectCorruption(Bitmap({"id", "tenant"}) + "\x02" + "a1",
                   "tenant: truncated varint at offset 11");
}

TEST(EventCodec, RejectsLengthPastTheEnd) {
  ExpectCorruption(Bitmap({"actor.id"}) + "\x05" + "abc",
                   "actor.id: length 5 past the end (3 bytes left) at offset 8");
  ExpectCorruption(Bitmap({"details"}) + "\xac\x02" + "{}", "details: length 300 past the end");
}

TEST(EventCodec, RejectsBadOutcomeAndBoolBytes) {
  for (const char byte : {'\0', '\3', '\xff'}) {
    ExpectCorruption(Bitmap({"result"}) + byte, "result: bad outcome byte");
  }
  ExpectCorruption(Bitmap({"ua.is_mobile"}) + '\2', "ua.is_mobile: bad bool byte 2 at offset 8");
}

TEST(EventCodec, RejectsVarintOverflow) {
  // A length above UINT32_MAX, and a seq of 11 bytes / above UINT64_MAX.
  ExpectCorruption(Bitmap({"id"}) + "\xff\xff\xff\xff\x1f", "id: varint overflow at offset 8");
  ExpectCorruption(Bitmap({"seq"}) + std::string(10, '\xff') + "\x01", "seq: varint overflow");
  ExpectCorruption(Bitmap({"seq"}) + std::string(9, '\xff') + "\x02", "seq: varint overflow");
  ExpectCorruption(Bitmap({"timestamp"}) + std::string(9, '\x80') + "\x7f",
                   "timestamp: varint overflow");
}

// Every event has one encoding; other spellings of it are rejected.
TEST(EventCodec, RejectsNonCanonicalEncodings) {
  ExpectCorruption(Bitmap({"id"}) + std::string("\0", 1), "id: present but empty string");
  ExpectCorruption(Bitmap({"seq"}) + std::string("\0", 1), "seq: present but zero");
  ExpectCorruption(Bitmap({"seq"}) + std::string("\x87\x00", 2), "seq: non-canonical varint");
  ExpectCorruption(Bitmap({"id"}) + std::string("\x82\x00", 2) + "a1", "id: non-canonical varint");
}

// --- Properties ---

rc::Gen<std::string> ArbitraryBytes() {
  return rc::gen::oneOf(
      rc::gen::container<std::string>(rc::gen::arbitrary<char>()),
      // Text with embedded NULs and multi-byte UTF-8.
      rc::gen::map(rc::gen::container<std::vector<std::string>>(rc::gen::element<std::string>(
                       std::string("\0", 1), "a", " ", "\xc3\xa9", "\xe4\xb8\xad",
                       "\xf0\x9f\x98\x80", "\"", "\\")),
                   [](const std::vector<std::string>& pieces) {
                     std::string text;
                     for (const std::string& piece : pieces) text += piece;
                     return text;
                   }));
}

Event GenerateEvent() {
  Event event;
  for (const FieldSpec& spec : AllFields()) {
    if (*rc::gen::inRange(0, 3) == 0) continue;  // about a third absent
    switch (spec.type) {
      case FieldType::kKeyword:
      case FieldType::kText:
        *spec.string_member(event) = *ArbitraryBytes();
        break;
      case FieldType::kJson:
        event.details = *ArbitraryBytes();
        break;
      case FieldType::kTime:
        *spec.time_member(event) =
            *rc::gen::inRange<UnixMicros>(kMinTimeMicros, kMaxTimeMicros + 1);
        break;
      case FieldType::kUint64:
        event.seq = *rc::gen::arbitrary<uint64_t>();
        break;
      case FieldType::kOutcome:
        event.result = static_cast<Outcome>(*rc::gen::inRange(0, 3));
        break;
      case FieldType::kDouble:
        // NaN never equals itself, so Event == could not confirm the round trip.
        *spec.double_member(event) = *rc::gen::suchThat(rc::gen::arbitrary<double>(),
                                                        [](double x) { return !std::isnan(x); });
        break;
      case FieldType::kBool:
        event.ua.is_mobile = *rc::gen::arbitrary<bool>();
        break;
    }
  }
  return event;
}

RC_GTEST_PROP(EventCodecProperty, RandomEventsRoundTrip, ()) {
  const Event event = GenerateEvent();
  const std::string encoded = Encode(event);
  std::string_view in = encoded;
  Event decoded = FullEvent();  // every field stale: decoding must overwrite all
  const Status status = DecodeEvent(&in, &decoded);
  RC_ASSERT(status.ok());
  RC_ASSERT(decoded == event);
  RC_ASSERT(in.empty());
  RC_ASSERT(Encode(decoded) == encoded);
}

RC_GTEST_PROP(EventCodecProperty, EveryStrictPrefixIsRejected, ()) {
  const std::string encoded = Encode(GenerateEvent());
  for (size_t prefix_bytes = 0; prefix_bytes < encoded.size(); ++prefix_bytes) {
    std::string_view in(encoded.data(), prefix_bytes);
    Event decoded;
    const Status status = DecodeEvent(&in, &decoded);
    RC_ASSERT(status.code() == StatusCode::kCorruption);
    RC_ASSERT(in.size() == prefix_bytes);
  }
}

// Whatever the bytes, decoding does not crash, and what it accepts is the
// unique encoding of what it returns.
void CheckDecodeIsCanonical(const std::string& bytes) {
  std::string_view in = bytes;
  Event decoded;
  const Status status = DecodeEvent(&in, &decoded);
  if (!status.ok()) {
    RC_ASSERT(status.code() == StatusCode::kCorruption);
    RC_ASSERT(in.size() == bytes.size());
    return;
  }
  const size_t consumed_bytes = bytes.size() - in.size();
  RC_ASSERT(Encode(decoded) == bytes.substr(0, consumed_bytes));
}

RC_GTEST_PROP(EventCodecProperty, RandomBytesNeverCrash, (const std::string& bytes)) {
  CheckDecodeIsCanonical(bytes);
}

RC_GTEST_PROP(EventCodecProperty, CorruptedEncodingsNeverCrash, ()) {
  std::string bytes = Encode(GenerateEvent());
  const int flips = *rc::gen::inRange(1, 4);
  for (int flip_idx = 0; flip_idx < flips; ++flip_idx) {
    const size_t pos = *rc::gen::inRange<size_t>(0, bytes.size());
    bytes[pos] = *rc::gen::arbitrary<char>();
  }
  CheckDecodeIsCanonical(bytes);
}

// ScanEncodedEvent reads what DecodeEvent would, without building an Event.
RC_GTEST_PROP(EventCodecProperty, ScanAgreesWithDecode, ()) {
  const Event event = GenerateEvent();
  const std::string encoded = Encode(event) + "trailing";
  EncodedEventKeys keys;
  RC_ASSERT(ScanEncodedEvent(encoded, &keys).ok());
  RC_ASSERT(keys.size == encoded.size() - std::string_view("trailing").size());
  RC_ASSERT(keys.id == event.id);
  RC_ASSERT(keys.timestamp == event.timestamp);
  RC_ASSERT(keys.seq == event.seq);
  // The id is a view into the encoding, not a copy.
  if (!keys.id.empty()) {
    RC_ASSERT(keys.id.data() >= encoded.data());
    RC_ASSERT(keys.id.data() + keys.id.size() <= encoded.data() + encoded.size());
  }
}

RC_GTEST_PROP(EventCodecProperty, ScanRejectsEveryStrictPrefix, ()) {
  const std::string encoded = Encode(GenerateEvent());
  for (size_t prefix_bytes = 0; prefix_bytes < encoded.size(); ++prefix_bytes) {
    EncodedEventKeys keys;
    RC_ASSERT(ScanEncodedEvent(std::string_view(encoded.data(), prefix_bytes), &keys).code() ==
              StatusCode::kCorruption);
  }
}

RC_GTEST_PROP(EventCodecProperty, ScanNeverReadsPastTheEnd, (const std::string& bytes)) {
  EncodedEventKeys keys;
  const Status status = ScanEncodedEvent(bytes, &keys);
  if (!status.ok()) {
    RC_ASSERT(status.code() == StatusCode::kCorruption);
    return;
  }
  RC_ASSERT(keys.size <= bytes.size());
  // Whatever DecodeEvent accepts, the scan measures the same length.
  std::string_view in = bytes;
  Event decoded;
  if (DecodeEvent(&in, &decoded).ok()) RC_ASSERT(keys.size == bytes.size() - in.size());
}

TEST(EventCodec, ScanNamesTheFieldOfATruncatedValue) {
  std::string encoded = Encode(SparseEvent());
  encoded.resize(BitmapBytes() + 3);  // inside the id
  EncodedEventKeys keys;
  EXPECT_THAT(ScanEncodedEvent(encoded, &keys),
              StatusIs(StatusCode::kCorruption, HasSubstr("id: length 26 past the end")));
}

// EncodedEventFields reads every field as DecodeEvent does, in place.
RC_GTEST_PROP(EventCodecProperty, LocatedFieldsAgreeWithDecode, ()) {
  Event event = GenerateEvent();
  const std::string encoded = Encode(event);
  EncodedEventFields fields;
  RC_ASSERT(fields.Locate(encoded).ok());
  for (size_t field_idx = 0; field_idx < FieldCount(); ++field_idx) {
    const FieldSpec& spec = AllFields()[field_idx];
    switch (spec.type) {
      case FieldType::kKeyword:
      case FieldType::kText:
        RC_ASSERT(fields.string(field_idx) == *spec.string_member(event));
        break;
      case FieldType::kJson:
        RC_ASSERT(fields.string(field_idx) == event.details);
        break;
      case FieldType::kTime:
        RC_ASSERT(fields.time(field_idx) == *spec.time_member(event));
        break;
      case FieldType::kUint64:
        RC_ASSERT(fields.seq() == event.seq);
        break;
      case FieldType::kOutcome:
        RC_ASSERT(fields.result() == event.result);
        break;
      case FieldType::kDouble:
        RC_ASSERT(fields.number(field_idx) == *spec.double_member(event));
        break;
      case FieldType::kBool:
        RC_ASSERT(fields.is_mobile() == event.ua.is_mobile);
        break;
    }
  }
}

RC_GTEST_PROP(EventCodecProperty, LocateRejectsEveryStrictPrefix, ()) {
  const std::string encoded = Encode(GenerateEvent());
  for (size_t prefix_bytes = 0; prefix_bytes < encoded.size(); ++prefix_bytes) {
    EncodedEventFields fields;
    RC_ASSERT(fields.Locate(std::string_view(encoded.data(), prefix_bytes)).code() ==
              StatusCode::kCorruption);
  }
}

}  // namespace
}  // namespace auditlog::event
