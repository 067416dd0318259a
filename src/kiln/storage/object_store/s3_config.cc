#include "kiln/storage/object_store/s3_config.h"

#include <cstdlib>

#include <fmt/format.h>

namespace kiln::storage {
namespace {

void FillFrom(std::string& field, std::initializer_list<const char*> names) {
  if (!field.empty()) return;
  for (const char* name : names) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') {
      field = value;
      return;
    }
  }
}

}  // namespace

void S3Config::FillFromEnvironment() {
  FillFrom(access_key_id, {"AWS_ACCESS_KEY_ID"});
  FillFrom(secret_access_key, {"AWS_SECRET_ACCESS_KEY"});
  FillFrom(session_token, {"AWS_SESSION_TOKEN"});
  FillFrom(endpoint, {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"});
  const char* r = std::getenv("AWS_REGION");
  if (r == nullptr || *r == '\0') r = std::getenv("AWS_DEFAULT_REGION");
  if (r != nullptr && *r != '\0') region = r;
  const char* copy = std::getenv("KILN_S3_SERVER_SIDE_COPY");
  if (copy != nullptr && std::string_view(copy) == "0") server_side_copy = false;
  const char* connections = std::getenv("KILN_S3_DOWNLOAD_CONNECTIONS");
  if (connections != nullptr && std::atoi(connections) > 0) download_connections = std::atoi(connections);
}

std::string S3Config::EffectiveEndpoint() const {
  if (!endpoint.empty()) {
    std::string e = endpoint;
    while (!e.empty() && e.back() == '/') e.pop_back();
    return e;
  }
  return fmt::format("https://s3.{}.amazonaws.com", region);
}

std::string S3Config::Describe() const {
  return fmt::format("endpoint={} region={} key_id={} path_style={}", EffectiveEndpoint(), region,
                     access_key_id.empty() ? "(none)" : access_key_id, path_style ? 1 : 0);
}

}  // namespace kiln::storage
