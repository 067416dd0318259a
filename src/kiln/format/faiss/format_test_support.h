// Test-only helpers for the Faiss format tests: small kiln indexes and their
// serialisation. Include from *_test.cc only.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "kiln/base/byte_sink.h"
#include "kiln/format/faiss/faiss_writer.h"
#include "kiln/index/factory.h"
#include "kiln/index/id_map_index.h"
#include "kiln/index/index_test_support.h"

namespace kiln::format::testing {

using index::testing::RandomVectors;
using index::testing::TestEnv;

// Builds the factory string's index over n random vectors (ids 1000 + 7·i
// under IDMap); training uses the same vectors.
inline std::unique_ptr<index::Index> BuildIndex(const std::string& factory, size_t n, size_t d,
                                                Metric metric, uint64_t seed = 1) {
  TestEnv env;
  auto spec = index::ParseFactoryString(factory);
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  auto created = index::CreateIndex(*spec, d, metric);
  EXPECT_TRUE(created.ok()) << created.status().ToString();
  std::unique_ptr<index::Index> idx = std::move(created).value();
  std::vector<float> x = RandomVectors(n, d, seed);
  EXPECT_TRUE(idx->Train(x.data(), n, env.ctx).ok());
  if (auto* map = dynamic_cast<index::IdMapIndex*>(idx.get())) {
    std::vector<idx_t> ids(n);
    for (size_t i = 0; i < n; ++i) ids[i] = 1000 + 7 * static_cast<idx_t>(i);
    EXPECT_TRUE(map->AddWithIds(x.data(), ids.data(), n, env.ctx).ok());
  } else {
    EXPECT_TRUE(idx->Add(x.data(), n, env.ctx).ok());
  }
  return idx;
}

inline std::string Serialize(const index::Index& idx) {
  StringSink sink;
  Status status = WriteFaissIndex(idx, sink);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return sink.Release();
}

inline const uint8_t* Bytes(const std::string& s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

template <typename T>
T At(const std::string& bytes, size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

template <typename T>
void Put(std::string& bytes, size_t offset, T value) {
  std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

}  // namespace kiln::format::testing
