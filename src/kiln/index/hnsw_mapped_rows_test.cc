// HnswIndex::AddOwnedMapped and FlatIndex::FromMappedRows: an HNSW-Flat
// built from rows in a mapped file stores them in place.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "kiln/base/check.h"
#include "kiln/base/mapped_file.h"
#include "kiln/index/flat_index.h"
#include "kiln/index/hnsw_index.h"
#include "kiln/index/index_test_support.h"

namespace kiln::index {
namespace {
namespace fs = std::filesystem;
using testing::ClusteredVectors;
using testing::Normalized;
using testing::TestEnv;

// x written to a temporary file and mapped (the file is removed at once: the
// mapping keeps its bytes).
std::shared_ptr<MappedFile> MapRows(const std::vector<float>& x, const std::string& name) {
  const fs::path path = fs::temp_directory_path() / fmt::format("kiln_{}_{}.f32", name, ::getpid());
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(x.data()), static_cast<std::streamsize>(x.size() * sizeof(float)));
  auto mapped = MappedFile::Open(path.string());
  fs::remove(path);
  KILN_CHECK(mapped.ok());
  return *mapped;
}

TEST(HnswMappedRowsTest, RowsStayInTheFileAndTheGraphIsAddsGraph) {
  // Lossy codes (re-ranked on fine codes) and exact ones (small integers), L2
  // and inner product: on one thread the same graph as Add, the stored rows
  // are the file's bytes in place, and searches agree.
  const size_t n = 20000, d = 8, nq = 50, k = 10;
  std::vector<float> lossy = ClusteredVectors(n, d, 40, 1.0f, 81);
  std::vector<float> exact(n * d);
  for (size_t i = 0; i < exact.size(); ++i) exact[i] = static_cast<float>((i * 37 + i / d) % 200);
  for (const auto* x : {&lossy, &exact}) {
    for (Metric metric : {Metric::kL2, Metric::kInnerProduct}) {
      const std::string what = fmt::format("{} {}", x == &lossy ? "lossy" : "exact", MetricName(metric));
      TestEnv env(1);
      HnswIndex added(d, metric, 8, 5);
      ASSERT_TRUE(added.Add(x->data(), n, env.ctx).ok()) << what;
      std::shared_ptr<MappedFile> file = MapRows(*x, "hnsw_mapped");
      const auto* rows = reinterpret_cast<const float*>(file->data());
      HnswIndex mapped(d, metric, 8, 5);
      size_t released = 0;
      const auto release = [&](size_t b, size_t e) { released += e - b; };
      ASSERT_TRUE(mapped.AddOwnedMapped(rows, n, release, file, env.ctx).ok()) << what;
      EXPECT_GE(released, n) << what;
      EXPECT_EQ(mapped.graph().neighbors, added.graph().neighbors) << what;
      const auto& stored = static_cast<const FlatIndex&>(mapped.storage());
      EXPECT_EQ(stored.rows_file(), file.get()) << what;
      EXPECT_EQ(stored.vectors(), rows) << what;  // in place, not a copy
      EXPECT_EQ(stored.ntotal(), n) << what;
      file.reset();  // the index keeps the file mapped
      std::vector<float> da(nq * k), dm(nq * k);
      std::vector<idx_t> la(nq * k), lm(nq * k);
      ASSERT_TRUE(added.Search(x->data(), nq, k, {}, da.data(), la.data(), env.ctx).ok());
      ASSERT_TRUE(mapped.Search(x->data(), nq, k, {}, dm.data(), lm.data(), env.ctx).ok());
      EXPECT_EQ(lm, la) << what;
      EXPECT_EQ(dm, da) << what;
    }
  }
}

TEST(HnswMappedRowsTest, CosineRowsAreNormalizedCopies) {
  const size_t n = 3000, d = 8;
  const std::vector<float> x = ClusteredVectors(n, d, 10, 1.0f, 82);
  std::shared_ptr<MappedFile> file = MapRows(x, "hnsw_cosine");
  TestEnv env(1);
  HnswIndex index(d, Metric::kCosine, 8, 5);
  ASSERT_TRUE(index.AddOwnedMapped(reinterpret_cast<const float*>(file->data()), n, [](size_t, size_t) {}, file,
                                   env.ctx).ok());
  const auto& stored = static_cast<const FlatIndex&>(index.storage());
  EXPECT_EQ(stored.rows_file(), nullptr);
  const std::vector<float> unit = Normalized(x.data(), n, d);
  for (size_t i = 0; i < n * d; ++i) ASSERT_NEAR(stored.vectors()[i], unit[i], 1e-6f) << i;
}

TEST(FlatIndexMappedRowsTest, SearchesInPlaceAndAddCopiesTheRowsIn) {
  const size_t n = 500, d = 6, k = 5;
  const std::vector<float> x = ClusteredVectors(n + 100, d, 8, 1.0f, 83);
  const std::vector<float> first(x.begin(), x.begin() + static_cast<ptrdiff_t>(n * d));
  std::shared_ptr<MappedFile> file = MapRows(first, "flat_mapped");
  TestEnv env(2);
  auto owned = FlatIndex::FromVectors(d, Metric::kL2, first);
  ASSERT_TRUE(owned.ok());
  auto mapped = FlatIndex::FromMappedRows(d, Metric::kL2, reinterpret_cast<const float*>(file->data()), n, file);
  EXPECT_EQ(mapped->ntotal(), n);
  EXPECT_TRUE(mapped->norms().empty());  // computed by the search that needs them
  std::vector<float> d1(10 * k), d2(10 * k);
  std::vector<idx_t> l1(10 * k), l2(10 * k);
  ASSERT_TRUE((*owned)->Search(x.data(), 10, k, {}, d1.data(), l1.data(), env.ctx).ok());
  ASSERT_TRUE(mapped->Search(x.data(), 10, k, {}, d2.data(), l2.data(), env.ctx).ok());
  EXPECT_EQ(l1, l2);
  // Add: the rows in the file become owned ones, then the new rows follow.
  ASSERT_TRUE(mapped->Add(x.data() + n * d, 100, env.ctx).ok());
  ASSERT_TRUE((*owned)->Add(x.data() + n * d, 100, env.ctx).ok());
  EXPECT_EQ(mapped->rows_file(), nullptr);
  EXPECT_EQ(mapped->ntotal(), n + 100);
  EXPECT_TRUE(std::equal(x.begin(), x.end(), mapped->vectors()));
  EXPECT_EQ(mapped->norms(), (*owned)->norms());
}

}  // namespace
}  // namespace kiln::index
