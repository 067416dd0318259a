// PostgreSQL binary COPY encoding (COPY ... FROM STDIN WITH (FORMAT BINARY))
// and the binary send/recv layouts of the vector column types kiln writes
// and reads. No libpq here: pure byte layouts, unit-tested byte-exactly.
//
//   stream   "PGCOPY\n\377\r\n\0", int32 flags 0, int32 header extension 0,
//            rows, int16 -1 trailer
//   row      int16 field count, then per field int32 length (-1 = NULL) + bytes
//   int4     4 bytes BE;  int8: 8 bytes BE
//   real[]   array_send: int32 ndim 1, int32 has-null 0, int32 elem oid 700,
//            int32 dim, int32 lower bound 1, then per element int32 4 + float4 BE
//   vector   pgvector's vector_send: int16 dim, int16 0, float4 BE × dim
// All integers and floats are big-endian (network order).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kiln/base/status.h"

namespace kiln::storage::pg {

enum class VectorColumnType {
  kRealArray,  // real[] (float4 array); VectorChord casts it to vector
  kVector,     // pgvector vector(d)
};

// "real[]" or "vector(d)" as used in CREATE TABLE.
std::string VectorColumnSql(VectorColumnType type, size_t d);

class CopyBinaryWriter {
 public:
  // Starts with the stream header.
  CopyBinaryWriter();
  void BeginRow(int16_t fields);
  void Int4(int32_t v);
  void Int8(int64_t v);
  void Null();
  void Float4Array(const float* v, size_t d);
  void PgVector(const float* v, size_t d);
  void Vector(VectorColumnType type, const float* v, size_t d);
  // Appends the trailer; the buffer is then a complete stream.
  void Finish();

  const std::string& buffer() const { return buf_; }
  // Hands out the bytes so far (for chunked PQputCopyData) and clears the buffer.
  std::string TakeBuffer();

 private:
  void Be16(uint16_t v);
  void Be32(uint32_t v);
  std::string buf_;
};

// Decodes a binary real[] value (array_send of a float4 array, one
// dimension, no NULL elements) into out. DataLoss naming what was wrong.
Status DecodeFloat4Array(const char* data, size_t size, std::vector<float>& out);

}  // namespace kiln::storage::pg
