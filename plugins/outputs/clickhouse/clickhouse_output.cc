#include "clickhouse_output.h"

#include "clickhouse_protocol.h"
#include "clickhouse_table.h"
#include "runnel/logging.h"

namespace runnel::plugins::clickhouse {

ClickHouseOutput::ClickHouseOutput(ClickHouseConfig config, PluginContext& ctx)
    : config_(std::move(config)), ctx_(ctx) {}

ClickHouseOutput::~ClickHouseOutput() = default;

Status ClickHouseOutput::Start() {
  ServerInfo info;
  Result<ServerInfo> fetched = FetchServerInfo(config_.http, config_.database, config_.table);
  if (fetched.has_value()) {
    info = std::move(*fetched);
    RUNNEL_RETURN_IF_ERROR(ResolveMapping(info, &config_));
    RUNNEL_LOG(kInfo, ctx_.id) << "ClickHouse " << info.version << " at " << config_.http.url
                               << ": table " << config_.database << "." << config_.table << " has "
                               << info.columns.size() << " columns; "
                               << (config_.dedupe_token && info.has_dedupe_token
                                       ? "inserts carry insert_deduplication_token"
                                       : "no insert_deduplication_token (the server has none "
                                         "or dedupe_token is off)");
  } else if (fetched.error().code() == StatusCode::kUnavailable && !config_.require_server) {
    RUNNEL_LOG(kWarn, ctx_.id) << fetched.error().message()
                               << "; starting without the table check (require_server = false)";
    if (config_.time_format == TimeFormat::kAuto) {
      config_.time_format = TimeFormat::kSeconds;
    }
  } else {
    return fetched.error();
  }
  engine_ = std::make_unique<http_client::HttpOutput>(
      config_.http, std::make_unique<ClickHouseProtocol>(config_, info), ctx_);
  return engine_->Start();
}

void ClickHouseOutput::Stop() {
  if (engine_ != nullptr) {
    engine_->Stop();
  }
}

Status ClickHouseOutput::Submit(std::shared_ptr<const Batch> batch, AckHandle ack) {
  if (engine_ == nullptr) {
    return FailedPrecondition("the clickhouse output was not started");
  }
  return engine_->Submit(std::move(batch), std::move(ack));
}

uint64_t ClickHouseOutput::Flush(std::chrono::steady_clock::time_point deadline) {
  return engine_ == nullptr ? 0 : engine_->Flush(deadline);
}

void ClickHouseOutput::Cancel() {
  if (engine_ != nullptr) {
    engine_->Cancel();
  }
}

WriteResult ClickHouseOutput::Write(const Batch& batch) {
  (void)batch;
  return WriteResult::Rejected("the clickhouse output takes batches through Submit");
}

}  // namespace runnel::plugins::clickhouse
