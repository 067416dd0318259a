#include "kiln/storage/object_store/s3_sigv4.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "kiln/storage/object_store/s3_http.h"

namespace kiln::storage::s3 {
namespace {

std::string Hmac(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string Hex(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

std::string Trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return std::string(text);
}

}  // namespace

std::vector<std::string> SignV4(const S3Config& config, const std::string& method, const std::string& url,
                                const std::vector<std::string>& headers, const std::string& payload_hash,
                                std::time_t now) {
  // url = scheme://host[:port]/path[?query]; path and query are pre-encoded.
  const size_t authority = url.find("://") + 3;
  const size_t path_at = url.find('/', authority);
  const std::string host = url.substr(authority, path_at - authority);
  const std::string rest = path_at == std::string::npos ? "/" : url.substr(path_at);
  const size_t q = rest.find('?');
  const std::string path = rest.substr(0, q), query = q == std::string::npos ? "" : rest.substr(q + 1);

  std::tm utc{};
  gmtime_r(&now, &utc);
  const std::string amz_date = fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                                           utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
  const std::string day = amz_date.substr(0, 8);
  std::map<std::string, std::string> canonical{{"host", host}, {"x-amz-date", amz_date}};
  for (const std::string& h : headers) {
    const size_t colon = h.find(':');
    std::string name = h.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    canonical[name] = Trim(h.substr(colon + 1));
  }
  std::string lines, signed_headers;
  for (const auto& [name, value] : canonical) {
    lines += fmt::format("{}:{}\n", name, value);
    signed_headers += (signed_headers.empty() ? "" : ";") + name;
  }
  const std::string request =
      fmt::format("{}\n{}\n{}\n{}\n{}\n{}", method, path, query, lines, signed_headers, payload_hash);
  const std::string scope = fmt::format("{}/{}/s3/aws4_request", day, config.region);
  const std::string to_sign = fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", amz_date, scope,
                                          Sha256Hex(request.data(), request.size()));
  const std::string key =
      Hmac(Hmac(Hmac(Hmac("AWS4" + config.secret_access_key, day), config.region), "s3"), "aws4_request");
  return {fmt::format("Authorization: AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={}, Signature={}",
                      config.access_key_id, scope, signed_headers, Hex(Hmac(key, to_sign))),
          "x-amz-date: " + amz_date};
}

}  // namespace kiln::storage::s3
