// Reading input vectors, ids and ground-truth neighbours from files.
// docs/formats/inputs.md describes every format and the spec syntax.
//
// A spec is a path, plus for HDF5 an optional dataset name after a colon:
//   base.fvecs, train.npy, glove-100-angular.hdf5:test (default dataset
//   "train"), train-images-idx3-ubyte.gz, embeddings.knnvec (needs
//   ReadOptions::dimension).
// The format is chosen by extension; an unknown extension is
// InvalidArgument listing the supported ones.
//
// Errors: a missing file is NotFound naming the path; malformed or
// truncated contents are DataLoss naming the file, the byte offset or row,
// and what was expected and found; an empty matrix (no rows) or d = 0 is
// InvalidArgument. Readers validate every size against the file before
// touching the data, so hostile input cannot make them read out of bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kiln/base/status.h"
#include "kiln/base/types.h"
#include "kiln/dataset/dataset.h"

namespace kiln {

// Element type of a headerless .knnvec file.
enum class KnnVecType {
  kFloat,      // little-endian float32, 4*d bytes per vector
  kByte,       // int8, d bytes per vector
  kBinary,     // packed bits, d is in bits (d % 8 == 0), d/8 bytes per
               // vector, least significant bit first; unpacked to 0/1 floats
  kHalfFloat,  // despite the name, float32 on the wire: same as kFloat
};

// What to do with NaN and +-Inf in floating-point inputs.
enum class NonFinitePolicy {
  kReject,   // DataLoss naming the file, row and column (default)
  kSkipRow,  // drop the row; Dataset::source_row() maps kept rows back
  kZero,     // replace the value with 0
};

struct ReadOptions {
  // Vector dimension; required for .knnvec (in bits for KnnVecType::kBinary).
  std::optional<size_t> dimension;
  KnnVecType knnvec_type = KnnVecType::kFloat;
  NonFinitePolicy non_finite = NonFinitePolicy::kReject;
  // Read only the first `limit` rows of the file (rows dropped by kSkipRow
  // count towards it). Must be > 0 when set.
  std::optional<size_t> limit;
};

// Reads a float32 matrix. Integer inputs (bvecs, ivecs, int8/uint8 npy, IDX,
// integer HDF5) are converted to float; float16/float64 are converted too.
// Zero-copy (Dataset::is_mapped()) for C-order <f4 .npy and float .knnvec
// when the payload is 4-byte aligned and no value had to be zeroed or
// skipped.
StatusOr<Dataset> ReadVectors(const std::string& spec, const ReadOptions& options = {});

// Reads vector ids: .knndid (int32 little-endian, headerless) or .npy (int64
// or int32; 1-D, or 2-D n×1).
StatusOr<std::vector<idx_t>> ReadIds(const std::string& path);

// Reads ground-truth neighbour ids: .ivecs, .npy (int32/int64 2-D) or an
// HDF5 dataset (spec "file.hdf5:neighbors"; default dataset "neighbors").
StatusOr<IntMatrix> ReadNeighbors(const std::string& spec);

// Names for messages and flags: "reject", "skip", "zero" / "float", "byte",
// "binary", "half_float".
std::string_view NonFinitePolicyName(NonFinitePolicy policy);
std::string_view KnnVecTypeName(KnnVecType type);

}  // namespace kiln
