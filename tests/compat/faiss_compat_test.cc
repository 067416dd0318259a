// kiln ⇄ Faiss 1.7.3 search equivalence: kiln's files load with
// faiss::read_index and return kiln's top-10; Faiss's files load with
// kiln's ReadFaissIndex and return Faiss's top-10. Labels must match except
// at exact distance ties (distances within 1e-4 relative at the differing
// rank); distances within 1e-3 relative.
#include <faiss/IndexFlat.h>
#include <faiss/index_factory.h>

#include <cstdio>
#include <filesystem>
#include <tuple>

#include "compat_support.h"

namespace kiln::compat {
namespace {

using index::testing::Normalized;
using index::testing::RandomVectors;
using index::testing::SameResults;

constexpr size_t kN = 4000, kD = 32, kNq = 100, kK = 10;

std::vector<size_t> NprobesFor(const std::string& body) {
  if (body == "Flat") return {1};
  const size_t nlist = std::stoul(body.substr(3));
  return {1, 4, nlist};
}

// Searches Faiss (queries already prepared) and kiln (raw queries) and
// compares, Faiss's answer as the expectation.
void ExpectSameSearch(faiss::Index& faiss_index, const index::Index& kiln_index,
                      const std::vector<float>& q, const std::vector<float>& faiss_q,
                      const std::vector<size_t>& nprobes) {
  TestEnv env;
  for (size_t nprobe : nprobes) {
    if (faiss::IndexIVF* ivf = AsIvf(&faiss_index)) ivf->nprobe = nprobe;
    std::vector<float> fd(kNq * kK), kd(kNq * kK);
    std::vector<faiss::Index::idx_t> fl(kNq * kK);
    std::vector<idx_t> kl(kNq * kK);
    faiss_index.search(kNq, faiss_q.data(), kK, fd.data(), fl.data());
    ASSERT_TRUE(
        kiln_index.Search(q.data(), kNq, kK, {.nprobe = nprobe}, kd.data(), kl.data(), env.ctx)
            .ok());
    EXPECT_TRUE(SameResults(fd.data(), fl.data(), kd.data(), kl.data(), kNq, kK, 1e-3f, 1e-4f))
        << "nprobe " << nprobe;
  }
}

using Case = std::tuple<std::string, Metric, bool>;  // body, metric, IDMap

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string body = std::get<0>(info.param);
  body = body.substr(0, body.find(','));
  return body + "_" + std::string(MetricName(std::get<1>(info.param))) +
         (std::get<2>(info.param) ? "_IDMap" : "");
}

class KilnToFaissTest : public ::testing::TestWithParam<Case> {};

TEST_P(KilnToFaissTest, FaissLoadsKilnFileAndReturnsTheSameResults) {
  const auto& [body, metric, id_map] = GetParam();
  const std::string factory = id_map ? "IDMap," + body : body;
  std::vector<float> x = RandomVectors(kN, kD, 1);
  std::vector<float> q = RandomVectors(kNq, kD, 2);
  const std::vector<idx_t> ids = RandomIds(kN, 3);
  auto kiln_index = BuildKiln(factory, x, kD, metric, ids);
  const std::string bytes = KilnBytes(*kiln_index);

  std::unique_ptr<faiss::Index> loaded = FaissRead(bytes);
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(loaded->d, int(kD));
  EXPECT_EQ(loaded->ntotal, faiss::Index::idx_t(kN));
  EXPECT_TRUE(loaded->is_trained);
  EXPECT_EQ(loaded->metric_type, FaissMetric(metric));
  EXPECT_EQ(AsIvf(loaded.get()) != nullptr, body != "Flat");
  if (id_map) {
    auto* map = dynamic_cast<faiss::IndexIDMap*>(loaded.get());
    ASSERT_NE(map, nullptr);
    EXPECT_TRUE(std::equal(ids.begin(), ids.end(), map->id_map.begin(), map->id_map.end()));
  }
  const std::vector<float> faiss_q = metric == Metric::kCosine ? Normalized(q.data(), kNq, kD) : q;
  ExpectSameSearch(*loaded, *kiln_index, q, faiss_q, NprobesFor(body));
}

INSTANTIATE_TEST_SUITE_P(Matrix, KilnToFaissTest,
                         ::testing::Combine(::testing::Values("Flat", "IVF16,Flat", "IVF64,Flat"),
                                            ::testing::Values(Metric::kL2, Metric::kInnerProduct,
                                                              Metric::kCosine),
                                            ::testing::Bool()),
                         CaseName);

class FaissToKilnTest : public ::testing::TestWithParam<Case> {};

// Faiss builds with index_factory (cosine: an IP index over unit vectors),
// kiln reads the file, searches the same, and rewrites the same bytes.
TEST_P(FaissToKilnTest, KilnLoadsFaissFileAndReturnsTheSameResults) {
  const auto& [body, metric, id_map] = GetParam();
  const std::string factory = id_map ? "IDMap," + body : body;
  std::vector<float> x = RandomVectors(kN, kD, 4);
  std::vector<float> q = RandomVectors(kNq, kD, 5);
  if (metric == Metric::kCosine) {
    x = Normalized(x.data(), kN, kD);
    q = Normalized(q.data(), kNq, kD);
  }
  const std::vector<idx_t> ids = RandomIds(kN, 6);
  std::unique_ptr<faiss::Index> faiss_index(
      faiss::index_factory(int(kD), factory.c_str(), FaissMetric(metric)));
  faiss_index->train(kN, x.data());
  if (id_map) {
    faiss_index->add_with_ids(kN, x.data(), ids.data());
  } else {
    faiss_index->add(kN, x.data());
  }
  const std::string bytes = FaissBytes(*faiss_index);
  auto kiln_index = KilnRead(bytes, "faiss.index");
  ASSERT_NE(kiln_index, nullptr);
  EXPECT_EQ(kiln_index->Describe(), factory);
  EXPECT_EQ(kiln_index->ntotal(), kN);
  EXPECT_EQ(kiln_index->metric(), metric == Metric::kL2 ? Metric::kL2 : Metric::kInnerProduct);
  EXPECT_TRUE(SameBytes(KilnBytes(*kiln_index), bytes)) << "kiln's rewrite of Faiss's file";
  ExpectSameSearch(*faiss_index, *kiln_index, q, q, NprobesFor(body));
}

INSTANTIATE_TEST_SUITE_P(Matrix, FaissToKilnTest,
                         ::testing::Combine(::testing::Values("Flat", "IVF16,Flat", "IVF64,Flat"),
                                            ::testing::Values(Metric::kL2, Metric::kInnerProduct,
                                                              Metric::kCosine),
                                            ::testing::Bool()),
                         CaseName);

// An IVF given ids directly (no IDMap): its lists hold arbitrary ids, which
// kiln keeps and returns.
TEST(FaissToKilnTest, IvfWithIdsInTheLists) {
  std::vector<float> x = RandomVectors(kN, kD, 7);
  std::vector<float> q = RandomVectors(kNq, kD, 8);
  const std::vector<idx_t> ids = RandomIds(kN, 9);
  std::unique_ptr<faiss::Index> faiss_index(
      faiss::index_factory(int(kD), "IVF32,Flat", faiss::METRIC_L2));
  faiss_index->train(kN, x.data());
  faiss_index->add_with_ids(kN, x.data(), ids.data());
  const std::string bytes = FaissBytes(*faiss_index);
  auto kiln_index = KilnRead(bytes, "ids.index");
  ASSERT_NE(kiln_index, nullptr);
  EXPECT_TRUE(SameBytes(KilnBytes(*kiln_index), bytes));
  ExpectSameSearch(*faiss_index, *kiln_index, q, q, {1, 4, 32});
}

// The whole path through a real file: AtomicFileSink → faiss::read_index(path).
TEST(KilnToFaissTest, ThroughAFileOnDisk) {
  std::vector<float> x = RandomVectors(kN, kD, 10);
  std::vector<float> q = RandomVectors(kNq, kD, 11);
  auto kiln_index = BuildKiln("IDMap,IVF16,Flat", x, kD, Metric::kInnerProduct, RandomIds(kN, 12));
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("kiln_compat_" + std::to_string(::getpid()) + ".index"))
                               .string();
  auto sink = AtomicFileSink::Create(path);
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  ASSERT_TRUE(format::WriteFaissIndex(*kiln_index, **sink).ok());
  ASSERT_TRUE((*sink)->Publish().ok());
  std::unique_ptr<faiss::Index> loaded(faiss::read_index(path.c_str()));
  std::filesystem::remove(path);
  ASSERT_NE(loaded, nullptr);
  ExpectSameSearch(*loaded, *kiln_index, q, q, {1, 16});
}

}  // namespace
}  // namespace kiln::compat
