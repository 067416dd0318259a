// .npy vectors, ids and neighbour lists (see npy_format.h for the layout).
#include <initializer_list>
#include <optional>

#include "kiln/base/mapped_file.h"
#include "kiln/dataset/npy_format.h"
#include "kiln/dataset/reader_internal.h"

namespace kiln::dataset_internal {
namespace {

constexpr std::string_view kVectorDtypes = "'<f4' (float32), '<f2' (float16), '<f8' (float64), '|i1' (int8), '|u1' (uint8)";
constexpr std::string_view kIntDtypes = "'<i4' (int32), '<i8' (int64)";

// Maps a little-endian (or byte-order-free) dtype string to an ElemType.
std::optional<ElemType> ParseDescr(std::string_view descr) {
  if (descr.size() != 3) return std::nullopt;
  char order = descr[0];
  std::string_view code = descr.substr(1);
  bool single_byte = code == "i1" || code == "u1";
  if (order != '<' && order != '=' && order != '|' && !(order == '>' && single_byte)) return std::nullopt;
  if (code == "f2") return ElemType::kF16;
  if (code == "f4") return ElemType::kF32;
  if (code == "f8") return ElemType::kF64;
  if (code == "i1") return ElemType::kI8;
  if (code == "u1") return ElemType::kU8;
  if (code == "i2") return ElemType::kI16;
  if (code == "i4") return ElemType::kI32;
  if (code == "i8") return ElemType::kI64;
  return std::nullopt;
}

struct NpyArray {
  std::shared_ptr<MappedFile> file;
  NpyHeader header;
  ElemType type = ElemType::kF32;
};

// Opens `path`, parses the header, checks the dtype is one of `allowed`, the
// array is C order, and the payload size matches the shape exactly.
StatusOr<NpyArray> OpenNpy(const std::string& path, std::initializer_list<ElemType> allowed,
                           std::string_view allowed_names) {
  NpyArray array;
  KILN_ASSIGN_OR_RETURN(array.file, MappedFile::Open(path));
  KILN_ASSIGN_OR_RETURN(array.header, ParseNpyHeader(array.file->data(), array.file->size(), path));
  const NpyHeader& h = array.header;
  std::optional<ElemType> type = ParseDescr(h.descr);
  bool ok = false;
  for (ElemType t : allowed) ok = ok || (type.has_value() && *type == t);
  if (!ok) {
    return InvalidArgumentError("{}: unsupported dtype '{}'; expected one of {}", path, h.descr, allowed_names);
  }
  array.type = *type;
  if (h.fortran_order) {
    return InvalidArgumentError(
        "{}: array of shape {} is in Fortran (column-major) order; only C order is supported (save it with "
        "numpy.ascontiguousarray)",
        path, FormatShape(h.shape));
  }
  size_t count = 1;
  bool overflow = false;
  for (size_t dim : h.shape) overflow = overflow || !CheckedMul(count, dim, &count);
  size_t expected = 0;
  overflow = overflow || !CheckedMul(count, ElemSize(array.type), &expected);
  const size_t found = array.file->size() - h.data_offset;
  if (overflow) {
    return DataLossError("{}: shape {} is too large (element count overflows 64 bits)", path, FormatShape(h.shape));
  }
  if (expected != found) {
    return DataLossError(
        "{}: payload at byte offset {} is {} bytes, expected {} (shape {} x {}-byte '{}')", path, h.data_offset,
        found, expected, FormatShape(h.shape), ElemSize(array.type), h.descr);
  }
  return array;
}

}  // namespace

StatusOr<Dataset> ReadNpyVectors(const std::string& path, const ReadOptions& options) {
  KILN_ASSIGN_OR_RETURN(NpyArray array,
                        OpenNpy(path, {ElemType::kF32, ElemType::kF16, ElemType::kF64, ElemType::kI8, ElemType::kU8},
                                kVectorDtypes));
  const std::vector<size_t>& shape = array.header.shape;
  if (shape.size() != 2) {
    return InvalidArgumentError("{}: array has shape {} ({}-D); expected a 2-D array of shape (n, d)", path,
                                FormatShape(shape), shape.size());
  }
  KILN_RETURN_IF_ERROR(CheckShape(path, shape[0], shape[1]));
  const size_t n = RowsToRead(shape[0], options);
  const size_t d = shape[1];
  const size_t offset = array.header.data_offset;
  Dataset data;
  if (array.type == ElemType::kF32 && offset % alignof(float) == 0) {
    data = Dataset::View(array.file, offset, n, d);
  } else {
    RawRows rows{array.file->data() + offset, n, d, d * ElemSize(array.type), array.type, false};
    data = CopyRows(rows);
  }
  if (!IsFloating(array.type)) return data;
  return ApplyNonFinitePolicy(std::move(data), path, options.non_finite);
}

StatusOr<std::vector<idx_t>> ReadNpyIds(const std::string& path) {
  KILN_ASSIGN_OR_RETURN(NpyArray array, OpenNpy(path, {ElemType::kI32, ElemType::kI64}, kIntDtypes));
  const std::vector<size_t>& shape = array.header.shape;
  if (!(shape.size() == 1 || (shape.size() == 2 && shape[1] == 1))) {
    return InvalidArgumentError("{}: ids array has shape {}; expected 1-D (n,) or 2-D (n, 1)", path,
                                FormatShape(shape));
  }
  if (shape[0] == 0) return InvalidArgumentError("{}: contains no ids", path);
  std::vector<idx_t> ids(shape[0]);
  ConvertToInt64(array.file->data() + array.header.data_offset, array.type, false, ids.size(), ids.data());
  return ids;
}

StatusOr<IntMatrix> ReadNpyNeighbors(const std::string& path) {
  KILN_ASSIGN_OR_RETURN(NpyArray array, OpenNpy(path, {ElemType::kI32, ElemType::kI64}, kIntDtypes));
  const std::vector<size_t>& shape = array.header.shape;
  if (shape.size() != 2) {
    return InvalidArgumentError("{}: neighbours array has shape {} ({}-D); expected 2-D (queries, k)", path,
                                FormatShape(shape), shape.size());
  }
  KILN_RETURN_IF_ERROR(CheckShape(path, shape[0], shape[1]));
  IntMatrix m{shape[0], shape[1], std::vector<int64_t>(shape[0] * shape[1])};
  ConvertToInt64(array.file->data() + array.header.data_offset, array.type, false, m.values.size(),
                 m.values.data());
  return m;
}

}  // namespace kiln::dataset_internal
