#include "kiln/format/faiss/inspect.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "kiln/format/faiss/fourcc.h"
#include "kiln/format/faiss/records.h"
#include "kiln/quant/sq_type.h"

namespace kiln::format {
namespace {

// First list sizes printed for IVF indexes.
constexpr uint64_t kShownListSizes = 8;

std::string_view ClassName(uint32_t fourcc) {
  if (fourcc == kFourccFlatL2) return "IndexFlatL2";
  if (fourcc == kFourccFlatIP) return "IndexFlatIP";
  if (fourcc == kFourccFlat) return "IndexFlat";
  if (fourcc == kFourccIvfFlat) return "IndexIVFFlat";
  if (fourcc == kFourccSq) return "IndexScalarQuantizer";
  if (fourcc == kFourccIvfSq) return "IndexIVFScalarQuantizer";
  if (fourcc == kFourccIvfPq) return "IndexIVFPQ";
  if (fourcc == kFourccIdMap) return "IndexIDMap";
  if (fourcc == kFourccIdMap2) return "IndexIDMap2";
  if (fourcc == kFourccPq) return "IndexPQ";
  if (fourcc == kFourccHnswFlat) return "IndexHNSWFlat";
  if (fourcc == kFourccHnswSq) return "IndexHNSWSQ";
  return "unknown";
}

std::string_view DirectMapName(uint8_t type) {
  switch (type) {
    case 0:
      return "NoMap";
    case 1:
      return "Array";
    default:
      return "Hashtable";
  }
}

class Describer {
 public:
  void Record(const IndexRecord& r, int depth) {
    const std::string pad(2 * depth, ' ');
    Line(pad, "{} {} at offset {}, {} bytes", FourccName(r.fourcc), ClassName(r.fourcc), r.offset,
         r.end - r.offset);
    const FaissIndexHeader& h = r.header;
    Line(pad, "  d {}, ntotal {}, metric {} ({}), is_trained {}", h.d, h.ntotal,
         FaissMetricName(h.metric_type), h.metric_type, h.is_trained ? 1 : 0);
    if (h.metric_type > 1) Line(pad, "  metric_arg {}", h.metric_arg);
    if (const auto* ivf = std::get_if<IvfRecord>(&r.body)) {
      Ivf(*ivf, pad, depth);
    } else if (const auto* sq = std::get_if<SqRecord>(&r.body)) {
      Sq(sq->sq, pad);
    } else if (const auto* ivf_sq = std::get_if<IvfSqRecord>(&r.body)) {
      Sq(ivf_sq->sq, pad);
      Line(pad, "  by_residual {}", ivf_sq->by_residual);
      Ivf(ivf_sq->ivf, pad, depth);
    } else if (const auto* ivf_pq = std::get_if<IvfPqRecord>(&r.body)) {
      Line(pad, "  M {}, nbits {}, code_size {}, by_residual {}", ivf_pq->pq.M, ivf_pq->pq.nbits,
           ivf_pq->code_size, ivf_pq->by_residual);
      Ivf(ivf_pq->ivf, pad, depth);
    } else if (const auto* map = std::get_if<IdMapRecord>(&r.body)) {
      Line(pad, "  inner:");
      Record(*map->inner, depth + 2);
      IdMap(*map, pad);
    } else if (const auto* hnsw = std::get_if<HnswRecord>(&r.body)) {
      Hnsw(*hnsw, pad, depth);
    } else if (const auto* pq = std::get_if<PqRecord>(&r.body)) {
      Line(pad, "  M {}, nbits {}, code_size {}", pq->pq.M, pq->pq.nbits, pq->pq.code_size());
    }
  }

  std::string Release() { return std::move(out_); }

  template <typename... Args>
  void Line(std::string_view pad, fmt::format_string<Args...> format, Args&&... args) {
    out_ += pad;
    out_ += fmt::format(format, std::forward<Args>(args)...);
    out_ += '\n';
  }

 private:
  void Ivf(const IvfRecord& ivf, const std::string& pad, int depth) {
    Line(pad, "  nlist {}, nprobe {}, direct map {} ({} entries)", ivf.nlist, ivf.nprobe,
         DirectMapName(ivf.direct_map_type), ivf.direct_map_size);
    Line(pad, "  quantizer:");
    Record(*ivf.quantizer, depth + 2);
    const InvertedListsRecord& lists = ivf.lists;
    Line(pad, "  inverted lists ilar at offset {}: code_size {}, layout {}", lists.offset,
         lists.code_size, FourccName(lists.layout));
    const uint64_t nonempty = lists.lists.size();
    uint64_t min = nonempty < lists.nlist ? 0 : std::numeric_limits<uint64_t>::max(), max = 0;
    for (const ListView& l : lists.lists) {
      min = std::min(min, l.size);
      max = std::max(max, l.size);
    }
    Line(pad, "    list sizes: min {}, max {}, mean {:.1f}, empty {} of {}", min, max,
         double(lists.total_size()) / double(lists.nlist), lists.nlist - nonempty, lists.nlist);
    std::string first;
    auto it = lists.lists.begin();
    const uint64_t shown = std::min(kShownListSizes, lists.nlist);
    for (uint64_t i = 0; i < shown; ++i) {
      while (it != lists.lists.end() && it->list_no < i) ++it;
      const uint64_t size = it != lists.lists.end() && it->list_no == i ? it->size : 0;
      first += fmt::format("{}{}", i == 0 ? "" : " ", size);
    }
    Line(pad, "    first list sizes: {}{}", first, shown < lists.nlist ? " ..." : "");
  }

  void Hnsw(const HnswRecord& hnsw, const std::string& pad, int depth) {
    const size_t M = static_cast<size_t>(hnsw.cum_nneighbor_per_level[1]) / 2;
    Line(pad, "  HNSW at offset {}: M {}, efConstruction {}, efSearch {}, entry_point {}, "
         "max_level {}, {} neighbour slots",
         hnsw.offset, M, hnsw.ef_construction, hnsw.ef_search, hnsw.entry_point, hnsw.max_level,
         hnsw.nneighbors);
    if (graph_ != nullptr) {
      out_ += index::FormatStats(index::ComputeStats(*graph_), pad + "  ");
      graph_ = nullptr;
    }
    Line(pad, "  storage:");
    Record(*hnsw.storage, depth + 2);
  }

 public:
  // The validated graph of the next HNSW record described (for its stats).
  const index::HnswGraph* graph_ = nullptr;

 private:
  void Sq(const SqBlock& sq, const std::string& pad) {
    const auto type = static_cast<quant::SqType>(sq.qtype);
    Line(pad, "  scalar quantizer at offset {}: qtype {} ({}), code_size {}, rangestat {}, "
         "rangestat_arg {}, trained {} floats{}",
         sq.offset, sq.qtype, quant::SqFactoryName(type), sq.code_size, sq.rangestat,
         sq.rangestat_arg, sq.trained_count,
         quant::ReadableByFaiss173(type) ? "" : " (not readable by Faiss 1.7.3)");
  }

  void IdMap(const IdMapRecord& map, const std::string& pad) {
    if (map.count == 0) {
      Line(pad, "  id_map at offset {}: 0 ids", map.id_map_offset);
      return;
    }
    int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min(),
            prev = 0;
    bool sorted = true;
    for (uint64_t i = 0; i < map.count; ++i) {
      const int64_t id = LoadI64(map.ids + i * sizeof(int64_t));
      if (i > 0 && id < prev) sorted = false;
      lo = std::min(lo, id);
      hi = std::max(hi, id);
      prev = id;
    }
    Line(pad, "  id_map at offset {}: {} ids, sorted {}, range [{}, {}]", map.id_map_offset,
         map.count, sorted ? "yes" : "no", lo, hi);
  }

  std::string out_;
};

}  // namespace

StatusOr<std::string> DescribeFaissFile(const uint8_t* data, size_t size,
                                        std::string_view source_name) {
  FaissReader reader(data, size, source_name);
  KILN_ASSIGN_OR_RETURN(std::unique_ptr<IndexRecord> record, ParseIndexRecord(reader));
  Describer describer;
  // The graph statistics need the copied graph, validated like ReadFaissIndex.
  std::optional<index::HnswGraph> graph;
  const IndexRecord* top = record.get();
  if (const auto* map = std::get_if<IdMapRecord>(&top->body)) top = map->inner.get();
  if (const auto* hnsw = std::get_if<HnswRecord>(&top->body)) {
    KILN_ASSIGN_OR_RETURN(graph, GraphOf(*hnsw, reader));
    describer.graph_ = &*graph;
  }
  describer.Line("", "{}: {} bytes", source_name, size);
  describer.Record(*record, 0);
  if (reader.remaining() > 0)
    describer.Line("", "warning: {} trailing bytes after the index at offset {}",
                   reader.remaining(), reader.offset());
  return describer.Release();
}

}  // namespace kiln::format
