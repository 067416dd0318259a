// IndexPQ compatibility with libfaiss 1.7.3: same centroids give byte-identical
// codes; kiln's IxPq files load in Faiss and search the same; Faiss's IxPq
// files load in kiln, search the same and are rewritten byte for byte.
#include <faiss/IndexPQ.h>
#include <omp.h>

#include <tuple>

#include "compat_support.h"
#include "kiln/index/pq_index.h"
#include "kiln/quant/pq/product_quantizer.h"

namespace kiln::compat {
namespace {

using index::testing::ClusteredVectors;
using index::testing::SameResults;

constexpr size_t kD = 32, kN = 4000, kNq = 30, kK = 10;

// Faiss's k-means on these small sets is fastest single-threaded; OpenMP's
// spinning threads slow it ~10x on a loaded 2-core machine.
struct SingleThreadedFaiss {
  SingleThreadedFaiss() { omp_set_num_threads(1); }
};

class PqCodesTest : public ::testing::TestWithParam<std::tuple<size_t, size_t>> {};

TEST_P(PqCodesTest, SameCentroidsGiveIdenticalCodes) {
  const auto [M, nbits] = GetParam();
  SingleThreadedFaiss single;
  std::vector<float> x = ClusteredVectors(kN, kD, 40, 1.0f, 31);
  faiss::IndexPQ fpq(int(kD), M, nbits);
  fpq.train(kN, x.data());
  std::vector<uint8_t> faiss_codes(kN * fpq.pq.code_size);
  fpq.pq.compute_codes(x.data(), faiss_codes.data(), kN);

  auto pq = quant::ProductQuantizer::FromCentroids(kD, M, nbits, fpq.pq.centroids);
  ASSERT_TRUE(pq.ok()) << pq.status().ToString();
  ASSERT_EQ(pq->code_size(), fpq.pq.code_size);
  ThreadPool pool(2);
  std::vector<uint8_t> kiln_codes(kN * pq->code_size());
  pq->Encode(x.data(), kN, kiln_codes.data(), pool);
  size_t differing = 0;
  for (size_t i = 0; i < kN; ++i)
    differing += std::memcmp(&kiln_codes[i * pq->code_size()], &faiss_codes[i * pq->code_size()],
                             pq->code_size()) != 0;
  EXPECT_EQ(differing, 0u) << "of " << kN << " codes";

  // Same ADC distances as Faiss's table (bit for bit on the table sums).
  std::vector<float> q = ClusteredVectors(1, kD, 40, 1.0f, 32);
  std::vector<float> ft(M * pq->ksub()), kt(M * pq->ksub()), fd(kN), kd(kN);
  fpq.pq.compute_distance_table(q.data(), ft.data());
  pq->ComputeDistanceTable(q.data(), Metric::kL2, kt.data());
  for (size_t i = 0; i < ft.size(); ++i) ASSERT_NEAR(ft[i], kt[i], 1e-4f * (1 + ft[i]));
}

INSTANTIATE_TEST_SUITE_P(MAndNbits, PqCodesTest,
                         ::testing::Values(std::make_tuple(size_t{8}, size_t{8}),
                                           std::make_tuple(size_t{16}, size_t{8}),
                                           std::make_tuple(size_t{8}, size_t{4}),
                                           std::make_tuple(size_t{4}, size_t{5})));

class PqFilesTest : public ::testing::TestWithParam<std::tuple<Metric, size_t, size_t>> {};

void SearchFaiss(faiss::Index& idx, const std::vector<float>& q, std::vector<float>& d,
                 std::vector<idx_t>& l) {
  d.resize(kNq * kK);
  l.resize(kNq * kK);
  idx.search(kNq, q.data(), kK, d.data(), l.data());
}

void SearchKiln(const index::Index& idx, const std::vector<float>& q, std::vector<float>& d,
                std::vector<idx_t>& l) {
  index::testing::TestEnv env;
  d.resize(kNq * kK);
  l.resize(kNq * kK);
  ASSERT_TRUE(idx.Search(q.data(), kNq, kK, {}, d.data(), l.data(), env.ctx).ok());
}

TEST_P(PqFilesTest, KilnFileLoadsInFaissWithSameTopK) {
  const auto [metric, M, nbits] = GetParam();
  SingleThreadedFaiss single;
  std::vector<float> x = ClusteredVectors(kN, kD, 40, 1.0f, 41);
  std::vector<float> q = ClusteredVectors(kNq, kD, 40, 1.0f, 42);
  index::testing::TestEnv env;
  index::PqIndex kiln_index(kD, metric, M, nbits);
  ASSERT_TRUE(kiln_index.Train(x.data(), kN, env.ctx).ok());
  ASSERT_TRUE(kiln_index.Add(x.data(), kN, env.ctx).ok());
  std::unique_ptr<faiss::Index> faiss_index = FaissRead(KilnBytes(kiln_index));
  auto* fpq = dynamic_cast<faiss::IndexPQ*>(faiss_index.get());
  ASSERT_NE(fpq, nullptr);
  EXPECT_EQ(fpq->pq.M, M);
  EXPECT_EQ(fpq->pq.nbits, nbits);
  EXPECT_EQ(fpq->ntotal, idx_t(kN));
  EXPECT_EQ(fpq->metric_type, FaissMetric(metric));
  std::vector<float> fd, kd;
  std::vector<idx_t> fl, kl;
  SearchFaiss(*faiss_index, q, fd, fl);
  SearchKiln(kiln_index, q, kd, kl);
  EXPECT_TRUE(SameResults(fd.data(), fl.data(), kd.data(), kl.data(), kNq, kK, 1e-5f, 1e-6f));
}

TEST_P(PqFilesTest, FaissFileLoadsInKilnAndRewritesIdentically) {
  const auto [metric, M, nbits] = GetParam();
  SingleThreadedFaiss single;
  std::vector<float> x = ClusteredVectors(kN, kD, 40, 1.0f, 51);
  std::vector<float> q = ClusteredVectors(kNq, kD, 40, 1.0f, 52);
  faiss::IndexPQ fpq(int(kD), M, nbits, FaissMetric(metric));
  fpq.train(kN, x.data());
  fpq.add(kN, x.data());
  const std::string faiss_bytes = FaissBytes(fpq);
  std::unique_ptr<index::Index> kiln_index = KilnRead(faiss_bytes, "faiss_pq.index");
  ASSERT_NE(kiln_index, nullptr);
  EXPECT_EQ(kiln_index->Describe(), nbits == 8 ? fmt::format("PQ{}", M)
                                               : fmt::format("PQ{}x{}", M, nbits));
  EXPECT_TRUE(SameBytes(KilnBytes(*kiln_index), faiss_bytes));
  std::vector<float> fd, kd;
  std::vector<idx_t> fl, kl;
  SearchFaiss(fpq, q, fd, fl);
  SearchKiln(*kiln_index, q, kd, kl);
  EXPECT_TRUE(SameResults(fd.data(), fl.data(), kd.data(), kl.data(), kNq, kK, 1e-5f, 1e-6f));
}

INSTANTIATE_TEST_SUITE_P(
    MetricsAndShapes, PqFilesTest,
    ::testing::Values(std::make_tuple(Metric::kL2, size_t{8}, size_t{8}),
                      std::make_tuple(Metric::kL2, size_t{16}, size_t{8}),
                      std::make_tuple(Metric::kInnerProduct, size_t{8}, size_t{8}),
                      std::make_tuple(Metric::kInnerProduct, size_t{16}, size_t{8}),
                      std::make_tuple(Metric::kL2, size_t{8}, size_t{4})));

}  // namespace
}  // namespace kiln::compat
