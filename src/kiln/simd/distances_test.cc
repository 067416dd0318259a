// Every SIMD level against the scalar reference and an exact (double) sum.
#include "kiln/simd/distances.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "kiln/simd/simd_level.h"

namespace kiln::simd {

// Test names and failure messages print the level's name.
void PrintTo(SimdLevel level, std::ostream* os) { *os << SimdLevelName(level); }

namespace {

constexpr size_t kDims[] = {1,  2,  3,  4,  5,  6,  7,  8,   9,   10,  11,
                            12, 13, 14, 15, 16, 17, 31, 127, 784, 1536};
constexpr size_t kRowCounts[] = {0, 1, 7, 33};
constexpr float kSentinel = -12345.0f;

// gamma_k = k*u / (1 - k*u) with u = 2^-24 (Higham, "Accuracy and Stability of
// Numerical Algorithms", 3.1). A float sum of d products, in any order, with
// or without FMA, is within gamma_d * sum_i |term_i| of the exact sum: along
// any term's path through the summation tree there are at most d roundings
// (one per product, one per addition of two non-zero partial sums). The
// scalar loop and every SIMD level obey it, so they differ by at most
// 2 * gamma_d * sum |terms|. We use gamma_{d+1} to also cover the rounding of
// the double-precision reference.
double Gamma(size_t k) {
  const double ku = static_cast<double>(k) * 0x1p-24;
  return ku / (1 - ku);
}

// A float array placed 4 bytes past malloc's alignment (aligned vector loads
// would fault) and ending at the end of its heap block (ASan flags over-reads).
class Floats {
 public:
  explicit Floats(size_t n) : storage_(n + 1, kSentinel) {}
  float* data() { return storage_.data() + 1; }
  float& operator[](size_t i) { return data()[i]; }
  size_t size() const { return storage_.size() - 1; }

 private:
  std::vector<float> storage_;
};

// Exact sum of the terms and sum of their magnitudes, in double.
struct Exact {
  double sum = 0;
  double abs_sum = 0;
};

Exact ExactL2Sqr(const float* a, const float* b, size_t d) {
  Exact e;
  for (size_t i = 0; i < d; ++i) {
    const double t = a[i] - b[i];  // rounded in float as every kernel does
    e.sum += t * t;
    e.abs_sum += t * t;
  }
  return e;
}

Exact ExactInnerProduct(const float* a, const float* b, size_t d) {
  Exact e;
  for (size_t i = 0; i < d; ++i) {
    const double t = static_cast<double>(a[i]) * b[i];
    e.sum += t;
    e.abs_sum += std::abs(t);
  }
  return e;
}

class DistancesTest : public ::testing::TestWithParam<SimdLevel> {
 protected:
  void SetUp() override {
    if (GetParam() > DetectedSimdLevel()) {
      GTEST_SKIP() << SimdLevelName(GetParam()) << " not supported by this CPU";
    }
  }
  const DistanceKernels& k() const { return KernelsFor(GetParam()); }
  static const DistanceKernels& ref() { return KernelsFor(SimdLevel::kScalar); }

  void FillUniform(float* x, size_t n) {
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (size_t i = 0; i < n; ++i) x[i] = dist(rng_);
  }
  // Small integers: every product and partial sum is exact in float for
  // d <= 1536, so all levels must agree bit for bit whatever the order.
  void FillSmallIntegers(float* x, size_t n) {
    std::uniform_int_distribution<int> dist(-8, 8);
    for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>(dist(rng_));
  }

  std::mt19937 rng_{20240611};
};

// got is within the bound of the exact sum, and of the scalar result.
void ExpectWithinBound(float got, float scalar, const Exact& e, size_t d, const std::string& what) {
  const double tol = Gamma(d + 1) * e.abs_sum;
  EXPECT_LE(std::abs(got - e.sum), tol) << what << " got " << got << " exact " << e.sum;
  EXPECT_LE(std::abs(static_cast<double>(got) - scalar), 2 * tol)
      << what << " got " << got << " scalar " << scalar;
}

std::string Where(size_t d, size_t n = 0, size_t j = 0) {
  return "d=" + std::to_string(d) + " n=" + std::to_string(n) + " j=" + std::to_string(j);
}

TEST_P(DistancesTest, PairKernelsWithinBound) {
  for (size_t d : kDims) {
    Floats a(d), b(d);
    FillUniform(a.data(), d);
    FillUniform(b.data(), d);
    ExpectWithinBound(k().l2sqr(a.data(), b.data(), d), ref().l2sqr(a.data(), b.data(), d),
                      ExactL2Sqr(a.data(), b.data(), d), d, "l2sqr " + Where(d));
    ExpectWithinBound(k().inner_product(a.data(), b.data(), d),
                      ref().inner_product(a.data(), b.data(), d),
                      ExactInnerProduct(a.data(), b.data(), d), d, "inner_product " + Where(d));
    ExpectWithinBound(k().norm_sqr(a.data(), d), ref().norm_sqr(a.data(), d),
                      ExactInnerProduct(a.data(), a.data(), d), d, "norm_sqr " + Where(d));
  }
}

TEST_P(DistancesTest, ToManyWithinBound) {
  for (size_t d : kDims) {
    for (size_t n : kRowCounts) {
      Floats q(d), base(n * d), out(n + 1), ip_out(n + 1), want(n + 1), ip_want(n + 1);
      FillUniform(q.data(), d);
      FillUniform(base.data(), n * d);
      k().l2sqr_to_many(q.data(), base.data(), n, d, out.data());
      k().inner_product_to_many(q.data(), base.data(), n, d, ip_out.data());
      ref().l2sqr_to_many(q.data(), base.data(), n, d, want.data());
      ref().inner_product_to_many(q.data(), base.data(), n, d, ip_want.data());
      for (size_t j = 0; j < n; ++j) {
        const float* y = base.data() + j * d;
        ExpectWithinBound(out[j], want[j], ExactL2Sqr(q.data(), y, d), d,
                          "l2sqr_to_many " + Where(d, n, j));
        ExpectWithinBound(ip_out[j], ip_want[j], ExactInnerProduct(q.data(), y, d), d,
                          "inner_product_to_many " + Where(d, n, j));
      }
      EXPECT_EQ(out[n], kSentinel) << "wrote past out[n-1] " << Where(d, n);
      EXPECT_EQ(ip_out[n], kSentinel) << "wrote past out[n-1] " << Where(d, n);
    }
  }
}

TEST_P(DistancesTest, ToSubsetWithinBound) {
  constexpr size_t kBaseRows = 40;
  for (size_t d : kDims) {
    Floats q(d), base(kBaseRows * d);
    FillUniform(q.data(), d);
    FillUniform(base.data(), kBaseRows * d);
    for (size_t n : kRowCounts) {
      // Unsorted, with repeats, including the last row (ends at the block end).
      std::vector<int64_t> ids(n);
      std::uniform_int_distribution<int64_t> pick(0, kBaseRows - 1);
      for (int64_t& id : ids) id = pick(rng_);
      if (n > 0) ids[n / 2] = kBaseRows - 1;
      Floats out(n + 1), ip_out(n + 1), want(n + 1), ip_want(n + 1);
      k().l2sqr_to_subset(q.data(), base.data(), ids.data(), n, d, out.data());
      k().inner_product_to_subset(q.data(), base.data(), ids.data(), n, d, ip_out.data());
      ref().l2sqr_to_subset(q.data(), base.data(), ids.data(), n, d, want.data());
      ref().inner_product_to_subset(q.data(), base.data(), ids.data(), n, d, ip_want.data());
      for (size_t j = 0; j < n; ++j) {
        const float* y = base.data() + static_cast<size_t>(ids[j]) * d;
        ExpectWithinBound(out[j], want[j], ExactL2Sqr(q.data(), y, d), d,
                          "l2sqr_to_subset " + Where(d, n, j));
        ExpectWithinBound(ip_out[j], ip_want[j], ExactInnerProduct(q.data(), y, d), d,
                          "inner_product_to_subset " + Where(d, n, j));
      }
      EXPECT_EQ(out[n], kSentinel) << "wrote past out[n-1] " << Where(d, n);
      EXPECT_EQ(ip_out[n], kSentinel) << "wrote past out[n-1] " << Where(d, n);
    }
  }
}

TEST_P(DistancesTest, Batch4WithinBound) {
  for (size_t d : kDims) {
    Floats q(d), y0(d), y1(d), y2(d), y3(d), out(5), want(5);
    for (Floats* v : {&q, &y0, &y1, &y2, &y3}) FillUniform(v->data(), d);
    k().l2sqr_batch4(q.data(), y0.data(), y1.data(), y2.data(), y3.data(), d, out.data());
    ref().l2sqr_batch4(q.data(), y0.data(), y1.data(), y2.data(), y3.data(), d, want.data());
    Floats* ys[] = {&y0, &y1, &y2, &y3};
    for (size_t j = 0; j < 4; ++j) {
      ExpectWithinBound(out[j], want[j], ExactL2Sqr(q.data(), ys[j]->data(), d), d,
                        "l2sqr_batch4 " + Where(d, 4, j));
    }
    EXPECT_EQ(out[4], kSentinel);
  }
}

TEST_P(DistancesTest, BitIdenticalToScalarOnSmallIntegers) {
  constexpr size_t kRows = 33;
  for (size_t d : kDims) {
    Floats q(d), base(kRows * d);
    FillSmallIntegers(q.data(), d);
    FillSmallIntegers(base.data(), kRows * d);
    const float* y = base.data();
    EXPECT_EQ(k().l2sqr(q.data(), y, d), ref().l2sqr(q.data(), y, d)) << Where(d);
    EXPECT_EQ(k().inner_product(q.data(), y, d), ref().inner_product(q.data(), y, d)) << Where(d);
    EXPECT_EQ(k().norm_sqr(y, d), ref().norm_sqr(y, d)) << Where(d);

    std::vector<int64_t> ids(kRows);
    for (size_t j = 0; j < kRows; ++j) ids[j] = static_cast<int64_t>((j * 7 + 3) % kRows);
    using ManyFn = void (*)(const float*, const float*, size_t, size_t, float*);
    using SubsetFn = void (*)(const float*, const float*, const int64_t*, size_t, size_t, float*);
    for (size_t n : kRowCounts) {
      std::vector<float> got(n), want(n);
      for (ManyFn DistanceKernels::*fn :
           {&DistanceKernels::l2sqr_to_many, &DistanceKernels::inner_product_to_many}) {
        (k().*fn)(q.data(), y, n, d, got.data());
        (ref().*fn)(q.data(), y, n, d, want.data());
        EXPECT_EQ(got, want) << "to_many " << Where(d, n);
      }
      for (SubsetFn DistanceKernels::*fn :
           {&DistanceKernels::l2sqr_to_subset, &DistanceKernels::inner_product_to_subset}) {
        (k().*fn)(q.data(), y, ids.data(), n, d, got.data());
        (ref().*fn)(q.data(), y, ids.data(), n, d, want.data());
        EXPECT_EQ(got, want) << "to_subset " << Where(d, n);
      }
    }
    float got4[4], want4[4];
    k().l2sqr_batch4(q.data(), y + 3 * d, y, y + 32 * d, y + 3 * d, d, got4);
    ref().l2sqr_batch4(q.data(), y + 3 * d, y, y + 32 * d, y + 3 * d, d, want4);
    for (int j = 0; j < 4; ++j) EXPECT_EQ(got4[j], want4[j]) << "batch4 " << Where(d, 4, j);
  }
}

TEST_P(DistancesTest, FvecMaddBitIdenticalToScalar) {
  for (size_t d : kDims) {
    Floats a(d), b(d), got(d + 1), want(d + 1);
    FillUniform(a.data(), d);
    FillUniform(b.data(), d);
    const float bf = -0.7316f;
    k().fvec_madd(d, a.data(), bf, b.data(), got.data());
    ref().fvec_madd(d, a.data(), bf, b.data(), want.data());
    for (size_t i = 0; i < d; ++i) ASSERT_EQ(got[i], want[i]) << Where(d) << " i=" << i;
    EXPECT_EQ(got[d], kSentinel) << "wrote past c[d-1] " << Where(d);

    // In place: c == a, then c == b.
    Floats c(d);
    for (size_t i = 0; i < d; ++i) c[i] = a[i];
    k().fvec_madd(d, c.data(), bf, b.data(), c.data());
    for (size_t i = 0; i < d; ++i) ASSERT_EQ(c[i], want[i]) << "c == a " << Where(d) << " i=" << i;
    for (size_t i = 0; i < d; ++i) c[i] = b[i];
    k().fvec_madd(d, a.data(), bf, c.data(), c.data());
    for (size_t i = 0; i < d; ++i) ASSERT_EQ(c[i], want[i]) << "c == b " << Where(d) << " i=" << i;
  }
}

TEST_P(DistancesTest, AddRowsToDoubleBitIdenticalToScalar) {
  const size_t n = 40;
  for (size_t d : kDims) {
    Floats base(n * d);
    FillUniform(base.data(), n * d);
    std::vector<uint32_t> rows;
    for (uint32_t i = 0; i < 3 * n; ++i) rows.push_back((i * 7 + 3) % n);  // repeats, any order
    std::vector<double> got(d + 1, 0.5), want(d + 1, 0.5);
    got[d] = want[d] = -1.0;
    k().add_rows_to_double(base.data(), rows.data(), rows.size(), d, got.data());
    ref().add_rows_to_double(base.data(), rows.data(), rows.size(), d, want.data());
    for (size_t t = 0; t < d; ++t) ASSERT_EQ(got[t], want[t]) << Where(d) << " t=" << t;
    EXPECT_EQ(got[d], -1.0) << "wrote past sum[d-1] " << Where(d);
    double direct = 0.5;
    for (uint32_t r : rows) direct += base[r * d];
    EXPECT_EQ(want[0], direct) << Where(d);
  }
}

TEST_P(DistancesTest, ZeroDimensionAndZeroRows) {
  Floats a(1), out(4);
  const int64_t ids[3] = {0, 0, 0};
  EXPECT_EQ(k().l2sqr(a.data(), a.data(), 0), 0.0f);
  EXPECT_EQ(k().inner_product(a.data(), a.data(), 0), 0.0f);
  EXPECT_EQ(k().norm_sqr(a.data(), 0), 0.0f);
  k().l2sqr_to_many(a.data(), a.data(), 3, 0, out.data());
  for (size_t j = 0; j < 3; ++j) EXPECT_EQ(out[j], 0.0f);
  EXPECT_EQ(out[3], kSentinel);
  k().inner_product_to_subset(a.data(), a.data(), ids, 3, 0, out.data());
  for (size_t j = 0; j < 3; ++j) EXPECT_EQ(out[j], 0.0f);
  k().fvec_madd(0, a.data(), 2.0f, a.data(), out.data());
  EXPECT_EQ(out[3], kSentinel);
  // n = 0 reads and writes nothing, even through null pointers.
  k().l2sqr_to_many(a.data(), nullptr, 0, 16, nullptr);
  k().l2sqr_to_subset(a.data(), nullptr, nullptr, 0, 16, nullptr);
}

TEST_P(DistancesTest, MatchesActiveKernelsWhenActive) {
  if (GetParam() != ActiveSimdLevel()) GTEST_SKIP() << "not the active level";
  Floats a(100), b(100);
  FillUniform(a.data(), 100);
  FillUniform(b.data(), 100);
  EXPECT_EQ(L2Sqr(a.data(), b.data(), 100), k().l2sqr(a.data(), b.data(), 100));
  EXPECT_EQ(InnerProduct(a.data(), b.data(), 100), k().inner_product(a.data(), b.data(), 100));
  EXPECT_EQ(NormSqr(a.data(), 100), k().norm_sqr(a.data(), 100));
}

INSTANTIATE_TEST_SUITE_P(Levels, DistancesTest,
                         ::testing::Values(SimdLevel::kScalar, SimdLevel::kAvx2,
                                           SimdLevel::kAvx512),
                         [](const ::testing::TestParamInfo<SimdLevel>& info) {
                           return std::string(SimdLevelName(info.param));
                         });

}  // namespace
}  // namespace kiln::simd
