// Binary HNSW compatibility with Faiss 1.7.3: kiln's IBMp → IBHf → IBxF file
// loads with faiss::read_index_binary with kiln's graph, codes and ids; its
// search finds the true Hamming neighbours (recall by distance against
// IndexBinaryFlat) with ids mapped through IBMp, answers as kiln's own search
// does, and is as good as Faiss's own IndexBinaryHNSW built on the same data.
#include <faiss/IndexBinaryFlat.h>
#include <faiss/IndexBinaryHNSW.h>

#include "compat_support.h"
#include "kiln/format/faiss/faiss_hnsw_variants.h"
#include "kiln/index/binary_hnsw_index.h"
#include "kiln/simd/hamming.h"

#include <unordered_map>

namespace kiln::compat {
namespace {

constexpr size_t kD = 256, kCodeSize = kD / 8, kN = 4000, kNq = 200, kK = 10, kM = 16, kEf = 64;

// Codes around 40 random centres, each bit flipped with probability 1/8 (neighbours at similar distances: a hard case for HNSW).
std::vector<uint8_t> ClusteredCodes(size_t n, uint64_t seed) {
  std::mt19937_64 centres_rng(1), rng(seed);
  std::vector<uint8_t> centres(40 * kCodeSize);
  for (auto& b : centres) b = static_cast<uint8_t>(centres_rng());
  std::vector<uint8_t> codes(n * kCodeSize);
  for (size_t i = 0; i < n; ++i) {
    const size_t c = rng() % 40;
    for (size_t j = 0; j < kCodeSize; ++j) {
      uint8_t flip = 0;
      for (int bit = 0; bit < 8; ++bit) flip |= static_cast<uint8_t>((rng() % 8 == 0) << bit);
      codes[i * kCodeSize + j] = centres[c * kCodeSize + j] ^ flip;
    }
  }
  return codes;
}

// Share of results at or below the true k-th Hamming distance of their query.
double RecallByDistance(const std::vector<int32_t>& got, const std::vector<int32_t>& exact) {
  size_t hits = 0;
  for (size_t q = 0; q < kNq; ++q)
    for (size_t j = 0; j < kK; ++j) hits += got[q * kK + j] <= exact[q * kK + kK - 1];
  return static_cast<double>(hits) / static_cast<double>(kNq * kK);
}

std::unique_ptr<faiss::IndexBinary> ReadBinary(const std::string& bytes) {
  faiss::VectorIOReader reader;
  reader.data.assign(bytes.begin(), bytes.end());
  return std::unique_ptr<faiss::IndexBinary>(faiss::read_index_binary(&reader));
}

TEST(BinaryHnswCompat, FaissReadsKilnFileAndFindsTheHammingNeighbours) {
  TestEnv env;
  const auto base = ClusteredCodes(kN, 2), queries = ClusteredCodes(kNq, 3);
  const std::vector<idx_t> ids = RandomIds(kN, 4);
  auto kiln = index::BinaryHnswIndex::Create(kD, kM, /*id_map=*/true);
  ASSERT_TRUE(kiln.ok());
  kiln->set_ef_construction(40);
  ASSERT_TRUE(kiln->AddWithIds(base.data(), ids.data(), kN, env.ctx).ok());
  StringSink sink;
  ASSERT_TRUE(format::WriteFaissBinaryIndex(*kiln, sink).ok());
  const std::string bytes = sink.Release();

  std::unique_ptr<faiss::IndexBinary> loaded = ReadBinary(bytes);
  auto* map = dynamic_cast<faiss::IndexBinaryIDMap*>(loaded.get());
  ASSERT_NE(map, nullptr);
  auto* hnsw = dynamic_cast<faiss::IndexBinaryHNSW*>(map->index);
  ASSERT_NE(hnsw, nullptr);
  EXPECT_EQ(map->d, static_cast<int>(kD));
  EXPECT_EQ(map->code_size, static_cast<int>(kCodeSize));
  EXPECT_EQ(map->ntotal, static_cast<faiss::Index::idx_t>(kN));
  EXPECT_EQ(std::vector<idx_t>(map->id_map.begin(), map->id_map.end()), ids);
  EXPECT_EQ(std::vector<int32_t>(hnsw->hnsw.neighbors.begin(), hnsw->hnsw.neighbors.end()),
            kiln->graph().neighbors);
  auto* storage = dynamic_cast<faiss::IndexBinaryFlat*>(hnsw->storage);
  ASSERT_NE(storage, nullptr);
  EXPECT_EQ(std::vector<uint8_t>(storage->xb.begin(), storage->xb.end()), kiln->codes());

  // Faiss's search on kiln's file.
  hnsw->hnsw.efSearch = kEf;
  std::vector<int32_t> fd(kNq * kK);
  std::vector<faiss::Index::idx_t> fl(kNq * kK);
  map->search(kNq, queries.data(), kK, fd.data(), fl.data());
  faiss::IndexBinaryFlat flat(kD);
  flat.add(kN, base.data());
  std::vector<int32_t> ed(kNq * kK);
  std::vector<faiss::Index::idx_t> el(kNq * kK);
  flat.search(kNq, queries.data(), kK, ed.data(), el.data());
  const double recall = RecallByDistance(fd, ed);
  EXPECT_GE(recall, 0.9);
  // Labels are external ids: the id of a base code at the reported distance.
  std::unordered_map<idx_t, size_t> row_of;
  for (size_t i = 0; i < kN; ++i) row_of[ids[i]] = i;
  const auto& scalar = simd::HammingKernelsFor(simd::HammingLevel::kScalar);
  for (size_t r = 0; r < kNq * kK; ++r) {
    ASSERT_TRUE(row_of.count(fl[r])) << fl[r];
    const size_t q = r / kK;
    EXPECT_EQ(fd[r], static_cast<int32_t>(scalar.hamming(&queries[q * kCodeSize],
                                                          &base[row_of[fl[r]] * kCodeSize], kCodeSize)));
  }

  // kiln's own search walks as Faiss does: the same answers.
  std::vector<int32_t> kd(kNq * kK);
  std::vector<idx_t> kl(kNq * kK);
  ASSERT_TRUE(kiln->Search(queries.data(), kNq, kK, kEf, kd.data(), kl.data(), env.ctx).ok());
  EXPECT_EQ(kd, fd);

  // Faiss's own IndexBinaryHNSW on the same data: kiln's graph is as good.
  faiss::IndexBinaryHNSW peer(kD, kM);
  peer.hnsw.efConstruction = 40;
  peer.add(kN, base.data());
  peer.hnsw.efSearch = kEf;
  std::vector<int32_t> pd(kNq * kK);
  std::vector<faiss::Index::idx_t> pl(kNq * kK);
  peer.search(kNq, queries.data(), kK, pd.data(), pl.data());
  const double peer_recall = RecallByDistance(pd, ed);
  std::printf("binary HNSW recall@%zu by distance at efSearch %zu: kiln file in Faiss %.3f, Faiss's own %.3f\n",
              kK, kEf, recall, peer_recall);
  EXPECT_GE(recall, peer_recall - 0.02);
}

}  // namespace
}  // namespace kiln::compat
