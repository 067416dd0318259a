// Helpers shared by the Faiss compatibility tests: moving bytes between kiln
// and Faiss (in memory), building kiln indexes, and searching Faiss indexes.
#pragma once

#include <faiss/Index.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kiln/base/byte_sink.h"
#include "kiln/format/faiss/faiss_reader.h"
#include "kiln/format/faiss/faiss_writer.h"
#include "kiln/index/factory.h"
#include "kiln/index/id_map_index.h"
#include "kiln/index/index_test_support.h"

namespace kiln::compat {

using index::testing::TestEnv;

// 1.7.3 has only faiss::Index::idx_t; both are int64_t.
static_assert(sizeof(faiss::Index::idx_t) == sizeof(int64_t));

inline faiss::MetricType FaissMetric(Metric metric) {
  return metric == Metric::kL2 ? faiss::METRIC_L2 : faiss::METRIC_INNER_PRODUCT;
}

inline std::string KilnBytes(const index::Index& idx) {
  StringSink sink;
  Status status = format::WriteFaissIndex(idx, sink);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return sink.Release();
}

inline std::string FaissBytes(const faiss::Index& idx) {
  faiss::VectorIOWriter writer;
  faiss::write_index(&idx, &writer);
  return std::string(writer.data.begin(), writer.data.end());
}

inline std::unique_ptr<faiss::Index> FaissRead(const std::string& bytes) {
  faiss::VectorIOReader reader;
  reader.data.assign(bytes.begin(), bytes.end());
  return std::unique_ptr<faiss::Index>(faiss::read_index(&reader));
}

inline std::unique_ptr<index::Index> KilnRead(const std::string& bytes, std::string_view name) {
  auto read =
      format::ReadFaissIndex(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), name);
  EXPECT_TRUE(read.ok()) << read.status().ToString();
  return read.ok() ? std::move(read).value() : nullptr;
}

// The IVF inside idx (through an IndexIDMap), or null.
inline faiss::IndexIVF* AsIvf(faiss::Index* idx) {
  if (auto* map = dynamic_cast<faiss::IndexIDMap*>(idx)) idx = map->index;
  return dynamic_cast<faiss::IndexIVF*>(idx);
}

// n distinct random non-negative 63-bit ids.
inline std::vector<idx_t> RandomIds(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<idx_t> ids(n);
  for (idx_t& id : ids) id = static_cast<idx_t>(rng() >> 1);
  return ids;
}

// Index of `factory` trained on and holding x (external ids under IDMap).
inline std::unique_ptr<index::Index> BuildKiln(const std::string& factory,
                                               const std::vector<float>& x, size_t d, Metric metric,
                                               const std::vector<idx_t>& ids) {
  TestEnv env;
  auto spec = index::ParseFactoryString(factory);
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  auto idx = std::move(index::CreateIndex(*spec, d, metric)).value();
  const size_t n = x.size() / d;
  EXPECT_TRUE(idx->Train(x.data(), n, env.ctx).ok());
  if (auto* map = dynamic_cast<index::IdMapIndex*>(idx.get())) {
    EXPECT_TRUE(map->AddWithIds(x.data(), ids.data(), n, env.ctx).ok());
  } else {
    EXPECT_TRUE(idx->Add(x.data(), n, env.ctx).ok());
  }
  return idx;
}

// First differing byte, for readable failures of byte-exact comparisons.
inline ::testing::AssertionResult SameBytes(const std::string& kiln, const std::string& faiss) {
  if (kiln == faiss) return ::testing::AssertionSuccess();
  size_t i = 0;
  while (i < kiln.size() && i < faiss.size() && kiln[i] == faiss[i]) ++i;
  return ::testing::AssertionFailure() << "kiln wrote " << kiln.size() << " bytes, Faiss "
                                       << faiss.size() << "; first difference at offset " << i;
}

}  // namespace kiln::compat
