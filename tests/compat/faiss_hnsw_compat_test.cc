// HNSW compatibility with Faiss 1.7.3: kiln's IHNf / IHNs files (plain and
// inside IxMp) load in Faiss with the same graph, and Faiss's HNSW search on
// them returns kiln's answers at the same efSearch (>= 99.5% of 1000 queries
// identical, recall@10 within 0.002); Faiss's own IndexHNSWFlat files load in
// kiln with the same graph and the same answers.
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>

#include "compat_support.h"
#include "kiln/index/hnsw_index.h"

namespace kiln::compat {
namespace {

using index::testing::BruteForceKnn;
using index::testing::ClusteredVectors;

constexpr size_t kN = 5000, kD = 32, kNq = 1000, kK = 10;

double Recall(const std::vector<idx_t>& exact, const std::vector<idx_t>& got) {
  size_t hits = 0;
  for (size_t q = 0; q < kNq; ++q)
    for (size_t i = 0; i < kK; ++i)
      for (size_t j = 0; j < kK; ++j)
        if (got[q * kK + i] == exact[q * kK + j]) {
          ++hits;
          break;
        }
  return static_cast<double>(hits) / static_cast<double>(kNq * kK);
}

faiss::IndexHNSW* AsHnsw(faiss::Index* idx) {
  if (auto* map = dynamic_cast<faiss::IndexIDMap*>(idx)) idx = map->index;
  return dynamic_cast<faiss::IndexHNSW*>(idx);
}

const index::HnswIndex& KilnHnsw(const index::Index& idx) {
  const index::Index* inner = &idx;
  if (const auto* map = dynamic_cast<const index::IdMapIndex*>(inner)) inner = &map->inner();
  return dynamic_cast<const index::HnswIndex&>(*inner);
}

struct Data {
  std::vector<float> x, q;
  std::vector<idx_t> ids;
};

Data MakeData() {
  Data data;
  data.x = ClusteredVectors(kN + kNq, kD, 30, 1.0f, 5);
  data.q.assign(data.x.begin() + kN * kD, data.x.end());
  data.x.resize(kN * kD);
  data.ids = RandomIds(kN, 9);
  return data;
}

class HnswCompatTest : public ::testing::TestWithParam<std::tuple<const char*, Metric>> {};

TEST_P(HnswCompatTest, FaissLoadsKilnFilesAndFindsTheSame) {
  const auto [factory, metric] = GetParam();
  const Data data = MakeData();
  auto kiln_index = BuildKiln(factory, data.x, kD, metric, data.ids);
  const index::HnswIndex& kh = KilnHnsw(*kiln_index);
  const std::string bytes = KilnBytes(*kiln_index);
  std::unique_ptr<faiss::Index> faiss_index = FaissRead(bytes);
  faiss::IndexHNSW* fh = AsHnsw(faiss_index.get());
  ASSERT_NE(fh, nullptr);
  EXPECT_EQ(faiss_index->ntotal, static_cast<int64_t>(kN));
  EXPECT_EQ(faiss_index->metric_type, FaissMetric(metric));
  // The same graph, as Faiss sees it.
  EXPECT_EQ(fh->hnsw.entry_point, kh.graph().entry_point);
  EXPECT_EQ(fh->hnsw.max_level, kh.graph().max_level);
  EXPECT_EQ(fh->hnsw.efConstruction, static_cast<int>(kh.ef_construction()));
  ASSERT_EQ(fh->hnsw.neighbors.size(), kh.graph().neighbors.size());
  for (size_t i = 0; i < kh.graph().neighbors.size(); ++i)
    ASSERT_EQ(fh->hnsw.neighbors[i], kh.graph().neighbors[i]) << "slot " << i;

  // Ground truth over the vectors as kiln stores them (cosine: normalised).
  std::vector<float> ed(kNq * kK);
  std::vector<idx_t> el(kNq * kK);
  BruteForceKnn(data.q.data(), kNq, data.x.data(), kN, kD, metric, kK, ed.data(), el.data());
  const bool id_map = std::string(factory).starts_with("IDMap");
  if (id_map)
    for (idx_t& l : el) l = data.ids[static_cast<size_t>(l)];
  std::vector<float> queries = data.q;
  if (metric == Metric::kCosine) queries = index::testing::Normalized(data.q.data(), kNq, kD);
  for (size_t ef : {16, 64}) {
    fh->hnsw.efSearch = static_cast<int>(ef);
    std::vector<float> fd(kNq * kK);
    std::vector<idx_t> fl(kNq * kK);
    faiss_index->search(kNq, queries.data(), kK, fd.data(), fl.data());
    const double fr = Recall(el, fl);
    for (index::HnswWalk walk : {index::HnswWalk::kFaiss, index::HnswWalk::kHnswlib}) {
      const_cast<index::HnswIndex&>(kh).set_walk(walk);
      TestEnv env;
      index::SearchParams params;
      params.ef_search = ef;
      std::vector<float> kd(kNq * kK);
      std::vector<idx_t> kl(kNq * kK);
      ASSERT_TRUE(kiln_index->Search(data.q.data(), kNq, kK, params, kd.data(), kl.data(), env.ctx).ok());
      const double kr = Recall(el, kl);
      size_t same = 0;
      for (size_t q = 0; q < kNq; ++q)
        same += std::equal(kl.begin() + q * kK, kl.begin() + (q + 1) * kK, fl.begin() + q * kK);
      if (walk == index::HnswWalk::kFaiss) {
        // Faiss's own walk: the same answers, query by query (a few may differ
        // where float rounding of a distance flips a comparison).
        EXPECT_GE(same, kNq * 995 / 1000) << factory << " ef " << ef;
        EXPECT_NEAR(kr, fr, 0.002) << factory << " ef " << ef << ": kiln " << kr << ", Faiss " << fr;
        EXPECT_NEAR(kd[0], fd[0], 1e-3f * std::max(1.0f, std::fabs(fd[0])));
      } else {
        // hnswlib's walk finds at least what Faiss's does.
        EXPECT_GE(kr, fr - 0.002) << factory << " ef " << ef << ": kiln " << kr << ", Faiss " << fr;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, HnswCompatTest,
    ::testing::Values(std::make_tuple("IDMap,HNSW16,Flat", Metric::kL2),
                      std::make_tuple("IDMap,HNSW16,Flat", Metric::kInnerProduct),
                      std::make_tuple("HNSW16", Metric::kCosine),
                      std::make_tuple("HNSW16,SQ8", Metric::kL2),
                      std::make_tuple("IDMap,HNSW8,SQ8", Metric::kInnerProduct)),
    [](const auto& info) {
      std::string name = std::get<0>(info.param);
      for (char& c : name)
        if (c == ',') c = '_';
      return name + "_" + std::string(MetricName(std::get<1>(info.param)));
    });

TEST(HnswCompatTest, KilnLoadsFaissHnswFlat) {
  const Data data = MakeData();
  faiss::IndexHNSWFlat fidx(static_cast<int>(kD), 16);
  fidx.hnsw.efConstruction = 80;
  fidx.add(kN, data.x.data());
  auto kiln_index = KilnRead(FaissBytes(fidx), "faiss_hnsw.index");
  ASSERT_NE(kiln_index, nullptr);
  const index::HnswIndex& kh = KilnHnsw(*kiln_index);
  EXPECT_EQ(kh.Describe(), "HNSW16,Flat");
  EXPECT_EQ(kh.graph().neighbors, fidx.hnsw.neighbors);
  std::vector<float> ed(kNq * kK), kd(kNq * kK), fd(kNq * kK);
  std::vector<idx_t> el(kNq * kK), kl(kNq * kK), fl(kNq * kK);
  BruteForceKnn(data.q.data(), kNq, data.x.data(), kN, kD, Metric::kL2, kK, ed.data(), el.data());
  TestEnv env;
  index::SearchParams params;
  params.ef_search = 32;
  ASSERT_TRUE(kiln_index->Search(data.q.data(), kNq, kK, params, kd.data(), kl.data(), env.ctx).ok());
  fidx.hnsw.efSearch = 32;
  fidx.search(kNq, data.q.data(), kK, fd.data(), fl.data());
  EXPECT_NEAR(Recall(el, kl), Recall(el, fl), 0.002);
  size_t same = 0;
  for (size_t q = 0; q < kNq; ++q)
    same += std::equal(kl.begin() + q * kK, kl.begin() + (q + 1) * kK, fl.begin() + q * kK);
  EXPECT_GE(same, kNq * 995 / 1000);
}

}  // namespace
}  // namespace kiln::compat
