#include "common/grpc/server_runner.h"

#include <google/protobuf/stubs/logging.h>
#include <grp.h>
#include <grpc/support/log.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log/json_log.h"
#include "common/nexthop/ip_literal.h"

namespace mxd {
namespace {

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);  // reload (ServerOptions::on_reload)
  return set;
}

// Writes atomically (rename) so a reader never sees a half-written port.
bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

// Server credentials: mutual TLS when configured, plain text otherwise.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(const ServerOptions& o) {
  if (o.tls_cert.empty() && o.tls_key.empty() && o.tls_client_ca.empty()) {
    return grpc::InsecureServerCredentials();
  }
  if (o.tls_cert.empty() || o.tls_key.empty() || o.tls_client_ca.empty()) {
    return absl::InvalidArgumentError("--tls-cert, --tls-key and --tls-client-ca go together");
  }
  // Fail closed: the handshake asks for a certificate but the verdict is
  // CallerCheck's (UNAUTHENTICATED with a log line naming the caller).
  if (o.caller_check == nullptr) return absl::InvalidArgumentError("no client CA to check callers with");
  grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_BUT_DONT_VERIFY);
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  for (const auto& [path, out] :
       {std::pair{o.tls_cert, &pair.cert_chain}, std::pair{o.tls_key, &pair.private_key}}) {
    if (!ReadFile(path, out) || out->empty()) {
      return absl::InvalidArgumentError(absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
    }
  }
  ssl.pem_root_certs = o.tls_client_ca_pem;
  ssl.pem_key_cert_pairs.push_back(pair);
  return grpc::SslServerCredentials(ssl);
}

// Only this host can connect: a Unix socket, or a loopback address.
bool IsLocalOnly(const std::string& listen) {
  if (absl::StartsWith(listen, "unix:") || absl::StartsWith(listen, "unix-abstract:")) return true;
  std::string host = listen;
  if (absl::StartsWith(host, "[")) {
    host = host.substr(1, host.find(']') == std::string::npos ? std::string::npos : host.find(']') - 1);
  } else if (const size_t colon = host.rfind(':'); colon != std::string::npos) {
    host = host.substr(0, colon);
  }
  std::array<unsigned char, 16> octets;
  bool v4 = false;
  if (ParseIpAddress(host, &octets, &v4)) return v4 ? octets[12] == 127 : CanonicalIpAddress(host) == "::1";
  return host == "localhost";
}

// "unix:/run/mxd/x.sock" -> "/run/mxd/x.sock"; "" for other addresses.
std::string UnixSocketPath(const std::string& listen) {
  if (!absl::StartsWith(listen, "unix:")) return "";
  std::string path = listen.substr(5);
  if (absl::StartsWith(path, "//")) path = path.substr(2);  // unix:///abs/path
  return path;
}

// The default socket lives in /run/mxd: made (mode 0755) when missing.
void MakeSocketDirectory(const std::string& listen) {
  const std::string path = UnixSocketPath(listen);
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return;
  mkdir(path.substr(0, slash).c_str(), 0755);  // EEXIST is fine; a real failure shows at bind
}

// A Unix socket for the queue managers' group only (mode 0660).
absl::Status RestrictUnixSocket(const std::string& listen, const std::string& group) {
  const std::string path = UnixSocketPath(listen);
  if (path.empty()) return absl::OkStatus();
  if (!group.empty()) {
    struct group* g = getgrnam(group.c_str());
    if (g == nullptr)
      return absl::InvalidArgumentError(absl::StrCat("grpc_unix_socket_group: no group ", group));
    if (chown(path.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0) {
      return absl::InternalError(absl::StrCat("chown ", path, ": ", std::strerror(errno)));
    }
  }
  if (chmod(path.c_str(), 0660) != 0) {
    return absl::InternalError(absl::StrCat("chmod ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

bool WritePortFile(const std::string& path, int port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << port << "\n";
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// gRPC's and protobuf's own messages (a peer's bad HTTP/2, a request with a
// non-UTF-8 string) become our JSON lines, so stderr stays one object per line.
void GrpcLog(gpr_log_func_args* args) {
  const LogLevel level = args->severity == GPR_LOG_SEVERITY_ERROR  ? LogLevel::kError
                         : args->severity == GPR_LOG_SEVERITY_INFO ? LogLevel::kInfo
                                                                   : LogLevel::kDebug;
  Log(level, "grpc_log",
      {{"source", "grpc"},
       {"file", args->file ? args->file : ""},
       {"message", args->message ? args->message : ""}},
      {{"line", static_cast<double>(args->line)}});
}

void ProtobufLog(google::protobuf::LogLevel level, const char* file, int line, const std::string& message) {
  Log(level >= google::protobuf::LOGLEVEL_ERROR     ? LogLevel::kError
      : level == google::protobuf::LOGLEVEL_WARNING ? LogLevel::kWarning
                                                    : LogLevel::kInfo,
      "grpc_log", {{"source", "protobuf"}, {"file", file ? file : ""}, {"message", message}},
      {{"line", static_cast<double>(line)}});
}

}  // namespace

void RouteGrpcLogsToJson() {
  gpr_set_log_function(GrpcLog);
  google::protobuf::SetLogHandler(ProtobufLog);
}

void BlockTerminationSignals() {
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

ServerOptions ServerOptionsFor(const std::string& program, const ServiceCommandLine& cmd) {
  ServerOptions o;
  o.program = program;
  o.listen = cmd.listen;
  o.port_file = cmd.port_file;
  o.tls_cert = cmd.args.GetOr("tls-cert", "");
  o.tls_key = cmd.args.GetOr("tls-key", "");
  o.tls_client_ca = cmd.args.GetOr("tls-client-ca", "");
  o.allow_insecure_listener = cmd.config.GetBool("grpc_allow_insecure_listener");
  o.unix_socket_group = cmd.config.GetString("grpc_unix_socket_group");
  o.shutdown_grace = cmd.config.GetTime("shutdown_grace_time");
  if (!o.tls_client_ca.empty()) {
    if (!ReadFile(o.tls_client_ca, &o.tls_client_ca_pem)) {
      o.setup_error = absl::InvalidArgumentError(absl::StrCat("cannot read ", o.tls_client_ca));
      return o;
    }
    absl::StatusOr<std::shared_ptr<const CallerCheck>> check =
        CallerCheck::FromPem(o.tls_client_ca_pem, program);
    if (check.ok()) {
      o.caller_check = *std::move(check);
    } else {
      o.setup_error = check.status();
    }
  }
  return o;
}

int RunGrpcServer(const ServerOptions& options) {
  RouteGrpcLogsToJson();
  if (!options.setup_error.ok()) {
    LogError("bad_configuration", {{"program", options.program}, {"error", options.setup_error.message()}});
    return EX_CONFIG;
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  auto credentials = Credentials(options);
  if (!credentials.ok()) {
    LogError("bad_configuration", {{"program", options.program}, {"error", credentials.status().message()}});
    return EX_CONFIG;
  }
  if (options.tls_cert.empty() && !IsLocalOnly(options.listen)) {
    // Callers could not be told apart: anyone who reaches the port could
    // relay mail with our reputation and passwords.
    if (!options.allow_insecure_listener) {
      LogError("insecure_listener",
               {{"program", options.program},
                {"listen", options.listen},
                {"error",
                 "gRPC without TLS on an address other hosts can reach: use --tls-cert, --tls-key and "
                 "--tls-client-ca (mutual TLS), a Unix socket (unix:/path) or a loopback address, or "
                 "-o grpc_allow_insecure_listener=yes behind a mesh that authenticates callers"}});
      return EX_CONFIG;
    }
    LogWarning("plaintext_grpc",
               {{"program", options.program},
                {"listen", options.listen},
                {"warning",
                 "gRPC without TLS on a non-loopback address (grpc_allow_insecure_listener = "
                 "yes): every caller that reaches it is trusted"}});
  }
  grpc::ServerBuilder builder;
  int port = 0;
  MakeSocketDirectory(options.listen);
  builder.AddListeningPort(options.listen, *credentials, &port);
  for (grpc::Service* s : options.services) builder.RegisterService(s);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    LogError("listen_failed", {{"program", options.program},
                               {"listen", options.listen},
                               {"error", UnixSocketPath(options.listen).empty()
                                             ? "cannot bind the listen address"
                                             : "cannot bind the listen address (may this user create the "
                                               "socket there?)"}});
    return EX_UNAVAILABLE;
  }
  if (absl::Status s = RestrictUnixSocket(options.listen, options.unix_socket_group); !s.ok()) {
    LogError("listen_failed",
             {{"program", options.program}, {"listen", options.listen}, {"error", s.message()}});
    server->Shutdown();
    return absl::IsInvalidArgument(s) ? EX_CONFIG : EX_OSERR;
  }
  if (!options.port_file.empty() && !WritePortFile(options.port_file, port)) {
    LogError("port_file_failed", {{"path", options.port_file}, {"error", std::strerror(errno)}});
    server->Shutdown();
    return EX_CANTCREAT;
  }
  if (options.after_start) {
    if (absl::Status s = options.after_start(); !s.ok()) {
      LogError("start_failed", {{"program", options.program}, {"error", s.message()}});
      server->Shutdown();
      return EX_OSERR;
    }
  }
  const std::string port_text = absl::StrCat(port);
  LogInfo("listening", {{"program", options.program}, {"listen", options.listen}, {"port", port_text}});

  sigset_t set = TerminationSignals();
  int sig = 0;
  for (;;) {
    sigwait(&set, &sig);
    if (sig != SIGHUP) break;
    if (options.on_reload) {
      options.on_reload();
    } else {
      LogWarning("reload_unsupported", {{"program", options.program}, {"warning", "SIGHUP ignored"}});
    }
  }
  LogInfo("shutting_down", {{"program", options.program}, {"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
  // New calls are refused from here on; calls in flight get the grace period
  // (the service reports what is left at its end), then are cancelled.
  if (options.on_draining) options.on_draining(options.shutdown_grace);
  server->Shutdown(absl::ToChronoTime(absl::Now() + options.shutdown_grace + absl::Seconds(5)));
  if (options.on_shutdown) options.on_shutdown();
  LogInfo("stopped", {{"program", options.program}});
  return EX_OK;
}

}  // namespace mxd
