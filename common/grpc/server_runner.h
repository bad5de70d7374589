// The start-up and shutdown every mxd gRPC service shares: bind the listen
// address (port 0 picks a free port), write the port file, serve health and
// reflection, then wait for SIGINT/SIGTERM and shut down gracefully.
#pragma once

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/cli/service_command_line.h"
#include "common/grpc/caller_check.h"

namespace mxd {

// Call first thing in main(), before any thread starts, so that SIGINT,
// SIGTERM and SIGHUP are delivered only to the waiting thread in
// RunGrpcServer.
void BlockTerminationSignals();

// gRPC's and protobuf's log output goes through our JSON log (RunGrpcServer
// does this first; call it earlier where gRPC is used before).
void RouteGrpcLogsToJson();

struct ServerOptions {
  std::string program;    // for logs
  std::string listen;     // HOST:PORT
  std::string port_file;  // written with the bound port, when not empty
  std::vector<grpc::Service*> services;
  // Mutual TLS: PEM files of the server's certificate and key, and of the CA
  // that client certificates must chain to. All empty: plain text.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  // grpc_tls_reload_interval: how often gRPC and the caller check read the
  // three files again (zero: once, at start-up).
  absl::Duration tls_reload_interval;
  // Landlock limits file reads to the TLS files' directories, so the
  // sandbox may let read-only opens through (EnterSandbox).
  bool read_only_opens = false;
  // grpc_allow_insecure_listener: plain text on an address other hosts can
  // reach is refused unless this says otherwise.
  bool allow_insecure_listener = false;
  // A Unix socket listener ("unix:/path") is made mode 0660, group
  // grpc_unix_socket_group when set (the queue managers' group).
  std::optional<gid_t> unix_socket_gid;
  // With --tls-client-ca: the check each service runs on its callers (the
  // handshake asks for a certificate, this decides). When it could not be
  // built, `setup_error` says why and the server does not start.
  std::shared_ptr<const CallerCheck> caller_check;
  absl::Status setup_error;
  // Runs once the server listens (threads started, port written): the
  // sandbox goes on here. An error stops the server.
  std::function<absl::Status()> after_start;
  // On SIGTERM/SIGINT, before the server stops: in-flight work has
  // `shutdown_grace` to finish (then the server cancels what is left).
  std::function<void(absl::Duration grace)> on_draining;
  absl::Duration shutdown_grace = absl::Seconds(25);
  // On SIGHUP, on the signal thread: read the configuration again and apply
  // it without dropping connections or calls (or refuse it, keeping the old).
  std::function<void()> on_reload;
  // Runs after the server stopped accepting work and finished its RPCs.
  std::function<void()> on_shutdown;
};

// What both services take from their command line and main.cf: listen
// address, port file, mutual TLS files, listener policy, shutdown grace.
// Call it while the process has one thread: for a service that will be
// `confined` by its seccomp filter, reloading the TLS files needs Landlock
// (file_reads.h), which limits reads to those files' directories and
// `also_readable` (the delivery spool) from here on.
ServerOptions ServerOptionsFor(const std::string& program, const ServiceCommandLine& cmd, bool confined,
                               const std::vector<std::string>& also_readable = {});

// Returns the process exit code.
int RunGrpcServer(const ServerOptions& options);

}  // namespace mxd
