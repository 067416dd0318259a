// Faiss type tags ("fourcc") and fixed header constants
// (faiss/impl/io.cpp fourcc(), faiss/impl/index_write.cpp). A tag is stored as
// the uint32 x[0] | x[1]<<8 | x[2]<<16 | x[3]<<24, so its ASCII letters appear
// in the file in reading order.
#pragma once

#include <cstdint>
#include <string>

namespace kiln::format {

constexpr uint32_t Fourcc(const char (&tag)[5]) {
  return static_cast<uint32_t>(static_cast<uint8_t>(tag[0])) |
         static_cast<uint32_t>(static_cast<uint8_t>(tag[1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(tag[2])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(tag[3])) << 24;
}

// Index records.
inline constexpr uint32_t kFourccFlatL2 = Fourcc("IxF2");   // IndexFlatL2
inline constexpr uint32_t kFourccFlatIP = Fourcc("IxFI");   // IndexFlatIP
inline constexpr uint32_t kFourccFlat = Fourcc("IxFl");     // IndexFlat, other metrics
inline constexpr uint32_t kFourccIvfFlat = Fourcc("IwFl");  // IndexIVFFlat
inline constexpr uint32_t kFourccIdMap = Fourcc("IxMp");    // IndexIDMap
inline constexpr uint32_t kFourccIdMap2 = Fourcc("IxM2");   // IndexIDMap2 (same bytes)
inline constexpr uint32_t kFourccSq = Fourcc("IxSQ");       // IndexScalarQuantizer
inline constexpr uint32_t kFourccIvfSq = Fourcc("IwSq");    // IndexIVFScalarQuantizer
inline constexpr uint32_t kFourccIvfPq = Fourcc("IwPQ");    // IndexIVFPQ

// Inverted lists (write_InvertedLists).
inline constexpr uint32_t kFourccArrayLists = Fourcc("ilar");  // ArrayInvertedLists
inline constexpr uint32_t kFourccNullLists = Fourcc("il00");   // no lists
inline constexpr uint32_t kFourccListsFull = Fourcc("full");   // sizes of all nlist lists
inline constexpr uint32_t kFourccListsSparse =
    Fourcc("sprs");  // (list_no, size) of non-empty lists

// The two int64 fields after ntotal in every index header; ignored on read.
inline constexpr int64_t kHeaderDummy = int64_t{1} << 20;

// faiss::MetricType values kiln writes. Cosine is written as inner product.
inline constexpr int32_t kFaissMetricInnerProduct = 0;
inline constexpr int32_t kFaissMetricL2 = 1;

// The tag as text: its four letters when printable ASCII ("IxF2"), otherwise
// "0x" and eight hex digits of the uint32.
std::string FourccName(uint32_t fourcc);

}  // namespace kiln::format
