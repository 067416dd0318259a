#include "kiln/base/status.h"

#include <gtest/gtest.h>

namespace kiln {
namespace {

StatusOr<int> ParsePositive(int v) {
  if (v <= 0) return InvalidArgumentError("expected a positive value, found {}", v);
  return v;
}

Status Doubled(int v, int* out) {
  KILN_ASSIGN_OR_RETURN(int x, ParsePositive(v));
  *out = 2 * x;
  return OkStatus();
}

TEST(StatusTest, CarriesCodeAndFormattedMessage) {
  Status s = DataLossError("{}: offset {} expected {} found {}", "a.npy", 10, 4, 2);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(s.ToString(), "DataLoss: a.npy: offset 10 expected 4 found 2");
  EXPECT_EQ(s.WithContext("reading").message(), "reading: a.npy: offset 10 expected 4 found 2");
  EXPECT_EQ(OkStatus().ToString(), "OK");
}

TEST(StatusTest, AssignOrReturnPropagates) {
  int out = 0;
  EXPECT_TRUE(Doubled(4, &out).ok());
  EXPECT_EQ(out, 8);
  Status s = Doubled(-1, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "expected a positive value, found -1");
}

TEST(StatusDeathTest, ValueOnErrorAborts) {
  StatusOr<int> bad = NotFoundError("x");
  EXPECT_DEATH((void)bad.value(), "StatusOr::value\\(\\) on error");
}

}  // namespace
}  // namespace kiln
