// .fvecs / .bvecs / .ivecs (the TEXMEX corpus format): every row is a
// little-endian int32 dimension d followed by d values (float32, uint8 or
// int32). All rows must have the first row's dimension.
#include "kiln/base/mapped_file.h"
#include "kiln/dataset/reader_internal.h"

namespace kiln::dataset_internal {
namespace {

struct VecsLayout {
  std::shared_ptr<MappedFile> file;
  size_t n = 0;          // rows scanned (all, or up to the limit)
  size_t d = 0;
  size_t row_bytes = 0;  // 4 + d * element size
};

// Maps `path` and checks every row header (up to max_rows rows) before any
// value is read, so a hostile file cannot send a read past its end.
StatusOr<VecsLayout> ScanVecs(const std::string& path, ElemType type, size_t max_rows) {
  VecsLayout layout;
  KILN_ASSIGN_OR_RETURN(layout.file, MappedFile::Open(path));
  const uint8_t* data = layout.file->data();
  const size_t size = layout.file->size();
  const size_t elem = ElemSize(type);
  if (size == 0) return InvalidArgumentError("{}: contains no vectors (empty file)", path);
  if (size < 4) {
    return DataLossError("{}: truncated: file is {} bytes, too short for the first row's 4-byte dimension", path,
                         size);
  }
  const int32_t first_dim = LoadI32Le(data);
  if (first_dim == 0) return InvalidArgumentError("{}: first row (byte offset 0) has dimension 0", path);
  if (first_dim < 0) {
    return DataLossError("{}: first row (byte offset 0) has dimension {}, expected a positive int32", path,
                         first_dim);
  }
  layout.d = static_cast<size_t>(first_dim);
  layout.row_bytes = 4 + layout.d * elem;
  const std::string_view type_name = ElemTypeName(type);
  for (size_t offset = 0; offset < size && layout.n < max_rows; offset += layout.row_bytes, ++layout.n) {
    const size_t left = size - offset;
    if (left < 4) {
      return DataLossError("{}: row {} at byte offset {} is truncated: {} bytes left, expected a {}-byte row", path,
                           layout.n, offset, left, layout.row_bytes);
    }
    const int32_t dim = LoadI32Le(data + offset);
    if (dim != first_dim) {
      return DataLossError(
          "{}: row {} at byte offset {} has dimension {}, expected {} (the first row's); all rows must have the "
          "same dimension",
          path, layout.n, offset, dim, first_dim);
    }
    if (left < layout.row_bytes) {
      return DataLossError(
          "{}: row {} at byte offset {} is truncated: {} bytes left, expected {} (4-byte dimension + {} {} "
          "values)",
          path, layout.n, offset, left, layout.row_bytes, layout.d, type_name);
    }
  }
  return layout;
}

ElemType KindType(VecsKind kind) {
  switch (kind) {
    case VecsKind::kFvecs: return ElemType::kF32;
    case VecsKind::kBvecs: return ElemType::kU8;
    case VecsKind::kIvecs: return ElemType::kI32;
  }
  return ElemType::kF32;
}

}  // namespace

StatusOr<Dataset> ReadVecsVectors(const std::string& path, VecsKind kind, const ReadOptions& options) {
  const ElemType type = KindType(kind);
  KILN_ASSIGN_OR_RETURN(VecsLayout layout, ScanVecs(path, type, RowsToRead(SIZE_MAX, options)));
  RawRows rows{layout.file->data() + 4, layout.n, layout.d, layout.row_bytes, type, false};
  Dataset data = CopyRows(rows);
  if (!IsFloating(type)) return data;
  return ApplyNonFinitePolicy(std::move(data), path, options.non_finite);
}

StatusOr<IntMatrix> ReadIvecsNeighbors(const std::string& path) {
  KILN_ASSIGN_OR_RETURN(VecsLayout layout, ScanVecs(path, ElemType::kI32, SIZE_MAX));
  IntMatrix m{layout.n, layout.d, std::vector<int64_t>(layout.n * layout.d)};
  for (size_t i = 0; i < layout.n; ++i) {
    ConvertToInt64(layout.file->data() + i * layout.row_bytes + 4, ElemType::kI32, false, layout.d,
                   m.values.data() + i * layout.d);
  }
  return m;
}

}  // namespace kiln::dataset_internal
