// .knnvec: headerless little-endian vectors back to back; the dimension and
// element type come from ReadOptions. .knndid: headerless int32 LE ids.
#include "kiln/base/mapped_file.h"
#include "kiln/dataset/reader_internal.h"

namespace kiln::dataset_internal {
namespace {

// Unpacks n rows of d bits (least significant bit of each byte first) into
// 0/1 floats.
Dataset UnpackBits(const uint8_t* data, size_t n, size_t d) {
  AlignedBuffer<float> values(n * d);
  const size_t row_bytes = d / 8;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* row = data + i * row_bytes;
    float* out = values.data() + i * d;
    for (size_t j = 0; j < d; ++j) out[j] = static_cast<float>((row[j / 8] >> (j % 8)) & 1u);
  }
  return Dataset::Owned(std::move(values), n, d);
}

}  // namespace

StatusOr<Dataset> ReadKnnVecVectors(const std::string& path, const ReadOptions& options) {
  const KnnVecType type = options.knnvec_type;
  if (!options.dimension.has_value()) {
    return InvalidArgumentError(
        "{}: .knnvec files have no header; the vector dimension is required (--dimension, in bits for binary "
        "vectors)",
        path);
  }
  const size_t d = *options.dimension;
  if (d == 0) return InvalidArgumentError("{}: vector dimension must be > 0, got 0", path);
  size_t row_bytes = 0;
  switch (type) {
    case KnnVecType::kFloat:
    case KnnVecType::kHalfFloat:
      if (!CheckedMul(d, sizeof(float), &row_bytes)) {
        return InvalidArgumentError("{}: vector dimension {} is too large", path, d);
      }
      break;
    case KnnVecType::kByte: row_bytes = d; break;
    case KnnVecType::kBinary:
      if (d % 8 != 0) {
        return InvalidArgumentError(
            "{}: binary .knnvec dimension is in bits and must be a multiple of 8, got {}", path, d);
      }
      row_bytes = d / 8;
      break;
  }
  KILN_ASSIGN_OR_RETURN(std::shared_ptr<MappedFile> file, MappedFile::Open(path));
  const size_t size = file->size();
  if (size == 0) return InvalidArgumentError("{}: contains no vectors (empty file)", path);
  if (size % row_bytes != 0) {
    return DataLossError(
        "{}: file size is not a whole number of {} vectors of dimension {}: expected a multiple of {} bytes, "
        "found {} ({} bytes past the last whole vector)",
        path, KnnVecTypeName(type), d, row_bytes, size, size % row_bytes);
  }
  const size_t n = RowsToRead(size / row_bytes, options);
  switch (type) {
    case KnnVecType::kFloat:
    case KnnVecType::kHalfFloat:
      return ApplyNonFinitePolicy(Dataset::View(std::move(file), 0, n, d), path, options.non_finite);
    case KnnVecType::kByte:
      return CopyRows(RawRows{file->data(), n, d, row_bytes, ElemType::kI8, false});
    case KnnVecType::kBinary:
      return UnpackBits(file->data(), n, d);
  }
  return InternalError("{}: unknown knnvec type", path);
}

StatusOr<std::vector<idx_t>> ReadKnnDidIds(const std::string& path) {
  KILN_ASSIGN_OR_RETURN(std::shared_ptr<MappedFile> file, MappedFile::Open(path));
  const size_t size = file->size();
  if (size == 0) return InvalidArgumentError("{}: contains no ids (empty file)", path);
  if (size % 4 != 0) {
    return DataLossError("{}: .knndid holds 4-byte int32 ids: expected a multiple of 4 bytes, found {}", path,
                         size);
  }
  std::vector<idx_t> ids(size / 4);
  ConvertToInt64(file->data(), ElemType::kI32, false, ids.size(), ids.data());
  return ids;
}

}  // namespace kiln::dataset_internal
