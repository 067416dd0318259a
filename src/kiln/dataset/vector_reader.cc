// Spec parsing and dispatch on file extension.
#include "kiln/dataset/vector_reader.h"

#include <algorithm>
#include <cctype>

#include "kiln/dataset/reader_internal.h"

namespace kiln {
namespace {

using dataset_internal::VecsKind;

enum class Format { kNpy, kFvecs, kBvecs, kIvecs, kHdf5, kIdx, kKnnVec, kKnnDid, kUnknown };

constexpr std::string_view kVectorFormats =
    ".npy, .fvecs, .bvecs, .ivecs, .hdf5 / .h5 (path.hdf5:dataset), IDX (*-ubyte, *-ubyte.gz, .idx, .idx.gz), "
    ".knnvec";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Format DetectFormat(const std::string& path) {
  const std::string name = Lower(path.substr(path.find_last_of('/') + 1));
  if (EndsWith(name, ".npy")) return Format::kNpy;
  if (EndsWith(name, ".fvecs")) return Format::kFvecs;
  if (EndsWith(name, ".bvecs")) return Format::kBvecs;
  if (EndsWith(name, ".ivecs")) return Format::kIvecs;
  if (EndsWith(name, ".hdf5") || EndsWith(name, ".h5")) return Format::kHdf5;
  if (EndsWith(name, "-ubyte") || EndsWith(name, "-ubyte.gz") || EndsWith(name, ".idx") ||
      EndsWith(name, ".idx.gz")) {
    return Format::kIdx;
  }
  if (EndsWith(name, ".knnvec")) return Format::kKnnVec;
  if (EndsWith(name, ".knndid")) return Format::kKnnDid;
  return Format::kUnknown;
}

// "'.xyz'" or "none" for messages.
std::string ExtensionOf(const std::string& path) {
  const std::string name = path.substr(path.find_last_of('/') + 1);
  size_t dot = name.find_last_of('.');
  if (dot == std::string::npos) return "none";
  return fmt::format("'{}'", name.substr(dot));
}

struct Spec {
  std::string path;
  std::string dataset;  // HDF5 only
  Format format = Format::kUnknown;
};

// Splits "file.hdf5:name"; any other colon belongs to the path.
StatusOr<Spec> ParseSpec(const std::string& spec, std::string_view default_dataset) {
  Spec out{spec, "", DetectFormat(spec)};
  size_t colon = spec.find_last_of(':');
  if (colon != std::string::npos && DetectFormat(spec.substr(0, colon)) == Format::kHdf5) {
    out.path = spec.substr(0, colon);
    out.dataset = spec.substr(colon + 1);
    out.format = Format::kHdf5;
    if (out.dataset.empty()) {
      return InvalidArgumentError("{}: empty HDF5 dataset name after ':' (e.g. {}:{})", spec, out.path,
                                  default_dataset);
    }
  } else if (out.format == Format::kHdf5) {
    out.dataset = std::string(default_dataset);
  }
  return out;
}

StatusOr<Dataset> ReadByFormat(const std::string& spec, const Spec& s, const ReadOptions& options) {
  switch (s.format) {
    case Format::kNpy: return dataset_internal::ReadNpyVectors(s.path, options);
    case Format::kFvecs: return dataset_internal::ReadVecsVectors(s.path, VecsKind::kFvecs, options);
    case Format::kBvecs: return dataset_internal::ReadVecsVectors(s.path, VecsKind::kBvecs, options);
    case Format::kIvecs: return dataset_internal::ReadVecsVectors(s.path, VecsKind::kIvecs, options);
    case Format::kHdf5: return dataset_internal::ReadHdf5Vectors(s.path, s.dataset, options);
    case Format::kIdx: return dataset_internal::ReadIdxVectors(s.path, options);
    case Format::kKnnVec: return dataset_internal::ReadKnnVecVectors(s.path, options);
    case Format::kKnnDid:
      return InvalidArgumentError("{}: .knndid files hold ids, not vectors (read them with ReadIds / --ids)", spec);
    case Format::kUnknown: break;
  }
  return InvalidArgumentError("{}: unknown vector file extension {}; supported: {}", spec, ExtensionOf(spec),
                              kVectorFormats);
}

}  // namespace

std::string_view NonFinitePolicyName(NonFinitePolicy policy) {
  switch (policy) {
    case NonFinitePolicy::kReject: return "reject";
    case NonFinitePolicy::kSkipRow: return "skip";
    case NonFinitePolicy::kZero: return "zero";
  }
  return "unknown";
}

std::string_view KnnVecTypeName(KnnVecType type) {
  switch (type) {
    case KnnVecType::kFloat: return "float";
    case KnnVecType::kByte: return "byte";
    case KnnVecType::kBinary: return "binary";
    case KnnVecType::kHalfFloat: return "half_float";
  }
  return "unknown";
}

StatusOr<Dataset> ReadVectors(const std::string& spec, const ReadOptions& options) {
  if (options.limit.has_value() && *options.limit == 0) {
    return InvalidArgumentError("{}: row limit must be > 0", spec);
  }
  KILN_ASSIGN_OR_RETURN(Spec s, ParseSpec(spec, "train"));
  KILN_ASSIGN_OR_RETURN(Dataset data, ReadByFormat(spec, s, options));
  // Other formats record their own dimension: a requested one must agree.
  if (s.format != Format::kKnnVec && options.dimension.has_value() && *options.dimension != data.d()) {
    return InvalidArgumentError("{}: vectors have dimension {}, but dimension {} was requested", spec, data.d(),
                                *options.dimension);
  }
  return data;
}

StatusOr<std::vector<idx_t>> ReadIds(const std::string& path) {
  switch (DetectFormat(path)) {
    case Format::kKnnDid: return dataset_internal::ReadKnnDidIds(path);
    case Format::kNpy: return dataset_internal::ReadNpyIds(path);
    default: break;
  }
  return InvalidArgumentError("{}: unknown id file extension {}; supported: .knndid, .npy", path,
                              ExtensionOf(path));
}

StatusOr<IntMatrix> ReadNeighbors(const std::string& spec) {
  KILN_ASSIGN_OR_RETURN(Spec s, ParseSpec(spec, "neighbors"));
  switch (s.format) {
    case Format::kIvecs: return dataset_internal::ReadIvecsNeighbors(s.path);
    case Format::kNpy: return dataset_internal::ReadNpyNeighbors(s.path);
    case Format::kHdf5: return dataset_internal::ReadHdf5Neighbors(s.path, s.dataset);
    default: break;
  }
  return InvalidArgumentError("{}: unknown neighbour file extension {}; supported: .ivecs, .npy, .hdf5 / .h5 "
                              "(path.hdf5:neighbors)",
                              spec, ExtensionOf(spec));
}

}  // namespace kiln
