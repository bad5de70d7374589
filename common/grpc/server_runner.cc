#include "common/grpc/server_runner.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <sysexits.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log/json_log.h"

namespace mxd {
namespace {

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// Writes atomically (rename) so a reader never sees a half-written port.
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

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int RunGrpcServer(const ServerOptions& options) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(), &port);
  for (grpc::Service* s : options.services) builder.RegisterService(s);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    LogError("listen_failed", {{"program", options.program},
                               {"listen", options.listen},
                               {"error", "cannot bind the listen address"}});
    return EX_UNAVAILABLE;
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
  sigwait(&set, &sig);
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
