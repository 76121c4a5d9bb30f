#include "runnel/arena.h"

#include <string>

#include <gtest/gtest.h>

namespace runnel {
namespace {

TEST(Arena, ViewsStayValidAcrossBlocks) {
  Arena arena(16);
  std::string_view a = arena.Copy("0123456789");
  std::string_view b = arena.Copy("abcdefghij");  // does not fit: a new block
  std::string_view big = arena.Copy(std::string(100, 'z'));
  EXPECT_EQ(a, "0123456789");
  EXPECT_EQ(b, "abcdefghij");
  EXPECT_EQ(big, std::string(100, 'z'));
  EXPECT_EQ(arena.bytes_used(), 120u);
  arena.Reset();
  EXPECT_EQ(arena.bytes_used(), 0u);
  EXPECT_EQ(arena.Copy("x"), "x");
  EXPECT_TRUE(arena.Copy("").empty());
}

}  // namespace
}  // namespace runnel
