#include "common/grpc/server_runner.h"

#include <google/protobuf/stubs/logging.h>
#include <grp.h>
#include <grpc/support/log.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/io/whole_file.h"
#include "common/log/json_log.h"
#include "common/nexthop/ip_literal.h"
#include "common/sandbox/file_reads.h"

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

// The TLS files, at start-up and whenever they change: readable, a key and
// certificate that are one pair, a client CA with certificates (gRPC would
// otherwise fail each handshake). Returns what was read, to see changes.
absl::StatusOr<std::string> CheckTlsFiles(const ServerOptions& o) {
  absl::StatusOr<std::string> cert = ReadWholeFile(o.tls_cert);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadWholeFile(o.tls_key);
  if (!key.ok()) return key.status();
  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(
      BIO_new_mem_buf(cert->data(), static_cast<int>(cert->size())), BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> x509(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (!x509) return absl::InvalidArgumentError(absl::StrCat(o.tls_cert, ": no PEM certificate"));
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(
      BIO_new_mem_buf(key->data(), static_cast<int>(key->size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!pkey) return absl::InvalidArgumentError(absl::StrCat(o.tls_key, ": no PEM private key"));
  if (X509_check_private_key(x509.get(), pkey.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat(o.tls_key, " is not the key of ", o.tls_cert));
  }
  absl::StatusOr<std::string> ca = ReadWholeFile(o.tls_client_ca);
  if (!ca.ok()) return ca.status();
  std::unique_ptr<BIO, decltype(&BIO_free)> ca_bio(BIO_new_mem_buf(ca->data(), static_cast<int>(ca->size())),
                                                   BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> first(
      PEM_read_bio_X509(ca_bio.get(), nullptr, nullptr, nullptr), X509_free);
  if (!first) return absl::InvalidArgumentError(absl::StrCat(o.tls_client_ca, ": no PEM certificate"));
  return absl::StrCat(*cert, *ca);
}

// gRPC 1.51's file watcher takes new files as they are, even when the key
// is not the certificate's or the CA file holds no certificate (a half-done
// copy, a mistake): every handshake then fails. That cannot be stopped from
// here, but it is said, once per change, as is a renewal.
class TlsFilesWatch {
 public:
  explicit TlsFilesWatch(const ServerOptions& o) : options_(o) {
    if (!o.tls_cert.empty()) last_ = CheckTlsFiles(o);
  }
  void Check() {
    if (options_.tls_cert.empty()) return;
    absl::StatusOr<std::string> now = CheckTlsFiles(options_);
    if (now.ok() ? last_.ok() && *now == *last_ : !last_.ok() && now.status() == last_.status()) return;
    if (now.ok()) {
      LogInfo("tls_reloaded",
              {{"program", options_.program}, {"file", options_.tls_cert}, {"what", "TLS files"}});
    } else {
      LogError("tls_reload_failed",
               {{"program", options_.program},
                {"error", now.status().message()},
                {"effect", "new gRPC connections fail their TLS handshake until the files are right again"}});
    }
    last_ = std::move(now);
  }

 private:
  const ServerOptions& options_;
  absl::StatusOr<std::string> last_;
};

// Server credentials: mutual TLS when configured, plain text otherwise.
// With grpc_tls_reload_interval gRPC's own file watcher reads the three
// files again (a renewed certificate for new connections, without a restart).
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
  if (absl::StatusOr<std::string> files = CheckTlsFiles(o); !files.ok()) return files.status();
  std::shared_ptr<grpc::experimental::CertificateProviderInterface> provider;
  if (o.tls_reload_interval > absl::ZeroDuration()) {
    provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
        o.tls_key, o.tls_cert, o.tls_client_ca,
        static_cast<unsigned>(absl::ToInt64Seconds(o.tls_reload_interval)));
  } else {
    absl::StatusOr<std::string> cert = ReadWholeFile(o.tls_cert);
    absl::StatusOr<std::string> key = ReadWholeFile(o.tls_key);
    absl::StatusOr<std::string> ca = ReadWholeFile(o.tls_client_ca);
    for (const auto* read : {&cert, &key, &ca}) {
      if (!read->ok()) return read->status();
    }
    provider = std::make_shared<grpc::experimental::StaticDataCertificateProvider>(
        *ca, std::vector<grpc::experimental::IdentityKeyCertPair>{{*key, *cert}});
  }
  grpc::experimental::TlsServerCredentialsOptions tls(provider);
  tls.watch_root_certs();
  tls.watch_identity_key_cert_pairs();
  tls.set_cert_request_type(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_BUT_DONT_VERIFY);
  return grpc::experimental::TlsServerCredentials(tls);
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
absl::Status RestrictUnixSocket(const std::string& listen, std::optional<gid_t> group) {
  const std::string path = UnixSocketPath(listen);
  if (path.empty()) return absl::OkStatus();
  if (group.has_value() && chown(path.c_str(), static_cast<uid_t>(-1), *group) != 0) {
    return absl::InternalError(absl::StrCat("chown ", path, ": ", std::strerror(errno)));
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

namespace {

// grpc_tls_reload_interval inside the sandbox: Landlock limits what may be
// read to the TLS files' directories (and `also_readable`), so that the
// filter can let gRPC open them. Where that cannot be done, the files are
// read once, as before, and the log says why.
void PlanTlsReload(ServerOptions* o, bool confined, const std::vector<std::string>& also_readable) {
  // Incomplete TLS options are refused later (Credentials), before any read.
  if (o->tls_cert.empty() || o->tls_key.empty() || o->tls_client_ca.empty() ||
      o->tls_reload_interval <= absl::ZeroDuration() || !confined) {
    return;
  }
  std::vector<std::string> paths = also_readable;
  for (const std::string* file : {&o->tls_cert, &o->tls_key, &o->tls_client_ca}) {
    const size_t slash = file->rfind('/');
    paths.push_back(slash == std::string::npos ? "." : slash == 0 ? "/" : file->substr(0, slash));
  }
  if (absl::Status s = LimitFileReadsTo(paths); !s.ok()) {
    o->tls_reload_interval = absl::ZeroDuration();
    LogWarning("tls_reload_off",
               {{"program", o->program},
                {"warning", absl::StrCat("grpc_tls_reload_interval: the TLS files are read once (restart the "
                                         "service for a new certificate): ",
                                         s.message())}});
    return;
  }
  o->read_only_opens = true;
  LogInfo("file_reads_limited", {{"program", o->program}, {"paths", absl::StrJoin(paths, ", ")}});
}

}  // namespace

ServerOptions ServerOptionsFor(const std::string& program, const ServiceCommandLine& cmd, bool confined,
                               const std::vector<std::string>& also_readable) {
  ServerOptions o;
  o.program = program;
  o.listen = cmd.listen;
  o.port_file = cmd.port_file;
  o.tls_cert = cmd.args.GetOr("tls-cert", "");
  o.tls_key = cmd.args.GetOr("tls-key", "");
  o.tls_client_ca = cmd.args.GetOr("tls-client-ca", "");
  o.tls_reload_interval = cmd.config.GetTime("grpc_tls_reload_interval");
  o.allow_insecure_listener = cmd.config.GetBool("grpc_allow_insecure_listener");
  o.shutdown_grace = cmd.config.GetTime("shutdown_grace_time");
  if (const std::string group = cmd.config.GetString("grpc_unix_socket_group"); !group.empty()) {
    struct group* g = getgrnam(group.c_str());  // now: /etc/group may not be readable later
    if (g == nullptr) {
      o.setup_error = absl::InvalidArgumentError(absl::StrCat("grpc_unix_socket_group: no group ", group));
      return o;
    }
    o.unix_socket_gid = g->gr_gid;
  }
  PlanTlsReload(&o, confined, also_readable);
  if (!o.tls_client_ca.empty()) {
    absl::StatusOr<std::shared_ptr<const CallerCheck>> check =
        CallerCheck::FromFile(o.tls_client_ca, program, o.tls_reload_interval);
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
  // Debian builds Abseil with its Mutex deadlock detection on, and gRPC's
  // locks are absl::Mutex: every lock then updates a global lock graph
  // (about 5% of resolver-svc's CPU on its cached path). Our own code uses
  // std::mutex, which ThreadSanitizer checks in the test builds.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
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
  if (absl::Status s = RestrictUnixSocket(options.listen, options.unix_socket_gid); !s.ok()) {
    LogError("listen_failed",
             {{"program", options.program}, {"listen", options.listen}, {"error", s.message()}});
    server->Shutdown();
    return EX_OSERR;
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
  TlsFilesWatch tls_files(options);
  for (;;) {
    if (options.tls_reload_interval > absl::ZeroDuration()) {
      const timespec wait = absl::ToTimespec(options.tls_reload_interval);
      sig = sigtimedwait(&set, nullptr, &wait);
      if (sig < 0) {  // the interval passed (or EINTR)
        tls_files.Check();
        continue;
      }
    } else {
      sigwait(&set, &sig);
    }
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
