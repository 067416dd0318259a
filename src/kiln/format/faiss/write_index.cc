// WriteFaissIndex: the one place that maps kiln index types to Faiss records.
#include "kiln/format/faiss/faiss_writer.h"
#include "kiln/format/faiss/hnsw_records.h"
#include "kiln/format/faiss/pq_records.h"
#include "kiln/format/faiss/writers.h"

namespace kiln::format {

Status WriteFaissIndex(const index::Index& index, ByteSink& sink) {
  return WriteFaissIndex(index, sink, WriteOptions{});
}

Status WriteFaissIndex(const index::Index& index, ByteSink& sink, const WriteOptions& options) {
  KILN_RETURN_IF_ERROR(CheckFaissCompatible(index, options));
  KILN_RETURN_IF_ERROR(CheckIvfPqCompatible(index, options));
  return WriteIndexRecord(index, sink);
}

Status WriteIndexRecord(const index::Index& index, ByteSink& sink) {
  if (const auto* id_map = dynamic_cast<const index::IdMapIndex*>(&index))
    return WriteIdMap(*id_map, sink);
  if (const auto* hnsw = dynamic_cast<const index::HnswIndex*>(&index)) return WriteHnsw(*hnsw, sink);
  if (const auto* ivf = dynamic_cast<const index::IvfFlatIndex*>(&index))
    return WriteIvfFlat(*ivf, sink);
  if (const auto* pq = dynamic_cast<const index::PqIndex*>(&index)) return WritePq(*pq, sink);
  if (const auto* ivf_pq = dynamic_cast<const index::IvfPqIndex*>(&index))
    return WriteIvfPq(*ivf_pq, sink);
  if (const auto* ivf_sq = dynamic_cast<const index::IvfScalarQuantizerIndex*>(&index))
    return WriteIvfSq(*ivf_sq, sink);
  if (const auto* sq = dynamic_cast<const index::ScalarQuantizerIndex*>(&index))
    return WriteSq(*sq, sink);
  if (const auto* flat = dynamic_cast<const index::FlatIndex*>(&index))
    return WriteFlat(*flat, sink);
  return UnimplementedError("write Faiss index: no Faiss layout for index \"{}\"",
                            index.Describe());
}

}  // namespace kiln::format
