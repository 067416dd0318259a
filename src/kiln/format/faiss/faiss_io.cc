#include "kiln/format/faiss/faiss_io.h"

#include <cctype>

#include "kiln/format/faiss/fourcc.h"

namespace kiln::format {

std::string FourccName(uint32_t fourcc) {
  std::string text(4, ' ');
  for (int i = 0; i < 4; ++i) {
    const auto ch = static_cast<unsigned char>(fourcc >> (8 * i));
    if (ch < 0x20 || ch > 0x7e) return fmt::format("0x{:08x}", fourcc);
    text[i] = static_cast<char>(ch);
  }
  return text;
}

StatusOr<const uint8_t*> FaissReader::Take(uint64_t bytes, std::string_view what) {
  if (bytes > remaining()) {
    return Corrupt(offset_, fmt::format("{} ({} bytes)", what, bytes),
                   remaining() == 0
                       ? std::string("end of data")
                       : fmt::format("only {} bytes before the end of data", remaining()));
  }
  const uint8_t* p = data_ + offset_;
  offset_ += bytes;
  return p;
}

StatusOr<uint64_t> FaissReader::ReadCount(std::string_view what, size_t elem_size) {
  const size_t at = offset_;
  KILN_ASSIGN_OR_RETURN(uint64_t count, ReadU64(fmt::format("u64 size of {}", what)));
  if (count > remaining() / elem_size) {
    return Corrupt(
        at,
        fmt::format("size of {} with at most {} elements of {} bytes (the bytes that remain)", what,
                    remaining() / elem_size, elem_size),
        fmt::format("{}", count));
  }
  return count;
}

Status FaissReader::Corrupt(size_t offset, std::string_view expected,
                            std::string_view found) const {
  return DataLossError("{}: offset {}: expected {}, found {}", source_, offset, expected, found);
}

Status FaissReader::Unsupported(size_t offset, std::string_view what) const {
  return UnimplementedError("{}: offset {}: {} is not supported by this reader", source_, offset,
                            what);
}

}  // namespace kiln::format
