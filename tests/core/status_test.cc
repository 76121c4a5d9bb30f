#include "runnel/status.h"

#include <cerrno>

#include <gtest/gtest.h>

namespace runnel {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) {
    return Err(InvalidArgument(std::to_string(v) + " is odd"));
  }
  return v / 2;
}

Result<int> Quarter(int v) {
  RUNNEL_ASSIGN_OR_RETURN(int h, Half(v));
  return Half(h);
}

Status CheckQuarter(int v) {
  RUNNEL_ASSIGN_OR_RETURN(int q, Quarter(v));
  (void)q;
  return OkStatus();
}

TEST(Status, PropagatesThroughResultAndStatus) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).error().message(), "3 is odd");
  Status s = CheckQuarter(6);
  EXPECT_EQ(s.ToString(), "INVALID_ARGUMENT: 3 is odd");
  EXPECT_TRUE(CheckQuarter(4).ok());
  EXPECT_EQ(OkStatus().ToString(), "OK");
  EXPECT_EQ(s.WithPrefix("reading x").message(), "reading x: 3 is odd");
}

TEST(Status, ErrnoMapsToCodes) {
  EXPECT_EQ(ErrnoStatus("open /x", ENOENT).ToString(),
            "NOT_FOUND: open /x: No such file or directory");
  EXPECT_EQ(ErrnoStatus("write", ENOSPC).code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace runnel
