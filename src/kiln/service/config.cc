#include "kiln/service/config.h"

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace kiln::service {
namespace fs = std::filesystem;

StatusOr<uint64_t> ParseByteSize(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data())
    return InvalidArgumentError("\"{}\": expected a size such as 8G, 512M or 1048576", text);
  std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  if (unit.ends_with("iB")) unit.remove_suffix(2);
  if (unit.ends_with("B") && unit.size() > 1) unit.remove_suffix(1);
  if (unit.empty() || unit == "B") return value;
  if (unit == "K" || unit == "k") return value << 10;
  if (unit == "M" || unit == "m") return value << 20;
  if (unit == "G" || unit == "g") return value << 30;
  if (unit == "T" || unit == "t") return value << 40;
  return InvalidArgumentError("\"{}\": unknown unit \"{}\" (K, M, G, T)", text, unit);
}

Status LoadConfigFile(const std::string& path, ServeConfig& c) {
  std::ifstream in(path);
  if (!in) return NotFoundError("config file {}: cannot open", path);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgumentError("config file {}: not a JSON object", path);
  try {
    for (const auto& [key, v] : j.items()) {
      if (key == "listen") c.listen = v.get<std::string>();
      else if (key == "data_dir") c.data_dir = v.get<std::string>();
      else if (key == "store_root") c.store_root = v.get<std::string>();
      else if (key == "db_path") c.db_path = v.get<std::string>();
      else if (key == "work_dir") c.work_dir = v.get<std::string>();
      else if (key == "workers") c.workers = v.get<int>();
      else if (key == "build_threads") c.build_threads = v.get<int>();
      else if (key == "http_threads") c.http_threads = v.get<int>();
      else if (key == "memory_budget") {
        if (v.is_string()) {
          KILN_ASSIGN_OR_RETURN(c.memory_budget, ParseByteSize(v.get<std::string>()));
        } else {
          c.memory_budget = v.get<uint64_t>();
        }
      } else if (key == "retention_seconds") c.retention_seconds = v.get<double>();
      else if (key == "restart_policy") c.restart_policy = v.get<std::string>();
      else if (key == "opensearch_store") c.opensearch_store = v.get<std::string>();
      else if (key == "opensearch_factory") c.opensearch_factory = v.get<std::string>();
      else if (key == "auth_user") c.auth_user = v.get<std::string>();
      else if (key == "auth_password") c.auth_password = v.get<std::string>();
      else if (key == "tls_cert") c.tls_cert = v.get<std::string>();
      else if (key == "tls_key") c.tls_key = v.get<std::string>();
      else if (key == "max_body_bytes") c.max_body_bytes = v.get<uint64_t>();
      else if (key == "allowed_buckets") c.allowed_buckets = v.get<std::vector<std::string>>();
      else if (key == "allowed_pg_hosts") c.allowed_pg_hosts = v.get<std::vector<std::string>>();
      else if (key == "s3") {
        for (const auto& [k, sv] : v.items()) {
          if (k == "endpoint") c.s3.endpoint = sv.get<std::string>();
          else if (k == "region") c.s3.region = sv.get<std::string>();
          else if (k == "access_key_id") c.s3.access_key_id = sv.get<std::string>();
          else if (k == "secret_access_key") c.s3.secret_access_key = sv.get<std::string>();
          else if (k == "session_token") c.s3.session_token = sv.get<std::string>();
          else if (k == "path_style") c.s3.path_style = sv.get<bool>();
          else return InvalidArgumentError("config file {}: unknown key s3.{}", path, k);
        }
      } else {
        return InvalidArgumentError("config file {}: unknown key \"{}\"", path, key);
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError("config file {}: {}", path, e.what());
  }
  return OkStatus();
}

Status ApplyEnvironment(ServeConfig& c) {
  auto env = [](const char* name) -> const char* {
    const char* v = std::getenv(name);
    return (v != nullptr && *v != '\0') ? v : nullptr;
  };
  if (const char* v = env("KILN_SERVE_LISTEN")) c.listen = v;
  if (const char* v = env("KILN_SERVE_DATA_DIR")) c.data_dir = v;
  if (const char* v = env("KILN_SERVE_WORKERS")) c.workers = std::atoi(v);
  if (const char* v = env("KILN_SERVE_MEMORY_BUDGET")) {
    KILN_ASSIGN_OR_RETURN(c.memory_budget, ParseByteSize(v));
  }
  if (const char* v = env("KILN_SERVE_AUTH_USER")) c.auth_user = v;
  if (const char* v = env("KILN_SERVE_AUTH_PASSWORD")) c.auth_password = v;
  return OkStatus();
}

Status ServeConfig::Finalize() {
  if (store_root.empty()) store_root = (fs::path(data_dir) / "store").string();
  if (db_path.empty()) db_path = (fs::path(data_dir) / "jobs.db").string();
  if (work_dir.empty()) work_dir = (fs::path(data_dir) / "work").string();
  s3.FillFromEnvironment();
  if (memory_budget == 0) {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    memory_budget = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) / 10 * 8;
  }
  if (workers < 1) return InvalidArgumentError("workers: expected >= 1, found {}", workers);
  if (http_threads < 2) return InvalidArgumentError("http_threads: expected >= 2, found {}", http_threads);
  if (restart_policy != "requeue" && restart_policy != "fail")
    return InvalidArgumentError("restart_policy: expected requeue or fail, found \"{}\"", restart_policy);
  if (opensearch_store != "auto" && opensearch_store != "s3" && opensearch_store != "file")
    return InvalidArgumentError("opensearch_store: expected auto, s3 or file, found \"{}\"", opensearch_store);
  if (tls_cert.empty() != tls_key.empty()) return InvalidArgumentError("tls_cert and tls_key go together");
  if (!auth_password.empty() && auth_user.empty())
    return InvalidArgumentError("auth_password is set but auth_user is empty");
  if (listen.rfind(':') == std::string::npos) return InvalidArgumentError("listen \"{}\": expected host:port", listen);
  return OkStatus();
}

std::string ServeConfig::OpenSearchScheme() const {
  if (opensearch_store != "auto") return opensearch_store;
  return (!s3.endpoint.empty() || !s3.access_key_id.empty()) ? "s3" : "file";
}

std::string ServeConfig::Describe() const {
  return fmt::format(
      "listen={} data_dir={} db={} store_root={} workers={} build_threads={} memory_budget={}MiB "
      "retention={}s restart_policy={} opensearch_store={} auth={} tls={} s3[{}]",
      listen, data_dir, db_path, store_root, workers, build_threads, memory_budget >> 20, retention_seconds,
      restart_policy, OpenSearchScheme(), auth_password.empty() ? "off" : "basic", tls_cert.empty() ? "off" : "on",
      s3.Describe());
}

}  // namespace kiln::service
