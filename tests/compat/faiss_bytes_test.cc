// Byte-exact files: for the same vectors (and, for IVF, the same centroids and
// the same adds), kiln writes exactly the bytes faiss::write_index writes.
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>

#include <tuple>

#include "compat_support.h"
#include "kiln/index/flat_index.h"
#include "kiln/index/ivf_flat_index.h"

namespace kiln::compat {
namespace {

using index::testing::ClusteredVectors;
using index::testing::RandomVectors;

class FlatBytesTest : public ::testing::TestWithParam<std::tuple<Metric, bool>> {};

TEST_P(FlatBytesTest, SameBytesAsFaiss) {
  const auto [metric, id_map] = GetParam();
  const size_t n = 2000, d = 8;
  std::vector<float> x = RandomVectors(n, d, 21);
  const std::vector<idx_t> ids = RandomIds(n, 22);
  auto kiln_index = BuildKiln(id_map ? "IDMap,Flat" : "Flat", x, d, metric, ids);

  faiss::IndexFlat flat(int(d), FaissMetric(metric));
  faiss::IndexIDMap map(&flat);
  if (id_map) {
    map.add_with_ids(n, x.data(), ids.data());
  } else {
    flat.add(n, x.data());
  }
  const std::string faiss_bytes = FaissBytes(id_map ? static_cast<faiss::Index&>(map) : flat);
  EXPECT_TRUE(SameBytes(KilnBytes(*kiln_index), faiss_bytes));
  if (!id_map && metric == Metric::kL2) {
    EXPECT_EQ(faiss_bytes.size(), 64045u);  // the reference appendix's size
  }
}

INSTANTIATE_TEST_SUITE_P(Metrics, FlatBytesTest,
                         ::testing::Combine(::testing::Values(Metric::kL2, Metric::kInnerProduct),
                                            ::testing::Bool()),
                         [](const auto& info) {
                           return std::string(MetricName(std::get<0>(info.param))) +
                                  (std::get<1>(info.param) ? "_IDMap" : "");
                         });

class IvfBytesTest : public ::testing::TestWithParam<std::tuple<size_t, Metric, bool>> {};

// Faiss's IVF gets kiln's trained centroids in its quantizer (so it counts as
// trained) and the same vectors in the same order.
TEST_P(IvfBytesTest, SameBytesAsFaissGivenTheSameCentroids) {
  const auto [nlist, metric, id_map] = GetParam();
  const size_t n = 6000, d = 32;
  std::vector<float> x = ClusteredVectors(n, d, nlist, 0.5f, 23);
  const std::vector<idx_t> ids = RandomIds(n, 24);
  const std::string factory = fmt::format("{}IVF{},Flat", id_map ? "IDMap," : "", nlist);
  auto kiln_index = BuildKiln(factory, x, d, metric, ids);
  const index::Index* inner = kiln_index.get();
  if (id_map) inner = &dynamic_cast<const index::IdMapIndex&>(*kiln_index).inner();
  const auto& kiln_ivf = dynamic_cast<const index::IvfFlatIndex&>(*inner);

  faiss::IndexFlat quantizer(int(d), FaissMetric(metric));
  quantizer.add(nlist, kiln_ivf.quantizer()->vectors());
  faiss::IndexIVFFlat ivf(&quantizer, d, nlist, FaissMetric(metric));
  ASSERT_TRUE(ivf.is_trained);
  faiss::IndexIDMap map(&ivf);
  if (id_map) {
    map.add_with_ids(n, x.data(), ids.data());
  } else {
    ivf.add(n, x.data());
  }
  const std::string faiss_bytes = FaissBytes(id_map ? static_cast<faiss::Index&>(map) : ivf);
  EXPECT_TRUE(SameBytes(KilnBytes(*kiln_index), faiss_bytes));
}

INSTANTIATE_TEST_SUITE_P(Matrix, IvfBytesTest,
                         ::testing::Combine(::testing::Values(size_t{16}, size_t{64}),
                                            ::testing::Values(Metric::kL2, Metric::kInnerProduct),
                                            ::testing::Bool()),
                         [](const auto& info) {
                           return fmt::format("IVF{}_{}{}", std::get<0>(info.param),
                                              MetricName(std::get<1>(info.param)),
                                              std::get<2>(info.param) ? "_IDMap" : "");
                         });

}  // namespace
}  // namespace kiln::compat
