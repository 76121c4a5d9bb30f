#include "loki_line.h"

#include "runnel/json_writer.h"
#include "runnel/msgpack.h"

namespace runnel::plugins::loki {
namespace {

bool NeedsQuotes(std::string_view v) {
  if (v.empty()) {
    return true;
  }
  for (const char c : v) {
    if (c == ' ' || c == '=' || c == '"' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

void AppendQuoted(std::string_view v, std::string* out) {
  out->push_back('"');
  for (const char c : v) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        out->push_back(c);
    }
  }
  out->push_back('"');
}

}  // namespace

Status LineRenderer::Render(std::string_view record, std::string* out) const {
  if (format_ == LineFormat::kField) {
    return RenderField(record, out);
  }
  MsgpackReader reader(record);
  RUNNEL_ASSIGN_OR_RETURN(uint32_t pairs, reader.ReadMapHeader());
  const size_t start = out->size();
  if (format_ == LineFormat::kJson) {
    out->push_back('{');
  }
  bool first = true;
  std::string text;
  for (uint32_t p = 0; p < pairs; ++p) {
    RUNNEL_ASSIGN_OR_RETURN(std::string_view key, reader.NextRaw());
    RUNNEL_ASSIGN_OR_RETURN(std::string_view value, reader.NextRaw());
    MsgpackReader key_reader(key);
    RUNNEL_ASSIGN_OR_RETURN(MsgObject key_obj, key_reader.Next());
    if (key_obj.type == MsgType::kStr && labels_->UsesField(key_obj.data)) {
      continue;
    }
    if (!first) {
      out->push_back(format_ == LineFormat::kJson ? ',' : ' ');
    }
    first = false;
    text.clear();
    Status s = AppendValueText(key, &text);
    if (s.ok() && format_ == LineFormat::kJson) {
      JsonWriter::AppendString(text, out);
      out->push_back(':');
      MsgpackReader value_reader(value);
      s = JsonWriter::AppendObject(value_reader, out);
    } else if (s.ok()) {
      out->append(text);
      out->push_back('=');
      text.clear();
      s = AppendValueText(value, &text);
      if (NeedsQuotes(text)) {
        AppendQuoted(text, out);
      } else {
        out->append(text);
      }
    }
    if (!s.ok()) {
      out->resize(start);
      return s;
    }
  }
  if (format_ == LineFormat::kJson) {
    out->push_back('}');
  }
  return OkStatus();
}

Status LineRenderer::RenderField(std::string_view record, std::string* out) const {
  MsgpackReader reader(record);
  RUNNEL_ASSIGN_OR_RETURN(uint32_t pairs, reader.ReadMapHeader());
  for (uint32_t p = 0; p < pairs; ++p) {
    RUNNEL_ASSIGN_OR_RETURN(MsgObject key, reader.Next());
    RUNNEL_ASSIGN_OR_RETURN(std::string_view value, reader.NextRaw());
    if (key.type == MsgType::kStr && key.data == field_) {
      return AppendValueText(value, out);
    }
  }
  return NotFound("no field '" + field_ + "' for the line");
}

}  // namespace runnel::plugins::loki
