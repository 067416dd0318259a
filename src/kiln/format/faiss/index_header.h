// The header every Faiss index record starts with, after its fourcc
// (faiss/impl/index_write.cpp write_index_header, v1.7.3 :84):
//   d int32 | ntotal int64 | dummy int64 = 1<<20 | dummy int64 = 1<<20 |
//   is_trained u8 (0/1) | metric_type int32 | metric_arg float32 (only when
//   metric_type > 1)
// 33 bytes, or 37 with metric_arg.
#pragma once

#include <cstdint>
#include <string_view>

#include "kiln/base/byte_sink.h"
#include "kiln/base/types.h"
#include "kiln/format/faiss/faiss_io.h"
#include "kiln/index/index.h"

namespace kiln::format {

struct FaissIndexHeader {
  int32_t d = 0;
  int64_t ntotal = 0;
  bool is_trained = false;
  int32_t metric_type = 1;  // faiss::MetricType
  float metric_arg = 0;     // stored only when metric_type > 1
};

inline constexpr size_t kIndexHeaderSize = 33;

// faiss::MetricType of a kiln metric: L2 → 1, inner product and cosine → 0.
int32_t FaissMetricType(Metric metric);
// "INNER_PRODUCT", "L2", "L1", ... for the enum values Faiss defines; empty
// for unknown values.
std::string_view FaissMetricName(int32_t metric_type);

// The header of `index` (d, ntotal, is_trained, metric). InvalidArgument when
// d or ntotal do not fit Faiss's fields.
StatusOr<FaissIndexHeader> HeaderOf(const index::Index& index);

Status WriteIndexHeader(ByteSink& sink, const FaissIndexHeader& header);

// Reads and checks a header as current Faiss does: 1 <= d <= 2^20 (kiln also
// rejects d == 0), ntotal >= 0, is_trained 0 or 1, metric_type a known value.
StatusOr<FaissIndexHeader> ReadIndexHeader(FaissReader& reader);

}  // namespace kiln::format
