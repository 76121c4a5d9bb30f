#pragma once
// The forward output: ships batches to a pool of replicated aggregators over the Fluent Forward
// protocol v1 (runnel, Fluentd and Fluent Bit aggregators all speak it).
//
// Each batch is encoded once into a PackedForward or CompressedPackedForward frame (zstd or
// gzip) carrying a `chunk` id; the frame is kept, shared, until an aggregator acknowledges that
// chunk, and only then is the batch's acknowledgement completed (so tail advances its
// checkpoint). The output completes later (Output::completes_later): many batches are in
// flight at once, up to max_in_flight_bytes.
//
// Replicas: every address of every configured server, chosen by ReplicaSet (least outstanding
// per weight). A replica fails on a connect or handshake error, a closed or broken connection,
// or an ack that does not come within ack_timeout; everything outstanding there goes back to the
// front of the send queue, to another replica, in order, with the same chunk id (a duplicate at
// worst, never a loss). Failed replicas are probed again with exponential backoff and full
// jitter. While none is up, batches wait (within max_in_flight_bytes, then the queue, then the
// input): nothing is dropped unless retry_limit is set.
//
// Threads: the pipeline's worker thread calls Submit/Flush/Stop; one control thread sends,
// connects, resolves and times out; connection callbacks run on the output's IoLoop thread. All
// state is under one mutex; acknowledgement handles are completed outside it.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "forward_config.h"
#include "forward_metrics.h"
#include "runnel/forward/compression.h"
#include "runnel/net/io_loop.h"
#include "runnel/net/tcp_client.h"
#include "runnel/plugin.h"
#include "runnel/replica_set.h"

namespace runnel::plugins::forward_output {

class ForwardOutput final : public Output {
 public:
  // Resolves a server name to its addresses; net::Resolve, or a test's own.
  using Resolver =
      std::function<Result<std::vector<net::Endpoint>>(std::string_view host, uint16_t port)>;

  ForwardOutput(ForwardConfig config, std::shared_ptr<const net::TlsContext> tls,
                const PluginContext& ctx, Resolver resolver = net::Resolve);
  ~ForwardOutput() override;

  // Starts the I/O thread and the control thread. Names that do not resolve yet are not an
  // error: they are resolved again every resolve_interval, and batches wait meanwhile.
  Status Start() override;
  WriteResult Write(const Batch& batch) override;  // not used: completes_later
  bool completes_later() const override { return true; }
  // A zstd batch from a disk buffer is sent as it was stored, without compressing it again.
  bool takes_zstd() const override {
    return config_.compression == runnel::forward::Compression::kZstd;
  }
  Status Submit(std::shared_ptr<const Batch> batch, AckHandle ack) override;
  uint64_t Flush(std::chrono::steady_clock::time_point deadline) override;
  void Cancel() override;
  // Closes every connection; what is still in flight completes as cancelled.
  void Stop() override;

 private:
  using Clock = std::chrono::steady_clock;
  struct Session;
  struct InFlight {
    std::shared_ptr<const std::string> frame;
    std::string chunk;
    uint32_t count = 0;
    uint64_t raw_bytes = 0;  // of the batch's entries, for bytes_out
    AckHandle ack;
    // Kept only with retry_limit: a batch given up on is then still there for the dead letters
    // (the worker keeps a weak reference). Otherwise the frame replaces it.
    std::shared_ptr<const Batch> batch;
    ReplicaId replica = 0;  // 0: waiting to be sent
    Clock::time_point sent_at;
    Clock::time_point submitted_at;  // for forward_ack_latency_seconds
    int64_t attempts = 0;
  };
  // Finished work, completed once the mutex is released.
  struct Completions {
    std::vector<std::pair<AckHandle, AckOutcome>> acks;
    std::vector<std::shared_ptr<const Batch>> batches;  // alive until their acks completed
  };

  void ControlLoop();
  // Resolves every server name (blocking, without mu_) and updates the replicas.
  void Resolve();
  // Connects the replicas whose probe is due; releases `lock` meanwhile.
  void StartProbes(Clock::time_point now, std::unique_lock<std::mutex>& lock);
  void OnConnected(ReplicaId id, Result<std::shared_ptr<net::Connection>> conn);
  void OnData(const std::shared_ptr<Session>& s, std::string_view data);
  void OnClose(const std::shared_ptr<Session>& s, const Status& why);
  // With mu_ held: takes `id` down, closes its session, and queues its batches again, at the
  // front (they were sent before anything still waiting).
  void FailReplica(ReplicaId id, const std::string& why, Clock::time_point now);
  void Requeue(const std::vector<uint64_t>& keys);
  void Dispatch(Clock::time_point now, Completions& done);
  void CheckTimeouts(Clock::time_point now);
  void Finish(uint64_t key, AckOutcome outcome, Completions& done);
  static void Complete(Completions& done);
  void UpdateGauges();
  // "name (address)", or the address alone when the name is it. With mu_ held.
  std::string ReplicaName(ReplicaId id) const;

  const ForwardConfig config_;
  const std::shared_ptr<const net::TlsContext> tls_;
  const std::string id_;
  const std::string hostname_;
  const Resolver resolver_;
  ComponentMetrics metrics_;
  ForwardMetrics fmetrics_;
  ReplicaGauges replica_gauges_;            // under mu_
  runnel::forward::Compressor compressor_;  // worker thread only (Submit)
  std::string scratch_;                     // worker thread only

  std::mutex mu_;
  std::condition_variable space_cv_;  // Submit and Flush wait here
  std::condition_variable ctl_cv_;    // the control thread waits here
  bool stopping_ = false;
  bool cancelled_ = false;
  bool wake_ = false;
  uint64_t next_key_ = 1;
  std::map<uint64_t, InFlight> in_flight_;
  std::map<std::string, uint64_t> key_of_chunk_;
  std::deque<uint64_t> pending_;  // keys waiting to be sent, front first
  uint64_t in_flight_bytes_ = 0;
  ReplicaSet replicas_;
  std::map<ReplicaId, net::Endpoint> endpoints_;
  std::map<ReplicaId, std::shared_ptr<Session>> sessions_;
  Clock::time_point next_resolve_{};

  std::unique_ptr<net::IoLoop> loop_;
  std::thread control_;
};

}  // namespace runnel::plugins::forward_output
