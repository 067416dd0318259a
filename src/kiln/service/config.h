// kiln serve configuration: defaults < JSON config file < environment <
// command-line flags. Secrets (S3 secret key, session token, auth password)
// are never logged; Describe() prints the rest.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kiln/base/status.h"
#include "kiln/storage/object_store/s3_config.h"

namespace kiln::service {

struct ServeConfig {
  std::string listen = "127.0.0.1:8080";  // host:port
  std::string data_dir = "kiln-data";     // holds the defaults below
  std::string store_root;                 // file:// store root (default DATA/store)
  std::string db_path;                    // SQLite job store (default DATA/jobs.db)
  std::string work_dir;                   // per-job scratch space (default DATA/work)
  int workers = 2;                        // builds at once
  int build_threads = 0;                  // threads per build; 0 = all cores
  int http_threads = 16;                  // request threads (status calls never wait for builds)
  uint64_t memory_budget = 0;             // bytes for running builds; 0 = 80% of physical memory
  double retention_seconds = 7 * 86400;   // finished jobs are forgotten after this
  std::string restart_policy = "requeue"; // interrupted jobs after a restart: requeue | fail
  // Which store serves OpenSearch's container_name: s3, file, or auto (s3
  // when an S3 endpoint or access key is configured, else file).
  std::string opensearch_store = "auto";
  std::string opensearch_factory;         // replaces IDMap,HNSW<m>,Flat when set
  std::string auth_user;                  // Basic auth; off when the password is empty
  std::string auth_password;
  std::string tls_cert;                   // PEM files; TLS on when both are set
  std::string tls_key;
  uint64_t max_body_bytes = 1 << 20;
  std::vector<std::string> allowed_buckets;  // empty: any bucket
  // PostgreSQL servers /v1 jobs may read from ("host" or "host:port");
  // empty: postgresql:// sources are refused (403).
  std::vector<std::string> allowed_pg_hosts;
  storage::S3Config s3;

  // Fills the DATA-relative defaults and the S3 environment; checks values.
  Status Finalize();
  // The store scheme OpenSearch jobs use ("s3" or "file").
  std::string OpenSearchScheme() const;
  std::string Describe() const;
};

// Reads a JSON config file whose keys are ServeConfig's field names, with
// "s3": {"endpoint", "region", "access_key_id", "secret_access_key",
// "session_token", "path_style"}. Unknown keys are errors naming them.
Status LoadConfigFile(const std::string& path, ServeConfig& config);
// KILN_SERVE_LISTEN, KILN_SERVE_DATA_DIR, KILN_SERVE_WORKERS,
// KILN_SERVE_MEMORY_BUDGET, KILN_SERVE_AUTH_USER, KILN_SERVE_AUTH_PASSWORD.
Status ApplyEnvironment(ServeConfig& config);
// "8G", "512M", "1024" → bytes.
StatusOr<uint64_t> ParseByteSize(std::string_view text);

}  // namespace kiln::service
