#include "kiln/index/factory.h"

#include <charconv>
#include <vector>

#include "kiln/index/flat_index.h"
#include "kiln/index/hnsw_index.h"
#include "kiln/index/id_map_index.h"
#include "kiln/index/ivf_flat_index.h"
#include "kiln/index/ivf_pq_index.h"
#include "kiln/index/ivf_sq_index.h"
#include "kiln/index/pq_index.h"
#include "kiln/index/sq_index.h"

namespace kiln::index {
namespace {

constexpr std::string_view kExpectedBody =
    "expected Flat, IVF<nlist>, HNSW[<M>], PQ<M>, SQ<type> or IDMap";
constexpr std::string_view kExpectedCode =
    "Flat, PQ<M>[x<nbits>][np] or SQ4|SQ6|SQ8|SQfp16|SQ8_direct|SQbf16";
constexpr std::string_view kExpectedPq = "expected PQ<M>[x<nbits>][np] with nbits in 1..12";
constexpr std::string_view kExpectedSq =
    "expected SQ4, SQ6, SQ8, SQfp16, SQ8_direct, SQbf16, SQ8_uniform or SQ4_uniform";

// Prefixes of Faiss factory components kiln recognises but does not read yet.
constexpr std::string_view kUnsupportedPrefixes[] = {
    "IDMap2", "PCA", "IMI", "RFlat", "Refine", "LSH", "NSG", "RR",  "L2norm", "ITQ", "Pad",
    "Residual", "MinMax", "RQ", "LSQ", "PRQ", "PLSQ", "HR", "ZnLattice", "RCQ", "Binary"};

struct Component {
  std::string_view text;
  size_t number;  // 1-based position
  size_t offset;  // byte offset in the description
};

// Parses all of text as a decimal number in [0, max]; nullopt otherwise.
std::optional<uint64_t> ParseNumber(std::string_view text, uint64_t max) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > max)
    return std::nullopt;
  return value;
}

// Length of the run of leading decimal digits.
size_t DigitPrefix(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  return i;
}

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
  Status Unsupported(const Component& c, std::string_view what) const {
    return Error(StatusCode::kUnimplemented, c,
                 fmt::format("{} \"{}\" is not supported yet (kiln reads Flat, IVF, HNSW, PQ, SQ "
                             "and IDMap)",
                             what, c.text));
  }
  // Error for a component that is not what the grammar wants at this place.
  Status Unexpected(const Component& c, std::string_view expected) const {
    for (std::string_view prefix : kUnsupportedPrefixes)
      if (c.text.starts_with(prefix)) return Unsupported(c, "Faiss component");
    return Invalid(c, expected);
  }
  Status ParseOpq(const Component& c) const;
  Status ParseIvf(const Component& c, IndexSpec& spec) const;
  Status ParseHnswHead(const Component& c, IndexSpec& spec, std::optional<Component>& code) const;
  // code := Flat | pq | sq; `expected` describes the place for other text.
  Status ParseCode(const Component& c, std::string_view expected, IndexSpec& spec) const;
  Status ParsePq(const Component& c, IndexSpec& spec) const;
  Status ParseSq(const Component& c, IndexSpec& spec) const;

  std::string_view description_;
};

Status Parser::ParseOpq(const Component& c) const {
  std::string_view rest = c.text.substr(3);
  const size_t m_len = DigitPrefix(rest);
  const auto m = ParseNumber(rest.substr(0, m_len), kMaxDimension);
  rest.remove_prefix(m_len);
  bool ok = m && *m > 0;
  if (ok && !rest.empty()) {
    const auto dout = rest.starts_with('_') ? ParseNumber(rest.substr(1), kMaxDimension)
                                             : std::nullopt;
    ok = dout && *dout > 0;
  }
  if (!ok) return Invalid(c, "expected OPQ<M>[_<dout>] with M and dout positive integers");
  return Unsupported(c, "OPQ rotation");
}

Status Parser::ParseIvf(const Component& c, IndexSpec& spec) const {
  std::string_view rest = c.text.substr(3);
  const size_t digits = DigitPrefix(rest);
  const std::string_view nlist_text = rest.substr(0, digits);
  rest.remove_prefix(digits);
  if (digits > 0 && !rest.empty() && rest.starts_with('_') && !rest.starts_with("_HNSW"))
    return Unsupported(c, "IVF coarse quantizer");
  if (digits > 0 && rest.starts_with("_HNSW")) {
    const std::string_view m_text = rest.substr(5);
    const auto m = m_text.empty() ? std::optional<uint64_t>(kDefaultHnswM)
                                  : ParseNumber(m_text, kMaxHnswM);
    if (!m || *m < kMinHnswM)
      return Invalid(c, fmt::format("expected IVF<nlist>_HNSW[<M>] with M in {}..{}", kMinHnswM,
                                    kMaxHnswM));
    spec.coarse_hnsw_m = *m;
    rest = {};
  }
  const auto nlist = ParseNumber(nlist_text, UINT64_MAX);
  if (!nlist || !rest.empty() || *nlist == 0)
    return Invalid(c, "expected IVF<nlist> with nlist a positive integer");
  if (*nlist > kMaxNlist)
    return Invalid(c, fmt::format("nlist {} exceeds the maximum {}", *nlist, kMaxNlist));
  spec.family = IndexFamily::kIvf;
  spec.nlist = *nlist;
  return OkStatus();
}

Status Parser::ParseHnswHead(const Component& c, IndexSpec& spec,
                             std::optional<Component>& code) const {
  std::string_view rest = c.text.substr(4);
  const size_t digits = DigitPrefix(rest);
  const std::string_view m_text = rest.substr(0, digits);
  rest.remove_prefix(digits);
  const auto m = m_text.empty() ? std::optional<uint64_t>(kDefaultHnswM)
                                : ParseNumber(m_text, kMaxHnswM);
  if (!m || *m < kMinHnswM || (!rest.empty() && !rest.starts_with('_')))
    return Invalid(c, fmt::format("expected HNSW[<M>][_<code>] with M in {}..{}", kMinHnswM,
                                  kMaxHnswM));
  spec.family = IndexFamily::kHnsw;
  spec.hnsw_m = *m;
  if (!rest.empty()) {  // "HNSW32_SQ8": the code inside this component
    const size_t at = c.text.size() - rest.size() + 1;
    code = Component{c.text.substr(at), c.number, c.offset + at};
    if (code->text.empty()) return Invalid(c, "expected a code after \"_\"");
  }
  return OkStatus();
}

Status Parser::ParsePq(const Component& c, IndexSpec& spec) const {
  std::string_view rest = c.text.substr(2);
  const bool np = rest.ends_with("np");
  if (np) rest.remove_suffix(2);
  const size_t m_len = DigitPrefix(rest);
  const auto m = ParseNumber(rest.substr(0, m_len), UINT64_MAX);
  rest.remove_prefix(m_len);
  std::optional<uint64_t> nbits = 8;
  if (!rest.empty()) nbits = rest.starts_with('x') ? ParseNumber(rest.substr(1), 64) : std::nullopt;
  if (!m || !nbits || *nbits < 1 || *nbits > kMaxPqNbits) return Invalid(c, kExpectedPq);
  if (*m == 0 || *m > kMaxDimension)
    return Invalid(c, fmt::format("PQ M = {} is outside [1, {}]", *m, kMaxDimension));
  spec.codec.kind = CodecKind::kPq;
  spec.codec.pq_m = *m;
  spec.codec.pq_nbits = static_cast<int>(*nbits);
  spec.codec.polysemous = !np;
  if (!np) {
    const std::string name = *nbits == 8 ? fmt::format("PQ{}", *m) : fmt::format("PQ{}x{}", *m, *nbits);
    spec.warnings.push_back(fmt::format(
        "\"{}\": Faiss would also train polysemous codes (no \"np\" suffix); kiln does not and "
        "builds it as \"{}np\"",
        name, name));
  }
  return OkStatus();
}

Status Parser::ParseSq(const Component& c, IndexSpec& spec) const {
  const auto type = quant::ParseSqFactoryName(c.text);
  if (!type) return Invalid(c, kExpectedSq);
  spec.codec.kind = CodecKind::kSq;
  spec.codec.sq_type = *type;
  if (!quant::ReadableByFaiss173(*type))
    spec.warnings.push_back(fmt::format(
        "\"{}\": Faiss reads this code type from v1.9.0 on; Debian's libfaiss 1.7.3 cannot",
        c.text));
  return OkStatus();
}

Status Parser::ParseCode(const Component& c, std::string_view expected, IndexSpec& spec) const {
  if (c.text == "Flat") {
    spec.codec.kind = CodecKind::kFlat;
    return OkStatus();
  }
  if (c.text.starts_with("PQ")) return ParsePq(c, spec);
  if (c.text.starts_with("SQ")) return ParseSq(c, spec);
  return Unexpected(c, expected);
}

StatusOr<IndexSpec> Parser::Parse() {
  if (description_.empty())
    return InvalidArgumentError("factory string \"\": empty, {}", kExpectedBody);
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
    if (c.text.find_first_of(" \t\r\n") != std::string_view::npos)
      return Invalid(c, "spaces are not allowed in factory strings");
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
    return InvalidArgumentError("factory string \"{}\": expected an index after IDMap",
                                description_);
  if (parts[first].text.starts_with("OPQ")) KILN_RETURN_IF_ERROR(ParseOpq(parts[first]));

  const Component& head = parts[first];
  size_t next = first + 1;
  if (head.text == "Flat") {
    spec.family = IndexFamily::kFlat;
  } else if (head.text.starts_with("IVF")) {
    KILN_RETURN_IF_ERROR(ParseIvf(head, spec));
    if (next == last)
      return InvalidArgumentError(
          "factory string \"{}\": expected a code ({}) after \"{}\" at offset {}", description_,
          kExpectedCode, head.text, head.offset + head.text.size());
    KILN_RETURN_IF_ERROR(ParseCode(parts[next++],
                                   fmt::format("expected a code after IVF<nlist>: {}", kExpectedCode),
                                   spec));
  } else if (head.text.starts_with("HNSW")) {
    std::optional<Component> code;
    KILN_RETURN_IF_ERROR(ParseHnswHead(head, spec, code));
    if (!code && next < last) code = parts[next++];
    const std::string expected = fmt::format("expected an HNSW code: {}", kExpectedCode);
    if (code) KILN_RETURN_IF_ERROR(ParseCode(*code, expected, spec));
  } else if (head.text.starts_with("PQ")) {
    KILN_RETURN_IF_ERROR(ParsePq(head, spec));
  } else if (head.text.starts_with("SQ")) {
    KILN_RETURN_IF_ERROR(ParseSq(head, spec));
  } else {
    return Unexpected(head, kExpectedBody);
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

// Builds the index of one spec shape (IDMap and search defaults are applied
// by CreateIndex). Arguments are validated.
using Maker = std::unique_ptr<Index> (*)(const IndexSpec& spec, size_t d, Metric metric,
                                         const IvfTrainParams& ivf_params);

// The one place that says which spec shapes kiln builds: wiring a new index
// is one `return` line in this switch. nullptr: not implemented yet.
Maker FindMaker(const IndexSpec& spec) {
  if (spec.opq_m != 0) return nullptr;  // next: OPQ pre-transform
  switch (spec.family) {
    case IndexFamily::kFlat:
      switch (spec.codec.kind) {
        case CodecKind::kFlat:
          return [](const IndexSpec&, size_t d, Metric metric,
                    const IvfTrainParams&) -> std::unique_ptr<Index> {
            return std::make_unique<FlatIndex>(d, metric);
          };
        case CodecKind::kSq:
          return [](const IndexSpec& s, size_t d, Metric metric,
                    const IvfTrainParams&) -> std::unique_ptr<Index> {
            return std::make_unique<ScalarQuantizerIndex>(d, metric, s.codec.sq_type);
          };
        case CodecKind::kPq:
          return [](const IndexSpec& s, size_t d, Metric metric,
                    const IvfTrainParams&) -> std::unique_ptr<Index> {
            return std::make_unique<PqIndex>(d, metric, s.codec.pq_m, s.codec.pq_nbits);
          };
      }
      return nullptr;
    case IndexFamily::kIvf:
      if (spec.coarse_hnsw_m != 0) return nullptr;  // next: HNSW coarse quantizer
      switch (spec.codec.kind) {
        case CodecKind::kFlat:
          return [](const IndexSpec& s, size_t d, Metric metric,
                    const IvfTrainParams& params) -> std::unique_ptr<Index> {
            return std::make_unique<IvfFlatIndex>(d, metric, s.nlist, params);
          };
        case CodecKind::kSq:
          return [](const IndexSpec& s, size_t d, Metric metric,
                    const IvfTrainParams& params) -> std::unique_ptr<Index> {
            return std::make_unique<IvfScalarQuantizerIndex>(d, metric, s.nlist, s.codec.sq_type, params);
          };
        case CodecKind::kPq:
          return [](const IndexSpec& s, size_t d, Metric metric,
                    const IvfTrainParams& params) -> std::unique_ptr<Index> {
            return std::make_unique<IvfPqIndex>(d, metric, s.nlist, s.codec.pq_m, s.codec.pq_nbits, params);
          };
      }
      return nullptr;
    case IndexFamily::kHnsw:
      switch (spec.codec.kind) {
        case CodecKind::kFlat:
          return [](const IndexSpec& s, size_t d, Metric metric,
                    const IvfTrainParams&) -> std::unique_ptr<Index> {
            return std::make_unique<HnswIndex>(d, metric, s.hnsw_m);
          };
        case CodecKind::kSq:
          return [](const IndexSpec& s, size_t d, Metric metric,
                    const IvfTrainParams&) -> std::unique_ptr<Index> {
            return std::make_unique<HnswIndex>(d, metric, s.hnsw_m, s.codec.sq_type);
          };
        case CodecKind::kPq:
          return nullptr;  // HNSW<M>,PQ: not built
      }
      return nullptr;
  }
  return nullptr;
}

// What of spec is missing from this build, for CheckImplemented.
std::string MissingPart(const IndexSpec& spec) {
  if (spec.opq_m != 0) return "OPQ rotations are";
  if (spec.family == IndexFamily::kHnsw) return "HNSW indexes with PQ storage (HNSW<M>,PQ<m>) are";
  if (spec.family == IndexFamily::kIvf && spec.coarse_hnsw_m != 0)
    return "HNSW coarse quantizers (IVF<n>_HNSW<M>) are";
  switch (spec.codec.kind) {
    case CodecKind::kPq:
      return spec.family == IndexFamily::kIvf ? "IVF-PQ indexes are" : "PQ indexes are";
    case CodecKind::kSq:
      return spec.family == IndexFamily::kIvf ? "IVF-SQ indexes are"
                                              : "scalar-quantizer (SQ) indexes are";
    case CodecKind::kFlat:
      break;
  }
  return "this index is";
}

}  // namespace

StatusOr<IndexSpec> ParseFactoryString(std::string_view description) {
  return Parser(description).Parse();
}

bool IsImplemented(const IndexSpec& spec) { return FindMaker(spec) != nullptr; }

Status CheckImplemented(const IndexSpec& spec) {
  if (IsImplemented(spec)) return OkStatus();
  return UnimplementedError("index \"{}\": {} not supported yet by kiln build", spec.ToFactoryString(),
                            MissingPart(spec));
}

StatusOr<std::unique_ptr<Index>> CreateIndex(const IndexSpec& spec, size_t d, Metric metric,
                                             const IvfTrainParams& ivf_params) {
  KILN_RETURN_IF_ERROR(ValidateSpec(spec, d));
  const Maker make = FindMaker(spec);
  if (make == nullptr) return CheckImplemented(spec);
  std::unique_ptr<Index> index = make(spec, d, metric, ivf_params);
  if (spec.nprobe) {
    if (auto* ivf = dynamic_cast<IvfIndex*>(index.get())) ivf->set_nprobe(*spec.nprobe);
  }
  if (auto* hnsw = dynamic_cast<HnswIndex*>(index.get())) {
    if (spec.ef_construction) hnsw->set_ef_construction(*spec.ef_construction);
    if (spec.ef_search) hnsw->set_ef_search(*spec.ef_search);
  }
  if (spec.id_map) index = std::make_unique<IdMapIndex>(std::move(index));
  return index;
}

}  // namespace kiln::index
