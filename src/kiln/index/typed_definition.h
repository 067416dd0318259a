// MyScale-style typed index definitions ("TYPE IVFPQ('ncentroids = 1024',
// 'M = 16')") → IndexSpec. Types and their parameters (MyScale's defaults):
//   FLAT
//   IVFFLAT   ncentroids=1024 (1..1048576); search: nprobe=1 (1..ncentroids)
//   IVFPQ     ncentroids=1024, M=16 (d % M == 0), bit_size=8 (2..12); nprobe=1
//   IVFSQ     ncentroids=1024, bit_size='8bit' | '6bit' | '4bit' | '8bit_uniform'
//             | '8bit_direct' | '4bit_uniform' | 'QT_fp16'; nprobe=1
//   HNSWFLAT  m=16 (8..128), ef_c=100 (16..1024); search: ef_s=50 (16..1024)
//   HNSWSQ    m, ef_c, bit_size (as IVFSQ); ef_s
// Every type takes metric_type = L2 | Cosine | IP (default: not set, which
// the build reads as its --metric, L2 unless given). Type and parameter names
// are case-insensitive; values may be quoted with ' or ". docs/factory.md has
// the table and the Faiss equivalents.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kiln/base/status.h"
#include "kiln/index/index_spec.h"

namespace kiln::index {

using TypedParams = std::vector<std::pair<std::string, std::string>>;

// Parses a typed definition. InvalidArgument for an unknown type (listing the
// valid ones), an unknown or repeated parameter (listing the valid ones for
// the type), a number out of range, or an unknown bit_size (listing the valid
// values); Unimplemented for MyScale types kiln knows but does not build
// (HNSWPQ, MSTG, SCANN). "AUTO" is not a typed definition: see ChooseAuto.
StatusOr<IndexSpec> ParseTypedDefinition(std::string_view type, const TypedParams& params);

// Splits one "key=value" (spaces around either allowed) into its parts.
// InvalidArgument without '=' or with an empty key.
StatusOr<std::pair<std::string, std::string>> ParseParamAssignment(std::string_view text);

}  // namespace kiln::index
