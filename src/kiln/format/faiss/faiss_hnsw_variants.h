// Faiss HNSW files beyond WriteFaissIndex's (the OpenSearch k-NN remote
// build's binary and skip_stored_vectors outputs). All little-endian, field
// by field as faiss/impl/index_write.cpp writes them.
//
// Binary HNSW (IndexBinaryIDMap → IndexBinaryHNSW → IndexBinaryFlat), which
// faiss::read_index_binary (1.7.3 and later) loads:
//   IBMp | binary header | IBHf record | vector<int64> id_map   (id-mapped)
//   IBHf | binary header | HNSW block (hnsw_records.h) | IBxF record (or "null")
//   IBxF | binary header | vector<uint8> codes (ntotal·code_size bytes)
//   binary header (write_index_binary_header): d int32 (bits) |
//   code_size int32 (d/8) | ntotal int64 | is_trained u8 (1) |
//   metric_type int32 (1: METRIC_L2, what Faiss's IndexBinary records)
//
// HNSW without storage (IO_FLAG_SKIP_STORAGE): the bytes of the normal file
// with the storage record replaced by the 4-byte fourcc "null":
//   IxMp header | IHNf header, HNSW block | "null" | id_map   (or IHNf alone)
// Faiss 1.7.3 cannot read these; the k-NN plugin fills in its own vectors.
#pragma once

#include "kiln/base/byte_sink.h"
#include "kiln/base/status.h"
#include "kiln/index/binary_hnsw_index.h"
#include "kiln/index/index.h"

namespace kiln::format {

// skip_storage: "null" instead of the IBxF record.
Status WriteFaissBinaryIndex(const index::BinaryHnswIndex& index, ByteSink& sink, bool skip_storage = false);

// An HnswIndex, or an IdMapIndex around one, without its storage.
// InvalidArgument naming the index for any other type.
Status WriteFaissIndexSkipStorage(const index::Index& index, ByteSink& sink);

}  // namespace kiln::format
