// kiln load: bulk-load embeddings into PostgreSQL with binary COPY.
#include <fmt/format.h>

#include "kiln/cli/cli_context.h"
#include "kiln/cli/commands.h"
#include "kiln/job/load_job.h"

namespace kiln::cli {
namespace {

struct LoadFlags {
  job::LoadJobOptions options;
  std::string vector_type = "auto";
};

int RunLoadCommand(LoadFlags& f, const GlobalOptions& global) {
  if (f.vector_type == "vector") f.options.load.type = storage::pg::VectorColumnType::kVector;
  else if (f.vector_type == "real[]") f.options.load.type = storage::pg::VectorColumnType::kRealArray;
  else if (f.vector_type != "auto")
    return ReportError("load", InvalidArgumentError("--vector-type: expected auto, vector or real[], found \"{}\"", f.vector_type), true);
  if (f.options.load.chunk_rows == 0) return ReportError("load", InvalidArgumentError("--chunk-rows: expected at least 1"), true);
  CliContext run(global);
  auto r = job::RunLoad(f.options, run.ctx());
  run.progress().Finish();
  if (!r.ok()) return ReportError("load", r.status(), false);
  const auto& l = r->load;
  fmt::print("load: {} rows into {} ({} column {}){}; {} rows in {:.2f} s = {:.0f} rows/s\n", r->n_input,
             f.options.table, l.created_table ? "new table," : "existing table,", storage::pg::VectorColumnSql(l.type, 0),
             l.resumed_at > 0 ? fmt::format(", resumed at row {}", l.resumed_at) : std::string(), l.rows_loaded,
             r->seconds, static_cast<double>(l.rows_loaded) / std::max(r->seconds, 1e-9));
  return kExitOk;
}

}  // namespace

void AddLoadCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto f = std::make_shared<LoadFlags>();
  CLI::App* cmd = app.add_subcommand("load", "Bulk-load embeddings into PostgreSQL (binary COPY, committed chunks, resumable)");
  cmd->add_option("--input,-i", f->options.input, "Vector file")->required();
  cmd->add_option("--ids", f->options.ids_file, "Ids (.npy int64 or .knndid), increasing; default: row numbers");
  cmd->add_option("--output,-o", f->options.url, "postgresql://USER@HOST:PORT/DB")->required();
  cmd->add_option("--table", f->options.table, "Table (schema.name); created as (id bigint, <column> vector(d) or real[])")
      ->required();
  cmd->add_option("--column", f->options.load.column, "Vector column")->default_str("embedding");
  cmd->add_option("--chunk-rows", f->options.load.chunk_rows, "Rows per committed transaction")->default_str("50000");
  cmd->add_option("--vector-type", f->vector_type, "auto (vector if pgvector is installed), vector or real[]")
      ->default_str("auto");
  cmd->callback([f, &global, &exit_code] { exit_code = RunLoadCommand(*f, global); });
}

}  // namespace kiln::cli
