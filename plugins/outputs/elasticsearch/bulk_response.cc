#include "bulk_response.h"

#include <cstdint>

namespace runnel::plugins::elasticsearch {
namespace {

// The end (one past) of the last complete element of the array that starts at body[open]
// ('['), or `open + 1` when none is complete. Strings are skipped with their escapes, so
// brackets inside them do not count.
size_t LastCompleteElementEnd(std::string_view body, size_t open) {
  size_t last = open + 1;
  int depth = 0;  // inside the array: 0 between its elements
  bool in_string = false;
  for (size_t i = open + 1; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
      case '[':
        ++depth;
        break;
      case '}':
      case ']':
        if (depth == 0) {
          return last;  // the array's own end: it was complete after all
        }
        if (--depth == 0) {
          last = i + 1;
        }
        break;
      default:
        break;
    }
  }
  return last;
}

Result<BulkResult> ReadDocument(simdjson::dom::element doc) {
  BulkResult result;
  simdjson::dom::object top;
  if (doc.get_object().get(top) != simdjson::SUCCESS) {
    return Err(DataLoss("_bulk response: not a JSON object"));
  }
  if (top["errors"].get_bool().get(result.errors) != simdjson::SUCCESS) {
    return Err(DataLoss("_bulk response: no boolean \"errors\""));
  }
  simdjson::dom::array items;
  auto items_field = top["items"];
  if (items_field.error() == simdjson::NO_SUCH_FIELD) {
    return result;  // filter_path drops `items` when no item has a status (none sent)
  }
  if (items_field.get_array().get(items) != simdjson::SUCCESS) {
    return Err(DataLoss("_bulk response: \"items\" is not an array"));
  }
  for (simdjson::dom::element item : items) {
    simdjson::dom::object wrapper;
    if (item.get_object().get(wrapper) != simdjson::SUCCESS || wrapper.size() != 1) {
      return Err(DataLoss("_bulk response: item " + std::to_string(result.items.size()) +
                          " is not {\"<op>\": {...}}"));
    }
    simdjson::dom::object body;
    if ((*wrapper.begin()).value.get_object().get(body) != simdjson::SUCCESS) {
      return Err(DataLoss("_bulk response: item " + std::to_string(result.items.size()) +
                          " is not an object"));
    }
    BulkItem out;
    int64_t status = 0;
    if (body["status"].get_int64().get(status) != simdjson::SUCCESS) {
      return Err(DataLoss("_bulk response: item " + std::to_string(result.items.size()) +
                          " has no status"));
    }
    out.status = static_cast<int>(status);
    simdjson::dom::object error;
    if (body["error"].get_object().get(error) == simdjson::SUCCESS) {
      std::string_view text;
      if (error["type"].get_string().get(text) == simdjson::SUCCESS) {
        out.error_type = std::string(text);
      }
      if (error["reason"].get_string().get(text) == simdjson::SUCCESS) {
        out.error_reason = std::string(text);
      }
    }
    result.items.push_back(std::move(out));
  }
  return result;
}

}  // namespace

Result<BulkResult> BulkResponseReader::Read(std::string_view body) {
  simdjson::dom::element doc;
  if (parser_.parse(body.data(), body.size()).get(doc) == simdjson::SUCCESS) {
    return ReadDocument(doc);
  }
  // Cut short? Keep what precedes the last complete item and close the array and the object
  // (`items` is the response's last member).
  const size_t key = body.find("\"items\"");
  const size_t open = key == std::string_view::npos ? key : body.find('[', key);
  if (open == std::string_view::npos) {
    return Err(DataLoss("_bulk response: not JSON (" + std::to_string(body.size()) + " bytes)"));
  }
  repaired_.assign(body.substr(0, LastCompleteElementEnd(body, open)));
  repaired_.append("]}");
  if (parser_.parse(repaired_).get(doc) != simdjson::SUCCESS) {
    return Err(DataLoss("_bulk response: not JSON (" + std::to_string(body.size()) + " bytes)"));
  }
  Result<BulkResult> result = ReadDocument(doc);
  if (result.has_value()) {
    result->truncated = true;
  }
  return result;
}

std::string BulkResponseReader::ErrorText(std::string_view body) {
  simdjson::dom::element doc;
  if (parser_.parse(body.data(), body.size()).get(doc) == simdjson::SUCCESS) {
    simdjson::dom::element error;
    if (doc["error"].get(error) == simdjson::SUCCESS) {
      std::string_view text;
      if (error.get_string().get(text) == simdjson::SUCCESS) {
        return std::string(text);
      }
      std::string_view type;
      std::string_view reason;
      if (error["type"].get_string().get(type) == simdjson::SUCCESS &&
          error["reason"].get_string().get(reason) == simdjson::SUCCESS) {
        return std::string(type) + ": " + std::string(reason);
      }
    }
  }
  std::string_view start = body.substr(0, 200);
  while (!start.empty() && (start.back() == '\n' || start.back() == '\r')) {
    start.remove_suffix(1);
  }
  return std::string(start);
}

}  // namespace runnel::plugins::elasticsearch
