// IndexSpec: one validated description of the index to build, whatever the
// user wrote (a Faiss factory string, a MyScale-style typed definition or
// AUTO). It drives both the build (CreateIndex) and the parameters stored in
// the output file (nprobe, efSearch, ...). See docs/factory.md.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "kiln/base/status.h"
#include "kiln/base/types.h"
#include "kiln/quant/sq_type.h"

namespace kiln::index {

// Top-level structure of the index.
enum class IndexFamily {
  kFlat,  // one flat array of codes: IndexFlat / IndexPQ / IndexScalarQuantizer
  kIvf,   // inverted lists: IndexIVFFlat / IndexIVFPQ / IndexIVFScalarQuantizer
  kHnsw,  // graph: IndexHNSWFlat / IndexHNSWSQ / IndexHNSWPQ
};

// How vectors are stored (in an IVF list, a flat array or an HNSW storage).
enum class CodecKind { kFlat, kPq, kSq };

inline constexpr int kMaxPqNbits = 12;
inline constexpr size_t kMinHnswM = 2;
inline constexpr size_t kMaxHnswM = 1024;
// Faiss's HNSW M when the factory string gives none ("HNSW", "HNSW,SQ8").
inline constexpr size_t kDefaultHnswM = 32;

struct CodecSpec {
  CodecKind kind = CodecKind::kFlat;
  /// kPq: number of sub-quantizers M (d % M == 0, checked by ValidateSpec).
  size_t pq_m = 0;
  /// kPq: bits per sub-quantizer code, 1 .. kMaxPqNbits.
  int pq_nbits = 8;
  /// kPq: Faiss's do_polysemous_training (true unless the string ends in
  /// "np"). Recorded only: kiln always trains as if "np" was written.
  bool polysemous = false;
  /// kSq: the scalar quantizer type (Faiss numbering).
  quant::SqType sq_type = quant::SqType::k8bit;

  bool operator==(const CodecSpec&) const = default;
};

struct IndexSpec {
  IndexFamily family = IndexFamily::kFlat;
  /// kIvf: number of inverted lists (1 .. kMaxNlist).
  size_t nlist = 0;
  /// kIvf: M of an HNSW coarse quantizer ("IVF4096_HNSW32"); 0 = flat quantizer.
  size_t coarse_hnsw_m = 0;
  /// kHnsw: neighbours per node (kMinHnswM .. kMaxHnswM).
  size_t hnsw_m = 0;
  CodecSpec codec;
  /// OPQ<M>[_<dout>] rotation before the index; 0 = none. Parsed, not built yet.
  size_t opq_m = 0;
  /// OPQ output dimension; 0 = d.
  size_t opq_dout = 0;
  /// Wrap in IDMap: vectors carry caller-chosen ids.
  bool id_map = false;

  /// Metric named by the definition (typed definitions' metric_type); unset
  /// when the definition does not say (factory strings never do).
  std::optional<Metric> metric;
  /// Search defaults stored in the file (IVF nprobe, HNSW efSearch).
  std::optional<size_t> nprobe;
  std::optional<size_t> ef_search;
  /// HNSW efConstruction.
  std::optional<size_t> ef_construction;
  /// Things the user should know about how kiln reads the definition.
  std::vector<std::string> warnings;

  // Canonical Faiss factory string: "Flat", "IVF256,Flat", "IDMap,IVF256,PQ16",
  // "HNSW32,SQ8", "IVF4096_HNSW32,Flat". Search defaults and metric are not part
  // of it (Faiss passes them separately).
  std::string ToFactoryString() const;
  bool operator==(const IndexSpec&) const = default;
};

// Checks what needs the dimension d: d in [1, kMaxDimension]; nlist >= 1; for
// PQ, d (or the OPQ output dimension) % M == 0; for OPQ, dout % M == 0;
// numbers in range. InvalidArgument naming the numbers involved.
Status ValidateSpec(const IndexSpec& spec, size_t d);

}  // namespace kiln::index
