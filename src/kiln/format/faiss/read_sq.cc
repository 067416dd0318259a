// IxSQ body (faiss/impl/index_read.cpp v1.7.3 :347 read_ScalarQuantizer):
//   SQ block: i32 qtype | i32 rangestat | f32 rangestat_arg | u64 d
//             | u64 code_size | vector<float> trained
//   | vector<u8> codes (ntotal·code_size)
// Stricter than 1.7.3, like Faiss HEAD: the qtype must be known (kiln also
// reads qtype 7, bf16), d must match the header, code_size and the trained
// length must match the qtype.
#include <cstring>

#include "kiln/format/faiss/builders.h"
#include "kiln/format/faiss/write_sq_block.h"
#include "kiln/index/sq_index.h"

namespace kiln::format {

StatusOr<SqBlock> ParseSqBlock(FaissReader& reader, const FaissIndexHeader& header) {
  SqBlock b;
  b.offset = reader.offset();
  KILN_ASSIGN_OR_RETURN(b.qtype, reader.ReadI32("i32 SQ qtype"));
  if (b.qtype < 0 || b.qtype > static_cast<int32_t>(quant::SqType::kBf16))
    return reader.Unsupported(b.offset, fmt::format("scalar quantizer qtype {}", b.qtype));
  KILN_ASSIGN_OR_RETURN(b.rangestat, reader.ReadI32("i32 SQ rangestat"));
  KILN_ASSIGN_OR_RETURN(b.rangestat_arg, reader.ReadF32("f32 SQ rangestat_arg"));
  size_t at = reader.offset();
  KILN_ASSIGN_OR_RETURN(b.d, reader.ReadU64("u64 SQ d"));
  if (b.d != static_cast<uint64_t>(header.d))
    return reader.Corrupt(at, fmt::format("SQ d = {} (the header's d)", header.d),
                          fmt::format("{}", b.d));
  const auto type = static_cast<quant::SqType>(b.qtype);
  at = reader.offset();
  KILN_ASSIGN_OR_RETURN(b.code_size, reader.ReadU64("u64 SQ code_size"));
  const size_t d = static_cast<size_t>(b.d);
  if (d == 0) return reader.Corrupt(at - 8, "SQ d >= 1", "0");
  const size_t expected_cs = quant::ScalarQuantizer::CodeSize(type, d);
  if (b.code_size != expected_cs)
    return reader.Corrupt(at, fmt::format("{} code_size {} for d = {}", quant::SqFactoryName(type),
                                          expected_cs, d),
                          fmt::format("{}", b.code_size));
  at = reader.offset();
  KILN_ASSIGN_OR_RETURN(b.trained_count, reader.ReadCount("SQ trained", sizeof(float)));
  const size_t expected_tr = quant::ScalarQuantizer::TrainedSize(type, d);
  if (b.trained_count != expected_tr && !(b.trained_count == 0 && !header.is_trained))
    return reader.Corrupt(at, fmt::format("{} SQ trained floats", expected_tr),
                          fmt::format("{}", b.trained_count));
  KILN_ASSIGN_OR_RETURN(b.trained, reader.Take(b.trained_count * sizeof(float), "SQ trained"));
  return b;
}

StatusOr<quant::ScalarQuantizer> BuildSqBlock(const SqBlock& block, const FaissReader& reader) {
  std::vector<float> trained(block.trained_count);
  if (!trained.empty()) std::memcpy(trained.data(), block.trained, trained.size() * sizeof(float));
  auto sq = quant::ScalarQuantizer::FromTrained(static_cast<size_t>(block.d),
                                                static_cast<quant::SqType>(block.qtype),
                                                std::move(trained));
  if (!sq.ok()) return reader.Corrupt(block.offset, "a valid SQ block", sq.status().message());
  if (!sq->is_trained())
    return reader.Unsupported(block.offset, "an untrained scalar quantizer");
  return sq;
}

StatusOr<SqRecord> ParseSqBody(FaissReader& reader, const FaissIndexHeader& header) {
  SqRecord r;
  KILN_ASSIGN_OR_RETURN(r.sq, ParseSqBlock(reader, header));
  const size_t at = reader.offset();
  KILN_ASSIGN_OR_RETURN(r.code_bytes, reader.ReadCount("SQ codes", 1));
  if (header.ntotal < 0 ||
      r.code_bytes != static_cast<uint64_t>(header.ntotal) * r.sq.code_size)
    return reader.Corrupt(at,
                          fmt::format("ntotal·code_size = {}·{} code bytes", header.ntotal,
                                      r.sq.code_size),
                          fmt::format("{}", r.code_bytes));
  KILN_ASSIGN_OR_RETURN(r.codes, reader.Take(r.code_bytes, "SQ codes"));
  return r;
}

StatusOr<std::unique_ptr<index::Index>> BuildSq(const IndexRecord& record,
                                                const FaissReader& reader) {
  KILN_ASSIGN_OR_RETURN(Metric metric, KilnMetric(record, reader));
  const auto& r = std::get<SqRecord>(record.body);
  KILN_ASSIGN_OR_RETURN(quant::ScalarQuantizer sq, BuildSqBlock(r.sq, reader));
  std::vector<uint8_t> codes(r.codes, r.codes + r.code_bytes);
  auto built = index::ScalarQuantizerIndex::FromParts(metric, std::move(sq), std::move(codes));
  if (!built.ok())
    return reader.Corrupt(record.offset, "a consistent SQ index", built.status().message());
  return std::unique_ptr<index::Index>(std::move(built).value());
}

}  // namespace kiln::format
