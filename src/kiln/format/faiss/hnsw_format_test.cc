#include <gtest/gtest.h>

#include "kiln/format/faiss/faiss_reader.h"
#include "kiln/format/faiss/format_test_support.h"
#include "kiln/format/faiss/hnsw_records.h"
#include "kiln/format/faiss/inspect.h"
#include "kiln/index/hnsw_index.h"

namespace kiln::format {
namespace {

using testing::At;
using testing::BuildIndex;
using testing::Bytes;
using testing::Put;
using testing::Serialize;

// Offsets inside an IHNf file of n nodes (header 33 bytes after the fourcc).
constexpr size_t kBlock = 4 + kIndexHeaderSize;

const index::HnswIndex& Hnsw(const index::Index& idx) {
  const index::Index* inner = &idx;
  if (const auto* map = dynamic_cast<const index::IdMapIndex*>(inner)) inner = &map->inner();
  return dynamic_cast<const index::HnswIndex&>(*inner);
}

void ExpectSameSearch(const index::Index& a, const index::Index& b, size_t d) {
  index::testing::TestEnv env;
  const size_t nq = 20, k = 5;
  const std::vector<float> q = index::testing::RandomVectors(nq, d, 77);
  std::vector<float> da(nq * k), db(nq * k);
  std::vector<idx_t> la(nq * k), lb(nq * k);
  index::SearchParams params;
  params.ef_search = 32;
  ASSERT_TRUE(a.Search(q.data(), nq, k, params, da.data(), la.data(), env.ctx).ok());
  ASSERT_TRUE(b.Search(q.data(), nq, k, params, db.data(), lb.data(), env.ctx).ok());
  EXPECT_EQ(la, lb);
  EXPECT_EQ(da, db);
}

TEST(HnswFormatTest, RoundTripsFlatSqAndIdMap) {
  const size_t n = 400, d = 8;
  for (const char* factory : {"HNSW8", "HNSW6,SQ8", "IDMap,HNSW8,Flat", "HNSW4,SQfp16"}) {
    for (Metric metric : {Metric::kL2, Metric::kInnerProduct}) {
      auto idx = BuildIndex(factory, n, d, metric);
      const std::string bytes = Serialize(*idx);
      const bool sq = std::string(factory).find("SQ") != std::string::npos;
      const size_t at = std::string(factory).starts_with("IDMap") ? kBlock : 0;
      EXPECT_EQ(At<uint32_t>(bytes, at), sq ? kFourccHnswSq : kFourccHnswFlat) << factory;
      auto back = ReadFaissIndex(Bytes(bytes), bytes.size(), "x.index");
      ASSERT_TRUE(back.ok()) << factory << ": " << back.status().ToString();
      EXPECT_EQ((*back)->Describe(), idx->Describe());
      EXPECT_EQ(Hnsw(**back).graph().neighbors, Hnsw(*idx).graph().neighbors);
      EXPECT_EQ(Hnsw(**back).ef_search(), Hnsw(*idx).ef_search());
      ExpectSameSearch(*idx, **back, d);
      EXPECT_EQ(Serialize(**back), bytes) << factory;
    }
  }
}

TEST(HnswFormatTest, HeaderAndBlockLayout) {
  auto idx = BuildIndex("HNSW4", 50, 4, Metric::kL2);
  const auto& g = Hnsw(*idx).graph();
  const std::string bytes = Serialize(*idx);
  size_t at = kBlock;
  EXPECT_EQ(At<uint64_t>(bytes, at), g.assign_probas.size());
  at += 8 + 8 * g.assign_probas.size();
  EXPECT_EQ(At<uint64_t>(bytes, at), g.cum_nneighbor_per_level.size());
  EXPECT_EQ(At<int32_t>(bytes, at + 8 + 4), 8);  // cum[1] = 2M
  at += 8 + 4 * g.cum_nneighbor_per_level.size();
  EXPECT_EQ(At<uint64_t>(bytes, at), 50u);                 // levels
  EXPECT_GE(At<int32_t>(bytes, at + 8), 1);                // level + 1
  at += 8 + 4 * 50;
  EXPECT_EQ(At<uint64_t>(bytes, at), 51u);  // offsets
  EXPECT_EQ(At<uint64_t>(bytes, at + 8), 0u);
  at += 8 + 8 * 51;
  EXPECT_EQ(At<uint64_t>(bytes, at), g.neighbors.size());
  at += 8 + 4 * g.neighbors.size();
  EXPECT_EQ(At<int32_t>(bytes, at), g.entry_point);
  EXPECT_EQ(At<int32_t>(bytes, at + 4), g.max_level);
  EXPECT_EQ(At<int32_t>(bytes, at + 8), 40);   // efConstruction default
  EXPECT_EQ(At<int32_t>(bytes, at + 12), 16);  // efSearch default
  EXPECT_EQ(At<int32_t>(bytes, at + 16), 1);   // upper_beam
  EXPECT_EQ(At<uint32_t>(bytes, at + 20), kFourccFlatL2);
}

TEST(HnswFormatTest, RejectsBrokenGraphs) {
  auto idx = BuildIndex("HNSW4", 50, 4, Metric::kL2);
  const auto& g = Hnsw(*idx).graph();
  const std::string good = Serialize(*idx);
  const size_t levels_at = kBlock + 8 + 8 * g.assign_probas.size() + 8 +
                           4 * g.cum_nneighbor_per_level.size() + 8;
  const size_t offsets_at = levels_at + 4 * 50 + 8;
  const size_t neighbors_at = offsets_at + 8 * 51 + 8;
  struct Case {
    size_t offset;
    int32_t value;
    const char* needle;
  } cases[] = {
      {levels_at, 0, "node 0 has levels = 0"},
      {offsets_at + 8, 3, "offsets[1] = 3"},
      {neighbors_at, 50, "outside [-1, 50)"},
      {neighbors_at, 0, "self link"},
  };
  for (const Case& c : cases) {
    std::string bad = good;
    if (c.offset == offsets_at + 8)
      Put<uint64_t>(bad, c.offset, static_cast<uint64_t>(c.value));
    else
      Put<int32_t>(bad, c.offset, c.value);
    auto read = ReadFaissIndex(Bytes(bad), bad.size(), "bad.index");
    ASSERT_FALSE(read.ok()) << c.needle;
    EXPECT_EQ(read.status().code(), StatusCode::kDataLoss);
    EXPECT_NE(read.status().message().find(c.needle), std::string::npos)
        << read.status().message();
  }
  // Truncation anywhere is DataLoss, never a crash.
  for (size_t cut = 0; cut < good.size(); cut += 7) {
    auto read = ReadFaissIndex(Bytes(good), cut, "cut.index");
    EXPECT_FALSE(read.ok());
  }
}

TEST(HnswFormatTest, InspectShowsLevelsAndDegrees) {
  auto idx = BuildIndex("IDMap,HNSW4", 300, 4, Metric::kInnerProduct);
  const std::string bytes = Serialize(*idx);
  auto text = DescribeFaissFile(Bytes(bytes), bytes.size(), "h.index");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_NE(text->find("IHNf IndexHNSWFlat"), std::string::npos) << *text;
  EXPECT_NE(text->find("M 4, efConstruction 40, efSearch 16"), std::string::npos) << *text;
  EXPECT_NE(text->find("level 0: 300 nodes, degree min"), std::string::npos) << *text;
  EXPECT_NE(text->find("level 0 reachable from the entry point: 300 of 300 nodes"), std::string::npos) << *text;
  EXPECT_NE(text->find("IxFI IndexFlatIP"), std::string::npos) << *text;
}

}  // namespace
}  // namespace kiln::format
