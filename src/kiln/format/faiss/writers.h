// Per-type Faiss record writers behind WriteFaissIndex (internal to
// kiln_format). Each writes one complete record: fourcc, header, body.
#pragma once

#include "kiln/base/byte_sink.h"
#include "kiln/base/status.h"
#include "kiln/index/flat_index.h"
#include "kiln/index/id_map_index.h"
#include "kiln/index/ivf_flat_index.h"
#include "kiln/index/ivf_pq_index.h"
#include "kiln/index/ivf_sq_index.h"
#include "kiln/index/sq_index.h"
#include "kiln/format/faiss/faiss_writer.h"

namespace kiln::format {

// The record of index (any supported type), without compatibility checks.
Status WriteIndexRecord(const index::Index& index, ByteSink& sink);
Status WriteFlat(const index::FlatIndex& index, ByteSink& sink);
Status WriteIvfFlat(const index::IvfFlatIndex& index, ByteSink& sink);
Status WriteIdMap(const index::IdMapIndex& index, ByteSink& sink);
Status WriteSq(const index::ScalarQuantizerIndex& index, ByteSink& sink);
Status WriteIvfSq(const index::IvfScalarQuantizerIndex& index, ByteSink& sink);
Status WriteIvfPq(const index::IvfPqIndex& index, ByteSink& sink);
// InvalidArgument for an IVF-PQ index (or one inside an IDMap) with nbits > 8,
// which Faiss 1.7.3's IndexIVFPQ rejects, unless options allow it.
Status CheckIvfPqCompatible(const index::Index& index, const WriteOptions& options);
// "ilar" lists (write_ivf_flat.cc), shared by the IVF writers.
Status WriteArrayInvertedLists(const index::InvertedLists& lists, ByteSink& sink);
// fourcc, header, nlist, nprobe, the nested quantizer and an empty direct map:
// the start every IVF record shares (write_ivf_header in Faiss).
Status WriteIvfHeader(uint32_t fourcc, const index::IvfIndex& index, ByteSink& sink);
// InvalidArgument when index (or the index inside an IDMap) holds a type
// Faiss 1.7.3 cannot read and options do not allow it (write_sq.cc).
Status CheckFaissCompatible(const index::Index& index, const WriteOptions& options);

}  // namespace kiln::format
