// IVF-PQ compatibility with Faiss 1.7.3: kiln's IwPQ files (L2 and IP, with
// and without IDMap, nbits 8 and 4) load in Faiss, which rebuilds its
// precomputed tables, and return the same top-10 at nprobe 1, 8 and nlist;
// Faiss's "IVF64,PQ8np" files load in kiln with the same results and are
// rewritten byte for byte; given the same coarse and PQ centroids, kiln's
// list codes are byte-identical to Faiss's; nbits > 8 needs an opt-in.
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/index_factory.h>

#include <tuple>

#include "compat_support.h"
#include "kiln/index/ivf_pq_index.h"

namespace kiln::compat {
namespace {

using index::testing::ClusteredVectors;
using index::testing::SameResults;

constexpr size_t kN = 5000, kD = 32, kNq = 100, kK = 10, kNlist = 64;

void ExpectSameSearch(faiss::Index& faiss_index, const index::Index& kiln_index,
                      const std::vector<float>& q) {
  TestEnv env;
  for (size_t nprobe : {size_t{1}, size_t{8}, kNlist}) {
    AsIvf(&faiss_index)->nprobe = nprobe;
    std::vector<float> fd(kNq * kK), kd(kNq * kK);
    std::vector<faiss::Index::idx_t> fl(kNq * kK);
    std::vector<idx_t> kl(kNq * kK);
    faiss_index.search(kNq, q.data(), kK, fd.data(), fl.data());
    ASSERT_TRUE(
        kiln_index.Search(q.data(), kNq, kK, {.nprobe = nprobe}, kd.data(), kl.data(), env.ctx)
            .ok());
    EXPECT_TRUE(SameResults(fd.data(), fl.data(), kd.data(), kl.data(), kNq, kK, 1e-3f, 1e-4f))
        << "nprobe " << nprobe;
  }
}

using Case = std::tuple<size_t, size_t, Metric, bool>;  // M, nbits, metric, IDMap

std::string Name(const ::testing::TestParamInfo<Case>& info) {
  const auto& [m, nbits, metric, id_map] = info.param;
  return "PQ" + std::to_string(m) + "x" + std::to_string(nbits) + "_" +
         std::string(MetricName(metric)) + (id_map ? "_IDMap" : "");
}

class IvfPqKilnToFaissTest : public ::testing::TestWithParam<Case> {};

TEST_P(IvfPqKilnToFaissTest, FaissLoadsKilnFileAndReturnsTheSameResults) {
  const auto& [m, nbits, metric, id_map] = GetParam();
  std::vector<float> x = ClusteredVectors(kN, kD, 40, 1.0f, 1);
  std::vector<float> q = ClusteredVectors(kNq, kD, 40, 1.0f, 2);
  const std::vector<idx_t> ids = RandomIds(kN, 3);
  TestEnv env;
  std::unique_ptr<index::Index> idx =
      std::make_unique<index::IvfPqIndex>(kD, metric, kNlist, m, nbits);
  if (id_map) idx = std::make_unique<index::IdMapIndex>(std::move(idx));
  ASSERT_TRUE(idx->Train(x.data(), kN, env.ctx).ok());
  if (auto* map = dynamic_cast<index::IdMapIndex*>(idx.get())) {
    ASSERT_TRUE(map->AddWithIds(x.data(), ids.data(), kN, env.ctx).ok());
  } else {
    ASSERT_TRUE(idx->Add(x.data(), kN, env.ctx).ok());
  }
  std::unique_ptr<faiss::Index> loaded = FaissRead(KilnBytes(*idx));
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(loaded->ntotal, faiss::Index::idx_t(kN));
  EXPECT_EQ(loaded->metric_type, FaissMetric(metric));
  auto* ivf = dynamic_cast<faiss::IndexIVFPQ*>(AsIvf(loaded.get()));
  ASSERT_NE(ivf, nullptr);
  EXPECT_TRUE(ivf->by_residual);
  EXPECT_EQ(ivf->pq.M, m);
  EXPECT_EQ(ivf->pq.nbits, nbits);
  // Faiss precomputes its L2 tables on load (use_precomputed_table 1).
  if (metric == Metric::kL2) {
    EXPECT_EQ(ivf->use_precomputed_table, 1);
  }
  ExpectSameSearch(*loaded, *idx, q);
}

INSTANTIATE_TEST_SUITE_P(
    Matrix, IvfPqKilnToFaissTest,
    ::testing::Combine(::testing::Values(size_t{8}, size_t{16}), ::testing::Values(size_t{8}, size_t{4}),
                       ::testing::Values(Metric::kL2, Metric::kInnerProduct), ::testing::Bool()),
    Name);

class IvfPqFaissToKilnTest : public ::testing::TestWithParam<Case> {};

TEST_P(IvfPqFaissToKilnTest, KilnLoadsFaissFileAndRewritesItByteForByte) {
  const auto& [m, nbits, metric, id_map] = GetParam();
  std::string body = fmt::format("IVF{},PQ{}", kNlist, m);
  if (nbits != 8) body += fmt::format("x{}", nbits);
  const std::string prefix = id_map ? "IDMap," : "";
  const std::string factory = fmt::format("{}{}np", prefix, body);
  std::vector<float> x = ClusteredVectors(kN, kD, 40, 1.0f, 4);
  std::vector<float> q = ClusteredVectors(kNq, kD, 40, 1.0f, 5);
  const std::vector<idx_t> ids = RandomIds(kN, 6);
  std::unique_ptr<faiss::Index> fidx(
      faiss::index_factory(int(kD), factory.c_str(), FaissMetric(metric)));
  fidx->train(kN, x.data());
  if (id_map) {
    fidx->add_with_ids(kN, x.data(), ids.data());
  } else {
    fidx->add(kN, x.data());
  }
  const std::string bytes = FaissBytes(*fidx);
  auto kiln_index = KilnRead(bytes, "faiss.index");
  ASSERT_NE(kiln_index, nullptr);
  EXPECT_EQ(kiln_index->Describe(), prefix + body);
  EXPECT_TRUE(SameBytes(KilnBytes(*kiln_index), bytes)) << "kiln's rewrite of Faiss's file";
  ExpectSameSearch(*fidx, *kiln_index, q);
}

INSTANTIATE_TEST_SUITE_P(Matrix, IvfPqFaissToKilnTest,
                         ::testing::Values(Case{8, 8, Metric::kL2, false},
                                           Case{8, 8, Metric::kInnerProduct, false},
                                           Case{8, 8, Metric::kL2, true},
                                           Case{16, 4, Metric::kInnerProduct, true},
                                           Case{16, 4, Metric::kL2, false}),
                         Name);

class IvfPqCodesTest : public ::testing::TestWithParam<std::tuple<size_t, Metric>> {};

TEST_P(IvfPqCodesTest, ListCodesMatchFaissGivenTheSameCentroids) {
  const auto& [nbits, metric] = GetParam();
  const size_t m = 8;
  std::vector<float> x = ClusteredVectors(kN, kD, 40, 1.0f, 7);
  TestEnv env;
  index::IvfPqIndex idx(kD, metric, kNlist, m, nbits);
  ASSERT_TRUE(idx.Train(x.data(), kN, env.ctx).ok());
  ASSERT_TRUE(idx.Add(x.data(), kN, env.ctx).ok());

  std::unique_ptr<faiss::IndexFlat> quantizer =
      metric == Metric::kL2 ? std::unique_ptr<faiss::IndexFlat>(new faiss::IndexFlatL2(kD))
                            : std::unique_ptr<faiss::IndexFlat>(new faiss::IndexFlatIP(kD));
  quantizer->add(kNlist, idx.quantizer()->vectors());
  faiss::IndexIVFPQ fidx(quantizer.get(), kD, kNlist, m, nbits, FaissMetric(metric));
  fidx.pq.centroids = idx.pq().centroids();
  fidx.is_trained = true;
  fidx.add(kN, x.data());
  const size_t cs = idx.code_size();
  ASSERT_EQ(fidx.code_size, cs);
  for (size_t l = 0; l < kNlist; ++l) {
    const size_t size = idx.lists().list_size(l);
    ASSERT_EQ(fidx.invlists->list_size(l), size) << "list " << l;
    const idx_t* ids = idx.lists().ids(l);
    const uint8_t* codes = idx.lists().codes(l);
    for (size_t j = 0; j < size; ++j) {
      ASSERT_EQ(fidx.invlists->get_single_id(l, j), ids[j]) << "list " << l << " entry " << j;
      const uint8_t* theirs = fidx.invlists->get_single_code(l, j);
      ASSERT_TRUE(std::equal(codes + j * cs, codes + (j + 1) * cs, theirs))
          << "list " << l << " entry " << j;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(BitsAndMetrics, IvfPqCodesTest,
                         ::testing::Combine(::testing::Values(size_t{8}, size_t{4}),
                                            ::testing::Values(Metric::kL2, Metric::kInnerProduct)));

TEST(IvfPqCompat, NbitsAbove8NeedsTheOptIn) {
  std::vector<float> x = ClusteredVectors(3000, 8, 20, 1.0f, 8);
  TestEnv env;
  index::IdMapIndex idx(std::make_unique<index::IvfPqIndex>(8, Metric::kL2, 4, 2, 10));
  ASSERT_TRUE(idx.Train(x.data(), 3000, env.ctx).ok());
  StringSink refused;
  const Status status = format::WriteFaissIndex(idx, refused);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("nbits = 10 > 8"), std::string::npos) << status.message();
  StringSink sink;
  ASSERT_TRUE(format::WriteFaissIndex(idx, sink, {.allow_non_faiss_173 = true}).ok());
  const std::string bytes = sink.Release();
  auto back = KilnRead(bytes, "nbits10.index");
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->Describe(), "IDMap,IVF4,PQ2x10");
}

}  // namespace
}  // namespace kiln::compat
