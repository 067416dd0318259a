#include "kiln/storage/object_store/s3_http.h"

#include <chrono>
#include <ctime>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/evp.h>

#include "kiln/storage/object_store/s3_object_store.h"
#include "kiln/storage/object_store/s3_sigv4.h"

namespace kiln::storage::s3 {
namespace {

std::once_flag curl_init_once;

struct Transfer {
  const std::string* body = nullptr;
  size_t body_offset = 0;
  Response* response = nullptr;
  const CancelToken* cancel = nullptr;
  const std::function<bool(const char*, size_t)>* on_body = nullptr;
  CURL* curl = nullptr;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (t->on_body != nullptr && *t->on_body) {
    long code = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && code < 300) return (*t->on_body)(data, size * count) ? size * count : 0;
  }
  t->response->body.append(data, size * count);
  return size * count;
}

size_t ReadBody(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t left = t->body->size() - t->body_offset;
  const size_t n = std::min(left, size * count);
  std::memcpy(buffer, t->body->data() + t->body_offset, n);
  t->body_offset += n;
  return n;
}

size_t ReadHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    if (name == "etag") t->response->etag = std::string(value);
    if (name == "content-length") t->response->content_length = std::strtoull(std::string(value).c_str(), nullptr, 10);
  }
  return size * count;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return (t->cancel != nullptr && t->cancel->IsCancelled()) ? 1 : 0;
}


bool RetriableCurl(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_COULDNT_RESOLVE_HOST:
      return true;
    default:
      return false;
  }
}

bool RetriableHttp(long code) { return code == 429 || (code >= 500 && code != 501); }

// One attempt. Returns the curl code; fills response.
CURLcode Attempt(const S3Config& config, const Request& request, const CancelToken* cancel, Response& response,
                 std::string& curl_error) {
  CURL* curl = curl_easy_init();
  char error_buffer[CURL_ERROR_SIZE] = {0};
  Transfer t{request.body, 0, &response, cancel, &request.on_body, curl};
  const std::string url = Url(config, request);
  const std::string sigv4 = fmt::format("aws:amz:{}:s3", config.region);
  const std::string userpwd = config.access_key_id + ":" + config.secret_access_key;
  const std::string empty;
  const std::string& body = request.body != nullptr ? *request.body : empty;

  std::vector<std::string> lines = request.headers;
  const std::string payload_hash = request.unsigned_payload ? "UNSIGNED-PAYLOAD" : Sha256Hex(body.data(), body.size());
  lines.push_back(fmt::format("x-amz-content-sha256: {}", payload_hash));
  if (!config.session_token.empty()) lines.push_back(fmt::format("x-amz-security-token: {}", config.session_token));
  if (request.method == "PUT" || request.method == "POST") lines.push_back("Content-Type: application/octet-stream");
  const bool curl_signs = !config.access_key_id.empty() && !request.sign_here;
  if (!config.access_key_id.empty() && request.sign_here) {
    for (std::string& h : SignV4(config, request.method, url, lines, payload_hash, std::time(nullptr)))
      lines.push_back(std::move(h));
  }
  curl_slist* headers = nullptr;
  for (const std::string& h : lines) headers = curl_slist_append(headers, h.c_str());

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (curl_signs) {
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(curl, CURLOPT_USERPWD, userpwd.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, config.low_speed_bytes_per_second);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, config.low_speed_seconds);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, config.connect_timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, ReadHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  if (request.on_body) curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, 512L * 1024);  // fewer, larger writes
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadBody);
    curl_easy_setopt(curl, CURLOPT_READDATA, &t);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body.size()));
  } else if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.code);
  curl_error = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return rc;
}

Status HttpError(const Request& request, const Response& response) {
  const std::string code = XmlField(response.body, "Code");
  const std::string message = XmlField(response.body, "Message");
  std::string what = fmt::format("S3 {} {}", request.method, request.object.ToString("s3"));
  if (!request.query.empty()) what += fmt::format("?{}", request.query.substr(0, request.query.find('=')));
  what += fmt::format(": HTTP {}", response.code);
  if (!code.empty()) what += fmt::format(" {}", code);
  if (!message.empty()) what += fmt::format(": {}", message);
  switch (response.code) {
    case 404: return NotFoundError("{}", what);
    case 401:
    case 403: return PermissionDeniedError("{}", what);
    case 412: return FailedPreconditionError("{}", what);
    case 416: return OutOfRangeError("{}", what);
    case 501: return UnimplementedError("{}", what);
    case 400: return InvalidArgumentError("{}", what);
    default: return UnavailableError("{}", what);
  }
}

}  // namespace

std::string XmlField(const std::string& xml, std::string_view tag) {
  const std::string open = fmt::format("<{}>", tag), close = fmt::format("</{}>", tag);
  const size_t b = xml.find(open);
  if (b == std::string::npos) return "";
  const size_t e = xml.find(close, b);
  if (e == std::string::npos) return "";
  return xml.substr(b + open.size(), e - b - open.size());
}

std::string Url(const S3Config& config, const Request& request) {
  std::string endpoint = config.EffectiveEndpoint();
  const std::string path = fmt::format("/{}", AwsUriEncode(request.object.key, true));
  std::string url;
  if (config.path_style) {
    url = fmt::format("{}/{}{}", endpoint, request.object.bucket, request.object.key.empty() ? "" : path);
  } else {
    const size_t sep = endpoint.find("://");
    url = fmt::format("{}://{}.{}{}", endpoint.substr(0, sep), request.object.bucket, endpoint.substr(sep + 3),
                      path);
  }
  if (!request.query.empty()) url += fmt::format("?{}", request.query);
  return url;
}

std::string Sha256Hex(const void* data, size_t size) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data, size, digest, &length, EVP_sha256(), nullptr);
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string Md5Base64(const void* data, size_t size) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data, size, digest, &length, EVP_md5(), nullptr);
  unsigned char out[64];
  const int n = EVP_EncodeBlock(out, digest, static_cast<int>(length));
  return std::string(reinterpret_cast<char*>(out), static_cast<size_t>(n));
}

StatusOr<Response> Send(const S3Config& config, const Request& request, const CancelToken* cancel) {
  std::call_once(curl_init_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  thread_local std::mt19937_64 rng(std::random_device{}());
  const int attempts = std::max(1, config.max_attempts);
  std::string last;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) {  // full jitter: uniform in [0, base * 2^attempt)
      const double cap = config.retry_base_seconds * static_cast<double>(1 << std::min(attempt, 6));
      const double wait = std::uniform_real_distribution<double>(0.5 * cap, cap)(rng);
      const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait);
      while (std::chrono::steady_clock::now() < until) {
        if (cancel != nullptr && cancel->IsCancelled()) return CancelledError("cancelled while retrying {}", last);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    Response response;
    std::string curl_error;
    const CURLcode rc = Attempt(config, request, cancel, response, curl_error);
    if (rc == CURLE_ABORTED_BY_CALLBACK)
      return CancelledError("cancelled during S3 {} {}", request.method, request.object.ToString("s3"));
    if (rc != CURLE_OK) {
      last = fmt::format("S3 {} {}: {} ({})", request.method, request.object.ToString("s3"), curl_error,
                         config.EffectiveEndpoint());
      if (RetriableCurl(rc)) continue;
      return UnavailableError("{}", last);
    }
    if (response.code >= 200 && response.code < 300) return response;
    if (RetriableHttp(response.code)) {
      last = HttpError(request, response).message();
      continue;
    }
    return HttpError(request, response);
  }
  return UnavailableError("{} (gave up after {} attempts)", last, attempts);
}

}  // namespace kiln::storage::s3
