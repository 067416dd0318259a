// Record dispatch for the Faiss reader: fourcc → body parser, record →
// kiln index builder, and ReadFaissIndex itself.
#include "kiln/format/faiss/builders.h"
#include "kiln/format/faiss/faiss_reader.h"
#include "kiln/format/faiss/fourcc.h"
#include "kiln/format/faiss/records.h"

namespace kiln::format {

uint64_t InvertedListsRecord::total_size() const {
  uint64_t total = 0;
  for (const ListView& l : lists) total += l.size;
  return total;
}

StatusOr<std::unique_ptr<IndexRecord>> ParseIndexRecord(FaissReader& reader, int depth) {
  auto record = std::make_unique<IndexRecord>();
  record->offset = reader.offset();
  if (depth > kMaxRecordDepth)
    return reader.Corrupt(record->offset,
                          fmt::format("index records nested at most {} deep", kMaxRecordDepth),
                          "deeper nesting");
  KILN_ASSIGN_OR_RETURN(record->fourcc, reader.ReadU32("u32 index type fourcc"));
  const uint32_t h = record->fourcc;
  const bool flat = h == kFourccFlatL2 || h == kFourccFlatIP || h == kFourccFlat;
  const bool ivf_flat = h == kFourccIvfFlat;
  const bool id_map = h == kFourccIdMap || h == kFourccIdMap2;
  const bool pq = h == kFourccPq;
  const bool sq = h == kFourccSq, ivf_sq = h == kFourccIvfSq, ivf_pq = h == kFourccIvfPq;
  const bool hnsw = h == kFourccHnswFlat || h == kFourccHnswSq;
  if (!flat && !ivf_flat && !id_map && !pq && !sq && !ivf_sq && !ivf_pq && !hnsw) {
    const std::string name = FourccName(h);
    if (name.starts_with("0x")) return reader.Corrupt(record->offset, "an index type fourcc", name);
    if (h == kFourccNullStorage)
      return reader.Unsupported(record->offset,
                                "storage \"null\" (an HNSW graph written without its vectors, "
                                "IO_FLAG_SKIP_STORAGE / skip_stored_vectors)");
    if (name.starts_with("IB"))
      return reader.Unsupported(record->offset, fmt::format("binary index type \"{}\" (load it with "
                                                            "faiss::read_index_binary)", name));
    return reader.Unsupported(record->offset, fmt::format("index type \"{}\"", name));
  }
  KILN_ASSIGN_OR_RETURN(record->header, ReadIndexHeader(reader));
  if (flat) {
    KILN_ASSIGN_OR_RETURN(record->body, ParseFlatBody(reader, record->header));
  } else if (ivf_flat) {
    KILN_ASSIGN_OR_RETURN(record->body, ParseIvfFlatBody(reader, record->header, depth));
  } else if (pq) {
    KILN_ASSIGN_OR_RETURN(record->body, ParsePqBody(reader, record->header));
  } else if (sq) {
    KILN_ASSIGN_OR_RETURN(record->body, ParseSqBody(reader, record->header));
  } else if (ivf_sq) {
    KILN_ASSIGN_OR_RETURN(record->body, ParseIvfSqBody(reader, record->header, depth));
  } else if (ivf_pq) {
    KILN_ASSIGN_OR_RETURN(record->body, ParseIvfPqBody(reader, record->header, depth));
  } else if (hnsw) {
    KILN_ASSIGN_OR_RETURN(record->body, ParseHnswBody(reader, record->header, h, depth));
  } else {
    KILN_ASSIGN_OR_RETURN(record->body, ParseIdMapBody(reader, record->header, depth));
  }
  record->end = reader.offset();
  return record;
}

StatusOr<Metric> KilnMetric(const IndexRecord& record, const FaissReader& reader) {
  switch (record.header.metric_type) {
    case kFaissMetricL2:
      return Metric::kL2;
    case kFaissMetricInnerProduct:
      return Metric::kInnerProduct;
    default:
      // metric_type sits after fourcc, d, ntotal, two dummies and is_trained.
      return reader.Unsupported(record.offset + 4 + 29,
                                fmt::format("metric_type {} ({})", record.header.metric_type,
                                            FaissMetricName(record.header.metric_type)));
  }
}

StatusOr<std::unique_ptr<index::Index>> BuildIndex(const IndexRecord& record,
                                                   const FaissReader& reader) {
  std::unique_ptr<index::Index> result;
  if (std::holds_alternative<FlatRecord>(record.body)) {
    KILN_ASSIGN_OR_RETURN(result, BuildFlat(record, reader));
  } else if (std::holds_alternative<IvfRecord>(record.body)) {
    KILN_ASSIGN_OR_RETURN(result, BuildIvfFlat(record, reader));
  } else if (std::holds_alternative<PqRecord>(record.body)) {
    KILN_ASSIGN_OR_RETURN(result, BuildPq(record, reader));
  } else if (std::holds_alternative<SqRecord>(record.body)) {
    KILN_ASSIGN_OR_RETURN(result, BuildSq(record, reader));
  } else if (std::holds_alternative<IvfSqRecord>(record.body)) {
    KILN_ASSIGN_OR_RETURN(result, BuildIvfSq(record, reader));
  } else if (std::holds_alternative<IvfPqRecord>(record.body)) {
    KILN_ASSIGN_OR_RETURN(result, BuildIvfPq(record, reader));
  } else if (std::holds_alternative<HnswRecord>(record.body)) {
    KILN_ASSIGN_OR_RETURN(result, BuildHnsw(record, reader));
  } else {
    KILN_ASSIGN_OR_RETURN(result, BuildIdMap(record, reader));
  }
  return result;
}

StatusOr<std::unique_ptr<index::Index>> ReadFaissIndex(const uint8_t* data, size_t size,
                                                       std::string_view source_name) {
  FaissReader reader(data, size, source_name);
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<IndexRecord> record, ParseIndexRecord(reader));
  if (reader.remaining() > 0)
    return reader.Corrupt(reader.offset(), "end of data",
                          fmt::format("{} trailing bytes", reader.remaining()));
  return BuildIndex(*record, reader);
}

}  // namespace kiln::format
