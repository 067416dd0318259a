// kiln serve's HTTP front end (cpp-httplib): routes, Basic auth, TLS, body
// size limit. Requests run on their own thread pool (http_threads), apart
// from the build workers, so status calls stay fast while builds run.
#pragma once

#include <memory>
#include <string>

#include "kiln/base/status.h"
#include "kiln/service/service.h"

namespace httplib {
class Server;
}

namespace kiln::service {

class HttpServer {
 public:
  explicit HttpServer(KilnService& service);
  ~HttpServer();
  // Binds config().listen; InvalidArgument/Unavailable naming the address.
  Status Bind();
  // Serves until Stop() (blocking).
  Status Serve();
  void Stop();
  int port() const { return port_; }

 private:
  void Route();
  KilnService& service_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  int listen_fd_ = -1;
};

// The caller's tenant: header X-Kiln-Tenant, else query parameter "tenant"
// (or "tenant_id"), else "".
// True when `header` is "Basic base64(user:password)" for these credentials.
bool BasicAuthMatches(std::string_view header, std::string_view user, std::string_view password);

// docs/openapi.yaml, compiled in.
extern const char* const kOpenApiYaml;

}  // namespace kiln::service
