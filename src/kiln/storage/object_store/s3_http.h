// One signed S3 HTTP request with retries (internal to the S3 store).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kiln/base/exec_context.h"
#include "kiln/base/status.h"
#include "kiln/storage/object_store/object_store.h"
#include "kiln/storage/object_store/s3_config.h"

namespace kiln::storage::s3 {

struct Request {
  std::string method;             // GET, HEAD, PUT, POST, DELETE
  ObjectRef object;               // key may be empty (bucket requests)
  std::string query;              // pre-sorted, pre-encoded, e.g. "partNumber=1&uploadId=x"
  std::vector<std::string> headers;  // "Name: value", signed by curl
  const std::string* body = nullptr;  // PUT/POST body (nullptr: empty)
  // x-amz-content-sha256 is UNSIGNED-PAYLOAD instead of the body's SHA-256
  // (for bodies that carry Content-MD5, which S3 verifies).
  bool unsigned_payload = false;
  // Signed by kiln (s3_sigv4.h) instead of curl; needed when one header name
  // is a prefix of another (x-amz-copy-source and x-amz-copy-source-range).
  bool sign_here = false;
  // When set, a 2xx response body is streamed here instead of collected in
  // Response::body (false aborts the transfer). Error bodies are collected.
  std::function<bool(const char* data, size_t size)> on_body;
};

struct Response {
  long code = 0;
  std::string body;
  std::string etag;             // ETag header, quotes kept
  uint64_t content_length = 0;  // Content-Length header (HEAD)
};

// Sends the request, retrying as S3Config says. A non-2xx final answer is an
// error naming method, object, HTTP code and S3's <Code>/<Message>: 404 →
// NotFound, 403 → PermissionDenied, 412 → FailedPrecondition, 416 → OutOfRange,
// 400 → InvalidArgument, 501 → Unimplemented, else Unavailable.
StatusOr<Response> Send(const S3Config& config, const Request& request, const CancelToken* cancel);

// The request URL: path-style http://host/bucket/key?query or virtual-host
// style http://bucket.host/key?query.
std::string Url(const S3Config& config, const Request& request);

// The text of the first <tag>...</tag> in xml; empty when absent.
std::string XmlField(const std::string& xml, std::string_view tag);

std::string Sha256Hex(const void* data, size_t size);
std::string Md5Base64(const void* data, size_t size);

}  // namespace kiln::storage::s3
