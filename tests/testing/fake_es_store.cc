#include "tests/testing/fake_es_store.h"

#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runnel/json_writer.h"

namespace runnel::testing::fake_es {
namespace {

namespace dom = simdjson::dom;

// A JSON string literal of `s` (RFC 8259 escapes, as runnel writes them).
std::string Quote(std::string_view s) {
  std::string out;
  JsonWriter::AppendString(s, &out);
  return out;
}

std::string IndexNameError(std::string_view name) {
  const std::string prefix = "Invalid index name [" + std::string(name) + "], ";
  if (name.front() == '-' || name.front() == '_' || name.front() == '+') {
    return prefix + "must not start with '_', '-', or '+'";
  }
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') {
      return prefix + "must be lowercase";
    }
    if (std::string_view("\\/*?\"<>| ,#:").find(c) != std::string_view::npos) {
      return prefix +
             "must not contain the following characters [ , \", *, \\, <, |, ,, >, /, "
             "?, :, #]";
    }
  }
  return "";
}

bool LooksLikeDate(std::string_view s) {
  // yyyy-mm-ddThh:mm:ss, the start of strict_date_optional_time.
  if (s.size() < 19) {
    return false;
  }
  for (size_t i = 0; i < 19; ++i) {
    const char c = s[i];
    const bool digit = c >= '0' && c <= '9';
    if (i == 4 || i == 7) {
      if (c != '-') return false;
    } else if (i == 10) {
      if (c != 'T') return false;
    } else if (i == 13 || i == 16) {
      if (c != ':') return false;
    } else if (!digit) {
      return false;
    }
  }
  return true;
}

bool IsNumeric(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  char* end = nullptr;
  std::string copy(s);
  std::strtod(copy.c_str(), &end);
  return end == copy.c_str() + copy.size();
}

std::string TypeOf(dom::element v) {
  switch (v.type()) {
    case dom::element_type::STRING:
      return LooksLikeDate(std::string_view(v)) ? "date" : "text";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
      return "long";
    case dom::element_type::DOUBLE:
      return "float";
    case dom::element_type::BOOL:
      return "boolean";
    case dom::element_type::OBJECT:
      return "object";
    default:
      return "";  // null; arrays are looked into by the caller
  }
}

// Whether `v` (not an array, not null) fits a field of `type`.
bool Fits(std::string_view type, dom::element v) {
  const dom::element_type t = v.type();
  const bool number = t == dom::element_type::INT64 || t == dom::element_type::UINT64 ||
                      t == dom::element_type::DOUBLE;
  const bool string = t == dom::element_type::STRING;
  if (type == "long" || type == "float") {
    return number || (string && IsNumeric(std::string_view(v)));
  }
  if (type == "boolean") {
    return t == dom::element_type::BOOL ||
           (string && (std::string_view(v) == "true" || std::string_view(v) == "false"));
  }
  if (type == "text") {
    return t != dom::element_type::OBJECT;
  }
  if (type == "date") {
    return (string && LooksLikeDate(std::string_view(v))) || t == dom::element_type::INT64;
  }
  return t == dom::element_type::OBJECT;  // object
}

std::string Preview(dom::element v) {
  if (v.type() == dom::element_type::STRING) {
    return std::string(std::string_view(v));
  }
  return simdjson::minify(v);
}

std::string ErrorBody(int status, std::string_view type, std::string_view reason) {
  const std::string cause = "{\"type\":" + Quote(type) + ",\"reason\":" + Quote(reason) + "}";
  return "{\"error\":{\"root_cause\":[" + cause + "],\"type\":" + Quote(type) +
         ",\"reason\":" + Quote(reason) + "},\"status\":" + std::to_string(status) + "}";
}

}  // namespace

struct Store::Index {
  std::map<std::string, StoredDoc> docs;
  std::map<std::string, std::string> mapping;  // field -> type
};

Store::Store(StoreOptions options) : options_(std::move(options)) {}

Store::~Store() {
  if (journal_fd_ >= 0) {
    ::close(journal_fd_);
  }
}

Status Store::Open() {
  for (const StoreOptions::Mapping& m : options_.mappings) {
    static const std::set<std::string> kTypes = {"long", "float", "boolean",
                                                 "text", "date",  "object"};
    if (!kTypes.contains(m.type)) {
      return InvalidArgument("mapping type \"" + m.type +
                             "\" is not one of long, float, "
                             "boolean, text, date, object");
    }
  }
  if (options_.data_file.empty()) {
    return OkStatus();
  }
  journal_fd_ = ::open(options_.data_file.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (journal_fd_ < 0) {
    return Unavailable(options_.data_file + ": " + std::strerror(errno));
  }
  std::string data;
  char buf[1 << 16];
  ssize_t n;
  while ((n = ::pread(journal_fd_, buf, sizeof(buf), static_cast<off_t>(data.size()))) > 0) {
    data.append(buf, static_cast<size_t>(n));
  }
  const size_t complete = data.rfind('\n') == std::string::npos ? 0 : data.rfind('\n') + 1;
  if (complete < data.size() && ::ftruncate(journal_fd_, static_cast<off_t>(complete)) != 0) {
    return Unavailable(options_.data_file + ": " + std::strerror(errno));
  }
  dom::parser parser;
  size_t start = 0;
  while (start < complete) {
    const size_t end = data.find('\n', start);
    dom::element line;
    if (parser.parse(data.data() + start, end - start).get(line) != simdjson::SUCCESS) {
      return Unavailable(options_.data_file + ": a line that is not JSON at byte " +
                         std::to_string(start));
    }
    StoredDoc doc;
    doc.index = std::string(std::string_view(line["_index"]));
    doc.id = std::string(std::string_view(line["_id"]));
    doc.version = int64_t(line["_version"]);
    doc.routing = std::string(std::string_view(line["routing"]));
    doc.pipeline = std::string(std::string_view(line["pipeline"]));
    doc.source = simdjson::minify(line["_source"]);
    Index& index = GetIndex(doc.index);
    CheckMapping(index, doc.id, doc.source);  // the mapping it had
    index.docs[doc.id] = std::move(doc);
    start = end + 1;
  }
  return OkStatus();
}

Store::Index& Store::GetIndex(const std::string& name) {
  std::unique_ptr<Index>& slot = indices_[name];
  if (!slot) {
    slot = std::make_unique<Index>();
    for (const StoreOptions::Mapping& m : options_.mappings) {
      if (m.index == "*" || m.index == name) slot->mapping[m.field] = m.type;
    }
  }
  return *slot;
}

std::string Store::NewId() {
  static constexpr char kChars[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint64_t v = ++next_id_ * 0x9E3779B97F4A7C15ull;
  std::string id = "fk";
  for (int i = 0; i < 18; ++i) {
    id.push_back(kChars[(v >> ((i * 6) % 60)) & 63]);
    if (i == 9) v ^= next_id_;
  }
  return id;
}

std::string Store::CheckMapping(Index& index, std::string_view id, std::string_view source) {
  dom::parser parser;
  dom::element doc;
  if (parser.parse(source.data(), source.size()).get(doc) != simdjson::SUCCESS ||
      doc.type() != dom::element_type::OBJECT) {
    return "failed to parse";
  }
  std::map<std::string, std::string> added;
  for (dom::key_value_pair kv : dom::object(doc)) {
    const std::string field(kv.key);
    std::vector<dom::element> values;
    if (kv.value.type() == dom::element_type::ARRAY) {
      for (dom::element v : dom::array(kv.value)) values.push_back(v);
    } else {
      values.push_back(kv.value);
    }
    for (dom::element v : values) {
      if (v.type() == dom::element_type::NULL_VALUE || v.type() == dom::element_type::ARRAY) {
        continue;
      }
      std::string type;
      if (auto it = index.mapping.find(field); it != index.mapping.end()) {
        type = it->second;
      } else if (auto a = added.find(field); a != added.end()) {
        type = a->second;
      } else {
        type = TypeOf(v);
        added[field] = type;
        continue;
      }
      if (Fits(type, v)) {
        continue;
      }
      if (type == "object") {
        return "object mapping for [" + field + "] tried to parse field [" + field +
               "] as object, but found a concrete value";
      }
      return "failed to parse field [" + field + "] of type [" + type + "] in document with id '" +
             std::string(id) + "'. Preview of field's value: '" + Preview(v) + "'";
    }
  }
  index.mapping.insert(added.begin(), added.end());
  return "";
}

void Store::Journal(const StoredDoc& doc, std::string* out) const {
  *out += "{\"_index\":" + Quote(doc.index) + ",\"_id\":" + Quote(doc.id) +
          ",\"_version\":" + std::to_string(doc.version) + ",\"routing\":" + Quote(doc.routing) +
          ",\"pipeline\":" + Quote(doc.pipeline) + ",\"_source\":" + doc.source + "}\n";
}

BulkReply Store::Bulk(std::string_view body, std::string_view url_index,
                      std::string_view pipeline) {
  auto bad = [](std::string reason) {
    return BulkReply{400, ErrorBody(400, "illegal_argument_exception", reason)};
  };
  if (body.empty() || body.back() != '\n') {
    return bad("The bulk request must be terminated by a newline [\\n]");
  }
  struct Action {
    std::string op, index, id, routing, pipeline;
    std::string_view source;
  };
  std::vector<Action> actions;
  dom::parser parser;
  size_t line_no = 0;
  for (size_t pos = 0; pos < body.size();) {
    const size_t end = body.find('\n', pos);
    std::string_view line = body.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.empty()) {
      continue;
    }
    dom::element e;
    dom::object wrapper;
    if (parser.parse(line.data(), line.size()).get(e) != simdjson::SUCCESS ||
        e.get_object().get(wrapper) != simdjson::SUCCESS || wrapper.size() != 1) {
      return bad("Malformed action/metadata line [" + std::to_string(line_no) +
                 "], expected START_OBJECT or END_OBJECT");
    }
    Action a;
    a.op = std::string((*wrapper.begin()).key);
    if (a.op != "index" && a.op != "create") {
      return bad("Malformed action/metadata line [" + std::to_string(line_no) +
                 "], expected field [create] or [index] (the fake takes no other) but found [" +
                 a.op + "]");
    }
    dom::object meta;
    if ((*wrapper.begin()).value.get_object().get(meta) != simdjson::SUCCESS) {
      return bad("Malformed action/metadata line [" + std::to_string(line_no) + "]");
    }
    for (dom::key_value_pair kv : meta) {
      std::string value = kv.value.is_string() ? std::string(std::string_view(kv.value))
                                               : simdjson::minify(kv.value);
      if (kv.key == "_index") {
        a.index = value;
      } else if (kv.key == "_id") {
        a.id = value;
      } else if (kv.key == "routing") {
        a.routing = value;
      } else if (kv.key == "pipeline") {
        a.pipeline = value;
      } else if (kv.key == "_type" && options_.accept_type) {
      } else {
        return bad("Action/metadata line [" + std::to_string(line_no) +
                   "] contains an unknown parameter [" + std::string(kv.key) + "]");
      }
    }
    if (pos >= body.size()) {
      return bad("Validation Failed: 1: no requests added; action line [" +
                 std::to_string(line_no) + "] has no source;");
    }
    const size_t source_end = body.find('\n', pos);
    a.source = body.substr(pos, source_end - pos);
    pos = source_end + 1;
    ++line_no;
    if (a.index.empty()) {
      a.index = std::string(url_index);
    }
    if (a.pipeline.empty()) {
      a.pipeline = std::string(pipeline);
    }
    actions.push_back(std::move(a));
  }

  ++stats_.bulk_requests;
  std::string items;
  std::string journal;
  bool errors = false;
  for (Action& a : actions) {
    ++stats_.items;
    if (a.id.empty()) {
      a.id = NewId();
    }
    int status = 0;
    std::string type;
    std::string reason;
    Index* index = nullptr;
    if (reject_items_ > 0) {
      --reject_items_;
      status = 429;
      type = "es_rejected_execution_exception";
      reason =
          "rejected execution of coordinating operation [coordinating_and_primary_bytes=0, "
          "replica_bytes=0, all_bytes=0, coordinating_operation_bytes=0, "
          "max_coordinating_and_primary_bytes=0]";
      ++stats_.rejected_items;
    } else if (a.index.empty()) {
      status = 400;
      type = "action_request_validation_exception";
      reason = "Validation Failed: 1: index is missing;";
    } else if (std::string why = IndexNameError(a.index); !why.empty()) {
      status = 400;
      type = "invalid_index_name_exception";
      reason = why;
    } else if (!a.pipeline.empty() && !options_.pipelines.contains(a.pipeline)) {
      status = 400;
      type = "illegal_argument_exception";
      reason = "pipeline with id [" + a.pipeline + "] does not exist";
    } else {
      index = &GetIndex(a.index);
      auto existing = index->docs.find(a.id);
      if (a.op == "create" && existing != index->docs.end()) {
        status = 409;
        type = "version_conflict_engine_exception";
        reason = "[" + a.id + "]: version conflict, document already exists (current version [" +
                 std::to_string(existing->second.version) + "])";
        ++stats_.conflicts;
      } else if (std::string why = CheckMapping(*index, a.id, a.source); !why.empty()) {
        status = 400;
        type = "mapper_parsing_exception";
        reason = why;
      }
    }
    if (status == 400) {
      ++(type == "mapper_parsing_exception" ? stats_.mapping_errors : stats_.other_errors);
    }
    std::string item =
        "{\"" + a.op + "\":{\"_index\":" + Quote(a.index) + ",\"_id\":" + Quote(a.id);
    if (status != 0) {
      errors = true;
      item += ",\"status\":" + std::to_string(status) + ",\"error\":{\"type\":" + Quote(type) +
              ",\"reason\":" + Quote(reason) + ",\"index\":" + Quote(a.index) + "}}}";
    } else {
      auto existing = index->docs.find(a.id);
      const bool update = existing != index->docs.end();
      StoredDoc& doc = index->docs[a.id];
      doc = StoredDoc{a.index,   a.id,       std::string(a.source),
                      a.routing, a.pipeline, update ? existing->second.version + 1 : 1};
      update ? ++stats_.updated : ++stats_.created;
      Journal(doc, &journal);
      item += ",\"_version\":" + std::to_string(doc.version) + ",\"result\":\"" +
              (update ? "updated" : "created") +
              "\",\"_shards\":{\"total\":2,\"successful\":1,\"failed\":0},\"_seq_no\":" +
              std::to_string(seq_no_++) +
              ",\"_primary_term\":1,\"status\":" + (update ? "200" : "201") + "}}";
    }
    if (!items.empty()) items.push_back(',');
    items += item;
  }
  if (journal_fd_ >= 0 && !journal.empty()) {
    size_t written = 0;
    while (written < journal.size()) {
      ssize_t n = ::write(journal_fd_, journal.data() + written, journal.size() - written);
      if (n <= 0) {
        return BulkReply{500, ErrorBody(500, "io_exception", std::strerror(errno))};
      }
      written += static_cast<size_t>(n);
    }
  }
  return BulkReply{200, "{\"took\":1,\"errors\":" + std::string(errors ? "true" : "false") +
                            ",\"items\":[" + items + "]}"};
}

uint64_t Store::Count(std::string_view pattern) const {
  uint64_t n = 0;
  for (const auto& [name, index] : indices_) {
    if (IndexMatches(pattern, name)) n += index->docs.size();
  }
  return n;
}

std::vector<StoredDoc> Store::Documents(std::string_view pattern) const {
  std::vector<StoredDoc> out;
  for (const auto& [name, index] : indices_) {
    if (!IndexMatches(pattern, name)) continue;
    for (const auto& [id, doc] : index->docs) out.push_back(doc);
  }
  return out;
}

}  // namespace runnel::testing::fake_es
