#include "kiln/service/http_server.h"

#include <httplib.h>
#include <sys/socket.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace kiln::service {
namespace {

std::string Tenant(const httplib::Request& req) {
  if (req.has_header("X-Kiln-Tenant")) return req.get_header_value("X-Kiln-Tenant");
  if (req.has_param("tenant")) return req.get_param_value("tenant");
  if (req.has_param("tenant_id")) return req.get_param_value("tenant_id");
  return "";
}

void Send(httplib::Response& res, const HttpReply& reply) {
  res.status = reply.status;
  res.set_content(reply.body, reply.content_type.c_str());
}

}  // namespace

bool BasicAuthMatches(std::string_view header, std::string_view user, std::string_view password) {
  constexpr std::string_view kPrefix = "Basic ";
  if (!header.starts_with(kPrefix)) return false;
  const std::string expected_plain = fmt::format("{}:{}", user, password);
  std::string expected(4 * ((expected_plain.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(expected.data()),
                                reinterpret_cast<const unsigned char*>(expected_plain.data()),
                                static_cast<int>(expected_plain.size()));
  expected.resize(static_cast<size_t>(n));
  std::string_view given = header.substr(kPrefix.size());
  while (!given.empty() && given.back() == ' ') given.remove_suffix(1);
  return given.size() == expected.size() && CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

HttpServer::HttpServer(KilnService& service) : service_(service) {
  const ServeConfig& c = service_.config();
  if (!c.tls_cert.empty()) {
    server_ = std::make_unique<httplib::SSLServer>(c.tls_cert.c_str(), c.tls_key.c_str());
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  const int threads = c.http_threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  server_->set_payload_max_length(c.max_body_bytes);
  // cpp-httplib's split build bakes in a listen backlog of 5, so bursts of
  // new connections (200 status polls/s) overflow it and wait for a SYN
  // retransmit (1 s). Remember the socket to listen again with a real backlog.
  server_->set_socket_options([this](int sock) {
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd_ = sock;
  });
  Route();
}

HttpServer::~HttpServer() = default;

void HttpServer::Route() {
  KilnService& s = service_;
  const ServeConfig& c = s.config();
  if (!c.auth_password.empty()) {
    const std::string user = c.auth_user, password = c.auth_password;
    server_->set_pre_routing_handler([user, password](const httplib::Request& req, httplib::Response& res) {
      if (BasicAuthMatches(req.get_header_value("Authorization"), user, password))
        return httplib::Server::HandlerResponse::Unhandled;
      res.set_header("WWW-Authenticate", "Basic realm=\"kiln\"");
      Send(res, ErrorReply(401, "missing or wrong credentials"));
      return httplib::Server::HandlerResponse::Handled;
    });
  }
  server_->Post("/_build", [&s](const httplib::Request& req, httplib::Response& res) {
    Send(res, s.SubmitOpenSearch(req.body));
  });
  server_->Get(R"(/_status/([^/]+))", [&s](const httplib::Request& req, httplib::Response& res) {
    Send(res, s.OpenSearchStatus(req.matches[1]));
  });
  server_->Get("/_heart_beat", [](const httplib::Request&, httplib::Response& res) {
    Send(res, {200, "\"remote-vector-index-builder-api\""});
  });
  server_->Get("/_jobs", [&s](const httplib::Request& req, httplib::Response& res) {
    Send(res, s.OpenSearchJobs(Tenant(req)));
  });
  server_->Get("/metrics", [&s](const httplib::Request&, httplib::Response& res) {
    Send(res, {200, s.metrics().RenderPrometheus(), "text/plain; version=0.0.4"});
  });
  server_->Get("/openapi.yaml", [](const httplib::Request&, httplib::Response& res) {
    Send(res, {200, kOpenApiYaml, "application/yaml"});
  });
  server_->Post("/v1/jobs", [&s](const httplib::Request& req, httplib::Response& res) {
    Send(res, s.SubmitV1(req.body, Tenant(req)));
  });
  server_->Get("/v1/jobs", [&s](const httplib::Request& req, httplib::Response& res) {
    Send(res, s.ListV1(Tenant(req)));
  });
  server_->Get(R"(/v1/jobs/([^/]+))", [&s](const httplib::Request& req, httplib::Response& res) {
    Send(res, s.GetV1(req.matches[1], Tenant(req)));
  });
  server_->Delete(R"(/v1/jobs/([^/]+))", [&s](const httplib::Request& req, httplib::Response& res) {
    Send(res, s.CancelV1(req.matches[1], Tenant(req)));
  });
  server_->Get(R"(/v1/jobs/([^/]+)/result)", [&s](const httplib::Request& req, httplib::Response& res) {
    Send(res, s.ResultV1(req.matches[1], Tenant(req)));
  });
  server_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) {
      const std::string detail = res.status == 413 ? "request body too large" : fmt::format("HTTP {}", res.status);
      Send(res, ErrorReply(res.status, detail));
    }
  });
}

Status HttpServer::Bind() {
  const std::string& listen = service_.config().listen;
  const size_t colon = listen.rfind(':');
  const std::string host = listen.substr(0, colon);
  const int port = std::atoi(listen.c_str() + colon + 1);
  if (!server_->is_valid()) return InvalidArgumentError("TLS: cannot load the certificate or key");
  if (port == 0) {
    port_ = server_->bind_to_any_port(host);
    if (port_ < 0) return UnavailableError("cannot listen on {}", listen);
  } else {
    if (!server_->bind_to_port(host, port)) return UnavailableError("cannot listen on {}: address in use?", listen);
    port_ = port;
  }
  if (listen_fd_ >= 0) ::listen(listen_fd_, 1024);
  return OkStatus();
}

Status HttpServer::Serve() {
  if (!server_->listen_after_bind()) return UnavailableError("the HTTP server stopped with an error");
  return OkStatus();
}

void HttpServer::Stop() { server_->stop(); }

}  // namespace kiln::service
