#include "kiln/index/auto_select.h"

#include <gtest/gtest.h>

namespace kiln::index {
namespace {

const SpecPredicate kAll = [](const IndexSpec&) { return true; };
constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kGiB = uint64_t{1} << 30;

std::string Choose(size_t n, size_t d, uint64_t budget, double recall, const SpecPredicate& p = {}) {
  auto choice = ChooseAuto(n, d, budget, recall, p);
  if (!choice.ok()) return choice.status().ToString();
  EXPECT_TRUE(ValidateSpec(choice->spec, d).ok()) << choice->spec.ToFactoryString();
  return choice->spec.ToFactoryString();
}

TEST(AutoSelectTest, ChoicesFollowTheRules) {
  EXPECT_EQ(Choose(5000, 128, 0, 0.95), "Flat");
  EXPECT_EQ(Choose(9999, 784, 8 * kGiB, 0.99), "Flat");
  EXPECT_EQ(Choose(1000000, 128, 8 * kGiB, 0.95), "IVF4000,Flat");
  EXPECT_EQ(Choose(1000000, 128, 0, 0.95), "IVF4000,Flat");
  EXPECT_EQ(Choose(20000, 64, 0, 0.9), "IVF512,Flat");           // 4·√n = 566 > n/39 = 512
  EXPECT_EQ(Choose(10000, 64, 0, 0.9), "IVF256,Flat");           // 4·√n = 400 > n/39 = 256
  EXPECT_EQ(Choose(1000000000, 8, 0, 0.9), "IVF65536,Flat");     // 4·√n = 126491 > 65536
  // Too big for flat vectors: SQ8, then PQ with the largest M dividing d whose codes fit.
  EXPECT_EQ(Choose(1000000, 128, 500 * kMiB, 0.95, kAll), "IVF4000,SQ8");
  EXPECT_EQ(Choose(1000000, 128, 100 * kMiB, 0.95, kAll), "IVF4000,PQ64np");
  EXPECT_EQ(Choose(1000000, 96, 40 * kMiB, 0.95, kAll), "IVF4000,PQ16np");  // 24 bytes do not fit
  // High recall prefers HNSW when it fits.
  EXPECT_EQ(Choose(1000000, 128, 0, 0.99, kAll), "HNSW32,Flat");
  EXPECT_EQ(Choose(1000000, 128, 700 * kMiB, 0.99, kAll), "IVF4000,Flat");  // graph does not fit
  // A huge-d small-n set whose flat copy does not fit goes to IVF.
  EXPECT_EQ(Choose(5000, 100000, 1 * kGiB, 0.95, kAll), "IVF128,SQ8");
}

TEST(AutoSelectTest, OnlyImplementedFamilies) {
  // Default predicate: Flat, IVF-Flat, SQ, IVF-SQ, PQ, IVF-PQ and HNSW-Flat build.
  auto hnsw = ChooseAuto(1000000, 128, 0, 0.99);
  ASSERT_TRUE(hnsw.ok());
  EXPECT_EQ(hnsw->spec.ToFactoryString(), "HNSW32,Flat");
  EXPECT_NE(hnsw->reason.find("HNSW32,Flat: target recall >= 0.98 and the graph fits"),
            std::string::npos)
      << hnsw->reason;
  // IVF-SQ builds: a budget too small for flat vectors picks SQ8 codes.
  auto sq = ChooseAuto(1000000, 128, 500 * kMiB, 0.95);
  ASSERT_TRUE(sq.ok()) << sq.status().ToString();
  EXPECT_EQ(sq->spec.ToFactoryString(), "IVF4000,SQ8");
  // IVF-PQ builds: below what SQ8 needs, PQ codes with the largest M that fits.
  auto pq = ChooseAuto(1000000, 128, 100 * kMiB, 0.95);
  ASSERT_TRUE(pq.ok()) << pq.status().ToString();
  EXPECT_EQ(pq->spec.ToFactoryString(), "IVF4000,PQ64np");
}

TEST(AutoSelectTest, ReasonsNameInputsChoiceAndWhy) {
  auto flat = ChooseAuto(5000, 128, 0, 0.95).value();
  EXPECT_EQ(flat.reason,
            "n = 5000, d = 128, memory budget unlimited, target recall 0.95: Flat: n < 10000: exact "
            "search is fast enough and needs no training (≈ 2.4 MiB)");
  auto ivf = ChooseAuto(1000000, 128, 8 * kGiB, 0.95).value();
  EXPECT_EQ(ivf.reason,
            "n = 1000000, d = 128, memory budget 8.0 GiB, target recall 0.95: IVF4000,Flat: flat "
            "vectors fit with room; nlist = round(4·√n) clamped to [1, min(65536, n/39)] = 4000 "
            "(≈ 497.9 MiB ≤ 80% of the budget)");
  auto pq = ChooseAuto(1000000, 128, 100 * kMiB, 0.95, kAll).value();
  EXPECT_NE(pq.reason.find("M = 64 is the largest divisor of d whose 64-byte codes fit"),
            std::string::npos)
      << pq.reason;
}

TEST(AutoSelectTest, Errors) {
  EXPECT_EQ(ChooseAuto(0, 8, 0, 0.9).status().message(), "AUTO: no vectors to index (n = 0)");
  EXPECT_EQ(ChooseAuto(10, 0, 0, 0.9).status().message(),
            "AUTO: dimension d = 0 is outside [1, 1048576]");
  EXPECT_EQ(ChooseAuto(10, 8, 0, 1.5).status().message(), "AUTO: target recall 1.5 is outside (0, 1]");
  EXPECT_EQ(ChooseAuto(10, 8, 0, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ChooseAuto(1000000, 128, kMiB, 0.9, kAll).status().code(),
            StatusCode::kResourceExhausted);
}

TEST(AutoSelectTest, ByteSizes) {
  EXPECT_EQ(ParseByteSize("8G").value(), 8 * kGiB);
  EXPECT_EQ(ParseByteSize("512m").value(), 512 * kMiB);
  EXPECT_EQ(ParseByteSize("1.5GiB").value(), 3 * kGiB / 2);
  EXPECT_EQ(ParseByteSize("100KB").value(), 102400u);
  EXPECT_EQ(ParseByteSize("123").value(), 123u);
  EXPECT_EQ(ParseByteSize("0").value(), 0u);
  for (const char* bad : {"", "G", "8 G", "8X", "-1G", "1e3", "1.2.3G", "99999999999T"})
    EXPECT_EQ(ParseByteSize(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  EXPECT_EQ(ParseByteSize("8X").status().message(),
            R"(size "8X": expected a number with an optional K, M, G or T suffix (binary units), e.g. 8G)");
  EXPECT_EQ(FormatBytes(100), "100 B");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
}

}  // namespace
}  // namespace kiln::index
