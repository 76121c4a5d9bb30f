#include "plugins/formats/json_scan.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "plugins/formats/scan_util.h"
#include "runnel/msgpack.h"

namespace runnel::formats::internal {
namespace {

constexpr const char* kBadString = "invalid JSON: a bad string";
constexpr const char* kBadValue = "invalid JSON: a bad value";

int Hex(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// An array32 header whose count is patched later (MsgpackWriter has this for maps only).
size_t BeginArray32(std::string* out) {
  out->push_back(static_cast<char>(0xdd));
  out->append(4, '\0');
  return out->size() - 5;
}

void PatchArray32(std::string* out, size_t pos, uint32_t n) {
  (*out)[pos + 1] = static_cast<char>(n >> 24);
  (*out)[pos + 2] = static_cast<char>(n >> 16);
  (*out)[pos + 3] = static_cast<char>(n >> 8);
  (*out)[pos + 4] = static_cast<char>(n);
}

std::string& UnescapeBuffer() {
  thread_local std::string buffer;
  return buffer;
}

}  // namespace

JsonObjectReader::JsonObjectReader(std::string_view text, Arena& arena)
    : text_(text), arena_(arena), unescaped_(UnescapeBuffer()) {}

void JsonObjectReader::SkipWhitespace() {
  while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                                 text_[pos_] == '\r')) {
    ++pos_;
  }
}

const char* JsonObjectReader::Begin() {
  SkipWhitespace();
  if (pos_ >= text_.size() || text_[pos_] != '{') {
    return "not a JSON object";
  }
  ++pos_;
  return nullptr;
}

bool JsonObjectReader::String(std::string_view* out) {
  // At the opening quote.
  ++pos_;
  const size_t start = pos_;
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c == '"') {
      *out = text_.substr(start, pos_ - start);
      ++pos_;
      return true;
    }
    if (c == '\\') {
      break;
    }
    if (static_cast<unsigned char>(c) < 0x20) {
      return Fail(kBadString);
    }
    ++pos_;
  }
  if (pos_ >= text_.size()) {
    return Fail("invalid JSON: an unterminated string");
  }
  // Has escapes: build it.
  unescaped_.assign(text_.substr(start, pos_ - start));
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c == '"') {
      ++pos_;
      *out = arena_.Copy(unescaped_);
      return true;
    }
    if (static_cast<unsigned char>(c) < 0x20) {
      return Fail(kBadString);
    }
    if (c != '\\') {
      unescaped_.push_back(c);
      ++pos_;
      continue;
    }
    if (pos_ + 1 >= text_.size()) {
      break;
    }
    const char e = text_[pos_ + 1];
    pos_ += 2;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        unescaped_.push_back(e);
        break;
      case 'b':
        unescaped_.push_back('\b');
        break;
      case 'f':
        unescaped_.push_back('\f');
        break;
      case 'n':
        unescaped_.push_back('\n');
        break;
      case 'r':
        unescaped_.push_back('\r');
        break;
      case 't':
        unescaped_.push_back('\t');
        break;
      case 'u': {
        auto hex4 = [&](uint32_t* cp) {
          if (pos_ + 4 > text_.size()) {
            return false;
          }
          uint32_t v = 0;
          for (int i = 0; i < 4; ++i) {
            const int h = Hex(text_[pos_ + i]);
            if (h < 0) {
              return false;
            }
            v = v * 16 + static_cast<uint32_t>(h);
          }
          pos_ += 4;
          *cp = v;
          return true;
        };
        uint32_t cp = 0;
        if (!hex4(&cp)) {
          return Fail(kBadString);
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t low = 0;
          const size_t save = pos_;
          if (pos_ + 1 < text_.size() && text_[pos_] == '\\' && text_[pos_ + 1] == 'u' &&
              (pos_ += 2, hex4(&low)) && low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else {
            pos_ = save;
            cp = 0xFFFD;
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = 0xFFFD;
        }
        AppendUtf8(cp, &unescaped_);
        break;
      }
      default:
        return Fail(kBadString);
    }
  }
  return Fail("invalid JSON: an unterminated string");
}

bool JsonObjectReader::Number(Value* out) {
  const size_t start = pos_;
  if (pos_ < text_.size() && text_[pos_] == '-') {
    ++pos_;
  }
  const size_t int_start = pos_;
  while (pos_ < text_.size() && IsDigit(text_[pos_])) {
    ++pos_;
  }
  if (pos_ == int_start || (text_[int_start] == '0' && pos_ - int_start > 1)) {
    return Fail(kBadValue);
  }
  bool integer = true;
  if (pos_ < text_.size() && text_[pos_] == '.') {
    integer = false;
    const size_t f = ++pos_;
    while (pos_ < text_.size() && IsDigit(text_[pos_])) {
      ++pos_;
    }
    if (pos_ == f) {
      return Fail(kBadValue);
    }
  }
  if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
    integer = false;
    ++pos_;
    if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) {
      ++pos_;
    }
    const size_t e = pos_;
    while (pos_ < text_.size() && IsDigit(text_[pos_])) {
      ++pos_;
    }
    if (pos_ == e) {
      return Fail(kBadValue);
    }
  }
  const char* b = text_.data() + start;
  const char* end = text_.data() + pos_;
  if (integer) {
    int64_t i = 0;
    auto [p, ec] = std::from_chars(b, end, i);
    if (ec == std::errc() && p == end) {
      *out = Value::Int(i);
      return true;
    }
  }
  double d = 0;
  auto [p, ec] = std::from_chars(b, end, d);
  if (ec != std::errc() || p != end || !std::isfinite(d)) {
    return Fail("invalid JSON: a number out of range");
  }
  *out = Value::Double(d);
  return true;
}

bool JsonObjectReader::Literal(Value* out) {
  const std::string_view rest = text_.substr(pos_);
  if (rest.starts_with("true")) {
    *out = Value::Bool(true);
    pos_ += 4;
  } else if (rest.starts_with("false")) {
    *out = Value::Bool(false);
    pos_ += 5;
  } else if (rest.starts_with("null")) {
    *out = Value::Null();
    pos_ += 4;
  } else {
    return Fail(kBadValue);
  }
  return true;
}

bool JsonObjectReader::Scalar(Value* value, std::string* nested_out, int depth) {
  SkipWhitespace();
  if (pos_ >= text_.size()) {
    return Fail("invalid JSON: the text ends inside the object");
  }
  const char c = text_[pos_];
  if (c == '"') {
    std::string_view s;
    if (!String(&s)) {
      return false;
    }
    *value = Value::String(s);
    return true;
  }
  if (c == '{' || c == '[') {
    const size_t before = nested_out->size();
    if (!Nested(nested_out, depth + 1)) {
      return false;
    }
    *value = Value::Raw(std::string_view(*nested_out).substr(before));
    return true;
  }
  if (c == '-' || IsDigit(c)) {
    return Number(value);
  }
  return Literal(value);
}

bool JsonObjectReader::Nested(std::string* out, int depth) {
  if (depth > kMaxNesting) {
    return Fail("invalid JSON: nested deeper than 32 levels");
  }
  const bool object = text_[pos_] == '{';
  const char close = object ? '}' : ']';
  ++pos_;
  MsgpackWriter w(out);
  const size_t header = object ? w.BeginMap32() : BeginArray32(out);
  uint32_t count = 0;
  SkipWhitespace();
  if (pos_ < text_.size() && text_[pos_] == close) {
    ++pos_;
  } else {
    while (true) {
      SkipWhitespace();
      if (object) {
        std::string_view key;
        if (pos_ >= text_.size() || text_[pos_] != '"') {
          return Fail("invalid JSON: a member has no string key");
        }
        if (!String(&key)) {
          return false;
        }
        w.Str(key);
        SkipWhitespace();
        if (pos_ >= text_.size() || text_[pos_] != ':') {
          return Fail("invalid JSON: a key is not followed by ':'");
        }
        ++pos_;
      }
      SkipWhitespace();
      if (pos_ < text_.size() && (text_[pos_] == '{' || text_[pos_] == '[')) {
        if (!Nested(out, depth + 1)) {
          return false;
        }
      } else {
        Value v;
        std::string unused;
        if (!Scalar(&v, &unused, depth)) {
          return false;
        }
        v.Encode(w);
      }
      ++count;
      SkipWhitespace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == close) {
        ++pos_;
        break;
      }
      return Fail(pos_ >= text_.size() ? "invalid JSON: the text ends inside the object"
                                       : "invalid JSON: expected ',' or the end of a container");
    }
  }
  if (object) {
    w.PatchMap32(header, count);
  } else {
    PatchArray32(out, header, count);
  }
  return true;
}

bool JsonObjectReader::Next(std::string_view* key, Value* value) {
  if (done_ || error_ != nullptr) {
    return false;
  }
  SkipWhitespace();
  if (first_) {
    first_ = false;
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      done_ = true;
    }
  } else if (pos_ < text_.size() && text_[pos_] == ',') {
    ++pos_;
  } else if (pos_ < text_.size() && text_[pos_] == '}') {
    ++pos_;
    done_ = true;
  } else {
    return Fail(pos_ >= text_.size() ? "invalid JSON: the text ends inside the object"
                                     : "invalid JSON: expected ',' or '}' after a member");
  }
  if (done_) {
    SkipWhitespace();
    return pos_ < text_.size() ? Fail("invalid JSON: text after the object") : false;
  }
  SkipWhitespace();
  if (pos_ >= text_.size() || text_[pos_] != '"') {
    return Fail(pos_ >= text_.size() ? "invalid JSON: the text ends inside the object"
                                     : "invalid JSON: a member has no string key");
  }
  if (!String(key)) {
    return false;
  }
  SkipWhitespace();
  if (pos_ >= text_.size() || text_[pos_] != ':') {
    return Fail("invalid JSON: a key is not followed by ':'");
  }
  ++pos_;
  SkipWhitespace();
  if (pos_ < text_.size() && (text_[pos_] == '{' || text_[pos_] == '[')) {
    std::string& buffer = ThreadMsgpackBuffer();
    if (!Nested(&buffer, 1)) {
      return false;
    }
    *value = Value::Raw(arena_.Copy(buffer));
    return true;
  }
  std::string unused;
  return Scalar(value, &unused, 0);
}

}  // namespace runnel::formats::internal
