// Byte layouts of the binary HNSW files (IBMp/IBHf/IBxF) and of HNSW files
// written without storage ("null"); faiss_hnsw_variants.h.
#include <gtest/gtest.h>

#include <random>

#include "kiln/format/faiss/faiss_hnsw_variants.h"
#include "kiln/format/faiss/faiss_reader.h"
#include "kiln/format/faiss/format_test_support.h"
#include "kiln/format/faiss/hnsw_records.h"
#include "kiln/format/faiss/records.h"

namespace kiln::format {
namespace {

using testing::At;
using testing::BuildIndex;
using testing::Bytes;
using testing::Serialize;

// fourcc + binary header: d, code_size, ntotal, is_trained, metric_type.
constexpr size_t kBinaryHeader = 4 + 4 + 4 + 8 + 1 + 4;

index::BinaryHnswIndex BuildBinary(size_t d, size_t n, bool id_map) {
  testing::TestEnv env;
  std::mt19937_64 rng(5);
  std::vector<uint8_t> codes(n * d / 8);
  for (auto& b : codes) b = static_cast<uint8_t>(rng());
  auto index = index::BinaryHnswIndex::Create(d, 8, id_map);
  EXPECT_TRUE(index.ok());
  if (id_map) {
    std::vector<idx_t> ids(n);
    for (size_t i = 0; i < n; ++i) ids[i] = static_cast<idx_t>(10 + i);
    EXPECT_TRUE(index->AddWithIds(codes.data(), ids.data(), n, env.ctx).ok());
  } else {
    EXPECT_TRUE(index->Add(codes.data(), n, env.ctx).ok());
  }
  return std::move(index).value();
}

std::string SerializeBinary(const index::BinaryHnswIndex& index, bool skip_storage = false) {
  StringSink sink;
  EXPECT_TRUE(WriteFaissBinaryIndex(index, sink, skip_storage).ok());
  return sink.Release();
}

void ExpectBinaryHeader(const std::string& bytes, size_t at, const char* fourcc, int32_t d, int64_t ntotal) {
  EXPECT_EQ(bytes.substr(at, 4), fourcc);
  EXPECT_EQ(At<int32_t>(bytes, at + 4), d);
  EXPECT_EQ(At<int32_t>(bytes, at + 8), d / 8);
  EXPECT_EQ(At<int64_t>(bytes, at + 12), ntotal);
  EXPECT_EQ(At<uint8_t>(bytes, at + 20), 1);
  EXPECT_EQ(At<int32_t>(bytes, at + 21), 1);  // METRIC_L2, as Faiss's IndexBinary records
}

// Size of the HNSW block of g (write_HNSW).
size_t HnswBlockBytes(const index::HnswGraph& g) {
  return 8 + 8 * g.assign_probas.size() + 8 + 4 * g.cum_nneighbor_per_level.size() + 8 + 4 * g.levels.size() +
         8 + 8 * g.offsets.size() + 8 + 4 * g.neighbors.size() + 5 * 4;
}

TEST(BinaryFormatTest, IdMappedBinaryHnswHasFaissLayout) {
  const size_t d = 64, n = 50;
  const auto index = BuildBinary(d, n, true);
  const std::string bytes = SerializeBinary(index);
  ExpectBinaryHeader(bytes, 0, "IBMp", d, n);
  ExpectBinaryHeader(bytes, kBinaryHeader, "IBHf", d, n);
  // The HNSW block is the float HNSW's, byte for byte.
  StringSink block;
  ASSERT_TRUE(WriteHnswBlock(index.graph(), block).ok());
  const std::string hnsw = block.Release();
  EXPECT_EQ(hnsw.size(), HnswBlockBytes(index.graph()));
  EXPECT_EQ(bytes.substr(2 * kBinaryHeader, hnsw.size()), hnsw);
  const size_t storage = 2 * kBinaryHeader + hnsw.size();
  ExpectBinaryHeader(bytes, storage, "IBxF", d, n);
  EXPECT_EQ(At<uint64_t>(bytes, storage + kBinaryHeader), n * d / 8);
  const size_t codes = storage + kBinaryHeader + 8;
  EXPECT_EQ(bytes.substr(codes, n * d / 8), std::string(index.codes().begin(), index.codes().end()));
  const size_t ids = codes + n * d / 8;
  EXPECT_EQ(At<uint64_t>(bytes, ids), n);
  for (size_t i = 0; i < n; ++i) EXPECT_EQ(At<int64_t>(bytes, ids + 8 + 8 * i), static_cast<int64_t>(10 + i));
  EXPECT_EQ(bytes.size(), ids + 8 + 8 * n);
}

TEST(BinaryFormatTest, PlainBinaryHnswAndSkipStorage) {
  const auto index = BuildBinary(32, 20, false);
  const std::string full = SerializeBinary(index);
  ExpectBinaryHeader(full, 0, "IBHf", 32, 20);
  const std::string graph_only = SerializeBinary(index, /*skip_storage=*/true);
  const size_t storage = kBinaryHeader + HnswBlockBytes(index.graph());
  EXPECT_EQ(graph_only, full.substr(0, storage) + "null");
  // kiln's float reader points at read_index_binary.
  auto read = ReadFaissIndex(Bytes(full), full.size(), "b.faiss");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().message(),
            "b.faiss: offset 0: binary index type \"IBHf\" (load it with faiss::read_index_binary) is not "
            "supported by this reader");
}

// The skip_stored_vectors file is the normal file with the storage record
// replaced by "null": same prefix (IxMp header, IHNf header, HNSW block),
// "null", same suffix (the id map).
TEST(BinaryFormatTest, SkipStorageReplacesOnlyTheStorageRecord) {
  for (const char* factory : {"IDMap,HNSW8,Flat", "HNSW8"}) {
    auto idx = BuildIndex(factory, 300, 16, Metric::kL2);
    const std::string full = Serialize(*idx);
    StringSink sink;
    ASSERT_TRUE(WriteFaissIndexSkipStorage(*idx, sink).ok());
    const std::string skipped = sink.Release();

    FaissReader reader(Bytes(full), full.size(), "full");
    auto record = ParseIndexRecord(reader);
    ASSERT_TRUE(record.ok()) << record.status().ToString();
    const IndexRecord* hnsw_record = record->get();
    if (const auto* map = std::get_if<IdMapRecord>(&hnsw_record->body)) hnsw_record = map->inner.get();
    const auto& hnsw = std::get<HnswRecord>(hnsw_record->body);
    ASSERT_NE(hnsw.storage, nullptr);
    const size_t begin = hnsw.storage->offset, end = hnsw.storage->end;
    EXPECT_EQ(full.substr(begin, 4), "IxF2");
    EXPECT_EQ(skipped, full.substr(0, begin) + "null" + full.substr(end)) << factory;

    // kiln's reader refuses it, naming the record.
    auto read = ReadFaissIndex(Bytes(skipped), skipped.size(), "g.faiss");
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.status().code(), StatusCode::kUnimplemented);
    EXPECT_EQ(read.status().message(),
              fmt::format("g.faiss: offset {}: storage \"null\" (an HNSW graph written without its vectors, "
                          "IO_FLAG_SKIP_STORAGE / skip_stored_vectors) is not supported by this reader",
                          begin));
  }
}

TEST(BinaryFormatTest, SkipStorageNeedsAnHnswIndex) {
  auto idx = BuildIndex("IVF4,Flat", 100, 8, Metric::kL2);
  StringSink sink;
  Status status = WriteFaissIndexSkipStorage(*idx, sink);
  EXPECT_EQ(status.message(), "write Faiss index without storage: \"IVF4,Flat\" is not an HNSW index");
}

}  // namespace
}  // namespace kiln::format
