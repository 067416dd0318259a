// kiln serve: the remote index build service (docs/serve.md).
#include <pthread.h>
#include <signal.h>

#include <thread>

#include <fmt/format.h>

#include "kiln/cli/commands.h"
#include "kiln/service/config.h"
#include "kiln/service/http_server.h"
#include "kiln/service/service.h"

namespace kiln::cli {
namespace {

struct ServeFlags {
  std::string config_file;
  std::string listen, data_dir, memory_budget, opensearch_store, opensearch_factory, restart_policy;
  std::string auth_user, tls_cert, tls_key;
  std::vector<std::string> allowed_buckets;
  std::vector<std::string> allowed_pg_hosts;
  int workers = 0;
  int build_threads = -1;
  double retention_seconds = -1;
};

Status BuildConfig(const ServeFlags& f, const GlobalOptions& global, service::ServeConfig& c) {
  if (!f.config_file.empty()) KILN_RETURN_IF_ERROR(service::LoadConfigFile(f.config_file, c));
  KILN_RETURN_IF_ERROR(service::ApplyEnvironment(c));
  if (!f.listen.empty()) c.listen = f.listen;
  if (!f.data_dir.empty()) c.data_dir = f.data_dir;
  if (!f.memory_budget.empty()) {
    KILN_ASSIGN_OR_RETURN(c.memory_budget, service::ParseByteSize(f.memory_budget));
  }
  if (!f.opensearch_store.empty()) c.opensearch_store = f.opensearch_store;
  if (!f.opensearch_factory.empty()) c.opensearch_factory = f.opensearch_factory;
  if (!f.restart_policy.empty()) c.restart_policy = f.restart_policy;
  if (!f.auth_user.empty()) c.auth_user = f.auth_user;
  if (!f.tls_cert.empty()) c.tls_cert = f.tls_cert;
  if (!f.tls_key.empty()) c.tls_key = f.tls_key;
  if (!f.allowed_buckets.empty()) c.allowed_buckets = f.allowed_buckets;
  if (!f.allowed_pg_hosts.empty()) c.allowed_pg_hosts = f.allowed_pg_hosts;
  if (f.workers > 0) c.workers = f.workers;
  if (f.build_threads >= 0) c.build_threads = f.build_threads;
  else if (global.threads > 0) c.build_threads = global.threads;
  if (f.retention_seconds >= 0) c.retention_seconds = f.retention_seconds;
  return OkStatus();
}

int RunServe(const ServeFlags& flags, const GlobalOptions& global) {
  // SIGINT/SIGTERM are taken by a waiting thread, which stops the server.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  service::ServeConfig config;
  Status status = BuildConfig(flags, global, config);
  if (!status.ok()) return ReportError("serve", status, true);
  auto service = service::KilnService::Start(std::move(config));
  if (!service.ok()) return ReportError("serve", service.status(), service.status().code() == StatusCode::kInvalidArgument);
  service::HttpServer server(**service);
  status = server.Bind();
  if (!status.ok()) return ReportError("serve", status, false);
  const auto& c = (*service)->config();
  fmt::print(stderr, "kiln serve: listening on {}://{}:{} (data {}, jobs {})\n", c.tls_cert.empty() ? "http" : "https",
             c.listen.substr(0, c.listen.rfind(':')), server.port(), c.data_dir, c.db_path);
  std::thread waiter([&server, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    server.Stop();
  });
  status = server.Serve();
  pthread_kill(waiter.native_handle(), SIGTERM);  // wakes the waiter when the server stopped by itself
  waiter.join();
  service->reset();  // cancels running builds; they stay "running" and are recovered on the next start
  if (!status.ok()) return ReportError("serve", status, false);
  return kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand("serve", "Run the remote index build service (OpenSearch-compatible + /v1)");
  cmd->add_option("--config", flags->config_file, "JSON config file (see docs/serve.md)");
  cmd->add_option("--listen", flags->listen, "host:port to listen on (default 127.0.0.1:8080)");
  cmd->add_option("--data-dir", flags->data_dir, "Job database, file store and scratch space (default kiln-data)");
  cmd->add_option("--workers", flags->workers, "Builds at once (default 2)");
  cmd->add_option("--build-threads", flags->build_threads, "Threads per build (default: all cores)");
  cmd->add_option("--memory-budget", flags->memory_budget, "Memory for running builds, e.g. 8G (default 80% of RAM)");
  cmd->add_option("--retention", flags->retention_seconds, "Seconds finished jobs are kept (default 604800)");
  cmd->add_option("--restart-policy", flags->restart_policy, "Jobs interrupted by a restart: requeue|fail");
  cmd->add_option("--opensearch-store", flags->opensearch_store, "Store for OpenSearch buckets: auto|s3|file");
  cmd->add_option("--opensearch-factory", flags->opensearch_factory,
                  "Index built for OpenSearch jobs instead of IDMap,HNSW<m>,Flat");
  cmd->add_option("--auth-user", flags->auth_user, "Basic auth user (password from KILN_SERVE_AUTH_PASSWORD)");
  cmd->add_option("--tls-cert", flags->tls_cert, "PEM certificate (TLS)");
  cmd->add_option("--tls-key", flags->tls_key, "PEM private key (TLS)");
  cmd->add_option("--allowed-bucket", flags->allowed_buckets, "Only these buckets (repeatable)");
  cmd->add_option("--allowed-pg-host", flags->allowed_pg_hosts,
                  "PostgreSQL hosts /v1 jobs may read tables from, host or host:port (repeatable; none: refused)");
  cmd->callback([flags, &global, &exit_code] { exit_code = RunServe(*flags, global); });
}

}  // namespace kiln::cli
