// HDF5 files in the ann-benchmarks layout: rank-2 datasets such as "train",
// "test" (float32/float64) and "neighbors" (int32) in the root group.
// Read through the HDF5 C API; float and integer datasets of any width are
// converted to float32 (float64 by us, so overflow becomes +-Inf and is
// caught by the non-finite policy; integers by HDF5).
#include <hdf5.h>

#include <algorithm>
#include <memory>

#include "kiln/dataset/reader_internal.h"

namespace kiln::dataset_internal {
namespace {

constexpr size_t kChunkBytes = 16 << 20;

// Closes an HDF5 handle on scope exit.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// HDF5 prints its error stack to stderr by default; we report errors as
// Status instead, so printing is off while a reader runs.
class SilenceHdf5Errors {
 public:
  SilenceHdf5Errors() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~SilenceHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  SilenceHdf5Errors(const SilenceHdf5Errors&) = delete;
  SilenceHdf5Errors& operator=(const SilenceHdf5Errors&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// Names of the datasets in the root group, for "available: ..." messages.
std::string ListDatasets(hid_t file) {
  H5G_info_t info;
  if (H5Gget_info(file, &info) < 0) return "(cannot list)";
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    ssize_t len = H5Lget_name_by_idx(file, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (len <= 0) continue;
    std::string name(static_cast<size_t>(len) + 1, '\0');
    H5Lget_name_by_idx(file, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(), H5P_DEFAULT);
    name.resize(static_cast<size_t>(len));
    Handle object(H5Oopen(file, name.c_str(), H5P_DEFAULT), H5Oclose);
    if (object.valid() && H5Iget_type(object.get()) == H5I_DATASET) names.push_back(name);
  }
  if (names.empty()) return "none";
  return fmt::format("{}", fmt::join(names, ", "));
}

std::string_view ClassName(H5T_class_t cls) {
  switch (cls) {
    case H5T_INTEGER: return "integer";
    case H5T_FLOAT: return "float";
    case H5T_STRING: return "string";
    case H5T_COMPOUND: return "compound";
    case H5T_ENUM: return "enum";
    case H5T_ARRAY: return "array";
    default: return "other";
  }
}

// An open rank-2 dataset.
struct Hdf5Matrix {
  std::unique_ptr<Handle> file, dataset, space;
  H5T_class_t cls = H5T_NO_CLASS;
  size_t type_size = 0;
  size_t n = 0, d = 0;
};

StatusOr<Hdf5Matrix> OpenMatrix(const std::string& path, const std::string& name, const std::string& label) {
  size_t file_size = 0;
  KILN_RETURN_IF_ERROR(StatFile(path, &file_size));
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    return DataLossError("{}: not an HDF5 file (no HDF5 signature found in its {} bytes)", path, file_size);
  }
  Hdf5Matrix m;
  m.file = std::make_unique<Handle>(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!m.file->valid()) return DataLossError("{}: cannot open as HDF5 (corrupt file?)", path);
  if (H5Lexists(m.file->get(), name.c_str(), H5P_DEFAULT) <= 0) {
    return NotFoundError("{}: no dataset '{}'; available: {}", path, name, ListDatasets(m.file->get()));
  }
  m.dataset = std::make_unique<Handle>(H5Dopen2(m.file->get(), name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!m.dataset->valid()) {
    return InvalidArgumentError("{}: '{}' is not a dataset; available: {}", path, name, ListDatasets(m.file->get()));
  }
  m.space = std::make_unique<Handle>(H5Dget_space(m.dataset->get()), H5Sclose);
  Handle type(H5Dget_type(m.dataset->get()), H5Tclose);
  if (!m.space->valid() || !type.valid()) return DataLossError("{}: cannot read the shape and type", label);
  int rank = H5Sget_simple_extent_ndims(m.space->get());
  if (rank != 2) {
    std::vector<size_t> shape;
    if (rank > 0 && rank <= H5S_MAX_RANK) {
      std::vector<hsize_t> dims(static_cast<size_t>(rank));
      H5Sget_simple_extent_dims(m.space->get(), dims.data(), nullptr);
      shape.assign(dims.begin(), dims.end());
    }
    return InvalidArgumentError("{}: dataset has rank {} (shape ({})); expected a 2-D dataset (n, d)", label, rank,
                                fmt::join(shape, ", "));
  }
  hsize_t dims[2];
  H5Sget_simple_extent_dims(m.space->get(), dims, nullptr);
  m.n = dims[0];
  m.d = dims[1];
  m.cls = H5Tget_class(type.get());
  m.type_size = H5Tget_size(type.get());
  KILN_RETURN_IF_ERROR(CheckShape(label, m.n, m.d));
  size_t total = 0;
  if (!CheckedMul(m.n, m.d, &total) || !CheckedMul(total, 8, &total)) {
    return DataLossError("{}: shape ({}, {}) is too large", label, m.n, m.d);
  }
  return m;
}

// Reads rows [begin, begin + count) into `out` as `mem_type`.
Status ReadRows(const Hdf5Matrix& m, size_t begin, size_t count, hid_t mem_type, void* out,
                const std::string& label) {
  hsize_t start[2] = {begin, 0};
  hsize_t extent[2] = {count, m.d};
  Handle file_space(H5Scopy(m.space->get()), H5Sclose);
  Handle mem_space(H5Screate_simple(2, extent, nullptr), H5Sclose);
  if (!file_space.valid() || !mem_space.valid() ||
      H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, extent, nullptr) < 0 ||
      H5Dread(m.dataset->get(), mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, out) < 0) {
    return DataLossError("{}: cannot read rows {} to {} (corrupt or truncated HDF5 data)", label, begin,
                         begin + count);
  }
  return OkStatus();
}

}  // namespace

StatusOr<Dataset> ReadHdf5Vectors(const std::string& path, const std::string& name, const ReadOptions& options) {
  SilenceHdf5Errors silence;
  const std::string label = fmt::format("{}:{}", path, name);
  KILN_ASSIGN_OR_RETURN(Hdf5Matrix m, OpenMatrix(path, name, label));
  if (m.cls != H5T_FLOAT && m.cls != H5T_INTEGER) {
    return InvalidArgumentError("{}: unsupported element class {} ({} bytes); expected float or integer", label,
                                ClassName(m.cls), m.type_size);
  }
  const size_t rows = RowsToRead(m.n, options);
  AlignedBuffer<float> values(rows * m.d);
  if (m.cls == H5T_FLOAT && m.type_size == 8) {
    const size_t rows_per_chunk = std::max<size_t>(1, kChunkBytes / (m.d * sizeof(double)));
    std::vector<uint8_t> chunk(std::min(rows, rows_per_chunk) * m.d * sizeof(double));
    for (size_t r = 0; r < rows; r += rows_per_chunk) {
      const size_t take = std::min(rows_per_chunk, rows - r);
      KILN_RETURN_IF_ERROR(ReadRows(m, r, take, H5T_NATIVE_DOUBLE, chunk.data(), label));
      ConvertToFloat(chunk.data(), ElemType::kF64, false, take * m.d, values.data() + r * m.d);
    }
  } else {
    KILN_RETURN_IF_ERROR(ReadRows(m, 0, rows, H5T_NATIVE_FLOAT, values.data(), label));
  }
  Dataset data = Dataset::Owned(std::move(values), rows, m.d);
  if (m.cls != H5T_FLOAT) return data;
  return ApplyNonFinitePolicy(std::move(data), label, options.non_finite);
}

StatusOr<IntMatrix> ReadHdf5Neighbors(const std::string& path, const std::string& name) {
  SilenceHdf5Errors silence;
  const std::string label = fmt::format("{}:{}", path, name);
  KILN_ASSIGN_OR_RETURN(Hdf5Matrix m, OpenMatrix(path, name, label));
  if (m.cls != H5T_INTEGER) {
    return InvalidArgumentError("{}: neighbour ids have element class {} ({} bytes); expected integer", label,
                                ClassName(m.cls), m.type_size);
  }
  IntMatrix out{m.n, m.d, std::vector<int64_t>(m.n * m.d)};
  KILN_RETURN_IF_ERROR(ReadRows(m, 0, m.n, H5T_NATIVE_INT64, out.values.data(), label));
  return out;
}

}  // namespace kiln::dataset_internal
