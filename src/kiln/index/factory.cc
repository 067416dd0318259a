#include "kiln/index/factory.h"

#include <charconv>
#include <vector>

#include "kiln/index/flat_index.h"
#include "kiln/index/id_map_index.h"
#include "kiln/index/ivf_flat_index.h"

namespace kiln::index {
namespace {

constexpr std::string_view kSupported = "(supported: Flat, IVF<n>,Flat)";

// Prefixes of Faiss factory components kiln recognises but does not build yet.
constexpr std::string_view kUnsupportedPrefixes[] = {
    "IDMap2", "PQ",  "SQ",  "HNSW", "OPQ",    "PCA", "IMI", "RFlat",
    "Refine", "LSH", "NSG", "RR",   "L2norm", "ITQ", "Pad", "Residual",
    "MinMax", "RQ",  "LSQ", "PRQ",  "PLSQ",   "HR"};

struct Component {
  std::string_view text;
  size_t number;  // 1-based position
  size_t offset;  // byte offset in the description
};

class Parser {
 public:
  explicit Parser(std::string_view description) : description_(description) {}

  StatusOr<IndexSpec> Parse();

 private:
  Status Error(StatusCode code, const Component& c, std::string_view detail) const {
    return Status(code, fmt::format("factory string \"{}\": component {} \"{}\" at offset {}: {}",
                                    description_, c.number, c.text, c.offset, detail));
  }
  Status Invalid(const Component& c, std::string_view detail) const {
    return Error(StatusCode::kInvalidArgument, c, detail);
  }
  Status Unsupported(const Component& c) const {
    return Error(StatusCode::kUnimplemented, c,
                 fmt::format("\"{}\" is not supported yet {}", c.text, kSupported));
  }
  // Error for a component that is not what the grammar wants at this place.
  Status Unexpected(const Component& c, std::string_view expected) const {
    if (IsRecognisedUnsupported(c.text)) return Unsupported(c);
    return Invalid(c, expected);
  }
  static bool IsRecognisedUnsupported(std::string_view text);
  StatusOr<size_t> ParseIvf(const Component& c) const;

  std::string_view description_;
};

bool Parser::IsRecognisedUnsupported(std::string_view text) {
  for (std::string_view prefix : kUnsupportedPrefixes) {
    if (text.starts_with(prefix)) return true;
  }
  // IVF with a non-flat coarse quantizer ("IVF4096_HNSW32").
  return text.starts_with("IVF") && text.find('_') != std::string_view::npos;
}

StatusOr<size_t> Parser::ParseIvf(const Component& c) const {
  if (IsRecognisedUnsupported(c.text)) return Unsupported(c);
  const std::string_view digits = c.text.substr(3);
  uint64_t nlist = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), nlist);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || nlist == 0)
    return Invalid(c, "expected IVF<nlist> with nlist a positive integer");
  if (nlist > kMaxNlist)
    return Invalid(c, fmt::format("nlist {} exceeds the maximum {}", nlist, kMaxNlist));
  return static_cast<size_t>(nlist);
}

StatusOr<IndexSpec> Parser::Parse() {
  if (description_.empty())
    return InvalidArgumentError("factory string \"\": empty, expected an index description {}",
                                kSupported);
  std::vector<Component> parts;
  for (size_t start = 0;;) {
    const size_t comma = description_.find(',', start);
    const size_t end = comma == std::string_view::npos ? description_.size() : comma;
    parts.push_back({description_.substr(start, end - start), parts.size() + 1, start});
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  for (const Component& c : parts) {
    if (c.text.empty()) return Invalid(c, "empty component");
  }

  IndexSpec spec;
  size_t first = 0, last = parts.size();  // body is parts[first, last)
  if (parts.front().text == "IDMap") {
    spec.id_map = true;
    ++first;
  }
  if (last > first && parts[last - 1].text == "IDMap") {
    if (spec.id_map) return Invalid(parts[last - 1], "IDMap given twice");
    spec.id_map = true;
    --last;
  }
  if (first == last)
    return InvalidArgumentError("factory string \"{}\": expected an index after IDMap {}",
                                description_, kSupported);

  const Component& head = parts[first];
  size_t next = first + 1;
  if (head.text == "Flat") {
    spec.family = IndexFamily::kFlat;
  } else if (head.text.starts_with("IVF")) {
    spec.family = IndexFamily::kIvf;
    KILN_ASSIGN_OR_RETURN(spec.nlist, ParseIvf(head));
    if (next == last)
      return InvalidArgumentError(
          "factory string \"{}\": expected a code component (Flat) after \"{}\" at "
          "offset {}",
          description_, head.text, head.offset + head.text.size());
    const Component& code = parts[next++];
    if (code.text != "Flat") return Unexpected(code, "expected the code Flat after IVF<nlist>");
    spec.codec.kind = CodecKind::kFlat;
  } else {
    return Unexpected(head, "expected Flat, IVF<nlist> or IDMap");
  }
  if (next < last) {
    const Component& extra = parts[next];
    if (extra.text == "IDMap")
      return Invalid(extra, "IDMap must be the first or the last component");
    return Unexpected(
        extra, fmt::format("unexpected component after \"{}\"",
                           description_.substr(head.offset, extra.offset - 1 - head.offset)));
  }
  return spec;
}

}  // namespace

std::string IndexSpec::ToFactoryString() const {
  std::string body = family == IndexFamily::kIvf ? fmt::format("IVF{},Flat", nlist) : "Flat";
  return id_map ? "IDMap," + body : body;
}

StatusOr<IndexSpec> ParseFactoryString(std::string_view description) {
  return Parser(description).Parse();
}

StatusOr<std::unique_ptr<Index>> CreateIndex(const IndexSpec& spec, size_t d, Metric metric,
                                             const IvfTrainParams& ivf_params) {
  if (d == 0 || d > kMaxDimension)
    return InvalidArgumentError("create index \"{}\": dimension d = {} is outside [1, {}]",
                                spec.ToFactoryString(), d, kMaxDimension);
  std::unique_ptr<Index> index;
  switch (spec.family) {
    case IndexFamily::kFlat:
      index = std::make_unique<FlatIndex>(d, metric);
      break;
    case IndexFamily::kIvf:
      if (spec.nlist == 0 || spec.nlist > kMaxNlist)
        return InvalidArgumentError("create index \"{}\": nlist = {} is outside [1, {}]",
                                    spec.ToFactoryString(), spec.nlist, kMaxNlist);
      index = std::make_unique<IvfFlatIndex>(d, metric, spec.nlist, ivf_params);
      break;
  }
  if (spec.id_map) index = std::make_unique<IdMapIndex>(std::move(index));
  return index;
}

}  // namespace kiln::index
