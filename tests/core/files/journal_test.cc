// The journal record format and scan (runnel/files/journal.h): round trips, torn tails at every
// byte, damaged records in the middle, zeros left by a power loss, and JournalFile appends.
#include "runnel/files/journal.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "runnel/files/atomic_file.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/temp_dir.h"

namespace runnel::files {
namespace {

using testing::TempDir;

using Records = std::vector<std::pair<uint64_t, std::string>>;

Records Scan(std::string_view contents, JournalScanStats* stats = nullptr) {
  Records out;
  JournalScanStats s = ScanJournal(contents, [&](uint64_t seq, std::string_view body) {
    out.emplace_back(seq, std::string(body));
  });
  if (stats != nullptr) {
    *stats = s;
  }
  return out;
}

Records Sample() {
  return {{0, ""},
          {1, "a"},
          {7, std::string(300, 'x')},
          {~uint64_t{0}, std::string("bin\0ary\n", 8)},
          {8, std::string(kMaxJournalBody, 'm')}};
}

std::string Encode(const Records& records) {
  std::string out;
  for (const auto& [seq, body] : records) {
    AppendJournalRecord(seq, body, &out);
  }
  return out;
}

TEST(JournalTest, RoundTrips) {
  std::string text = Encode(Sample());
  size_t expected_size = 0;
  for (const auto& r : Sample()) {
    expected_size += kJournalHeaderBytes + r.second.size();
  }
  EXPECT_EQ(text.size(), expected_size);
  JournalScanStats stats;
  EXPECT_EQ(Scan(text, &stats), Sample());
  EXPECT_EQ(stats.records, Sample().size());
  EXPECT_EQ(stats.corrupt_ranges, 0u);
  EXPECT_EQ(stats.corrupt_bytes, 0u);
  EXPECT_EQ(stats.torn_bytes, 0u);
  EXPECT_TRUE(Scan("").empty());
}

// A crash can cut the last write anywhere: every cut keeps exactly the whole records before it
// and counts the rest as torn.
TEST(JournalTest, TornTailAtEveryByteIsCutOff) {
  const Records records = {{10, "first"}, {11, std::string(40, 'b')}, {12, "third record"}};
  const std::string text = Encode(records);
  std::vector<size_t> ends;  // where each record ends
  size_t end = 0;
  for (const auto& r : records) {
    end += kJournalHeaderBytes + r.second.size();
    ends.push_back(end);
  }
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    size_t whole = 0;
    while (whole < ends.size() && ends[whole] <= cut) {
      ++whole;
    }
    JournalScanStats stats;
    Records got = Scan(std::string_view(text).substr(0, cut), &stats);
    EXPECT_EQ(got, Records(records.begin(), records.begin() + static_cast<long>(whole)))
        << "cut at " << cut;
    EXPECT_EQ(stats.torn_bytes, cut - (whole == 0 ? 0 : ends[whole - 1])) << "cut at " << cut;
    EXPECT_EQ(stats.corrupt_ranges, 0u) << "cut at " << cut;
  }
}

// One damaged byte anywhere in a record costs that record only: the scan finds the next one.
TEST(JournalTest, DamagedRecordIsSkippedAndTheRestRead) {
  const Records records = {{1, "one"}, {2, "two, a little longer"}, {3, "three"}};
  const std::string text = Encode(records);
  const size_t second = kJournalHeaderBytes + 3;
  const size_t second_size = kJournalHeaderBytes + records[1].second.size();
  for (size_t at = second; at < second + second_size; ++at) {
    std::string bad = text;
    bad[at] = static_cast<char>(bad[at] ^ 0x20);
    JournalScanStats stats;
    EXPECT_EQ(Scan(bad, &stats), (Records{records[0], records[2]})) << "byte " << at;
    EXPECT_EQ(stats.records, 2u);
    EXPECT_EQ(stats.corrupt_ranges, 1u) << "byte " << at;
    EXPECT_EQ(stats.corrupt_bytes, second_size) << "byte " << at;
    EXPECT_EQ(stats.torn_bytes, 0u);
  }
  // Garbage between records, and garbage at the end (torn, not corrupt).
  std::string spliced = Encode({records[0]}) + "garbage!" + Encode({records[1]}) + "tail";
  JournalScanStats stats;
  EXPECT_EQ(Scan(spliced, &stats), (Records{records[0], records[1]}));
  EXPECT_EQ(stats.corrupt_ranges, 1u);
  EXPECT_EQ(stats.corrupt_bytes, 8u);
  EXPECT_EQ(stats.torn_bytes, 4u);
}

// After a power loss a file can end in zeros (blocks allocated, data not written).
TEST(JournalTest, ZerosAtTheEndAreTorn) {
  std::string text = Encode({{5, "kept"}}) + std::string(4096, '\0');
  JournalScanStats stats;
  EXPECT_EQ(Scan(text, &stats), (Records{{5, "kept"}}));
  EXPECT_EQ(stats.torn_bytes, 4096u);
  EXPECT_EQ(stats.corrupt_ranges, 0u);
}

// A length past kMaxJournalBody is damage, even with a matching checksum: nothing huge is
// trusted.
TEST(JournalTest, LengthPastTheLimitIsDamage) {
  std::string text = Encode({{1, "ok"}});
  std::string big = Encode({{2, std::string(kMaxJournalBody, 'z')}});
  big[4] = static_cast<char>(big[4] + 1);  // length kMaxJournalBody + 1
  JournalScanStats stats;
  EXPECT_EQ(Scan(text + big, &stats), (Records{{1, "ok"}}));
  EXPECT_EQ(stats.torn_bytes, big.size());
}

TEST(JournalFileTest, AppendsTruncatesAndReopens) {
  TempDir dir;
  const std::string path = dir.Path("j");
  {
    Result<JournalFile> f = JournalFile::Open(path);
    ASSERT_TRUE(f.has_value()) << f.error().ToString();
    EXPECT_EQ(f->size(), 0u);
    ASSERT_TRUE(f->Append(Encode({{1, "a"}, {2, "b"}})).ok());
    ASSERT_TRUE(f->Append(Encode({{3, "c"}})).ok());
    EXPECT_EQ(f->size(), 3 * (kJournalHeaderBytes + 1));
  }
  Result<std::string> text = ReadWholeFile(path);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(Scan(*text), (Records{{1, "a"}, {2, "b"}, {3, "c"}}));
  Result<JournalFile> f = JournalFile::Open(path);  // appends after what is there
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->size(), 3 * (kJournalHeaderBytes + 1));
  ASSERT_TRUE(f->Append(Encode({{4, "d"}})).ok());
  EXPECT_EQ(Scan(*ReadWholeFile(path)).size(), 4u);
  ASSERT_TRUE(f->Truncate().ok());
  EXPECT_EQ(f->size(), 0u);
  ASSERT_TRUE(f->Append(Encode({{5, "e"}})).ok());
  EXPECT_EQ(Scan(*ReadWholeFile(path)), (Records{{5, "e"}}));
}

TEST(JournalFileTest, OpenErrorNamesTheFile) {
  TempDir dir;
  Result<JournalFile> f = JournalFile::Open(dir.Path("no/such/dir/j"));
  ASSERT_FALSE(f.has_value());
  EXPECT_NE(f.error().message().find("no/such/dir/j"), std::string::npos) << f.error().message();
}

}  // namespace
}  // namespace runnel::files
