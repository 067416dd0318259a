// Where and as whom kiln talks to S3. Filled from the standard AWS
// environment variables and/or the kiln serve config file. Secrets are never
// printed: Describe() names the endpoint, region and key id only.
#pragma once

#include <string>

#include "kiln/base/status.h"

namespace kiln::storage {

struct S3Config {
  std::string endpoint;   // "http://127.0.0.1:5000"; empty = https://s3.<region>.amazonaws.com
  std::string region = "us-east-1";
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // optional (temporary credentials)
  bool path_style = true;     // false: virtual-host style, https://bucket.host/key
  uint64_t part_size = 64ull << 20;      // multipart part size (>= 5 MiB)
  uint64_t multipart_threshold = 256ull << 20;  // uploads above this go multipart
  uint64_t min_part_size = 5ull << 20;   // S3's minimum for every part but the last
  uint64_t max_copy_part_size = 5ull << 30;  // UploadPartCopy: at most 5 GiB per part
  // Downloads: 1 = one streaming GET; more = ranged GETs of
  // download_range_size over that many connections (faster from S3, slower
  // from moto, which reads the whole object for every range). Also
  // KILN_S3_DOWNLOAD_CONNECTIONS.
  int download_connections = 1;
  uint64_t download_range_size = 32ull << 20;
  // Assemble objects from ranges of other objects with UploadPartCopy
  // (KILN_S3_SERVER_SIDE_COPY=0 turns it off; stores answering 501 fall back
  // to uploading the bytes either way).
  bool server_side_copy = true;
  int concurrency = 4;                   // parallel part uploads / ranged GETs per transfer
  int max_attempts = 4;                  // per request, with backoff and jitter
  double retry_base_seconds = 0.2;
  // A transfer slower than low_speed_bytes_per_second for low_speed_seconds is
  // a timeout (retried); there is no cap on the total time of a long stream.
  long low_speed_bytes_per_second = 1024;
  long low_speed_seconds = 60;
  long connect_timeout_seconds = 10;

  // Overrides unset fields from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
  // AWS_SESSION_TOKEN, AWS_REGION / AWS_DEFAULT_REGION,
  // AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL; KILN_S3_SERVER_SIDE_COPY=0 clears
  // server_side_copy; KILN_S3_DOWNLOAD_CONNECTIONS sets download_connections.
  void FillFromEnvironment();
  // "endpoint=... region=... key_id=AKIA... path_style=1" (no secrets).
  std::string Describe() const;
  // The endpoint to use (the AWS default when none is set).
  std::string EffectiveEndpoint() const;
};

}  // namespace kiln::storage
