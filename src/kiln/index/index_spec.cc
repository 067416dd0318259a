#include "kiln/index/index_spec.h"

#include <fmt/format.h>

#include "kiln/index/index.h"

namespace kiln::index {
namespace {

std::string CodecString(const CodecSpec& codec) {
  switch (codec.kind) {
    case CodecKind::kFlat:
      return "Flat";
    case CodecKind::kSq:
      return std::string(quant::SqFactoryName(codec.sq_type));
    case CodecKind::kPq: {
      std::string s = fmt::format("PQ{}", codec.pq_m);
      if (codec.pq_nbits != 8) s += fmt::format("x{}", codec.pq_nbits);
      if (!codec.polysemous) s += "np";
      return s;
    }
  }
  return "?";
}

}  // namespace

std::string IndexSpec::ToFactoryString() const {
  std::string opq;
  if (opq_m != 0)
    opq = opq_dout != 0 ? fmt::format("OPQ{}_{},", opq_m, opq_dout) : fmt::format("OPQ{},", opq_m);
  std::string body;
  switch (family) {
    case IndexFamily::kFlat:
      body = CodecString(codec);
      break;
    case IndexFamily::kIvf:
      body = coarse_hnsw_m != 0
                 ? fmt::format("IVF{}_HNSW{},{}", nlist, coarse_hnsw_m, CodecString(codec))
                 : fmt::format("IVF{},{}", nlist, CodecString(codec));
      break;
    case IndexFamily::kHnsw:
      body = fmt::format("HNSW{},{}", hnsw_m, CodecString(codec));
      break;
  }
  return fmt::format("{}{}{}", id_map ? "IDMap," : "", opq, body);
}

Status ValidateSpec(const IndexSpec& spec, size_t d) {
  const std::string name = spec.ToFactoryString();
  if (d == 0 || d > kMaxDimension)
    return InvalidArgumentError("index \"{}\": dimension d = {} is outside [1, {}]", name, d,
                                kMaxDimension);
  size_t code_d = d;  // dimension the codec sees (after OPQ)
  if (spec.opq_m != 0) {
    code_d = spec.opq_dout != 0 ? spec.opq_dout : d;
    if (code_d > kMaxDimension)
      return InvalidArgumentError("index \"{}\": OPQ output dimension {} is outside [1, {}]", name,
                                  code_d, kMaxDimension);
    if (code_d % spec.opq_m != 0)
      return InvalidArgumentError(
          "index \"{}\": OPQ output dimension {} is not a multiple of its M = {}", name, code_d,
          spec.opq_m);
  }
  if (spec.family == IndexFamily::kIvf && (spec.nlist == 0 || spec.nlist > kMaxNlist))
    return InvalidArgumentError("index \"{}\": nlist = {} is outside [1, {}]", name, spec.nlist,
                                kMaxNlist);
  if (spec.family == IndexFamily::kIvf && spec.coarse_hnsw_m != 0 &&
      (spec.coarse_hnsw_m < kMinHnswM || spec.coarse_hnsw_m > kMaxHnswM))
    return InvalidArgumentError("index \"{}\": coarse HNSW M = {} is outside [{}, {}]", name,
                                spec.coarse_hnsw_m, kMinHnswM, kMaxHnswM);
  if (spec.family == IndexFamily::kHnsw &&
      (spec.hnsw_m < kMinHnswM || spec.hnsw_m > kMaxHnswM))
    return InvalidArgumentError("index \"{}\": HNSW M = {} is outside [{}, {}]", name, spec.hnsw_m,
                                kMinHnswM, kMaxHnswM);
  if (spec.codec.kind == CodecKind::kPq) {
    const CodecSpec& pq = spec.codec;
    if (pq.pq_nbits < 1 || pq.pq_nbits > kMaxPqNbits)
      return InvalidArgumentError("index \"{}\": PQ nbits = {} is outside [1, {}]", name,
                                  pq.pq_nbits, kMaxPqNbits);
    if (pq.pq_m == 0 || code_d % pq.pq_m != 0)
      return InvalidArgumentError(
          "index \"{}\": d = {} is not a multiple of the PQ sub-quantizer count M = {} "
          "(Faiss requires d % M == 0)",
          name, code_d, pq.pq_m);
  }
  if (spec.nprobe && (*spec.nprobe == 0 || (spec.family == IndexFamily::kIvf &&
                                            *spec.nprobe > spec.nlist)))
    return InvalidArgumentError("index \"{}\": nprobe = {} is outside [1, nlist = {}]", name,
                                *spec.nprobe, spec.nlist);
  if (spec.ef_search && *spec.ef_search == 0)
    return InvalidArgumentError("index \"{}\": efSearch must be at least 1", name);
  if (spec.ef_construction && *spec.ef_construction == 0)
    return InvalidArgumentError("index \"{}\": efConstruction must be at least 1", name);
  return OkStatus();
}

}  // namespace kiln::index
