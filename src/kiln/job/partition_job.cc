#include "kiln/job/partition_job.h"

#include <chrono>
#include <filesystem>

#include <fmt/ranges.h>

#include "kiln/cluster/hierarchical_kmeans.h"
#include "kiln/cluster/kmeans.h"
#include "kiln/cluster/sampling.h"
#include "kiln/dataset/vector_reader.h"
#include "kiln/dataset/vector_writer.h"
#include "kiln/linalg/norms.h"
#include "kiln/partition/validate.h"
#include "kiln/partition/vchordrq_sql.h"
#include "kiln/storage/postgres/create_index.h"
#include "kiln/storage/postgres/vector_table.h"

namespace kiln::job {
namespace {

namespace pg = storage::pg;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Sample {
  Dataset vectors;
  size_t n_input = 0;
  std::string method;
};

// Rows the sample needs: explicit, else lists.back() × sampling factor.
size_t SampleSize(const PartitionJobOptions& o, size_t leaves) {
  return o.sample_size != 0 ? o.sample_size : leaves * o.sampling_factor;
}

StatusOr<Sample> LoadFileSample(const PartitionJobOptions& o, std::vector<size_t>& lists, const ExecContext& ctx) {
  KILN_ASSIGN_OR_RETURN(Dataset all, ReadVectors(o.input_file));
  Sample s;
  s.n_input = all.n();
  if (lists.empty() && o.centroid_files.empty()) lists = partition::RecommendedLists(all.n());
  const size_t want = SampleSize(o, lists.empty() ? all.n() : lists.back());
  if (want >= all.n()) {
    s.method = "all rows";
    s.vectors = std::move(all);
  } else {
    s.method = fmt::format("{} random rows", want);
    s.vectors = all.Gather(cluster::SampleIndices(all.n(), want, o.seed));
  }
  ctx.Report("sample", s.vectors.n(), s.vectors.n());
  return s;
}

StatusOr<Sample> LoadPgSample(const PartitionJobOptions& o, std::vector<size_t>& lists, const ExecContext& ctx) {
  const PgColumnRef& src = *o.source;
  KILN_RETURN_IF_ERROR(partition::ValidateTableName(src.table).WithContext("--table"));
  KILN_ASSIGN_OR_RETURN(pg::PgConnection conn, pg::PgConnection::Connect(src.url));
  if (lists.empty() && o.centroid_files.empty()) {
    // The recommendation needs the row count before sampling.
    KILN_RETURN_IF_ERROR(pg::DescribeVectorColumn(conn, src.table, src.column).status());
    KILN_ASSIGN_OR_RETURN(pg::PgResult cnt, conn.Query(fmt::format("SELECT count(*) FROM {}", src.table)));
    lists = partition::RecommendedLists(std::stoull(cnt.text(0, 0)));
  }
  const size_t want = SampleSize(o, lists.empty() ? 1 : lists.back());
  KILN_ASSIGN_OR_RETURN(pg::SampleResult r, pg::SampleVectors(conn, src.table, src.column, want, o.seed, ctx));
  return Sample{std::move(r.vectors), r.table_rows, r.method};
}

cluster::KMeansParams LevelParams(const PartitionJobOptions& o) {
  cluster::KMeansParams p;
  p.niter = o.niter;
  p.seed = o.seed;
  p.spherical = o.metric != Metric::kL2;
  p.max_points_per_centroid = 0;  // the sample is already sized
  p.min_points_per_centroid = 0;
  return p;
}

Status Balance(const float* x, size_t n, size_t d, std::vector<float>& centroids, size_t k,
               const PartitionJobOptions& o, const ExecContext& ctx) {
  cluster::BalanceParams bp;
  bp.max_list_factor = o.max_list_factor;
  bp.spherical = o.metric != Metric::kL2;
  return cluster::BalanceKMeans(x, n, d, centroids, k, bp, ctx).status();
}

StatusOr<std::vector<float>> ClusterLevel(const float* x, size_t n, size_t d, size_t k, bool bottom,
                                          const PartitionJobOptions& o, const ExecContext& ctx) {
  if (n < k)
    return InvalidArgumentError("--lists: a level of {} lists needs at least {} vectors below it, found {}", k, k, n);
  const cluster::KMeansParams p = LevelParams(o);
  cluster::KMeansResult r;
  if (bottom && o.kmeans == PartitionKMeans::kHierarchical) {
    KILN_ASSIGN_OR_RETURN(r, cluster::TrainHierarchicalKMeans(x, n, d, k, p, {}, ctx));
  } else {
    KILN_ASSIGN_OR_RETURN(r, cluster::TrainKMeans(x, n, d, k, p, ctx));
  }
  if (bottom && o.balanced) KILN_RETURN_IF_ERROR(Balance(x, n, d, r.centroids, k, o, ctx));
  return std::move(r.centroids);
}

// Per-level centroids, top-first: the bottom level on the sample, each
// upper level on the centroids of the level below. In hierarchical mode with
// two or more levels, the level above the bottom is the coarse level the
// bottom was trained under (coarse k = that level's list count): a clustering
// of the same points whose cells contain their fine centroids, so greedy
// descent retraces training (re-clustering the fine centroids instead lets a
// top node's children miss parts of its cell, and leaves swell).
StatusOr<std::vector<std::vector<float>>> TrainLevels(const Dataset& sample, const std::vector<size_t>& lists,
                                                      const PartitionJobOptions& o, const ExecContext& ctx) {
  const size_t d = sample.d();
  std::vector<std::vector<float>> levels(lists.size());
  size_t next = lists.size();  // levels [next, end) are trained
  if (lists.size() >= 2 && o.kmeans == PartitionKMeans::kHierarchical && sample.n() >= lists.back()) {
    cluster::KMeansParams p = LevelParams(o);
    cluster::HierarchicalKMeansParams hp;
    hp.coarse_k = lists[lists.size() - 2];
    KILN_ASSIGN_OR_RETURN(cluster::HierarchicalKMeansResult r,
                          cluster::TrainHierarchicalKMeansLevels(sample.data(), sample.n(), d, lists.back(), p, hp, ctx));
    if (!r.coarse.empty()) {
      if (o.balanced) KILN_RETURN_IF_ERROR(Balance(sample.data(), sample.n(), d, r.fine.centroids, lists.back(), o, ctx));
      levels[lists.size() - 1] = std::move(r.fine.centroids);
      levels[lists.size() - 2] = std::move(r.coarse);
      next = lists.size() - 2;
    }
  }
  for (size_t l = next; l-- > 0;) {
    const bool bottom = l + 1 == lists.size();
    const float* x = bottom ? sample.data() : levels[l + 1].data();
    const size_t n = bottom ? sample.n() : lists[l + 1];
    KILN_ASSIGN_OR_RETURN(levels[l], ClusterLevel(x, n, d, lists[l], bottom, o, ctx));
  }
  return levels;
}

StatusOr<std::vector<std::vector<float>>> ReadCentroidFiles(const PartitionJobOptions& o, size_t d,
                                                            std::vector<size_t>& lists) {
  if (!lists.empty() && lists.size() != o.centroid_files.size())
    return InvalidArgumentError("--centroids: {} files for {} levels in --lists", o.centroid_files.size(), lists.size());
  std::vector<std::vector<float>> levels;
  lists.clear();
  for (const auto& f : o.centroid_files) {
    KILN_ASSIGN_OR_RETURN(Dataset c, ReadVectors(f));
    if (d != 0 && c.d() != d)
      return InvalidArgumentError("--centroids {}: centroids have dimension {}, the input vectors {}", f, c.d(), d);
    levels.emplace_back(c.data(), c.data() + c.n() * c.d());
    lists.push_back(c.n());
  }
  return levels;
}

Status WriteTreeFiles(const std::string& dir, const partition::TreeRows& rows) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return InvalidArgumentError("--output {}: cannot create the directory: {}", dir, ec.message());
  std::vector<int64_t> ids, parents;
  for (size_t i = 0; i < rows.n(); ++i) {
    ids.push_back(*rows.id[i]);
    parents.push_back(rows.parent[i] ? *rows.parent[i] : -1);
  }
  KILN_RETURN_IF_ERROR(WriteNpy(dir + "/vectors.npy", rows.vectors.data(), rows.n(), rows.d));
  KILN_RETURN_IF_ERROR(WriteNpy(dir + "/parents.npy", parents.data(), parents.size()));
  return WriteNpy(dir + "/ids.npy", ids.data(), ids.size());
}

}  // namespace

bool IsPostgresUrl(const std::string& s) {
  return s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0;
}

StatusOr<PartitionJobResult> RunPartition(const PartitionJobOptions& o, const ExecContext& ctx) {
  if (o.input_file.empty() == !o.source.has_value())
    return InvalidArgumentError("partition: give exactly one input: a vector file or --source with --table/--column");
  const bool to_pg = IsPostgresUrl(o.output);
  if (o.output.empty()) return InvalidArgumentError("--output: a directory or a postgresql:// URL is required");
  if (to_pg) KILN_RETURN_IF_ERROR(partition::ValidateTableName(o.output_table).WithContext("--output-table"));
  for (size_t l = 1; l < o.lists.size(); ++l)
    if (o.lists[l] < o.lists[l - 1])
      return InvalidArgumentError("--lists {}: levels are top-first, each at least as large as the one above",
                                  fmt::join(o.lists, ","));
  if (o.lists.size() > partition::kMaxTreeHeight - 1)
    return InvalidArgumentError("--lists: at most {} levels (VectorChord's tree height limit), found {}",
                                partition::kMaxTreeHeight - 1, o.lists.size());

  if (o.create_index) {
    if (!to_pg) return InvalidArgumentError("--create-index needs --output postgresql://... and an output table");
    if (o.index_table.empty() && !o.source)
      return InvalidArgumentError("--create-index needs --index-table and --index-column (or --source)");
    // Fail before the k-means, not after.
    KILN_ASSIGN_OR_RETURN(pg::PgConnection conn, pg::PgConnection::Connect(o.output));
    KILN_RETURN_IF_ERROR(pg::CheckVchordInstalled(conn));
  }
  PartitionJobResult result;
  std::vector<size_t> lists = o.lists;
  std::vector<std::vector<float>> levels;
  size_t d = 0;
  auto t0 = Clock::now();
  Sample sample;
  if (o.source) {
    KILN_ASSIGN_OR_RETURN(sample, LoadPgSample(o, lists, ctx));
  } else {
    KILN_ASSIGN_OR_RETURN(sample, LoadFileSample(o, lists, ctx));
  }
  d = sample.vectors.d();
  result.n_input = sample.n_input;
  result.n_sample = sample.vectors.n();
  result.sample_method = sample.method;
  if (o.metric == Metric::kCosine)
    linalg::NormalizeRows(sample.vectors.mutable_data(), sample.vectors.n(), d, *ctx.pool);
  t0 = Clock::now();
  if (!o.centroid_files.empty()) {
    KILN_ASSIGN_OR_RETURN(levels, ReadCentroidFiles(o, d, lists));
  } else {
    KILN_ASSIGN_OR_RETURN(levels, TrainLevels(sample.vectors, lists, o, ctx));
  }
  result.kmeans_seconds = Since(t0);
  KILN_ASSIGN_OR_RETURN(result.tree, partition::BuildTree(levels, d, o.metric != Metric::kL2, *ctx.pool));
  const partition::TreeRows rows = partition::ToRows(result.tree);
  KILN_RETURN_IF_ERROR(partition::ValidateTreeRows(rows).WithContext("partition tree"));

  t0 = Clock::now();
  if (to_pg) {
    KILN_ASSIGN_OR_RETURN(pg::PgConnection conn, pg::PgConnection::Connect(o.output));
    pg::TreeWriteOptions w;
    const bool use_vector = o.vector_type.value_or(conn.HasExtension("vector"));
    w.type = use_vector ? pg::VectorColumnType::kVector : pg::VectorColumnType::kRealArray;
    w.replace = o.replace;
    KILN_RETURN_IF_ERROR(pg::WriteTreeTable(conn, o.output_table, rows, w, ctx));
    result.output_description = fmt::format("table {} ({} rows, vector column {})", o.output_table, rows.n(),
                                            pg::VectorColumnSql(w.type, d));
  } else {
    KILN_RETURN_IF_ERROR(WriteTreeFiles(o.output, rows));
    result.output_description = fmt::format("{}/{{vectors,parents,ids}}.npy ({} rows; parent -1 = NULL)", o.output, rows.n());
  }
  result.write_seconds = Since(t0);

  std::string index_table = o.index_table, index_column = o.index_column;
  if (index_table.empty()) index_table = o.source ? o.source->table : "<table>";
  if (index_column.empty()) index_column = o.source ? o.source->column : "<column>";
  const std::string tree_table = to_pg ? o.output_table : "<table holding the tree>";
  result.create_index_sql = partition::CreateIndexSql(index_table, index_column, o.metric, tree_table);
  std::vector<size_t> sizes;
  for (const auto& l : result.tree.levels) sizes.push_back(l.k);
  result.probes_sql = fmt::format("SET vchordrq.probes = '{}';", fmt::join(partition::SuggestProbes(sizes), ","));
  if (o.create_index) {
    KILN_RETURN_IF_ERROR(pg::CreateVchordIndex(o.output, result.create_index_sql, ctx));
  }
  return result;
}

StatusOr<partition::PartitionTree> ReadPartitionTree(const std::string& where, const std::string& table,
                                                     const ExecContext& ctx) {
  ctx.Report("read tree", 0, 1);
  partition::TreeRows rows;
  if (IsPostgresUrl(where)) {
    KILN_RETURN_IF_ERROR(partition::ValidateTableName(table));
    KILN_ASSIGN_OR_RETURN(pg::PgConnection conn, pg::PgConnection::Connect(where));
    KILN_ASSIGN_OR_RETURN(rows, pg::ReadTreeTable(conn, table, 0));
    for (int64_t dim : rows.row_dim)
      if (dim >= 0) {
        rows.d = static_cast<size_t>(dim);
        break;
      }
  } else {
    KILN_ASSIGN_OR_RETURN(Dataset v, ReadVectors(where + "/vectors.npy"));
    KILN_ASSIGN_OR_RETURN(std::vector<idx_t> ids, ReadIds(where + "/ids.npy"));
    KILN_ASSIGN_OR_RETURN(std::vector<idx_t> parents, ReadIds(where + "/parents.npy"));
    if (ids.size() != v.n() || parents.size() != v.n())
      return InvalidArgumentError("{}: {} vectors, {} ids and {} parents; expected equal counts", where, v.n(),
                                  ids.size(), parents.size());
    rows.d = v.d();
    rows.vectors.assign(v.data(), v.data() + v.n() * v.d());
    for (size_t i = 0; i < v.n(); ++i) {
      rows.id.push_back(static_cast<int32_t>(ids[i]));
      rows.parent.push_back(parents[i] < 0 ? std::nullopt : std::optional<int32_t>(static_cast<int32_t>(parents[i])));
    }
  }
  const std::string name = IsPostgresUrl(where) ? "table " + table : where;
  KILN_RETURN_IF_ERROR(partition::ValidateTreeRows(rows).WithContext(name));
  return partition::FromRows(rows);
}

StatusOr<partition::PartitionEvalResult> RunPartitionEval(const PartitionEvalOptions& o, const ExecContext& ctx) {
  KILN_ASSIGN_OR_RETURN(partition::PartitionTree tree, ReadPartitionTree(o.tree, o.tree_table, ctx));
  Dataset base;
  if (o.base_source) {
    KILN_ASSIGN_OR_RETURN(pg::PgConnection conn, pg::PgConnection::Connect(o.base_source->url));
    KILN_ASSIGN_OR_RETURN(pg::SampleResult all, pg::SampleVectors(conn, o.base_source->table, o.base_source->column,
                                                                  SIZE_MAX / 2, 0, ctx));
    base = std::move(all.vectors);
  } else {
    KILN_ASSIGN_OR_RETURN(base, ReadVectors(o.base_file));
  }
  KILN_ASSIGN_OR_RETURN(Dataset queries, ReadVectors(o.queries_file));
  if (base.d() != tree.d || queries.d() != tree.d)
    return InvalidArgumentError("partition eval: tree has d = {}, base vectors {}, queries {}", tree.d, base.d(),
                                queries.d());
  if (o.metric == Metric::kCosine) {
    linalg::NormalizeRows(base.mutable_data(), base.n(), base.d(), *ctx.pool);
    linalg::NormalizeRows(queries.mutable_data(), queries.n(), queries.d(), *ctx.pool);
  }
  std::vector<std::vector<size_t>> probes = o.probes;
  if (probes.empty()) {
    std::vector<size_t> sizes;
    for (const auto& l : tree.levels) sizes.push_back(l.k);
    probes.push_back(partition::SuggestProbes(sizes));
  }
  return partition::EvaluatePartition(tree, base.data(), base.n(), queries.data(), queries.n(), tree.d, o.metric, o.k,
                                      probes, ctx);
}

}  // namespace kiln::job
