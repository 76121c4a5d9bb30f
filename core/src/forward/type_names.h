#pragma once
// Type names with their article ("an int", "a str") for the forward codec's error messages.

#include <string>
#include <string_view>

#include "runnel/msgpack.h"

namespace runnel::forward::internal {

inline std::string WithArticle(std::string_view name) {
  const bool vowel =
      !name.empty() && std::string_view("aeiou").find(name[0]) != std::string_view::npos;
  return (vowel ? "an " : "a ") + std::string(name);
}

inline std::string TypeName(MsgType type) { return WithArticle(MsgTypeName(type)); }

}  // namespace runnel::forward::internal
