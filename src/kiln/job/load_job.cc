#include "kiln/job/load_job.h"

#include <chrono>

#include "kiln/base/stopwatch.h"
#include "kiln/dataset/vector_reader.h"
#include "kiln/partition/validate.h"

namespace kiln::job {

StatusOr<LoadJobResult> RunLoad(const LoadJobOptions& o, const ExecContext& ctx) {
  KILN_RETURN_IF_ERROR(partition::ValidateTableName(o.table).WithContext("--table"));
  KILN_ASSIGN_OR_RETURN(Dataset x, ReadVectors(o.input));
  std::vector<idx_t> ids;
  if (!o.ids_file.empty()) {
    KILN_ASSIGN_OR_RETURN(ids, ReadIds(o.ids_file));
  }
  KILN_ASSIGN_OR_RETURN(storage::pg::PgConnection conn, storage::pg::PgConnection::Connect(o.url));
  const auto t0 = std::chrono::steady_clock::now();
  LoadJobResult result;
  result.n_input = x.n();
  KILN_ASSIGN_OR_RETURN(result.load, storage::pg::LoadEmbeddings(conn, o.table, x, ids, o.load, ctx));
  result.seconds = SecondsSince(t0);
  return result;
}

}  // namespace kiln::job
