// Loads an index written by kiln or Faiss, from a file or a build directory.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "kiln/base/mapped_file.h"
#include "kiln/base/types.h"
#include "kiln/index/index.h"

namespace kiln::job {

struct LoadedIndex {
  std::string path;                    // the index file actually read
  std::shared_ptr<MappedFile> file;    // its bytes
  std::unique_ptr<index::Index> index;
  // The metric the build was asked for when a kiln.json sits next to the
  // file (Faiss files cannot say "cosine": it is stored as inner product).
  std::optional<Metric> built_metric;
};

// `path` is an index file, or a directory holding faiss.index (a kiln build
// output). Errors name the path and, for corrupt files, the offset.
StatusOr<LoadedIndex> LoadIndex(const std::string& path);

// Only maps the file (for inspection without building search structures).
StatusOr<LoadedIndex> MapIndexFile(const std::string& path);

}  // namespace kiln::job
