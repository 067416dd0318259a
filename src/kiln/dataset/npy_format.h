// The NumPy .npy container (format versions 1.0, 2.0 and 3.0):
//
//   offset 0   "\x93NUMPY"            magic (6 bytes)
//   offset 6   major, minor           version bytes
//   offset 8   header length          uint16 LE (v1) or uint32 LE (v2, v3)
//   offset 10/12  header              Python dict literal, e.g.
//              {'descr': '<f4', 'fortran_order': False, 'shape': (n, d), }
//              padded with spaces and a final '\n'
//   data_offset   payload             prod(shape) * itemsize bytes
//
// Internal to the dataset layer; shared by the reader and the writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kiln/base/status.h"

namespace kiln::dataset_internal {

struct NpyHeader {
  std::string descr;  // e.g. "<f4"
  bool fortran_order = false;
  std::vector<size_t> shape;
  size_t data_offset = 0;  // payload start, from the beginning of the file
};

// Parses and validates the preamble of an .npy file of `size` bytes.
// DataLoss naming `path` and the byte offset for bad magic, an unknown
// version, a header running past the end, or a malformed dict.
StatusOr<NpyHeader> ParseNpyHeader(const uint8_t* data, size_t size, const std::string& path);

// The full preamble (magic, version, length, padded dict) for a C-order
// array; version 1.0, or 2.0 when the dict would not fit a uint16 length.
// The payload starts at a multiple of 64 bytes.
std::string FormatNpyHeader(std::string_view descr, const std::vector<size_t>& shape);

// "(3, 4)" / "(5,)" as NumPy prints shapes.
std::string FormatShape(const std::vector<size_t>& shape);

}  // namespace kiln::dataset_internal
