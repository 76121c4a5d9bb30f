#include "clickhouse_rows.h"

#include <ctime>

#include "runnel/json_writer.h"

namespace runnel::plugins::clickhouse {
namespace {

std::string QuotedKey(std::string_view name) {
  std::string out;
  JsonWriter::AppendString(name, &out);
  out.push_back(':');
  return out;
}

void AppendUint(uint64_t v, std::string* out) {
  char buf[24];
  int n = std::snprintf(buf, sizeof(buf), "%llu", static_cast<unsigned long long>(v));
  out->append(buf, static_cast<size_t>(n));
}

}  // namespace

RowEncoder::RowEncoder(const ClickHouseConfig& config, const std::vector<ColumnInfo>& columns)
    : mapping_(config.columns),
      time_column_(config.time_column),
      time_key_(config.time_column.empty() ? "" : QuotedKey(config.time_column)),
      time_format_(config.time_format),
      time_precision_(config.time_precision),
      mapped_(!config.columns.empty()) {
  auto kind_of = [&](const std::string& name) {
    for (const ColumnInfo& c : columns) {
      if (c.name == name) {
        return c.kind;
      }
    }
    return ColumnKind::kOther;
  };
  if (mapped_) {
    for (const auto& [column, field] : config.columns) {
      targets_[field].push_back({QuotedKey(column), kind_of(column)});
    }
  } else {
    for (const ColumnInfo& c : columns) {
      targets_[c.name].push_back({QuotedKey(c.name), c.kind});
    }
  }
}

std::string RowEncoder::ColumnList() const {
  if (!mapped_) {
    return "";
  }
  std::string out = "(";
  bool first = true;
  auto add = [&](const std::string& name) {
    if (!first) {
      out += ", ";
    }
    first = false;
    out += QuoteIdentifier(name);
  };
  if (!time_column_.empty()) {
    add(time_column_);
  }
  for (const auto& [column, field] : mapping_) {
    add(column);
  }
  out += ")";
  return out;
}

void RowEncoder::AppendTime(EventTime time, std::string* out) {
  switch (time_format_) {
    case TimeFormat::kAuto:  // resolved before; seconds if not
    case TimeFormat::kSeconds:
      AppendUint(time.sec, out);
      return;
    case TimeFormat::kMilliseconds:
      AppendUint(uint64_t{time.sec} * 1000 + time.nsec / 1'000'000, out);
      return;
    case TimeFormat::kNanoseconds:
      AppendUint(uint64_t{time.sec} * 1'000'000'000 + time.nsec, out);
      return;
    case TimeFormat::kFractional: {
      out->push_back('"');
      AppendUint(time.sec, out);
      if (time_precision_ > 0) {
        char frac[16];
        std::snprintf(frac, sizeof(frac), "%09u", time.nsec);
        out->push_back('.');
        out->append(frac, static_cast<size_t>(time_precision_));
      }
      out->push_back('"');
      return;
    }
    case TimeFormat::kDateTime: {
      std::time_t t = time.sec;
      std::tm tm{};
      gmtime_r(&t, &tm);
      char buf[40];
      int n =
          std::snprintf(buf, sizeof(buf), "\"%04d-%02d-%02d %02d:%02d:%02d\"", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
      out->append(buf, static_cast<size_t>(n));
      return;
    }
  }
}

Status RowEncoder::AppendValue(MsgpackReader& reader, ColumnKind kind, std::string* out) {
  if (kind != ColumnKind::kString) {
    return JsonWriter::AppendObject(reader, out);
  }
  MsgpackReader peek = reader;
  RUNNEL_ASSIGN_OR_RETURN(MsgObject head, peek.Next());
  if (head.type == MsgType::kStr || head.type == MsgType::kBin) {
    return JsonWriter::AppendObject(reader, out);  // a JSON string already
  }
  scratch_.clear();
  RUNNEL_RETURN_IF_ERROR(JsonWriter::AppendObject(reader, &scratch_));
  JsonWriter::AppendString(scratch_, out);
  return OkStatus();
}

Status RowEncoder::Append(EventTime time, std::string_view record, std::string* out) {
  const size_t start = out->size();
  auto fail = [&](Status s) {
    out->resize(start);
    return s;
  };
  MsgpackReader reader(record);
  Result<uint32_t> pairs = reader.ReadMapHeader();
  if (!pairs.has_value()) {
    return fail(pairs.error());
  }
  out->push_back('{');
  bool first = true;
  if (!time_key_.empty()) {
    out->append(time_key_);
    AppendTime(time, out);
    first = false;
  }
  for (uint32_t i = 0; i < *pairs; ++i) {
    MsgpackReader at_key = reader;
    Result<MsgObject> key = reader.Next();
    if (!key.has_value()) {
      return fail(key.error());
    }
    const std::vector<Target>* targets = nullptr;
    bool write = false;
    if (key->type != MsgType::kStr) {
      reader = at_key;  // skip the whole key (it may be a container), then its value
      if (Status s = reader.Skip(); !s.ok()) {
        return fail(s);
      }
    } else if (key->data != time_column_) {
      auto it = targets_.find(key->data);
      targets = it == targets_.end() ? nullptr : &it->second;
      // Without a mapping a field the table did not have at start is sent under its name:
      // the server skips it (input_format_skip_unknown_fields) or fills a column added since.
      write = targets != nullptr || !mapped_;
    }
    if (write) {
      MsgpackReader peek = reader;
      Result<MsgObject> head = peek.Next();
      if (!head.has_value()) {
        return fail(head.error());
      }
      write = head->type != MsgType::kNil;
    }
    if (!write) {
      if (Status s = reader.Skip(); !s.ok()) {
        return fail(s);
      }
      continue;
    }
    if (targets == nullptr) {
      if (!first) {
        out->push_back(',');
      }
      first = false;
      JsonWriter::AppendString(key->data, out);
      out->push_back(':');
      if (Status s = AppendValue(reader, ColumnKind::kOther, out); !s.ok()) {
        return fail(s);
      }
      continue;
    }
    const size_t value_start = reader.position();
    for (const Target& target : *targets) {
      MsgpackReader value(record.substr(value_start));
      if (!first) {
        out->push_back(',');
      }
      first = false;
      out->append(target.quoted_name);
      if (Status s = AppendValue(value, target.kind, out); !s.ok()) {
        return fail(s);
      }
    }
    if (Status s = reader.Skip(); !s.ok()) {
      return fail(s);
    }
  }
  out->append("}\n");
  return OkStatus();
}

}  // namespace runnel::plugins::clickhouse
