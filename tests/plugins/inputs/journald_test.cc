// The journald input on real journal files written by systemd-journal-remote: every field and
// the entry time, repeated and binary fields, matches and units, read_from, following a file
// being appended to, the cursor saved on acknowledgement (a restart neither repeats nor
// loses), damaged cursor files, and configuration errors.
#include <sys/stat.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "plugins/inputs/journald/journald_input.h"
#include "runnel/json_writer.h"
#include "tests/testing/capture_emitter.h"
#include "tests/testing/file_helpers.h"
#include "tests/testing/journal_files.h"
#include "tests/testing/load_config.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace runnel::plugins::journald {
namespace {

using runnel::testing::AppendToJournal;
using runnel::testing::CaptureEmitter;
using runnel::testing::ExportEntry;
using runnel::testing::PollUntil;
using runnel::testing::TempDir;

constexpr uint64_t kT0 = 1'700'000'000'000'000;  // 2023-11-14T22:13:20Z, in microseconds

// Captures like CaptureEmitter and also renders each event as a JSON line with its time in
// microseconds, so repeated (array) and binary fields can be checked exactly.
class JsonEmitter : public CaptureEmitter {
 public:
  Status Emit(Batch batch) override {
    {
      std::lock_guard lock(mu_);
      BatchReader reader(batch.data);
      while (!reader.AtEnd()) {
        EventTime t;
        std::string_view record;
        if (!reader.Next(&t, &record).ok()) {
          lines_.push_back("<undecodable>");
          break;
        }
        std::string line = std::to_string(t.ToNanos() / 1000) + " ";
        MsgpackReader r(record);
        (void)JsonWriter::AppendObject(r, &line);
        lines_.push_back(std::move(line));
        records_.emplace_back(record);
      }
    }
    return CaptureEmitter::Emit(std::move(batch));
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mu_);
    return lines_;
  }
  std::vector<std::string> records() const {
    std::lock_guard lock(mu_);
    return records_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
  std::vector<std::string> records_;
};

// n entries "m-<i>" of unit app.service (even i) or db.service (odd i), one second apart.
std::vector<ExportEntry> Entries(int from, int to) {
  std::vector<ExportEntry> out;
  for (int i = from; i <= to; ++i) {
    out.push_back(
        ExportEntry{.realtime_usec = kT0 + static_cast<uint64_t>(i) * 1'000'000,
                    .fields = {{"MESSAGE", "m-" + std::to_string(i)},
                               {"_SYSTEMD_UNIT", i % 2 == 0 ? "app.service" : "db.service"}}});
  }
  return out;
}

class JournaldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!runnel::testing::JournalRemoteFound()) {
      GTEST_SKIP() << runnel::testing::kJournalRemote
                   << " is missing (Debian package systemd-journal-remote, installed by "
                      "packaging/deps)";
    }
    journal_ = dir_.Path("remote.journal");
  }

  // An input configured with `extra` TOML lines after `files = [journal]`.
  std::unique_ptr<JournaldInput> Make(const std::string& extra, std::string* error = nullptr) {
    Result<config::PipelineConfig> c = runnel::testing::LoadToml(
        dir_, "data_dir = \"" + dir_.Path("data") +
                  "\"\n[inputs.j]\ntype = \"journald\"\nfiles = [\"" + journal_ + "\"]\n" + extra +
                  "\n[outputs.o]\ntype = \"null\"\ninputs = [\"j\"]\n");
    if (!c) {
      if (error != nullptr) {
        *error = c.error().message();
      }
      return nullptr;
    }
    Result<JournaldConfig> jc = ParseJournaldConfig(c->inputs[0]);
    if (!jc) {
      if (error != nullptr) {
        *error = jc.error().message();
      }
      return nullptr;
    }
    ctx_ = runnel::testing::TestContext(dir_, &metrics_, "inputs.j");
    return std::make_unique<JournaldInput>(std::move(*jc), "j", ctx_);
  }

  // Runs an input with exit_on_eof and `extra` until it has read the journal to its end, stops
  // it and lets it save its cursor.
  void ReadToEnd(const std::string& extra, CaptureEmitter& emitter) {
    std::unique_ptr<JournaldInput> input = Make("exit_on_eof = true\n" + extra);
    ASSERT_NE(input, nullptr);
    ASSERT_TRUE(input->Start(emitter).ok());
    ASSERT_TRUE(PollUntil([&] { return emitter.finished(); }));
    input->Stop();
    input->OnDrained();
  }

  uint64_t Metric(const std::string& name) {
    return metrics_.GetCounter(name, "inputs.j", "")->value();
  }

  TempDir dir_;
  std::string journal_;
  MetricsRegistry metrics_;
  PluginContext ctx_;
};

TEST_F(JournaldTest, EveryFieldWithTheEntryTimeRepeatedFieldsAsArraysBinaryAsBin) {
  ASSERT_TRUE(AppendToJournal(journal_,
                              {ExportEntry{.realtime_usec = kT0 + 123456,
                                           .fields = {{"MESSAGE", "hello journal"},
                                                      {"PRIORITY", "6"},
                                                      {"_SYSTEMD_UNIT", "app.service"},
                                                      {"TAG", "a"},
                                                      {"TAG", "b"},
                                                      {"_PID", "42"}}},
                               ExportEntry{.realtime_usec = kT0 + 2'000'000,
                                           .fields = {{"MESSAGE", std::string("two\nlines\x01")},
                                                      {"BLOB", std::string("\xff\xfe\x00z", 4)}}}})
                  .ok());
  JsonEmitter emitter;
  ASSERT_NO_FATAL_FAILURE(ReadToEnd("", emitter));
  EXPECT_EQ(
      emitter.lines(),
      (std::vector<std::string>{
          "1700000000123456 {\"MESSAGE\":\"hello journal\",\"PRIORITY\":\"6\","
          "\"_SYSTEMD_UNIT\":\"app.service\",\"TAG\":[\"a\",\"b\"],\"_PID\":\"42\"}",
          "1700000002000000 {\"MESSAGE\":\"two\\nlines\\u0001\",\"BLOB\":\"\xff\xfe\\u0000z\"}"}));
  // BLOB is not UTF-8: a msgpack bin; MESSAGE, with a control byte but valid UTF-8, a str.
  const std::string second = emitter.records()[1];
  MsgpackReader r(second);
  ASSERT_EQ(*r.ReadMapHeader(), 2u);
  EXPECT_EQ(*r.ReadStr(), "MESSAGE");
  EXPECT_EQ(r.Next()->type, MsgType::kStr);
  EXPECT_EQ(*r.ReadStr(), "BLOB");
  EXPECT_EQ(r.Next()->type, MsgType::kBin);
  EXPECT_EQ(Metric("journald_entries_total"), 2u);
  EXPECT_EQ(ctx_.component_metrics.events_in->value(), 2u);
}

TEST_F(JournaldTest, LowercaseAndStripUnderscoresRenameFields) {
  ASSERT_TRUE(AppendToJournal(journal_, {ExportEntry{.realtime_usec = kT0,
                                                     .fields = {{"MESSAGE", "x"},
                                                                {"_SYSTEMD_UNIT", "u.service"},
                                                                {"_PID", "7"}}}})
                  .ok());
  JsonEmitter emitter;
  ASSERT_NO_FATAL_FAILURE(ReadToEnd("lowercase = true\nstrip_underscores = true", emitter));
  EXPECT_EQ(
      emitter.lines(),
      std::vector<std::string>{
          "1700000000000000 {\"message\":\"x\",\"systemd_unit\":\"u.service\",\"pid\":\"7\"}"});
}

TEST_F(JournaldTest, UnitsAndMatchesSelectEntries) {
  ASSERT_TRUE(AppendToJournal(journal_, Entries(1, 10)).ok());
  {
    CaptureEmitter emitter;
    ASSERT_NO_FATAL_FAILURE(ReadToEnd("units = [\"db.service\"]", emitter));
    EXPECT_EQ(emitter.Values("MESSAGE"),
              (std::vector<std::string>{"m-1", "m-3", "m-5", "m-7", "m-9"}));
  }
  // Same field: alternatives. (A fresh state directory: no cursor from the run above.)
  ASSERT_EQ(system(("rm -rf " + dir_.Path("data")).c_str()), 0);
  CaptureEmitter emitter;
  ASSERT_NO_FATAL_FAILURE(ReadToEnd("matches = [\"MESSAGE=m-2\", \"MESSAGE=m-9\"]", emitter));
  EXPECT_EQ(emitter.Values("MESSAGE"), (std::vector<std::string>{"m-2", "m-9"}));
}

TEST_F(JournaldTest, FollowsEntriesAppendedWhileRunningAndReadFromTailSkipsOldOnes) {
  ASSERT_TRUE(AppendToJournal(journal_, Entries(1, 3)).ok());
  std::unique_ptr<JournaldInput> input = Make("read_from = \"tail\"\npoll_interval = \"50ms\"");
  ASSERT_NE(input, nullptr);
  CaptureEmitter emitter;
  ASSERT_TRUE(input->Start(emitter).ok());
  ASSERT_TRUE(AppendToJournal(journal_, Entries(4, 6)).ok());
  ASSERT_TRUE(emitter.WaitForEvents(3));
  ASSERT_TRUE(AppendToJournal(journal_, Entries(7, 7)).ok());
  ASSERT_TRUE(emitter.WaitForEvents(4));
  input->Stop();
  EXPECT_EQ(emitter.Values("MESSAGE"), (std::vector<std::string>{"m-4", "m-5", "m-6", "m-7"}));
}

TEST_F(JournaldTest, RestartResumesAfterTheLastAcknowledgedEntry) {
  ASSERT_TRUE(AppendToJournal(journal_, Entries(1, 10)).ok());
  {
    std::unique_ptr<JournaldInput> input = Make("batch_max_events = 3");
    ASSERT_NE(input, nullptr);
    CaptureEmitter emitter;
    emitter.set_auto_ack(false);
    ASSERT_TRUE(input->Start(emitter).ok());
    ASSERT_TRUE(emitter.WaitForEvents(10));  // batches m-1..3, m-4..6, m-7..9, m-10
    ASSERT_EQ(emitter.held(), 4u);
    // The second batch first: nothing is committed until the first is acknowledged too.
    emitter.AckHeld(1, AckOutcome::kDelivered);
    EXPECT_EQ(input->committed_cursor(), "");
    emitter.AckHeld(0, AckOutcome::kRejected);  // dead-lettered counts as taken
    EXPECT_NE(input->committed_cursor(), "");
    // The third is cancelled (shutdown): it and everything after it stay unacknowledged.
    emitter.AckHeld(0, AckOutcome::kCancelled);
    emitter.AckHeld(0, AckOutcome::kDelivered);
    input->Stop();
    input->OnDrained();
  }
  CaptureEmitter emitter;
  ASSERT_NO_FATAL_FAILURE(ReadToEnd("", emitter));
  EXPECT_EQ(emitter.Values("MESSAGE"), (std::vector<std::string>{"m-7", "m-8", "m-9", "m-10"}));
  // Everything is acknowledged now: a third run reads nothing.
  CaptureEmitter none;
  ASSERT_NO_FATAL_FAILURE(ReadToEnd("", none));
  EXPECT_EQ(none.event_count(), 0u);
}

TEST_F(JournaldTest, TheCursorJournalAloneRestoresThePositionAfterACrash) {
  ASSERT_TRUE(AppendToJournal(journal_, Entries(1, 4)).ok());
  {
    std::unique_ptr<JournaldInput> input = Make("batch_max_events = 2");
    CaptureEmitter emitter;
    ASSERT_TRUE(input->Start(emitter).ok());
    ASSERT_TRUE(emitter.WaitForEvents(4));
    ASSERT_TRUE(PollUntil([&] { return emitter.held() == 0; }));
    input->Stop();
    // No OnDrained: as after kill -9, only the cursor journal has the position.
  }
  struct stat st;
  EXPECT_NE(stat(dir_.Path("data/inputs.j/cursor").c_str(), &st), 0);
  ASSERT_TRUE(AppendToJournal(journal_, Entries(5, 6)).ok());
  CaptureEmitter emitter;
  ASSERT_NO_FATAL_FAILURE(ReadToEnd("", emitter));
  EXPECT_EQ(emitter.Values("MESSAGE"), (std::vector<std::string>{"m-5", "m-6"}));
}

TEST_F(JournaldTest, ADamagedSnapshotIsMovedAsideAndTheJournalStillCounts) {
  ASSERT_TRUE(AppendToJournal(journal_, Entries(1, 2)).ok());
  ASSERT_EQ(system(("mkdir -p " + dir_.Path("data/inputs.j")).c_str()), 0);
  ASSERT_TRUE(runnel::testing::WriteFile(dir_.Path("data/inputs.j/cursor"), "garbage"));
  CaptureEmitter emitter;
  ASSERT_NO_FATAL_FAILURE(ReadToEnd("", emitter));
  EXPECT_EQ(emitter.Values("MESSAGE"), (std::vector<std::string>{"m-1", "m-2"}));
  EXPECT_EQ(runnel::testing::ReadFileOrEmpty(dir_.Path("data/inputs.j/cursor.corrupt")), "garbage");
  EXPECT_EQ(runnel::testing::ReadFileOrEmpty(dir_.Path("data/inputs.j/cursor")).substr(0, 27),
            "runnel journald cursor 1\n1\n");
}

TEST_F(JournaldTest, LongValuesAreCutAtACharacterBoundaryAndCounted) {
  ASSERT_TRUE(
      AppendToJournal(journal_,
                      {ExportEntry{.realtime_usec = kT0,
                                   .fields = {{"MESSAGE", std::string(63, 'a') + "\xc3\xa9" + "zz"},
                                              {"SHORT", "ok"}}}})
          .ok());
  CaptureEmitter emitter;
  ASSERT_NO_FATAL_FAILURE(ReadToEnd("max_field_bytes = 64", emitter));
  EXPECT_EQ(emitter.Values("MESSAGE"), std::vector<std::string>{std::string(63, 'a')});
  EXPECT_EQ(emitter.Values("SHORT"), std::vector<std::string>{"ok"});
  EXPECT_EQ(Metric("journald_fields_truncated_total"), 1u);
}

TEST_F(JournaldTest, StartFailsClearlyForAMissingDirectory) {
  Result<config::PipelineConfig> c = runnel::testing::LoadToml(
      dir_, "[inputs.j]\ntype = \"journald\"\ndirectory = \"" + dir_.Path("nope") +
                "\"\n[outputs.o]\ntype = \"null\"\ninputs = [\"j\"]\n");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  Result<JournaldConfig> jc = ParseJournaldConfig(c->inputs[0]);
  ASSERT_TRUE(jc.has_value());
  ctx_ = runnel::testing::TestContext(dir_, &metrics_, "inputs.j");
  JournaldInput input(std::move(*jc), "j", ctx_);
  CaptureEmitter emitter;
  Status s = input.Start(emitter);
  EXPECT_EQ(s.message(), "inputs.j: cannot open the journal directory " + dir_.Path("nope") +
                             ": No such file or directory");
}

TEST_F(JournaldTest, ConfigurationErrorsArePositionedAndSayWhatIsWrong) {
  const std::string cfg = dir_.Path("config.toml");
  std::string error;
  EXPECT_EQ(Make("directory = \"/var/log/journal\"", &error), nullptr);
  EXPECT_EQ(error,
            cfg + ":5:13: inputs.j (journald): key 'directory': give files or directory, not both");
  EXPECT_EQ(Make("matches = [\"PRIORITY\"]", &error), nullptr);
  EXPECT_EQ(error,
            cfg +
                ":5:11: inputs.j (journald): key 'matches': 'PRIORITY' is not FIELD=value, e.g. "
                "PRIORITY=3");
  EXPECT_EQ(Make("matches = [\"priority=3\"]", &error), nullptr);
  EXPECT_EQ(error,
            cfg +
                ":5:11: inputs.j (journald): key 'matches': 'priority' is not a journal field "
                "name (A-Z, 0-9 and _, not starting with a digit, e.g. _SYSTEMD_UNIT)");
  EXPECT_EQ(Make("units = [\"\"]", &error), nullptr);
  EXPECT_EQ(error, cfg + ":5:9: inputs.j (journald): key 'units': a unit name is empty");
}

}  // namespace
}  // namespace runnel::plugins::journald
