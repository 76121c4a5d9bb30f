#include "index_pattern.h"

#include <ctime>

namespace runnel::plugins::elasticsearch {
namespace {

constexpr std::string_view kConversions = "Yymd Hj%";

void AppendDigits(int value, int width, std::string* out) {
  char buf[8];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out->append(buf, width);
}

}  // namespace

std::string_view IndexNameProblem(std::string_view name) {
  if (name.empty()) {
    return "must not be empty";
  }
  if (name.size() > 255) {
    return "must be at most 255 bytes";
  }
  if (name == "." || name == "..") {
    return "must not be \".\" or \"..\"";
  }
  if (name.front() == '-' || name.front() == '_' || name.front() == '+') {
    return "must not start with '-', '_' or '+'";
  }
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') {
      return "must be lowercase";
    }
    if (std::string_view("\\/*?\"<>| ,#:").find(c) != std::string_view::npos) {
      return "must not contain \\ / * ? \" < > | space , # or :";
    }
  }
  return "";
}

Result<IndexPattern> IndexPattern::Compile(std::string_view pattern) {
  IndexPattern p;
  p.text_ = std::string(pattern);
  std::string literal;
  std::string sample;  // the pattern with every conversion replaced by digits, to check it
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') {
      literal.push_back(pattern[i]);
      sample.push_back(pattern[i]);
      continue;
    }
    if (i + 1 == pattern.size()) {
      return Err(InvalidArgument("ends with a lone '%'; write %% for a '%'"));
    }
    const char c = pattern[++i];
    if (c == '%') {
      literal.push_back('%');
      sample.push_back('%');
      continue;
    }
    if (c == ' ' || kConversions.find(c) == std::string_view::npos) {
      return Err(InvalidArgument("%" + std::string(1, c) + " is not one of %Y %y %m %d %H %j %%"));
    }
    if (!literal.empty()) {
      p.pieces_.push_back({0, std::move(literal)});
      literal.clear();
    }
    p.pieces_.push_back({c, {}});
    p.fixed_ = false;
    sample.append("0");
  }
  if (!literal.empty()) {
    p.pieces_.push_back({0, std::move(literal)});
  }
  if (std::string_view problem = IndexNameProblem(sample); !problem.empty()) {
    return Err(InvalidArgument("\"" + p.text_ + "\" cannot make a valid index name: it " +
                               std::string(problem)));
  }
  if (p.fixed_) {
    p.cached_ = sample;
  }
  return p;
}

std::string_view IndexPattern::Format(EventTime time) {
  if (fixed_) {
    return cached_;
  }
  const int64_t hour = time.sec / 3600;
  if (hour == cached_hour_) {
    return cached_;
  }
  const time_t t = time.sec;
  struct tm tm;
  gmtime_r(&t, &tm);
  cached_.clear();
  for (const Piece& piece : pieces_) {
    switch (piece.conversion) {
      case 0:
        cached_.append(piece.literal);
        break;
      case 'Y':
        AppendDigits(tm.tm_year + 1900, 4, &cached_);
        break;
      case 'y':
        AppendDigits((tm.tm_year + 1900) % 100, 2, &cached_);
        break;
      case 'm':
        AppendDigits(tm.tm_mon + 1, 2, &cached_);
        break;
      case 'd':
        AppendDigits(tm.tm_mday, 2, &cached_);
        break;
      case 'H':
        AppendDigits(tm.tm_hour, 2, &cached_);
        break;
      case 'j':
        AppendDigits(tm.tm_yday + 1, 3, &cached_);
        break;
    }
  }
  cached_hour_ = hour;
  return cached_;
}

}  // namespace runnel::plugins::elasticsearch
