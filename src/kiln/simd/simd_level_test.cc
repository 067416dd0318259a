#include "kiln/simd/simd_level.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "kiln/simd/distances.h"
#include "kiln/simd/distances_internal.h"

namespace kiln::simd {
namespace {

constexpr SimdLevel kAllLevels[] = {SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvx512};

TEST(SimdLevel, ParseKnownNamesRoundTrip) {
  for (SimdLevel level : kAllLevels) {
    EXPECT_EQ(ParseSimdLevel(SimdLevelName(level)), level) << SimdLevelName(level);
  }
  EXPECT_EQ(ParseSimdLevel("scalar"), SimdLevel::kScalar);
  EXPECT_EQ(ParseSimdLevel("avx2"), SimdLevel::kAvx2);
  EXPECT_EQ(ParseSimdLevel("avx512"), SimdLevel::kAvx512);
}

TEST(SimdLevel, ParseRejectsUnknownNames) {
  for (const char* name :
       {"", "AVX2", "Scalar", "avx", "sse4", "avx512f", "avx2 ", " avx2", "neon"}) {
    EXPECT_FALSE(ParseSimdLevel(name).has_value()) << "'" << name << "'";
  }
}

TEST(SimdLevel, ResolveCapsRequestsAtDetected) {
  using L = SimdLevel;
  EXPECT_EQ(ResolveSimdLevel(L::kAvx512, nullptr), L::kAvx512);
  EXPECT_EQ(ResolveSimdLevel(L::kAvx2, nullptr), L::kAvx2);
  EXPECT_EQ(ResolveSimdLevel(L::kAvx512, "scalar"), L::kScalar);
  EXPECT_EQ(ResolveSimdLevel(L::kAvx512, "avx2"), L::kAvx2);
  EXPECT_EQ(ResolveSimdLevel(L::kAvx512, "avx512"), L::kAvx512);
  EXPECT_EQ(ResolveSimdLevel(L::kAvx2, "avx512"), L::kAvx2);
  EXPECT_EQ(ResolveSimdLevel(L::kScalar, "avx512"), L::kScalar);
  EXPECT_EQ(ResolveSimdLevel(L::kScalar, "avx2"), L::kScalar);
  // Unknown names are ignored.
  EXPECT_EQ(ResolveSimdLevel(L::kAvx512, "bogus"), L::kAvx512);
  EXPECT_EQ(ResolveSimdLevel(L::kAvx2, ""), L::kAvx2);
}

// Also run by ctest with KILN_SIMD=scalar and KILN_SIMD=avx2 (CMakeLists.txt).
TEST(SimdLevel, ActiveLevelFollowsEnvironment) {
  EXPECT_LE(ActiveSimdLevel(), DetectedSimdLevel());
  EXPECT_EQ(ActiveSimdLevel(), ResolveSimdLevel(DetectedSimdLevel(), std::getenv("KILN_SIMD")));
  EXPECT_EQ(&ActiveKernels(), &KernelsFor(ActiveSimdLevel()));
}

TEST(SimdLevel, SelectKernelsFallsBackDownward) {
  using L = SimdLevel;
  using internal::SelectKernels;
  EXPECT_EQ(&SelectKernels(L::kAvx512, L::kAvx512), &internal::kAvx512Kernels);
  EXPECT_EQ(&SelectKernels(L::kAvx512, L::kAvx2), &internal::kAvx2Kernels);
  EXPECT_EQ(&SelectKernels(L::kAvx512, L::kScalar), &internal::kScalarKernels);
  EXPECT_EQ(&SelectKernels(L::kAvx2, L::kAvx512), &internal::kAvx2Kernels);
  EXPECT_EQ(&SelectKernels(L::kAvx2, L::kScalar), &internal::kScalarKernels);
  EXPECT_EQ(&SelectKernels(L::kScalar, L::kAvx512), &internal::kScalarKernels);
}

TEST(SimdLevel, KernelsForNeverExceedsDetected) {
  for (SimdLevel level : kAllLevels) {
    EXPECT_EQ(&KernelsFor(level), &internal::SelectKernels(level, DetectedSimdLevel()))
        << SimdLevelName(level);
  }
  EXPECT_EQ(&KernelsFor(SimdLevel::kScalar), &internal::kScalarKernels);
}

// Guards the aggregate tables: a member added to DistanceKernels but left out of
// a table would silently be null (-Wno-missing-field-initializers).
TEST(SimdLevel, EveryTableIsComplete) {
  static_assert(sizeof(DistanceKernels) == 10 * sizeof(void (*)()),
                "DistanceKernels changed: list the new member below");
  for (const DistanceKernels* k :
       {&internal::kScalarKernels, &internal::kAvx2Kernels, &internal::kAvx512Kernels}) {
    EXPECT_NE(k->l2sqr, nullptr);
    EXPECT_NE(k->inner_product, nullptr);
    EXPECT_NE(k->norm_sqr, nullptr);
    EXPECT_NE(k->l2sqr_to_many, nullptr);
    EXPECT_NE(k->inner_product_to_many, nullptr);
    EXPECT_NE(k->fvec_madd, nullptr);
    EXPECT_NE(k->l2sqr_to_subset, nullptr);
    EXPECT_NE(k->inner_product_to_subset, nullptr);
    EXPECT_NE(k->l2sqr_batch4, nullptr);
    EXPECT_NE(k->add_rows_to_double, nullptr);
  }
}

}  // namespace
}  // namespace kiln::simd
