// kiln's own build request (POST /v1/jobs):
//   {"source": "s3://bucket/train.npy" | "file://bucket/base.fvecs"
//              | "postgresql://user@host:port/db" with "table": "public.items", "column": "embedding",
//    "ids": "s3://bucket/ids.npy",                 (optional)
//    "output": "s3://bucket/indexes/run1",         (prefix: faiss.index + kiln.json)
//    "factory": "IVF256,Flat"                      (or "index_type" + "params")
//    "index_type": "IVFFLAT", "params": {"ncentroids": 256},
//    "metric": "l2" | "ip" | "cosine",
//    "dimension": 128, "knnvec_type": "float"      (.knnvec sources)
//    "sample_rate": 0.1, "recall_queries": 100}
// Unknown fields are 422s, like the OpenSearch contract.
#pragma once

#include <string>
#include <vector>

#include "kiln/job/remote_build.h"
#include "kiln/service/request_fields.h"

namespace kiln::service {

struct V1Build {
  job::RemoteBuildSpec spec;
  size_t recall_queries = 100;  // 0: no recall report
};

V1Build ParseV1Build(const std::string& body, std::vector<ValidationError>& errors);

}  // namespace kiln::service
