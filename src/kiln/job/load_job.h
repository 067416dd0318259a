// `kiln load`: embeddings from a vector file (+ optional id file) into a
// PostgreSQL table with binary COPY in committed chunks; resumable.
#pragma once

#include <string>

#include "kiln/base/exec_context.h"
#include "kiln/storage/postgres/embedding_loader.h"

namespace kiln::job {

struct LoadJobOptions {
  std::string input;     // vector file spec
  std::string ids_file;  // optional; default ids are row numbers
  std::string url;       // postgresql://...
  std::string table;
  storage::pg::LoadOptions load;
};

struct LoadJobResult {
  storage::pg::LoadResult load;
  size_t n_input = 0;
  double seconds = 0;
};

StatusOr<LoadJobResult> RunLoad(const LoadJobOptions& options, const ExecContext& ctx);

}  // namespace kiln::job
