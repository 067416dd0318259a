#include "kiln/linalg/assign.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "kiln/base/thread_pool.h"

namespace kiln::linalg {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

struct Problem {
  size_t n = 0, k = 0, d = 0;
  std::vector<float> x, centroids, norms;
};

// Points around a shifted Gaussian; centroids are perturbed copies of some of
// the points (as in k-means), so nearest distances are small next to the
// norms, which stresses the ||x||² + ||c||² - 2x·c cancellation.
Problem MakeProblem(size_t n, size_t k, size_t d, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0, 1);
  Problem p;
  p.n = n;
  p.k = k;
  p.d = d;
  p.x.resize(n * d);
  for (size_t i = 0; i < n * d; ++i) p.x[i] = 0.5f + normal(rng);
  p.centroids.resize(k * d);
  for (size_t j = 0; j < k; ++j) {
    const size_t src = rng() % n;
    for (size_t t = 0; t < d; ++t) p.centroids[j * d + t] = p.x[src * d + t] + 0.3f * normal(rng);
  }
  p.norms.resize(k);
  for (size_t j = 0; j < k; ++j) {
    float s = 0;
    for (size_t t = 0; t < d; ++t) s += p.centroids[j * d + t] * p.centroids[j * d + t];
    p.norms[j] = s;
  }
  return p;
}

struct Result {
  std::vector<idx_t> nearest;
  std::vector<float> d1, d2;
};

Result RunAssign(const Problem& p, int threads, AssignPath path) {
  ThreadPool pool(threads);
  Result r{std::vector<idx_t>(p.n, -1), std::vector<float>(p.n, -1), std::vector<float>(p.n, -1)};
  AssignNearest(p.x.data(), p.n, p.centroids.data(), p.norms.data(), p.k, p.d,
                {r.nearest.data(), r.d1.data(), r.d2.data()}, pool, path);
  return r;
}

double ExactDist(const Problem& p, size_t i, size_t j) {
  double s = 0;
  for (size_t t = 0; t < p.d; ++t) {
    const double diff = static_cast<double>(p.x[i * p.d + t]) - p.centroids[j * p.d + t];
    s += diff * diff;
  }
  return s;
}

double SqrNorm(const float* v, size_t d) {
  double s = 0;
  for (size_t t = 0; t < d; ++t) s += static_cast<double>(v[t]) * v[t];
  return s;
}

// Checks r against a double-precision brute force. Float results are
// computed as ||x||² + (||c||² - 2x·c), whose rounding error scales with
// ||x||² + ||c||² rather than with the distance, so tolerances carry a term
// relative to that scale:
//  - a nearest index other than the reference's is accepted only when the two
//    candidates' exact distances agree within 1e-5 of the scale (a near tie);
//  - distances must be within 1e-4 relative plus 1e-5 of the scale.
//  - tie_slack widens the near-tie rule for the AMX path, whose BF16
//    candidate scores can misorder centroids within about 1e-3 relative; its
//    distances are exact, so the distance tolerances stay, except that a
//    missed runner-up may be replaced by the next one within the tie slack.
void CheckAgainstReference(const Problem& p, const Result& r, const std::string& label,
                           double tie_slack = 1e-5) {
  int failures = 0;
  for (size_t i = 0; i < p.n && failures < 5; ++i) {
    const double xn = SqrNorm(&p.x[i * p.d], p.d);
    size_t best = 0, second = 0;
    double bd = std::numeric_limits<double>::infinity(), sd = bd;
    for (size_t j = 0; j < p.k; ++j) {
      const double v = ExactDist(p, i, j);
      if (v < bd) {
        second = best;
        sd = bd;
        best = j;
        bd = v;
      } else if (v < sd) {
        second = j;
        sd = v;
      }
    }
    auto scale = [&](size_t j) { return xn + SqrNorm(&p.centroids[j * p.d], p.d); };
    const idx_t got = r.nearest[i];
    if (got < 0 || static_cast<size_t>(got) >= p.k) {
      ADD_FAILURE() << label << " point " << i << ": label " << got << " out of range";
      ++failures;
      continue;
    }
    if (static_cast<size_t>(got) != best) {
      const double gd = ExactDist(p, i, static_cast<size_t>(got));
      const double slack = tie_slack * std::max(scale(best), scale(static_cast<size_t>(got)));
      if (std::abs(gd - bd) > slack) {
        ADD_FAILURE() << label << " point " << i << ": nearest " << got << " (dist " << gd
                      << ") but reference " << best << " (dist " << bd << ")";
        ++failures;
      }
    }
    const double tol1 = 1e-4 * bd + tie_slack * scale(best);
    if (!(std::abs(r.d1[i] - bd) <= tol1)) {
      ADD_FAILURE() << label << " point " << i << ": nearest_dist " << r.d1[i] << " vs " << bd;
      ++failures;
    }
    if (p.k == 1) {
      if (r.d2[i] != kInf) {
        ADD_FAILURE() << label << " point " << i << ": k = 1 but second_dist " << r.d2[i];
        ++failures;
      }
    } else {
      const double tol2 = 1e-4 * sd + tie_slack * scale(second);
      if (!(std::abs(r.d2[i] - sd) <= tol2)) {
        ADD_FAILURE() << label << " point " << i << ": second_dist " << r.d2[i] << " vs " << sd;
        ++failures;
      }
    }
    if (!(r.d1[i] <= r.d2[i])) {
      ADD_FAILURE() << label << " point " << i << ": nearest_dist " << r.d1[i] << " > second_dist "
                    << r.d2[i];
      ++failures;
    }
  }
}

void ExpectIdentical(const Result& a, const Result& b, const std::string& label) {
  ASSERT_EQ(a.nearest.size(), b.nearest.size());
  for (size_t i = 0; i < a.nearest.size(); ++i) {
    ASSERT_EQ(a.nearest[i], b.nearest[i]) << label << " point " << i;
    // Bitwise, including +inf.
    ASSERT_EQ(std::memcmp(&a.d1[i], &b.d1[i], sizeof(float)), 0) << label << " point " << i;
    ASSERT_EQ(std::memcmp(&a.d2[i], &b.d2[i], sizeof(float)), 0) << label << " point " << i;
  }
}

// The paths this machine can run, BLAS first.
std::vector<AssignPath> AvailablePaths() {
  std::vector<AssignPath> paths{AssignPath::kBlas};
  if (FusedAssignAvailable()) paths.push_back(AssignPath::kFused);
  if (AmxAssignAvailable()) paths.push_back(AssignPath::kAmx);
  return paths;
}

const char* PathName(AssignPath path) {
  switch (path) {
    case AssignPath::kBlas: return "blas";
    case AssignPath::kFused: return "fused";
    case AssignPath::kAmx: return "amx";
    case AssignPath::kAuto: return "auto";
  }
  return "?";
}

std::string Label(const char* path, const Problem& p) {
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%s n=%zu k=%zu d=%zu", path, p.n, p.k, p.d);
  return buf;
}

class AssignShapesTest : public ::testing::TestWithParam<size_t> {};

TEST_P(AssignShapesTest, MatchesReference) {
  const size_t d = GetParam();
  const bool fused = FusedAssignAvailable(), amx = AmxAssignAvailable();
  if (!fused) std::printf("fused AVX-512 path unavailable here\n");
  if (!amx) std::printf("AMX path unavailable here\n");
  for (size_t k : {1, 2, 15, 16, 17, 33, 300, 1025}) {
    for (size_t n : {1, 11, 12, 13, 100, 1000}) {
      const Problem p = MakeProblem(n, k, d, static_cast<uint32_t>(1000 * d + 10 * k + n));
      CheckAgainstReference(p, RunAssign(p, 2, AssignPath::kBlas), Label("blas", p));
      if (fused) CheckAgainstReference(p, RunAssign(p, 2, AssignPath::kFused), Label("fused", p));
      // AMX is only picked for d >= 32; at tiny d its centred BF16 scores are
      // coarse next to this test's scale-relative slack.
      if (amx && d >= 16) CheckAgainstReference(p, RunAssign(p, 2, AssignPath::kAmx), Label("amx", p), 1e-3);
      if (HasFailure()) return;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Dims, AssignShapesTest, ::testing::Values(1, 3, 16, 17, 31, 128, 784),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           char name[32];
                           std::snprintf(name, sizeof(name), "d%zu", info.param);
                           return std::string(name);
                         });

TEST(AssignTest, ResultsDoNotDependOnThreadCount) {
  for (AssignPath path : AvailablePaths()) {
    for (auto [n, k, d] : {std::tuple<size_t, size_t, size_t>{1000, 33, 17},
                           {5000, 300, 128},
                           {2500, 64, 31},
                           {777, 1025, 3}}) {
      const Problem p = MakeProblem(n, k, d, 99);
      const std::string label = Label(PathName(path), p);
      const Result one = RunAssign(p, 1, path);
      ExpectIdentical(one, RunAssign(p, 2, path), label + " 1 vs 2 threads");
      ExpectIdentical(one, RunAssign(p, 3, path), label + " 1 vs 3 threads");
    }
  }
}

TEST(AssignTest, SingleCentroidHasInfiniteSecond) {
  for (AssignPath path : {AssignPath::kAuto, AssignPath::kBlas}) {
    const Problem p = MakeProblem(50, 1, 7, 3);
    const Result r = RunAssign(p, 2, path);
    for (size_t i = 0; i < p.n; ++i) {
      EXPECT_EQ(r.nearest[i], 0);
      EXPECT_EQ(r.d2[i], kInf);
      EXPECT_GE(r.d1[i], 0.0f);
    }
  }
}

// Duplicated centroids. The fused kernel computes every lane and panel with
// the same arithmetic, so duplicates tie exactly: the lower index must win and
// the runner-up is the duplicate at the same distance. SGEMM may round edge
// columns differently, so the BLAS path is only held to near ties there.
TEST(AssignTest, ExactTiesGoToLowerIndex) {
  const size_t n = 200, d = 24, distinct = 21;
  Problem p = MakeProblem(n, distinct, d, 5);
  const Result unique = RunAssign(p, 1, AssignPath::kBlas);
  // Centroids j, j + 21 and j + 42 are the same: different SIMD lanes (of 16
  // in the fused kernel, of 4 in the BLAS path's scan) and panels.
  const size_t k = 3 * distinct;
  std::vector<float> c(k * d), norms(k);
  for (size_t j = 0; j < k; ++j) {
    std::copy_n(&p.centroids[(j % distinct) * d], d, &c[j * d]);
    norms[j] = p.norms[j % distinct];
  }
  p.k = k;
  p.centroids = c;
  p.norms = norms;
  for (AssignPath path : AvailablePaths()) {
    const Result r = RunAssign(p, 2, path);
    for (size_t i = 0; i < n; ++i) {
      if (path != AssignPath::kBlas) {  // fused: same arithmetic; AMX: exact re-scoring
        EXPECT_LT(r.nearest[i], static_cast<idx_t>(distinct)) << "point " << i;
        EXPECT_EQ(r.d1[i], r.d2[i]) << "point " << i;
      } else {
        EXPECT_EQ(r.nearest[i] % static_cast<idx_t>(distinct), unique.nearest[i]) << "point " << i;
        EXPECT_NEAR(r.d1[i], r.d2[i], 1e-5 * r.d1[i]) << "point " << i;
      }
    }
  }
}

TEST(AssignTest, AllPointsEquidistantPickIndexZero) {
  // Every centroid is the same vector: all k candidates tie exactly.
  const size_t n = 30, k = 100, d = 5;
  std::vector<float> x(n * d, 1.0f), c(k * d, 2.0f), norms(k, 4.0f * d);
  for (AssignPath path : {AssignPath::kAuto, AssignPath::kBlas}) {
    ThreadPool pool(2);
    std::vector<idx_t> nearest(n, -1);
    std::vector<float> d1(n), d2(n);
    AssignNearest(x.data(), n, c.data(), norms.data(), k, d, {nearest.data(), d1.data(), d2.data()}, pool,
                  path);
    for (size_t i = 0; i < n; ++i) {
      EXPECT_EQ(nearest[i], 0);
      EXPECT_FLOAT_EQ(d1[i], 5.0f);
      EXPECT_FLOAT_EQ(d2[i], 5.0f);
    }
  }
}

// A centroid with NaN coordinates (e.g. from a bad update) is never nearest
// nor second: both paths skip NaN candidates.
TEST(AssignTest, NaNCentroidIsSkipped) {
  Problem p = MakeProblem(300, 40, 19, 23);
  const Problem without = p;
  // Insert a NaN centroid at index 0 and another in the middle of a panel.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> c(p.centroids), norms(p.norms);
  c.insert(c.begin(), p.d, nan);
  norms.insert(norms.begin(), nan);
  c.insert(c.begin() + 21 * p.d, p.d, nan);
  norms.insert(norms.begin() + 21, nan);
  p.centroids = c;
  p.norms = norms;
  p.k += 2;
  for (AssignPath path : {AssignPath::kAuto, AssignPath::kBlas}) {
    const Result r = RunAssign(p, 2, path);
    const Result ref = RunAssign(without, 2, path);
    for (size_t i = 0; i < p.n; ++i) {
      const idx_t j = r.nearest[i];
      ASSERT_TRUE(j != 0 && j != 21) << "point " << i;
      // Map back to the index without the two NaN centroids.
      EXPECT_EQ(j - 1 - (j > 21 ? 1 : 0), ref.nearest[i]) << "point " << i;
      EXPECT_FALSE(std::isnan(r.d1[i]));
      EXPECT_FALSE(std::isnan(r.d2[i]));
      EXPECT_FLOAT_EQ(r.d2[i], ref.d2[i]) << "point " << i;
    }
  }
}

TEST(AssignTest, OptionalOutputsMayBeNull) {
  const Problem p = MakeProblem(100, 40, 9, 11);
  const Result full = RunAssign(p, 2, AssignPath::kAuto);
  ThreadPool pool(2);
  std::vector<idx_t> nearest(p.n, -1);
  AssignNearest(p.x.data(), p.n, p.centroids.data(), p.norms.data(), p.k, p.d, {nearest.data()}, pool);
  EXPECT_EQ(nearest, full.nearest);
}

TEST(AssignTest, PreparedCentroidsMatchDirectCall) {
  for (AssignPath path : AvailablePaths()) {
    const Problem p = MakeProblem(1000, 77, 40, 13);
    const Result direct = RunAssign(p, 2, path);
    ThreadPool pool(2);
    const AssignCentroids prepared(p.centroids.data(), p.norms.data(), p.k, p.d, pool, path);
    EXPECT_EQ(prepared.path(), path);
    // Batches with the same prepared centroids. The BLAS path's SGEMM may round
    // differently at the edge of a 128-point block, so its batches split on
    // block boundaries; the fused kernel's results do not depend on blocking.
    for (size_t split : {size_t{384}, size_t{403}}) {
      if (split % 128 != 0 && path == AssignPath::kBlas) continue;
      Result r{std::vector<idx_t>(p.n), std::vector<float>(p.n), std::vector<float>(p.n)};
      AssignNearest(p.x.data(), split, prepared, {r.nearest.data(), r.d1.data(), r.d2.data()}, pool);
      AssignNearest(p.x.data() + split * p.d, p.n - split, prepared,
                    {r.nearest.data() + split, r.d1.data() + split, r.d2.data() + split}, pool);
      ExpectIdentical(direct, r, "prepared vs direct, split " + std::to_string(split));
    }
  }
}

// Points read in place through a row list give exactly what the same points
// give when gathered first, on every path.
TEST(AssignTest, RowListMatchesGatheredPoints) {
  for (AssignPath path : AvailablePaths()) {
    const Problem p = MakeProblem(3000, 150, 64, 23);
    std::vector<uint32_t> rows;
    for (uint32_t i = 0; i < p.n; i += 3) rows.push_back(p.n - 1 - i);  // a descending subset
    Problem gathered = p;
    gathered.n = rows.size();
    gathered.x.resize(rows.size() * p.d);
    for (size_t i = 0; i < rows.size(); ++i)
      std::copy_n(&p.x[rows[i] * p.d], p.d, &gathered.x[i * p.d]);
    const Result expected = RunAssign(gathered, 2, path);
    ThreadPool pool(2);
    const AssignCentroids prepared(p.centroids.data(), p.norms.data(), p.k, p.d, pool, path);
    Result r{std::vector<idx_t>(rows.size()), std::vector<float>(rows.size()), std::vector<float>(rows.size())};
    AssignNearestRows(p.x.data(), rows.data(), rows.size(), prepared, {r.nearest.data(), r.d1.data(), r.d2.data()},
                      pool);
    ExpectIdentical(expected, r, std::string("row list, ") + PathName(path));
  }
}

TEST(AssignTest, AutoPicksFusedWhenAvailable) {
  const Problem p = MakeProblem(10, 3, 4, 17);
  ThreadPool pool(1);
  const AssignCentroids prepared(p.centroids.data(), p.norms.data(), p.k, p.d, pool);
  EXPECT_EQ(prepared.path(), FusedAssignAvailable() ? AssignPath::kFused : AssignPath::kBlas);
}

TEST(AssignTest, AutoPicksAmxForLargeShapesWhenAvailable) {
  const Problem p = MakeProblem(10, 512, 128, 17);
  ThreadPool pool(1);
  const AssignCentroids prepared(p.centroids.data(), p.norms.data(), p.k, p.d, pool);
  const AssignPath fallback = FusedAssignAvailable() ? AssignPath::kFused : AssignPath::kBlas;
  EXPECT_EQ(prepared.path(), AmxAssignAvailable() ? AssignPath::kAmx : fallback);
}

// Points far from the origin next to their distances (as image pixels are):
// the AMX path centres on the centroids' mean before rounding to BF16, so it
// still finds the exact nearest except for near ties.
TEST(AssignTest, AmxHandlesDataFarFromOrigin) {
  if (!AmxAssignAvailable()) GTEST_SKIP() << "AMX path unavailable here";
  Problem p = MakeProblem(2000, 256, 96, 29);
  for (float& v : p.x) v += 1000.0f;
  for (float& v : p.centroids) v += 1000.0f;
  for (size_t j = 0; j < p.k; ++j) p.norms[j] = static_cast<float>(SqrNorm(&p.centroids[j * p.d], p.d));
  const Result r = RunAssign(p, 2, AssignPath::kAmx);
  // Scale-relative slack would be meaningless here (||x||² ~ 1e8): ask for
  // the exact nearest on all but a handful of points, within 1e-3 of the
  // distance itself.
  size_t differ = 0;
  for (size_t i = 0; i < p.n; ++i) {
    double bd = std::numeric_limits<double>::infinity();
    for (size_t j = 0; j < p.k; ++j) bd = std::min(bd, ExactDist(p, i, j));
    const double got = ExactDist(p, i, static_cast<size_t>(r.nearest[i]));
    ASSERT_LE(got, bd * (1 + 1e-3)) << "point " << i;
    EXPECT_NEAR(r.d1[i], got, 1e-4 * got) << "point " << i;
    differ += got != bd;
  }
  EXPECT_LE(differ, p.n / 100);
}

TEST(AssignTest, AmxSkipsNaNCentroid) {
  if (!AmxAssignAvailable()) GTEST_SKIP() << "AMX path unavailable here";
  Problem p = MakeProblem(300, 70, 40, 31);
  const Result ref = RunAssign(p, 2, AssignPath::kBlas);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  p.centroids.insert(p.centroids.begin() + 33 * p.d, p.d, nan);
  p.norms.insert(p.norms.begin() + 33, nan);
  p.k += 1;
  const Result r = RunAssign(p, 2, AssignPath::kAmx);
  for (size_t i = 0; i < p.n; ++i) {
    ASSERT_NE(r.nearest[i], 33) << "point " << i;
    EXPECT_EQ(r.nearest[i] - (r.nearest[i] > 33 ? 1 : 0), ref.nearest[i]) << "point " << i;
    EXPECT_FALSE(std::isnan(r.d1[i]));
    EXPECT_FALSE(std::isnan(r.d2[i]));
  }
}

// AssignNearest called from inside a ParallelFor of the same pool runs inline
// on several threads at once (all as worker 0): scratch must not be shared.
TEST(AssignTest, NestedCallsFromPoolWorkers) {
  const Problem p = MakeProblem(768, 50, 20, 19);  // 6 calls of 128 points
  const Result expected = RunAssign(p, 1, AssignPath::kAuto);
  ThreadPool pool(2);
  const size_t parts = 6, per = p.n / parts;
  Result r{std::vector<idx_t>(p.n), std::vector<float>(p.n), std::vector<float>(p.n)};
  for (AssignPath path : {AssignPath::kAuto, AssignPath::kBlas}) {
    const Result want = path == AssignPath::kAuto ? expected : RunAssign(p, 1, path);
    pool.ParallelFor(parts, 1, [&](size_t b, size_t e, int) {
      for (size_t q = b; q < e; ++q)
        AssignNearest(p.x.data() + q * per * p.d, per, p.centroids.data(), p.norms.data(), p.k, p.d,
                      {r.nearest.data() + q * per, r.d1.data() + q * per, r.d2.data() + q * per}, pool, path);
    });
    ExpectIdentical(want, r, "nested");
  }
}

}  // namespace
}  // namespace kiln::linalg
