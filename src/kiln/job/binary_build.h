// The batch build of a binary HNSW (factory "BHNSW<M>" / "IDMap,BHNSW<M>",
// index/binary_hnsw_index.h): packed-bit vectors in, a Faiss binary index
// (IBMp → IBHf → IBxF, faiss::read_index_binary) out, with the output
// layout and guarantees of RunBuild (DIR/faiss.index, DIR/kiln.json,
// DIR/_SUCCESS last; nothing published on error or cancel). RunBuild hands
// such requests here.
#pragma once

#include "kiln/job/build_job.h"

namespace kiln::job {

// True when the request names a binary HNSW by factory (no spec, no typed
// definition).
bool IsBinaryHnswRequest(const BuildRequest& request);

// Input: a .knnvec of packed bits (read_options.knnvec_type binary,
// read_options.dimension in bits, a multiple of 8). Ids (.knndid, .npy,
// ...) make it IDMap. ef_construction / ef_search from the request
// (defaults 40 / 16, Faiss's). skip_stored_vectors: "null" instead of IBxF.
StatusOr<BuildReport> RunBinaryHnswBuild(const BuildRequest& request, const ExecContext& ctx);

}  // namespace kiln::job
