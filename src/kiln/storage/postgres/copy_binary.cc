#include "kiln/storage/postgres/copy_binary.h"

#include <cstring>

namespace kiln::storage::pg {
namespace {

constexpr uint32_t kFloat4Oid = 700;

uint32_t ReadBe32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}

uint32_t FloatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

}  // namespace

std::string VectorColumnSql(VectorColumnType type, size_t d) {
  return type == VectorColumnType::kVector ? fmt::format("vector({})", d) : std::string("real[]");
}

CopyBinaryWriter::CopyBinaryWriter() {
  static constexpr char kSignature[] = "PGCOPY\n\377\r\n";  // + the terminating NUL = 11 bytes
  buf_.append(kSignature, 11);
  Be32(0);  // flags
  Be32(0);  // header extension length
}

void CopyBinaryWriter::Be16(uint16_t v) {
  buf_.push_back(static_cast<char>(v >> 8));
  buf_.push_back(static_cast<char>(v & 0xff));
}

void CopyBinaryWriter::Be32(uint32_t v) {
  Be16(static_cast<uint16_t>(v >> 16));
  Be16(static_cast<uint16_t>(v & 0xffff));
}

void CopyBinaryWriter::BeginRow(int16_t fields) { Be16(static_cast<uint16_t>(fields)); }

void CopyBinaryWriter::Int4(int32_t v) {
  Be32(4);
  Be32(static_cast<uint32_t>(v));
}

void CopyBinaryWriter::Int8(int64_t v) {
  Be32(8);
  Be32(static_cast<uint32_t>(static_cast<uint64_t>(v) >> 32));
  Be32(static_cast<uint32_t>(static_cast<uint64_t>(v) & 0xffffffffu));
}

void CopyBinaryWriter::Null() { Be32(0xffffffffu); }

void CopyBinaryWriter::Float4Array(const float* v, size_t d) {
  Be32(static_cast<uint32_t>(20 + 8 * d));
  Be32(1);  // ndim
  Be32(0);  // has nulls
  Be32(kFloat4Oid);
  Be32(static_cast<uint32_t>(d));
  Be32(1);  // lower bound
  for (size_t j = 0; j < d; ++j) {
    Be32(4);
    Be32(FloatBits(v[j]));
  }
}

void CopyBinaryWriter::PgVector(const float* v, size_t d) {
  Be32(static_cast<uint32_t>(4 + 4 * d));
  Be16(static_cast<uint16_t>(d));
  Be16(0);
  for (size_t j = 0; j < d; ++j) Be32(FloatBits(v[j]));
}

void CopyBinaryWriter::Vector(VectorColumnType type, const float* v, size_t d) {
  if (type == VectorColumnType::kVector) PgVector(v, d);
  else Float4Array(v, d);
}

void CopyBinaryWriter::Finish() { Be16(0xffff); }

std::string CopyBinaryWriter::TakeBuffer() {
  std::string out;
  out.swap(buf_);
  return out;
}

Status DecodeFloat4Array(const char* data, size_t size, std::vector<float>& out) {
  out.clear();
  if (size < 12) return DataLossError("binary real[]: {} bytes, shorter than the 12-byte array header", size);
  const uint32_t ndim = ReadBe32(data), has_null = ReadBe32(data + 4), elem = ReadBe32(data + 8);
  if (ndim == 0) return OkStatus();  // empty array '{}'
  if (ndim != 1) return DataLossError("binary real[]: expected 1 dimension, found {}", ndim);
  if (has_null != 0) return DataLossError("binary real[]: the array contains NULL elements");
  if (elem != kFloat4Oid) return DataLossError("binary real[]: element type oid {}, expected float4 ({})", elem, kFloat4Oid);
  if (size < 20) return DataLossError("binary real[]: {} bytes, shorter than the 20-byte header", size);
  const size_t d = ReadBe32(data + 12);
  if (size != 20 + 8 * d) return DataLossError("binary real[]: {} elements need {} bytes, found {}", d, 20 + 8 * d, size);
  out.resize(d);
  for (size_t j = 0; j < d; ++j) {
    const char* p = data + 20 + 8 * j;
    if (ReadBe32(p) != 4) return DataLossError("binary real[]: element {} has length {}, expected 4", j, ReadBe32(p));
    const uint32_t bits = ReadBe32(p + 4);
    std::memcpy(&out[j], &bits, 4);
  }
  return OkStatus();
}

}  // namespace kiln::storage::pg
