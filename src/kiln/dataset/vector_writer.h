// Writing vectors, ids and neighbour lists in the formats vector_reader.h
// reads back. Every writer goes through AtomicFileSink: bytes go to a
// temporary file next to `path`, published by rename only when complete.
// InvalidArgument when a size does not fit the format (e.g. d > INT32_MAX
// for .fvecs); I/O errors as AtomicFileSink reports them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "kiln/base/status.h"

namespace kiln {

// .npy version 1.0, C order, payload 64-byte aligned.
// n×d float32 ('<f4').
Status WriteNpy(const std::string& path, const float* x, size_t n, size_t d);
// n×d int64 ('<i8'), e.g. neighbour ids.
Status WriteNpy(const std::string& path, const int64_t* x, size_t n, size_t d);
// 1-D int64 ('<i8') of length n, e.g. vector ids.
Status WriteNpy(const std::string& path, const int64_t* ids, size_t n);

// TEXMEX formats: per row an int32 d, then d values.
Status WriteFvecs(const std::string& path, const float* x, size_t n, size_t d);
Status WriteBvecs(const std::string& path, const uint8_t* x, size_t n, size_t d);
Status WriteIvecs(const std::string& path, const int32_t* x, size_t n, size_t d);

// Headerless .knnvec of n×d float32 (the reader needs d) and .knndid of n
// int32 ids, little-endian.
Status WriteKnnVec(const std::string& path, const float* x, size_t n, size_t d);
Status WriteKnnDid(const std::string& path, const int32_t* ids, size_t n);

}  // namespace kiln
