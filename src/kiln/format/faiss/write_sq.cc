// IndexScalarQuantizer record (faiss/impl/index_write.cpp v1.7.3 :239, :470):
//   fourcc IxSQ | header | SQ block | vector<u8> codes (ntotal·code_size)
// SQ block (write_ScalarQuantizer):
//   i32 qtype | i32 rangestat (0 = RS_minmax) | f32 rangestat_arg (0)
//   | u64 d | u64 code_size | vector<float> trained
#include "kiln/format/faiss/fourcc.h"
#include "kiln/format/faiss/index_header.h"
#include "kiln/format/faiss/writers.h"
#include "kiln/index/hnsw_index.h"
#include "kiln/format/faiss/write_sq_block.h"

namespace kiln::format {

Status WriteSqBlock(const quant::ScalarQuantizer& sq, ByteSink& sink) {
  KILN_RETURN_IF_ERROR(WriteField<int32_t>(sink, static_cast<int32_t>(sq.type())));
  KILN_RETURN_IF_ERROR(WriteField<int32_t>(sink, quant::kSqRangeStatMinMax));
  KILN_RETURN_IF_ERROR(WriteField<float>(sink, 0.0f));  // rangestat_arg
  KILN_RETURN_IF_ERROR(WriteField<uint64_t>(sink, sq.d()));
  KILN_RETURN_IF_ERROR(WriteField<uint64_t>(sink, sq.code_size()));
  return WriteVector<float>(sink, sq.trained().data(), sq.trained().size());
}

Status CheckFaissCompatible(const index::Index& index, const WriteOptions& options) {
  const index::Index* inner = &index;
  if (const auto* map = dynamic_cast<const index::IdMapIndex*>(inner)) inner = &map->inner();
  if (const auto* hnsw = dynamic_cast<const index::HnswIndex*>(inner)) inner = &hnsw->storage();
  const quant::ScalarQuantizer* sq = nullptr;
  if (const auto* s = dynamic_cast<const index::ScalarQuantizerIndex*>(inner)) sq = &s->sq();
  if (const auto* s = dynamic_cast<const index::IvfScalarQuantizerIndex*>(inner)) sq = &s->sq();
  if (sq != nullptr && !quant::ReadableByFaiss173(sq->type()) && !options.allow_non_faiss_173)
    return InvalidArgumentError(
        "{} files cannot be read by Faiss 1.7.3 (qtype {}; Faiss >= 1.9 reads them): "
        "writing \"{}\" needs WriteOptions::allow_non_faiss_173",
        quant::SqFactoryName(sq->type()), static_cast<int32_t>(sq->type()), index.Describe());
  return OkStatus();
}

Status WriteSq(const index::ScalarQuantizerIndex& index, ByteSink& sink) {
  if (!index.is_trained())
    return FailedPreconditionError("write Faiss index: {} is not trained", index.Describe());
  KILN_ASSIGN_OR_RETURN(FaissIndexHeader header, HeaderOf(index));
  KILN_RETURN_IF_ERROR(WriteField<uint32_t>(sink, kFourccSq));
  KILN_RETURN_IF_ERROR(WriteIndexHeader(sink, header));
  KILN_RETURN_IF_ERROR(WriteSqBlock(index.sq(), sink));
  return WriteVector<uint8_t>(sink, index.codes().data(), index.codes().size());
}

}  // namespace kiln::format
