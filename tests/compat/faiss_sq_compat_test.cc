// Scalar quantizer compatibility with Faiss 1.7.3: codes byte-identical to
// Faiss's for every qtype 0-6 (given Faiss's trained ranges), kiln's min/max
// training equal to Faiss's, kiln's IxSQ/IwSq files loading in Faiss with the
// same top-10, and Faiss's IVF-SQ files loading in kiln with the same top-10
// (labels equal except at distance ties, distances within 1e-3 relative).
#include <faiss/IndexScalarQuantizer.h>
#include <faiss/index_factory.h>

#include <random>
#include <tuple>

#include "compat_support.h"
#include "kiln/index/ivf_sq_index.h"
#include "kiln/index/sq_index.h"

namespace kiln::compat {
namespace {

using index::testing::RandomVectors;
using index::testing::SameResults;
using quant::SqType;

constexpr size_t kN = 4000, kD = 32, kNq = 100, kK = 10;

std::vector<float> DirectValues(size_t n, size_t d, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 255.99f);
  std::vector<float> x(n * d);
  for (float& v : x) v = u(rng);
  return x;
}

class SqCodesTest : public ::testing::TestWithParam<std::tuple<int, size_t>> {};

TEST_P(SqCodesTest, CodesAndRangesMatchFaiss) {
  const auto [qtype, d] = GetParam();
  const auto type = static_cast<SqType>(qtype);
  const size_t n = 2000;
  std::vector<float> x =
      type == SqType::k8bitDirect ? DirectValues(n, d, 11) : RandomVectors(n, d, 10);
  std::vector<float> y =
      type == SqType::k8bitDirect ? DirectValues(n, d, 13) : RandomVectors(n, d, 12);
  for (size_t i = 0; i < y.size(); i += 7) y[i] *= 1.5f;  // some values outside the ranges
  faiss::IndexScalarQuantizer fidx(int(d), faiss::ScalarQuantizer::QuantizerType(qtype),
                                   faiss::METRIC_L2);
  fidx.train(n, x.data());
  fidx.add(n, y.data());

  TestEnv env;
  quant::ScalarQuantizer trained(d, type);
  ASSERT_TRUE(trained.Train(x.data(), n, env.pool).ok());
  ASSERT_EQ(trained.trained().size(), fidx.sq.trained.size());
  for (size_t i = 0; i < fidx.sq.trained.size(); ++i)
    EXPECT_EQ(trained.trained()[i], fidx.sq.trained[i]) << "trained[" << i << "]";

  auto sq = quant::ScalarQuantizer::FromTrained(d, type, fidx.sq.trained);
  ASSERT_TRUE(sq.ok()) << sq.status().ToString();
  ASSERT_EQ(sq->code_size(), fidx.code_size);
  std::vector<uint8_t> codes(n * sq->code_size());
  sq->Encode(y.data(), n, codes.data(), env.pool);
  ASSERT_EQ(codes.size(), fidx.codes.size());
  for (size_t i = 0; i < codes.size(); ++i)
    ASSERT_EQ(codes[i], fidx.codes[i]) << "byte " << i << " (vector " << i / sq->code_size() << ")";
  // Decoding matches Faiss's reconstruction exactly.
  std::vector<float> mine(d), theirs(d);
  for (size_t r = 0; r < n; r += 97) {
    sq->DecodeOne(codes.data() + r * sq->code_size(), mine.data());
    fidx.reconstruct(faiss::Index::idx_t(r), theirs.data());
    ASSERT_EQ(mine, theirs) << "vector " << r;
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, SqCodesTest,
                         ::testing::Combine(::testing::Range(0, 7),
                                            ::testing::Values(size_t{32}, size_t{37})),
                         [](const auto& info) {
                           return std::string(quant::SqFactoryName(
                                      static_cast<SqType>(std::get<0>(info.param)))) +
                                  "_d" + std::to_string(std::get<1>(info.param));
                         });

void ExpectSameSearch(faiss::Index& faiss_index, const index::Index& kiln_index,
                      const std::vector<float>& q, std::vector<size_t> nprobes) {
  TestEnv env;
  for (size_t nprobe : nprobes) {
    if (faiss::IndexIVF* ivf = AsIvf(&faiss_index)) ivf->nprobe = nprobe;
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

// nlist 0: flat SQ.
using Case = std::tuple<size_t, int, Metric, bool>;  // nlist, qtype, metric, IDMap

std::unique_ptr<index::Index> MakeKiln(size_t nlist, SqType type, Metric metric) {
  if (nlist == 0) return std::make_unique<index::ScalarQuantizerIndex>(kD, metric, type);
  return std::make_unique<index::IvfScalarQuantizerIndex>(kD, metric, nlist, type);
}

std::string Name(const ::testing::TestParamInfo<Case>& info) {
  const auto& [nlist, qtype, metric, id_map] = info.param;
  return (nlist ? "IVF" + std::to_string(nlist) + "_" : std::string()) +
         std::string(quant::SqFactoryName(static_cast<SqType>(qtype))) + "_" +
         std::string(MetricName(metric)) + (id_map ? "_IDMap" : "");
}

class SqKilnToFaissTest : public ::testing::TestWithParam<Case> {};

TEST_P(SqKilnToFaissTest, FaissLoadsKilnFileAndReturnsTheSameResults) {
  const auto& [nlist, qtype, metric, id_map] = GetParam();
  std::vector<float> x = RandomVectors(kN, kD, 1);
  std::vector<float> q = RandomVectors(kNq, kD, 2);
  const std::vector<idx_t> ids = RandomIds(kN, 3);
  TestEnv env;
  std::unique_ptr<index::Index> idx = MakeKiln(nlist, static_cast<SqType>(qtype), metric);
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
  if (nlist > 0) {
    auto* ivf = dynamic_cast<faiss::IndexIVFScalarQuantizer*>(AsIvf(loaded.get()));
    ASSERT_NE(ivf, nullptr);
    EXPECT_TRUE(ivf->by_residual);
  }
  ExpectSameSearch(*loaded, *idx, q, nlist ? std::vector<size_t>{1, 8, nlist} : std::vector<size_t>{1});
}

INSTANTIATE_TEST_SUITE_P(
    Matrix, SqKilnToFaissTest,
    ::testing::Values(Case{0, 0, Metric::kL2, false}, Case{0, 0, Metric::kInnerProduct, true},
                      Case{0, 1, Metric::kL2, true}, Case{0, 4, Metric::kInnerProduct, false},
                      Case{0, 6, Metric::kL2, false}, Case{64, 0, Metric::kL2, false},
                      Case{64, 0, Metric::kL2, true}, Case{64, 0, Metric::kInnerProduct, false},
                      Case{64, 0, Metric::kInnerProduct, true}, Case{64, 1, Metric::kL2, false},
                      Case{64, 1, Metric::kInnerProduct, true}, Case{64, 4, Metric::kL2, true},
                      Case{64, 4, Metric::kInnerProduct, false}, Case{64, 6, Metric::kL2, false},
                      Case{64, 6, Metric::kInnerProduct, true}, Case{64, 2, Metric::kL2, false},
                      Case{64, 3, Metric::kInnerProduct, false}),
    Name);

class SqFaissToKilnTest : public ::testing::TestWithParam<Case> {};

TEST_P(SqFaissToKilnTest, KilnLoadsFaissFileAndReturnsTheSameResults) {
  const auto& [nlist, qtype, metric, id_map] = GetParam();
  const std::string body =
      (nlist ? "IVF" + std::to_string(nlist) + "," : std::string()) +
      std::string(quant::SqFactoryName(static_cast<SqType>(qtype)));
  const std::string factory = id_map ? "IDMap," + body : body;
  std::vector<float> x = RandomVectors(kN, kD, 4);
  std::vector<float> q = RandomVectors(kNq, kD, 5);
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
  EXPECT_EQ(kiln_index->Describe(), factory);
  EXPECT_TRUE(SameBytes(KilnBytes(*kiln_index), bytes)) << "kiln's rewrite of Faiss's file";
  ExpectSameSearch(*fidx, *kiln_index, q,
                   nlist ? std::vector<size_t>{1, 8, nlist} : std::vector<size_t>{1});
}

INSTANTIATE_TEST_SUITE_P(
    Matrix, SqFaissToKilnTest,
    ::testing::Values(Case{0, 0, Metric::kL2, false}, Case{0, 1, Metric::kInnerProduct, true},
                      Case{0, 4, Metric::kL2, false}, Case{64, 0, Metric::kL2, false},
                      Case{64, 0, Metric::kInnerProduct, true}, Case{64, 1, Metric::kL2, true},
                      Case{64, 1, Metric::kInnerProduct, false}, Case{64, 4, Metric::kL2, false},
                      Case{64, 4, Metric::kInnerProduct, false}, Case{64, 6, Metric::kL2, false},
                      Case{64, 6, Metric::kInnerProduct, true}),
    Name);

TEST(SqCompat, ResidualIvfRecallOnClusteredData) {
  std::vector<float> x = index::testing::ClusteredVectors(kN, kD, 40, 1.0f, 21);
  std::vector<float> q = index::testing::ClusteredVectors(kNq, kD, 40, 1.0f, 21);
  TestEnv env;
  index::IvfScalarQuantizerIndex idx(kD, Metric::kL2, 64, SqType::k8bit);
  ASSERT_TRUE(idx.Train(x.data(), kN, env.ctx).ok());
  ASSERT_TRUE(idx.Add(x.data(), kN, env.ctx).ok());
  std::vector<float> ed(kNq * kK), kd(kNq * kK);
  std::vector<idx_t> el(kNq * kK), kl(kNq * kK);
  index::testing::BruteForceKnn(q.data(), kNq, x.data(), kN, kD, Metric::kL2, kK, ed.data(),
                                el.data());
  ASSERT_TRUE(idx.Search(q.data(), kNq, kK, {.nprobe = 16}, kd.data(), kl.data(), env.ctx).ok());
  size_t hits = 0;
  for (size_t i = 0; i < kNq; ++i)
    for (size_t a = 0; a < kK; ++a)
      for (size_t b = 0; b < kK; ++b) hits += el[i * kK + a] == kl[i * kK + b];
  EXPECT_GE(double(hits) / double(kNq * kK), 0.9);
}

}  // namespace
}  // namespace kiln::compat
