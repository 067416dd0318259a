// Faiss product-quantizer records (internal to kiln_format).
//
// ProductQuantizer block (faiss/impl/index_write.cpp write_ProductQuantizer,
// v1.7.3 :160), shared by IxPq (IndexPQ) and, later, IwPQ (IndexIVFPQ):
//   d u64 | M u64 | nbits u64 | vector<float> centroids (M × 2^nbits × d/M)
//
// IxPq record (v1.7.3 write :~430, read :~560):
//   fourcc "IxPq" | index header | ProductQuantizer block |
//   vector<u8> codes (ntotal · ceil(M·nbits/8)) | search_type i32 (ST_PQ = 0) |
//   encode_signs u8 | polysemous_ht i32 (default M·nbits + 1)
// kiln writes search_type 0, encode_signs 0, polysemous_ht M·nbits + 1 and
// reads only search_type 0 (ADC); polysemous_ht is not kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "kiln/base/byte_sink.h"
#include "kiln/format/faiss/faiss_io.h"
#include "kiln/format/faiss/fourcc.h"
#include "kiln/format/faiss/index_header.h"
#include "kiln/index/pq_index.h"
#include "kiln/quant/pq/product_quantizer.h"

namespace kiln::format {

inline constexpr uint32_t kFourccPq = Fourcc("IxPq");  // IndexPQ

struct IndexRecord;

// A parsed ProductQuantizer block (zero-copy).
struct ProductQuantizerRecord {
  size_t offset = 0;  // of the d field
  uint64_t d = 0;
  uint64_t M = 0;
  uint64_t nbits = 0;
  const uint8_t* centroids = nullptr;  // d · 2^nbits float32, unaligned
  uint64_t code_size() const { return (M * nbits + 7) / 8; }
};

// IxPq body.
struct PqRecord {
  ProductQuantizerRecord pq;
  const uint8_t* codes = nullptr;  // ntotal · code_size bytes
  int32_t search_type = 0;
  uint8_t encode_signs = 0;
  int32_t polysemous_ht = 0;
};

// Writes the ProductQuantizer block of a trained quantizer.
Status WriteProductQuantizer(const quant::ProductQuantizer& pq, ByteSink& sink);
// Reads a ProductQuantizer block: DataLoss unless M >= 1, d % M == 0,
// 1 <= nbits <= 24 and the centroid count is d·2^nbits; Unimplemented for
// nbits 13..24 (valid Faiss, beyond kiln's 12).
StatusOr<ProductQuantizerRecord> ReadProductQuantizer(FaissReader& reader);
// A trained kiln quantizer from a parsed block (copies the centroids).
StatusOr<quant::ProductQuantizer> MakeProductQuantizer(const ProductQuantizerRecord& record);

Status WritePq(const index::PqIndex& index, ByteSink& sink);
StatusOr<PqRecord> ParsePqBody(FaissReader& reader, const FaissIndexHeader& header);
StatusOr<std::unique_ptr<index::PqIndex>> BuildPq(const IndexRecord& record,
                                                  const FaissReader& reader);

}  // namespace kiln::format
