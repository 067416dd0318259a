// Parsed, zero-copy views of the Faiss records kiln reads (internal to
// kiln_format). Parsing walks the bytes once, checking every size against
// what remains, and keeps pointers into the caller's buffer instead of
// copying vectors, codes or ids: ReadFaissIndex builds kiln indexes from
// these views and DescribeFaissFile prints them without materialising lists.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <variant>
#include <vector>

#include "kiln/format/faiss/faiss_io.h"
#include "kiln/format/faiss/index_header.h"
#include "kiln/format/faiss/hnsw_records.h"
#include "kiln/format/faiss/pq_records.h"

namespace kiln::format {

struct IndexRecord;

// IxF2 / IxFI / IxFl.
struct FlatRecord {
  const uint8_t* vectors = nullptr;  // ntotal·d float32, unaligned
};

// One non-empty inverted list.
struct ListView {
  uint64_t list_no = 0;
  uint64_t size = 0;
  const uint8_t* codes = nullptr;  // size·code_size bytes
  const uint8_t* ids = nullptr;    // size int64, unaligned
};

// "ilar" ArrayInvertedLists.
struct InvertedListsRecord {
  size_t offset = 0;
  uint64_t nlist = 0;
  uint64_t code_size = 0;
  uint32_t layout = 0;          // kFourccListsFull or kFourccListsSparse
  std::vector<ListView> lists;  // non-empty lists, ascending list_no
  uint64_t total_size() const;
};

// IwFl.
struct IvfRecord {
  uint64_t nlist = 0;
  uint64_t nprobe = 0;
  std::unique_ptr<IndexRecord> quantizer;
  uint8_t direct_map_type = 0;  // 0 NoMap, 1 Array, 2 Hashtable (skipped)
  uint64_t direct_map_size = 0;
  InvertedListsRecord lists;
};

// IxMp / IxM2.
struct IdMapRecord {
  std::unique_ptr<IndexRecord> inner;
  size_t id_map_offset = 0;
  uint64_t count = 0;
  const uint8_t* ids = nullptr;  // count int64, unaligned
};

// ScalarQuantizer block (write_ScalarQuantizer), inside IxSQ and IwSq.
struct SqBlock {
  size_t offset = 0;
  int32_t qtype = 0;
  int32_t rangestat = 0;
  float rangestat_arg = 0;
  uint64_t d = 0;
  uint64_t code_size = 0;
  uint64_t trained_count = 0;
  const uint8_t* trained = nullptr;  // trained_count float32, unaligned
};

// IxSQ.
struct SqRecord {
  SqBlock sq;
  uint64_t code_bytes = 0;
  const uint8_t* codes = nullptr;  // ntotal·code_size bytes
};

// IwSq: the IVF parts, then the SQ block, code_size and by_residual.
struct IvfSqRecord {
  IvfRecord ivf;
  SqBlock sq;
  uint64_t code_size = 0;
  uint8_t by_residual = 1;
};

// IwPQ: the IVF parts, then by_residual, code_size and the PQ block.
struct IvfPqRecord {
  IvfRecord ivf;
  uint8_t by_residual = 1;
  uint64_t code_size = 0;
  ProductQuantizerRecord pq;
};

struct IndexRecord {
  uint32_t fourcc = 0;
  size_t offset = 0;  // of the fourcc
  size_t end = 0;     // one past the last byte
  FaissIndexHeader header;
  std::variant<FlatRecord, IvfRecord, IdMapRecord, PqRecord, SqRecord, IvfSqRecord, IvfPqRecord,
               HnswRecord>
      body;
};

// Nesting deeper than this (IDMap of IDMap of ...) is rejected as corrupt.
inline constexpr int kMaxRecordDepth = 8;

// Parses the record at the reader's position (fourcc, header, body).
// DataLoss for corrupt or truncated bytes, Unimplemented for records this
// reader does not know.
StatusOr<std::unique_ptr<IndexRecord>> ParseIndexRecord(FaissReader& reader, int depth = 0);

// Bodies, after fourcc and header (read_flat.cc, read_ivf_flat.cc, read_id_map.cc).
StatusOr<FlatRecord> ParseFlatBody(FaissReader& reader, const FaissIndexHeader& header);
StatusOr<IvfRecord> ParseIvfFlatBody(FaissReader& reader, const FaissIndexHeader& header,
                                     int depth);
StatusOr<IdMapRecord> ParseIdMapBody(FaissReader& reader, const FaissIndexHeader& header,
                                     int depth);
StatusOr<InvertedListsRecord> ParseInvertedLists(FaissReader& reader);
// read_sq.cc, read_ivf_sq.cc.
StatusOr<SqRecord> ParseSqBody(FaissReader& reader, const FaissIndexHeader& header);
StatusOr<IvfSqRecord> ParseIvfSqBody(FaissReader& reader, const FaissIndexHeader& header,
                                     int depth);
// read_ivf_pq.cc.
StatusOr<IvfPqRecord> ParseIvfPqBody(FaissReader& reader, const FaissIndexHeader& header,
                                     int depth);

// The uint64 at p (unaligned).
inline uint64_t LoadU64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline int64_t LoadI64(const uint8_t* p) {
  int64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace kiln::format
