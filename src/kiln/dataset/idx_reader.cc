// IDX files (MNIST, Fashion-MNIST), gzip-compressed or not:
//
//   offset 0   0x00 0x00          two zero bytes
//   offset 2   type code          0x08 uint8, 0x09 int8, 0x0B int16,
//                                 0x0C int32, 0x0D float32, 0x0E float64
//   offset 3   ndims              number of dimensions
//   offset 4   ndims x uint32 BE  dimension sizes
//   then       payload            big-endian values, row-major
//
// The first dimension is the row count n; the rest are flattened into d
// (idx3 28x28 images become 784-float rows). Offsets in messages are in the
// uncompressed stream. zlib's gzread reads plain files transparently.
#include <zlib.h>

#include <algorithm>
#include <optional>

#include "kiln/dataset/reader_internal.h"

namespace kiln::dataset_internal {
namespace {

// Deflate cannot compress better than about 1032:1; a header claiming a
// larger payload than that is corrupt, and is rejected before allocating.
constexpr size_t kMaxDeflateRatio = 1032;
constexpr size_t kChunkBytes = 16 << 20;

class GzFile {
 public:
  explicit GzFile(gzFile file) : file_(file) {}
  ~GzFile() {
    if (file_ != nullptr) gzclose(file_);
  }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;
  gzFile get() const { return file_; }

  // Reads up to `size` bytes; sets *got to the number read. DataLoss for
  // corrupt compressed data.
  Status Read(void* buffer, size_t size, size_t* got, const std::string& path) {
    *got = 0;
    uint8_t* out = static_cast<uint8_t*>(buffer);
    while (*got < size) {
      unsigned ask = static_cast<unsigned>(std::min<size_t>(size - *got, 1u << 30));
      int r = gzread(file_, out + *got, ask);
      if (r < 0) {
        int errnum = 0;
        const char* message = gzerror(file_, &errnum);
        return DataLossError("{}: corrupt gzip data near uncompressed byte offset {}: {}", path, offset_ + *got,
                             message != nullptr ? message : "unknown error");
      }
      if (r == 0) break;
      *got += static_cast<size_t>(r);
    }
    offset_ += *got;
    return OkStatus();
  }
  size_t offset() const { return offset_; }

 private:
  gzFile file_;
  size_t offset_ = 0;
};

std::optional<ElemType> IdxType(uint8_t code) {
  switch (code) {
    case 0x08: return ElemType::kU8;
    case 0x09: return ElemType::kI8;
    case 0x0B: return ElemType::kI16;
    case 0x0C: return ElemType::kI32;
    case 0x0D: return ElemType::kF32;
    case 0x0E: return ElemType::kF64;
    default: return std::nullopt;
  }
}

}  // namespace

StatusOr<Dataset> ReadIdxVectors(const std::string& path, const ReadOptions& options) {
  size_t file_size = 0;
  KILN_RETURN_IF_ERROR(StatFile(path, &file_size));
  GzFile file(gzopen(path.c_str(), "rb"));
  if (file.get() == nullptr) return UnavailableError("{}: cannot open", path);

  uint8_t magic[4];
  size_t got = 0;
  KILN_RETURN_IF_ERROR(file.Read(magic, 4, &got, path));
  if (got < 4) {
    return DataLossError("{}: truncated IDX header: found {} bytes, expected at least 4 (the magic number)", path,
                         got);
  }
  const uint32_t magic_value = LoadU32Be(magic);
  std::optional<ElemType> type = IdxType(magic[2]);
  if (magic[0] != 0 || magic[1] != 0 || !type.has_value() || magic[3] == 0) {
    return DataLossError(
        "{}: bad IDX magic 0x{:08x} at byte offset 0: expected 0x0000TTNN with type code TT one of 08, 09, 0B, "
        "0C, 0D, 0E and NN >= 1 dimensions (e.g. 0x00000803 for uint8 images)",
        path, magic_value);
  }
  const size_t ndims = magic[3];
  std::vector<uint8_t> dim_bytes(ndims * 4);
  KILN_RETURN_IF_ERROR(file.Read(dim_bytes.data(), dim_bytes.size(), &got, path));
  if (got < dim_bytes.size()) {
    return DataLossError("{}: truncated IDX header: {} dimension sizes need {} bytes from byte offset 4, found {}",
                         path, ndims, dim_bytes.size(), got);
  }
  std::vector<size_t> dims(ndims);
  for (size_t i = 0; i < ndims; ++i) dims[i] = LoadU32Be(dim_bytes.data() + 4 * i);
  if (ndims == 1) {
    return InvalidArgumentError(
        "{}: IDX array is 1-D (magic 0x{:08x}, {} values), e.g. a labels file; expected vectors (2-D or more)",
        path, magic_value, dims[0]);
  }
  const size_t n = dims[0];
  size_t d = 1;
  bool overflow = false;
  for (size_t i = 1; i < ndims; ++i) overflow = overflow || !CheckedMul(d, dims[i], &d);
  const size_t elem = ElemSize(*type);
  size_t payload = 0, row_bytes = 0;
  overflow = overflow || !CheckedMul(d, elem, &row_bytes) || !CheckedMul(n, row_bytes, &payload);
  if (overflow) return DataLossError("{}: IDX dimensions overflow 64 bits", path);
  KILN_RETURN_IF_ERROR(CheckShape(path, n, d));
  const size_t header_bytes = 4 + 4 * ndims;
  const bool compressed = gzdirect(file.get()) == 0;
  const size_t max_payload = compressed ? file_size * kMaxDeflateRatio + 1024 : file_size - header_bytes;
  if (payload > max_payload) {
    return DataLossError(
        "{}: truncated: header at byte offset 4 describes {} rows x {} {} values = {} payload bytes, more than "
        "this {}-byte {}file can hold",
        path, n, d, ElemTypeName(*type), payload, file_size, compressed ? "compressed " : "");
  }

  const size_t rows = RowsToRead(n, options);
  AlignedBuffer<float> values(rows * d);
  const size_t rows_per_chunk = std::max<size_t>(1, kChunkBytes / row_bytes);
  std::vector<uint8_t> chunk(std::min(rows, rows_per_chunk) * row_bytes);
  for (size_t r = 0; r < rows; r += rows_per_chunk) {
    const size_t take = std::min(rows_per_chunk, rows - r);
    KILN_RETURN_IF_ERROR(file.Read(chunk.data(), take * row_bytes, &got, path));
    if (got < take * row_bytes) {
      return DataLossError(
          "{}: truncated: payload ends at byte offset {} inside row {}; expected {} payload bytes ({} rows x {} "
          "{} values) after the {}-byte header",
          path, file.offset(), r + got / row_bytes, payload, n, d, ElemTypeName(*type), header_bytes);
    }
    ConvertToFloat(chunk.data(), *type, true, take * d, values.data() + r * d);
  }
  if (rows == n) {
    uint8_t extra;
    KILN_RETURN_IF_ERROR(file.Read(&extra, 1, &got, path));
    if (got != 0) {
      return DataLossError("{}: unexpected data at byte offset {}, past the {} payload bytes ({} rows x {} {} "
                           "values) the header describes",
                           path, header_bytes + payload, payload, n, d, ElemTypeName(*type));
    }
  }
  Dataset data = Dataset::Owned(std::move(values), rows, d);
  if (!IsFloating(*type)) return data;
  return ApplyNonFinitePolicy(std::move(data), path, options.non_finite);
}

}  // namespace kiln::dataset_internal
