#include "kiln/service/job_store.h"

#include <sqlite3.h>

#include <fmt/format.h>

namespace kiln::service {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  api TEXT NOT NULL,
  request_json TEXT NOT NULL,
  state TEXT NOT NULL,
  phase TEXT NOT NULL,
  progress REAL NOT NULL,
  n INTEGER NOT NULL,
  d INTEGER NOT NULL,
  memory_estimate INTEGER NOT NULL,
  file_name TEXT NOT NULL,
  index_uri TEXT NOT NULL,
  error TEXT NOT NULL,
  report_json TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  created_at REAL NOT NULL,
  started_at REAL NOT NULL,
  finished_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS jobs_tenant ON jobs(tenant);
)sql";

constexpr const char* kColumns =
    "id, tenant, api, request_json, state, phase, progress, n, d, memory_estimate, file_name, index_uri, error, "
    "report_json, attempts, created_at, started_at, finished_at";

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Status status() const {
    if (rc_ == SQLITE_OK) return OkStatus();
    return InternalError("job store: {}", sqlite3_errmsg(db_));
  }
  void Bind(int i, const std::string& v) { sqlite3_bind_text(stmt_, i, v.c_str(), -1, SQLITE_TRANSIENT); }
  void Bind(int i, double v) { sqlite3_bind_double(stmt_, i, v); }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  sqlite3_stmt* get() { return stmt_; }
  Status Done(int rc) const {
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) return OkStatus();
    return InternalError("job store: {}", sqlite3_errmsg(db_));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

void BindRecord(Statement& s, const JobRecord& j) {
  s.Bind(1, j.id);
  s.Bind(2, j.tenant);
  s.Bind(3, j.api);
  s.Bind(4, j.request_json);
  s.Bind(5, std::string(JobStateName(j.state)));
  s.Bind(6, j.phase);
  s.Bind(7, j.progress);
  s.Bind(8, static_cast<int64_t>(j.n));
  s.Bind(9, static_cast<int64_t>(j.d));
  s.Bind(10, static_cast<int64_t>(j.memory_estimate));
  s.Bind(11, j.file_name);
  s.Bind(12, j.index_uri);
  s.Bind(13, j.error);
  s.Bind(14, j.report_json);
  s.Bind(15, static_cast<int64_t>(j.attempts));
  s.Bind(16, j.created_at);
  s.Bind(17, j.started_at);
  s.Bind(18, j.finished_at);
}

std::string Text(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t == nullptr ? "" : reinterpret_cast<const char*>(t);
}

JobRecord ReadRecord(sqlite3_stmt* s) {
  JobRecord j;
  j.id = Text(s, 0);
  j.tenant = Text(s, 1);
  j.api = Text(s, 2);
  j.request_json = Text(s, 3);
  j.state = ParseJobState(Text(s, 4)).value_or(JobState::kFailed);
  j.phase = Text(s, 5);
  j.progress = sqlite3_column_double(s, 6);
  j.n = static_cast<uint64_t>(sqlite3_column_int64(s, 7));
  j.d = static_cast<uint64_t>(sqlite3_column_int64(s, 8));
  j.memory_estimate = static_cast<uint64_t>(sqlite3_column_int64(s, 9));
  j.file_name = Text(s, 10);
  j.index_uri = Text(s, 11);
  j.error = Text(s, 12);
  j.report_json = Text(s, 13);
  j.attempts = sqlite3_column_int(s, 14);
  j.created_at = sqlite3_column_double(s, 15);
  j.started_at = sqlite3_column_double(s, 16);
  j.finished_at = sqlite3_column_double(s, 17);
  return j;
}

}  // namespace

StatusOr<std::unique_ptr<JobStore>> JobStore::Open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string why = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return UnavailableError("job store {}: cannot open: {}", path, why);
  }
  std::unique_ptr<JobStore> store(new JobStore(db));
  sqlite3_busy_timeout(db, 5000);
  KILN_RETURN_IF_ERROR(store->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"));
  KILN_RETURN_IF_ERROR(store->Exec(kSchema).WithContext(fmt::format("job store {}", path)));
  return store;
}

JobStore::~JobStore() { sqlite3_close(db_); }

Status JobStore::Exec(const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    Status status = InternalError("job store: {}", error != nullptr ? error : "error");
    sqlite3_free(error);
    return status;
  }
  return OkStatus();
}

StatusOr<std::pair<JobRecord, bool>> JobStore::InsertIfAbsent(const JobRecord& job) {
  std::lock_guard lock(mu_);
  Statement insert(db_, fmt::format("INSERT OR IGNORE INTO jobs ({}) VALUES "
                                    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                    kColumns));
  KILN_RETURN_IF_ERROR(insert.status());
  BindRecord(insert, job);
  KILN_RETURN_IF_ERROR(insert.Done(sqlite3_step(insert.get())));
  const bool created = sqlite3_changes(db_) > 0;
  if (created) return std::make_pair(job, true);
  Statement select(db_, fmt::format("SELECT {} FROM jobs WHERE id = ?", kColumns));
  KILN_RETURN_IF_ERROR(select.status());
  select.Bind(1, job.id);
  if (sqlite3_step(select.get()) != SQLITE_ROW) return InternalError("job store: job {} vanished", job.id);
  return std::make_pair(ReadRecord(select.get()), false);
}

Status JobStore::Update(const JobRecord& job) {
  std::lock_guard lock(mu_);
  Statement s(db_, fmt::format("INSERT OR REPLACE INTO jobs ({}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                               kColumns));
  KILN_RETURN_IF_ERROR(s.status());
  BindRecord(s, job);
  return s.Done(sqlite3_step(s.get()));
}

StatusOr<std::optional<JobRecord>> JobStore::Get(const std::string& id) {
  std::lock_guard lock(mu_);
  Statement s(db_, fmt::format("SELECT {} FROM jobs WHERE id = ?", kColumns));
  KILN_RETURN_IF_ERROR(s.status());
  s.Bind(1, id);
  const int rc = sqlite3_step(s.get());
  if (rc == SQLITE_ROW) return std::optional<JobRecord>(ReadRecord(s.get()));
  KILN_RETURN_IF_ERROR(s.Done(rc));
  return std::optional<JobRecord>();
}

StatusOr<std::vector<JobRecord>> JobStore::List(const std::optional<std::string>& tenant) {
  std::lock_guard lock(mu_);
  Statement s(db_, fmt::format("SELECT {} FROM jobs {} ORDER BY created_at DESC, id", kColumns,
                               tenant ? "WHERE tenant = ?" : ""));
  KILN_RETURN_IF_ERROR(s.status());
  if (tenant) s.Bind(1, *tenant);
  std::vector<JobRecord> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) out.push_back(ReadRecord(s.get()));
  KILN_RETURN_IF_ERROR(s.Done(rc));
  return out;
}

StatusOr<std::vector<JobRecord>> JobStore::ListInState(JobState state) {
  std::lock_guard lock(mu_);
  Statement s(db_, fmt::format("SELECT {} FROM jobs WHERE state = ? ORDER BY created_at, id", kColumns));
  KILN_RETURN_IF_ERROR(s.status());
  s.Bind(1, std::string(JobStateName(state)));
  std::vector<JobRecord> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) out.push_back(ReadRecord(s.get()));
  KILN_RETURN_IF_ERROR(s.Done(rc));
  return out;
}

StatusOr<int> JobStore::DeleteFinishedBefore(double cutoff) {
  std::lock_guard lock(mu_);
  Statement s(db_, "DELETE FROM jobs WHERE state IN ('completed','failed','cancelled') AND finished_at < ?");
  KILN_RETURN_IF_ERROR(s.status());
  s.Bind(1, cutoff);
  KILN_RETURN_IF_ERROR(s.Done(sqlite3_step(s.get())));
  return sqlite3_changes(db_);
}

}  // namespace kiln::service
