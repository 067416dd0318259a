// The OpenSearch k-NN remote build request (POST /_build), validated as the
// reference service does (see shared/reference/opensearch-remote-build.md
// §1.2): unknown top-level fields, a vector_path without ".knnvec",
// doc_count < 5, dimension <= 0 and values outside the enums are 422s.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kiln/base/status.h"
#include "kiln/job/remote_build.h"
#include "kiln/service/request_fields.h"

namespace kiln::service {

struct OpenSearchBuild {
  std::string repository_type = "s3";
  std::string container_name;
  std::string vector_path;
  std::string doc_id_path;
  std::string tenant_id;
  int64_t dimension = 0;
  int64_t doc_count = 0;
  std::string data_type = "float";
  std::string engine = "faiss";
  std::string space_type = "l2";
  std::string algorithm = "hnsw";
  int64_t m = 16;
  int64_t ef_construction = 100;
  int64_t ef_search = 100;
  bool skip_stored_vectors = false;
};

// Parses and validates; `errors` lists every problem (empty when valid).
OpenSearchBuild ParseOpenSearchBuild(const std::string& body, std::vector<ValidationError>& errors);

// sha256("<vector_path>-<tenant_id>") in hex, as the reference computes it:
// a retried POST lands on the same job.
std::string OpenSearchJobId(const OpenSearchBuild& request);

// "<vector_path without .knnvec>.faiss" (only the final suffix goes).
std::string OpenSearchIndexKey(const std::string& vector_path);

// kiln's memory estimate for the build (bytes): the float vectors, ids, and
// the HNSW graph (about 2·M links of 4 bytes at level 0, plus upper levels
// and slack). IDMap,HNSW<m>,Flat takes the input rows over
// (HnswIndex::AddOwned): 5·d covers a `byte` .knnvec (converted to floats in
// memory: the stored rows plus the 8-bit build codes); a float one stays in
// the mapped file and needs at most 3·d (8- and 16-bit build codes). A
// factory_override keeps the input and its own storage: the vectors twice;
// binary, the packed codes twice.
uint64_t OpenSearchMemoryEstimate(const OpenSearchBuild& request, const std::string& factory_override);

// The job kiln runs: store scheme for container_name ("s3" or "file"),
// IDMap,HNSW<m>,Flat with ef_construction/ef_search (or `factory_override`,
// when set), l2 or inner product; data_type binary: IDMap,BHNSW<m> (Hamming,
// written IBMp → IBHf → IBxF). skip_stored_vectors: the storage record is
// "null".
StatusOr<job::RemoteBuildSpec> OpenSearchBuildSpec(const OpenSearchBuild& request, const std::string& store_scheme,
                                                   const std::string& factory_override);

}  // namespace kiln::service
