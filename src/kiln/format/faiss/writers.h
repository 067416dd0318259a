// Per-type Faiss record writers behind WriteFaissIndex (internal to
// kiln_format). Each writes one complete record: fourcc, header, body.
#pragma once

#include "kiln/base/byte_sink.h"
#include "kiln/base/status.h"
#include "kiln/index/flat_index.h"
#include "kiln/index/id_map_index.h"
#include "kiln/index/ivf_flat_index.h"

namespace kiln::format {

Status WriteFlat(const index::FlatIndex& index, ByteSink& sink);
Status WriteIvfFlat(const index::IvfFlatIndex& index, ByteSink& sink);
Status WriteIdMap(const index::IdMapIndex& index, ByteSink& sink);

}  // namespace kiln::format
