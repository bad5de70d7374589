// delivery-svc: delivers messages over ESMTP (Delivery.Deliver), one outcome
// per recipient, the way Postfix's smtp(8) decides them.
#include <sysexits.h>

#include "absl/strings/str_cat.h"
#include "common/cli/default_endpoints.h"
#include "common/cli/service_command_line.h"
#include "common/config/config_reader.h"
#include "common/grpc/server_runner.h"
#include "common/log/json_log.h"
#include "common/net/open_file_limit.h"
#include "common/sandbox/sandbox.h"
#include "delivery-svc/engine/delivery_settings.h"
#include "delivery-svc/engine/event_loops.h"
#include "delivery-svc/engine/message_spool.h"
#include "delivery-svc/grpc/delivery_reload.h"
#include "delivery-svc/grpc/delivery_service.h"

int main(int argc, char** argv) {
  mxd::BlockTerminationSignals();
  int exit_code = 0;
  auto cmd =
      mxd::ParseServiceCommandLine(argc, argv, "delivery-svc", mxd::kDefaultDeliveryEndpoint, {}, &exit_code);
  if (!cmd) return exit_code;
  auto settings = mxd::DeliverySettings::FromConfig(cmd->config);
  if (!settings.ok()) {
    mxd::LogError("bad_configuration", {{"program", "delivery-svc"}, {"error", settings.status().message()}});
    return EX_CONFIG;
  }
  settings->WarnAboutUnverifiedCredentials();
  // Fail at start, not at the first message, when the spool is unusable.
  if (auto probe = mxd::MessageSpool::Create(mxd::SpoolPlace{settings->spool_directory}, 0); !probe.ok()) {
    mxd::LogError("bad_configuration", {{"program", "delivery-svc"}, {"error", probe.status().message()}});
    return EX_CONFIG;
  }

  // A spool file per accepted request, a socket per session, and some to spare.
  const uint64_t files = mxd::RaiseOpenFileLimit();
  const uint64_t needed = settings->pending_request_limit + settings->session_limit + 100;
  if (files < needed) {
    mxd::LogWarning("open_file_limit",
                    {{"warning", absl::StrCat("the open file limit (", files,
                                              ") is below delivery_pending_request_limit + "
                                              "delivery_session_limit + 100 = ",
                                              needed, ": raise it (ulimit -n) or lower those limits")}},
                    {{"limit", static_cast<double>(files)}, {"needed", static_cast<double>(needed)}});
  }

  // SIGHUP: the helper that can still read the configuration after the
  // sandbox is on; forked now, before any thread starts.
  auto reader = mxd::ConfigReader::Start(cmd->config_file, cmd->overrides);
  if (!reader.ok()) {
    const bool internal = reader.status().code() == absl::StatusCode::kInternal;
    mxd::LogError(internal ? "start_failed" : "bad_configuration",
                  {{"program", "delivery-svc"}, {"error", reader.status().message()}});
    return internal ? EX_OSERR : EX_CONFIG;
  }

  // Before the first thread starts (the user's look-up and Landlock).
  auto sandbox_user = mxd::PrepareSandbox(cmd->config.GetString("sandbox_user"));
  if (!sandbox_user.ok()) {
    mxd::LogError("bad_configuration",
                  {{"program", "delivery-svc"}, {"error", sandbox_user.status().message()}});
    return EX_CONFIG;
  }
  mxd::ServerOptions server =
      mxd::ServerOptionsFor("delivery-svc", *cmd, cmd->sandbox, {settings->spool_directory});

  mxd::EventLoops loops(settings->event_loops, *settings);
  mxd::DeliveryService service(&loops, std::make_shared<const mxd::DeliverySettings>(*std::move(settings)));
  loops.Start();

  server.services = {&service};
  service.SetCallerCheck(server.caller_check);
  server.on_draining = [&service](absl::Duration grace) { service.Drain(grace); };
  server.on_shutdown = [&loops] { loops.CloseCachedConnections(); };
  if (cmd->sandbox) {
    server.after_start = [user = *sandbox_user, reads = server.read_only_opens] {
      return mxd::EnterSandbox(user, true, reads);
    };
  } else {
    mxd::WarnNoSandbox("delivery-svc");
  }
  server.on_reload = [&] { mxd::ReloadDelivery(**reader, &service, &loops); };
  int rc = mxd::RunGrpcServer(server);
  loops.Stop();
  return rc;
}
