#include "kiln/format/faiss/index_header.h"

#include <limits>

#include "kiln/format/faiss/fourcc.h"

namespace kiln::format {

int32_t FaissMetricType(Metric metric) {
  return metric == Metric::kL2 ? kFaissMetricL2 : kFaissMetricInnerProduct;
}

std::string_view FaissMetricName(int32_t metric_type) {
  switch (metric_type) {  // faiss/MetricType.h
    case 0:
      return "INNER_PRODUCT";
    case 1:
      return "L2";
    case 2:
      return "L1";
    case 3:
      return "Linf";
    case 4:
      return "Lp";
    case 20:
      return "Canberra";
    case 21:
      return "BrayCurtis";
    case 22:
      return "JensenShannon";
    case 23:
      return "Jaccard";
    case 24:
      return "NaNEuclidean";
    case 25:
      return "GOWER";
    default:
      return "";
  }
}

StatusOr<FaissIndexHeader> HeaderOf(const index::Index& index) {
  if (index.d() == 0 || index.d() > index::kMaxDimension)
    return InvalidArgumentError("Faiss header of {}: d = {} is outside [1, {}]", index.Describe(),
                                index.d(), index::kMaxDimension);
  if (index.ntotal() > static_cast<size_t>(std::numeric_limits<int64_t>::max()))
    return InvalidArgumentError("Faiss header of {}: ntotal = {} does not fit int64",
                                index.Describe(), index.ntotal());
  FaissIndexHeader header;
  header.d = static_cast<int32_t>(index.d());
  header.ntotal = static_cast<int64_t>(index.ntotal());
  header.is_trained = index.is_trained();
  header.metric_type = FaissMetricType(index.metric());
  return header;
}

Status WriteIndexHeader(ByteSink& sink, const FaissIndexHeader& header) {
  KILN_RETURN_IF_ERROR(WriteField<int32_t>(sink, header.d));
  KILN_RETURN_IF_ERROR(WriteField<int64_t>(sink, header.ntotal));
  KILN_RETURN_IF_ERROR(WriteField<int64_t>(sink, kHeaderDummy));
  KILN_RETURN_IF_ERROR(WriteField<int64_t>(sink, kHeaderDummy));
  KILN_RETURN_IF_ERROR(WriteField<uint8_t>(sink, header.is_trained ? 1 : 0));  // exactly 0/1
  KILN_RETURN_IF_ERROR(WriteField<int32_t>(sink, header.metric_type));
  if (header.metric_type > 1) KILN_RETURN_IF_ERROR(WriteField<float>(sink, header.metric_arg));
  return OkStatus();
}

StatusOr<FaissIndexHeader> ReadIndexHeader(FaissReader& reader) {
  FaissIndexHeader header;
  size_t at = reader.offset();
  KILN_ASSIGN_OR_RETURN(header.d, reader.ReadI32("int32 d"));
  if (header.d < 1 || static_cast<size_t>(header.d) > index::kMaxDimension)
    return reader.Corrupt(at, fmt::format("dimension d in [1, {}]", index::kMaxDimension),
                          fmt::format("{}", header.d));
  at = reader.offset();
  KILN_ASSIGN_OR_RETURN(header.ntotal, reader.ReadI64("int64 ntotal"));
  if (header.ntotal < 0) return reader.Corrupt(at, "ntotal >= 0", fmt::format("{}", header.ntotal));
  KILN_RETURN_IF_ERROR(reader.ReadI64("int64 dummy field").status());
  KILN_RETURN_IF_ERROR(reader.ReadI64("int64 dummy field").status());
  at = reader.offset();
  KILN_ASSIGN_OR_RETURN(uint8_t is_trained, reader.ReadU8("u8 is_trained"));
  if (is_trained > 1) return reader.Corrupt(at, "is_trained 0 or 1", fmt::format("{}", is_trained));
  header.is_trained = is_trained == 1;
  at = reader.offset();
  KILN_ASSIGN_OR_RETURN(header.metric_type, reader.ReadI32("int32 metric_type"));
  if (FaissMetricName(header.metric_type).empty())
    return reader.Corrupt(at, "a Faiss metric_type (0-4 or 20-25)",
                          fmt::format("{}", header.metric_type));
  if (header.metric_type > 1) {
    KILN_ASSIGN_OR_RETURN(header.metric_arg, reader.ReadF32("float32 metric_arg"));
  }
  return header;
}

}  // namespace kiln::format
