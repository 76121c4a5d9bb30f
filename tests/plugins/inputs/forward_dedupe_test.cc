// The forward input's dedupe: a chunk already accepted is acked and not emitted again, a chunk
// still in the pipeline is acked with its first copy, a cancelled one is stored when re-sent,
// and the window survives a restart of the input. Real server on 127.0.0.1, capturing emitter.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>

#include "plugins/inputs/forward/batch_edit.h"
#include "runnel/chunk_window.h"
#include "runnel/files/atomic_file.h"
#include "tests/plugins/inputs/forward_test_util.h"

namespace runnel {
namespace {

using testing::AckFor;
using testing::CaptureEmitter;
using testing::ForwardClient;
using testing::MessageFrame;
using Strings = std::vector<std::string>;

class ForwardDedupeTest : public ::testing::Test, public testing::ForwardInputHarness {
 protected:
  void StartInput(const std::string& body = "") {
    auto in = Make(body);
    ASSERT_TRUE(in.has_value()) << in.error().ToString();
    input_ = std::move(*in);
    Status s = input_->Start(emitter_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    port_ = PortOf(*input_);
    ASSERT_NE(port_, 0);
  }
  void StopInput() {
    input_->Stop();
    input_.reset();
  }
  std::unique_ptr<ForwardClient> Connect() {
    std::string error;
    auto c = ForwardClient::Open(loop_, port_, nullptr, &error);
    EXPECT_NE(c, nullptr) << error;
    return c;
  }
  // Sends `frame` and waits for its ack: the next response on `client`.
  void SendAndExpectAck(ForwardClient& client, const std::string& frame, std::string_view chunk) {
    ASSERT_TRUE(client.Send(frame).ok());
    EXPECT_EQ(client.Next(), AckFor(chunk));
  }
  void TearDown() override {
    if (input_ != nullptr) {
      input_->Stop();
    }
    loop_.Stop();
  }
  std::string StateDir() { return dir_.Path("data/inputs.fwd"); }

  CaptureEmitter emitter_;
  std::unique_ptr<Input> input_;
  uint16_t port_ = 0;
  net::IoLoop loop_{"dedupe-test"};
};

TEST_F(ForwardDedupeTest, ConfigDefaultsAndRange) {
  auto cfg = testing::LoadToml(dir_,
                               "[inputs.fwd]\ntype = \"forward\"\n"
                               "[outputs.o]\ntype = \"null\"\ninputs = [\"fwd\"]\n");
  ASSERT_TRUE(cfg.has_value()) << cfg.error().ToString();
  auto c = plugins::forward_input::ParseForwardConfig(cfg->inputs.at(0), "h");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_TRUE(c->dedupe);
  EXPECT_EQ(c->dedupe_window, 100000u);
  auto zero = Make("dedupe_window = 0\n");
  ASSERT_FALSE(zero.has_value());
  EXPECT_NE(zero.error().message().find("dedupe_window"), std::string::npos)
      << zero.error().message();
}

TEST_F(ForwardDedupeTest, DuplicateIsAckedAtOnceAndNotEmitted) {
  StartInput();
  auto client = Connect();
  SendAndExpectAck(*client, MessageFrame("t", 1, "a", "c1"), "c1");
  SendAndExpectAck(*client, MessageFrame("t", 2, "a-again", "c1"), "c1");
  // A later frame on the same connection: had the duplicate been queued, it would come first.
  SendAndExpectAck(*client, MessageFrame("t", 3, "b", "c2"), "c2");
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  EXPECT_EQ(emitter_.Values("log"), (Strings{"a", "b"}));
  EXPECT_EQ(emitter_.batch_count(), 2u);
  EXPECT_EQ(Count("forward_duplicates_total"), 1u);
  // An auto-acked ack is counted on the emitting thread just after it is written.
  EXPECT_TRUE(testing::PollUntil([&] { return Count("forward_acks_sent_total") >= 3; }));
  EXPECT_EQ(Count("forward_acks_sent_total"), 3u);
  EXPECT_EQ(Count("forward_frames_total"), 3u);
  EXPECT_EQ(client->pending(), 0u);
}

TEST_F(ForwardDedupeTest, RejectedIsRememberedToo) {
  StartInput();
  emitter_.set_auto_ack(false);
  auto client = Connect();
  ASSERT_TRUE(client->Send(MessageFrame("t", 1, "bad", "c1")).ok());
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  emitter_.AckHeld(0, AckOutcome::kRejected);
  EXPECT_EQ(client->Next(), AckFor("c1"));
  SendAndExpectAck(*client, MessageFrame("t", 1, "bad", "c1"), "c1");
  EXPECT_EQ(emitter_.held(), 0u);
  EXPECT_EQ(emitter_.event_count(), 1u);
  EXPECT_EQ(Count("forward_duplicates_total"), 1u);
}

TEST_F(ForwardDedupeTest, DuplicateWhileInFlightIsAckedWithTheFirst) {
  StartInput();
  emitter_.set_auto_ack(false);
  auto first = Connect();
  auto second = Connect();  // a failover: the sender re-sends to us on another connection
  ASSERT_TRUE(first->Send(MessageFrame("t", 1, "one", "c1")).ok());
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  ASSERT_TRUE(second->Send(MessageFrame("t", 1, "one-again", "c1")).ok());
  ASSERT_TRUE(first->Send(MessageFrame("t", 1, "one-third", "c1")).ok());
  ASSERT_TRUE(testing::PollUntil([&] { return Count("forward_duplicates_total") == 2; }));
  // Neither copy is acked before the first one's outcome, and neither was emitted.
  EXPECT_EQ(first->pending(), 0u);
  EXPECT_EQ(second->pending(), 0u);
  EXPECT_EQ(emitter_.held(), 1u);
  emitter_.AckHeld(0, AckOutcome::kDelivered);
  EXPECT_EQ(first->Next(), AckFor("c1"));
  EXPECT_EQ(first->Next(), AckFor("c1"));
  EXPECT_EQ(second->Next(), AckFor("c1"));
  // A frame after them on `second`: the duplicate was never queued behind it.
  ASSERT_TRUE(second->Send(MessageFrame("t", 2, "two", "c2")).ok());
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  emitter_.AckAllHeld(AckOutcome::kDelivered);
  EXPECT_EQ(second->Next(), AckFor("c2"));
  EXPECT_EQ(emitter_.Values("log"), (Strings{"one", "two"}));
  EXPECT_EQ(Count("forward_acks_sent_total"), 4u);
  EXPECT_EQ(Count("forward_duplicates_total"), 2u);
  EXPECT_EQ(first->pending(), 0u);
  EXPECT_EQ(second->pending(), 0u);
}

// A sender repeating one chunk while it is in the pipeline holds at most 64 acks.
TEST_F(ForwardDedupeTest, HeldDuplicatesAreBounded) {
  StartInput();
  emitter_.set_auto_ack(false);
  auto client = Connect();
  ASSERT_TRUE(client->Send(MessageFrame("t", 1, "one", "c1")).ok());
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  std::string copies;
  for (int i = 0; i < 70; ++i) {
    copies += MessageFrame("t", 1, "copy", "c1");
  }
  ASSERT_TRUE(client->Send(copies).ok());
  ASSERT_TRUE(testing::PollUntil([&] { return Count("forward_duplicates_total") == 70; }));
  emitter_.AckHeld(0, AckOutcome::kDelivered);
  for (int i = 0; i < 65; ++i) {
    EXPECT_EQ(client->Next(), AckFor("c1")) << i;
  }
  // The next frame's ack comes right after: the 6 copies past the bound were not acked.
  ASSERT_TRUE(client->Send(MessageFrame("t", 2, "two", "c2")).ok());
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  emitter_.AckAllHeld(AckOutcome::kDelivered);
  EXPECT_EQ(client->Next(), AckFor("c2"));
  EXPECT_EQ(emitter_.Values("log"), (Strings{"one", "two"}));
  EXPECT_EQ(Count("forward_acks_sent_total"), 66u);
}

TEST_F(ForwardDedupeTest, CancelledIsNotRememberedAndIsStoredWhenResent) {
  StartInput();
  emitter_.set_auto_ack(false);
  auto client = Connect();
  auto other = Connect();
  ASSERT_TRUE(client->Send(MessageFrame("t", 1, "lost", "c1")).ok());
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  ASSERT_TRUE(other->Send(MessageFrame("t", 1, "lost-dup", "c1")).ok());
  ASSERT_TRUE(testing::PollUntil([&] { return Count("forward_duplicates_total") == 1; }));
  emitter_.AckHeld(0, AckOutcome::kCancelled);  // neither copy is acked
  ASSERT_TRUE(client->Send(MessageFrame("t", 1, "resent", "c1")).ok());
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  ASSERT_EQ(emitter_.held(), 1u);
  emitter_.AckHeld(0, AckOutcome::kDelivered);
  // The first response on each connection: no ack went out for the cancelled copies.
  EXPECT_EQ(client->Next(), AckFor("c1"));
  ASSERT_TRUE(other->Send(MessageFrame("t", 2, "after", "c2")).ok());
  ASSERT_TRUE(emitter_.WaitForEvents(3));
  emitter_.AckAllHeld(AckOutcome::kDelivered);
  EXPECT_EQ(other->Next(), AckFor("c2"));
  EXPECT_EQ(emitter_.Values("log"), (Strings{"lost", "resent", "after"}));
  EXPECT_EQ(Count("forward_acks_sent_total"), 2u);
  EXPECT_EQ(Count("forward_duplicates_total"), 1u);
}

TEST_F(ForwardDedupeTest, WindowSurvivesARestartOfTheInput) {
  StartInput();
  {
    auto client = Connect();
    SendAndExpectAck(*client, MessageFrame("t", 1, "a", "c1"), "c1");
    SendAndExpectAck(*client, MessageFrame("t", 2, "b", "c2"), "c2");
  }
  StopInput();
  StartInput();  // same state directory
  auto client = Connect();
  SendAndExpectAck(*client, MessageFrame("t", 2, "b", "c2"), "c2");
  SendAndExpectAck(*client, MessageFrame("t", 1, "a", "c1"), "c1");
  SendAndExpectAck(*client, MessageFrame("t", 3, "c", "c3"), "c3");
  ASSERT_TRUE(emitter_.WaitForEvents(3));
  EXPECT_EQ(emitter_.Values("log"), (Strings{"a", "b", "c"}));
  EXPECT_EQ(Count("forward_duplicates_total"), 2u);
  EXPECT_EQ(Count("forward_dedupe_damaged_records_total"), 0u);
  StopInput();
  auto window = ChunkWindow::Open(StateDir(), 10, "test");
  ASSERT_TRUE(window.has_value()) << window.error().ToString();
  EXPECT_EQ((*window)->Ids(),
            (std::vector<BatchId>{plugins::forward_input::BatchIdForChunk("c1"),
                                  plugins::forward_input::BatchIdForChunk("c2"),
                                  plugins::forward_input::BatchIdForChunk("c3")}));
}

// The id of an accepted chunk is in the journal on disk before its ack is sent, so a kill -9
// right after the ack (the files as they are then) still knows it: the sender's resend, which
// happens when that ack is lost with the connection, is acked and not stored again.
TEST_F(ForwardDedupeTest, AcceptedIdIsJournalledBeforeItsAck) {
  StartInput();
  const std::string journal = StateDir() + "/chunks.journal";
  const std::string snapshot = StateDir() + "/chunks.snapshot";
  auto read = [](const std::string& path) { return files::ReadWholeFile(path).value_or("?"); };
  std::string at_kill_journal;
  std::string at_kill_snapshot;
  {
    auto client = Connect();
    SendAndExpectAck(*client, MessageFrame("t", 1, "a", "c1"), "c1");
    // Read at once: no wait, no stop.
    at_kill_journal = read(journal);
    at_kill_snapshot = read(snapshot);
  }
  EXPECT_EQ(at_kill_journal,
            ChunkWindow::EncodeRecord(plugins::forward_input::BatchIdForChunk("c1")));
  StopInput();
  // The restart finds exactly the files of the kill moment.
  ASSERT_TRUE(files::WriteFileAtomically(journal, at_kill_journal).ok());
  ASSERT_TRUE(files::WriteFileAtomically(snapshot, at_kill_snapshot).ok());
  StartInput();
  auto client = Connect();
  SendAndExpectAck(*client, MessageFrame("t", 1, "a", "c1"), "c1");
  SendAndExpectAck(*client, MessageFrame("t", 2, "b", "c2"), "c2");
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  EXPECT_EQ(emitter_.Values("log"), (Strings{"a", "b"}));
  EXPECT_EQ(Count("forward_duplicates_total"), 1u);
}

TEST_F(ForwardDedupeTest, OldestIdIsForgottenBeyondTheWindow) {
  StartInput("dedupe_window = 2\n");
  auto client = Connect();
  SendAndExpectAck(*client, MessageFrame("t", 1, "a", "c1"), "c1");
  SendAndExpectAck(*client, MessageFrame("t", 2, "b", "c2"), "c2");
  SendAndExpectAck(*client, MessageFrame("t", 3, "c", "c3"), "c3");
  SendAndExpectAck(*client, MessageFrame("t", 3, "c", "c3"), "c3");   // remembered
  SendAndExpectAck(*client, MessageFrame("t", 1, "a2", "c1"), "c1");  // forgotten: stored
  ASSERT_TRUE(emitter_.WaitForEvents(4));
  EXPECT_EQ(emitter_.Values("log"), (Strings{"a", "b", "c", "a2"}));
  EXPECT_EQ(Count("forward_duplicates_total"), 1u);
}

TEST_F(ForwardDedupeTest, DamagedWindowFileIsCountedAndTheInputStarts) {
  ASSERT_TRUE(files::MakeDirs(StateDir()).ok());
  std::string journal =
      ChunkWindow::EncodeRecord(plugins::forward_input::BatchIdForChunk("c1")) +
      std::string(ChunkWindow::kRecordBytes, 'x') +  // corrupt
      ChunkWindow::EncodeRecord(plugins::forward_input::BatchIdForChunk("c2")).substr(0, 7);
  ASSERT_TRUE(files::WriteFileAtomically(StateDir() + "/chunks.journal", journal).ok());
  StartInput();
  EXPECT_EQ(Count("forward_dedupe_damaged_records_total"), 2u);  // one corrupt, one torn
  auto client = Connect();
  SendAndExpectAck(*client, MessageFrame("t", 1, "a", "c1"), "c1");  // remembered
  SendAndExpectAck(*client, MessageFrame("t", 2, "b", "c2"), "c2");  // torn: stored
  ASSERT_TRUE(emitter_.WaitForEvents(1));
  EXPECT_EQ(emitter_.Values("log"), (Strings{"b"}));
  EXPECT_EQ(Count("forward_duplicates_total"), 1u);
}

TEST_F(ForwardDedupeTest, DedupeOffStoresBoth) {
  StartInput("dedupe = false\n");
  auto client = Connect();
  SendAndExpectAck(*client, MessageFrame("t", 1, "a", "c1"), "c1");
  SendAndExpectAck(*client, MessageFrame("t", 1, "a-again", "c1"), "c1");
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  EXPECT_EQ(emitter_.Values("log"), (Strings{"a", "a-again"}));
  EXPECT_EQ(Count("forward_duplicates_total"), 0u);
  // An auto-acked ack is counted on the emitting thread just after it is written.
  EXPECT_TRUE(testing::PollUntil([&] { return Count("forward_acks_sent_total") >= 2; }));
  EXPECT_EQ(Count("forward_acks_sent_total"), 2u);
  struct stat st;
  EXPECT_NE(stat(StateDir().c_str(), &st), 0);  // nothing persisted
}

TEST_F(ForwardDedupeTest, DedupeOffStoresBothWhileInFlight) {
  StartInput("dedupe = false\n");
  emitter_.set_auto_ack(false);
  auto client = Connect();
  ASSERT_TRUE(client->Send(MessageFrame("t", 1, "a", "c1")).ok());
  ASSERT_TRUE(client->Send(MessageFrame("t", 1, "a-again", "c1")).ok());
  ASSERT_TRUE(emitter_.WaitForEvents(2));
  emitter_.AckAllHeld(AckOutcome::kDelivered);
  EXPECT_EQ(client->Next(), AckFor("c1"));
  EXPECT_EQ(client->Next(), AckFor("c1"));
  EXPECT_EQ(emitter_.Values("log"), (Strings{"a", "a-again"}));
}

}  // namespace
}  // namespace runnel
