// resolver-svc: answers "where does mail for this next hop go?" over gRPC.
#include <sysexits.h>

#include <cstdio>
#include <iostream>
#include <thread>

#include "common/cli/default_endpoints.h"
#include "common/cli/service_command_line.h"
#include "common/config/config_reader.h"
#include "common/grpc/server_runner.h"
#include "common/log/json_log.h"
#include "common/sandbox/sandbox.h"
#include "resolver-svc/dns/dns_cache.h"
#include "resolver-svc/dns/dns_client.h"
#include "resolver-svc/dns/native_host_lookup.h"
#include "resolver-svc/grpc/resolver_reload.h"
#include "resolver-svc/grpc/resolver_service.h"
#include "resolver-svc/routes/resolver_settings.h"
#include "resolver-svc/routes/route_lookup.h"

int main(int argc, char** argv) {
  mxd::BlockTerminationSignals();
  int exit_code = 0;
  auto cmd = mxd::ParseServiceCommandLine(
      argc, argv, "resolver-svc", mxd::kDefaultResolverEndpoint,
      {{"dns-server", true, false,
        "DNS server(s) HOST:PORT[,HOST:PORT...], [::1]:53 for IPv6 (default: /etc/resolv.conf)"}},
      &exit_code);
  if (!cmd) return exit_code;
  const mxd::Config* config = &cmd->config;
  auto settings = mxd::ResolverSettings::FromConfig(*config, cmd->args.GetOr("dns-server", ""));
  if (!settings.ok()) {
    mxd::LogError("bad_configuration", {{"error", settings.status().message()}});
    return EX_CONFIG;
  }

  // SIGHUP: the helper that can still read main.cf after the sandbox is on;
  // forked now, before any thread starts.
  auto reader = mxd::ConfigReader::Start(cmd->config_file, cmd->overrides);
  if (!reader.ok()) {
    const bool internal = reader.status().code() == absl::StatusCode::kInternal;
    mxd::LogError(internal ? "start_failed" : "bad_configuration",
                  {{"program", "resolver-svc"}, {"error", reader.status().message()}});
    return internal ? EX_OSERR : EX_CONFIG;
  }

  mxd::EventLoop loop;
  auto dns = mxd::DnsClient::Create(&loop, settings->dns);
  if (!dns.ok()) {
    mxd::LogError("bad_configuration", {{"error", dns.status().message()}});
    return EX_CONFIG;
  }
  mxd::DnsCache cache(&loop, dns->get(), settings->cache);
  mxd::NativeHostLookup native(&loop, settings->disable_dns_lookups ? 4 : 0);
  mxd::LiveAnswers live_answers(&cache, &native);
  const bool seccomp = !settings->disable_dns_lookups;
  mxd::ResolverService service(&loop, &live_answers, &cache,
                               std::make_shared<const mxd::ResolverSettings>(*std::move(settings)));
  // Before the first thread starts (the user's look-up and Landlock).
  auto sandbox_user = mxd::PrepareSandbox(config->GetString("sandbox_user"));
  if (!sandbox_user.ok()) {
    mxd::LogError("bad_configuration",
                  {{"program", "resolver-svc"}, {"error", sandbox_user.status().message()}});
    return EX_CONFIG;
  }
  mxd::ServerOptions server = mxd::ServerOptionsFor("resolver-svc", *cmd, cmd->sandbox && seccomp);
  std::thread loop_thread([&loop] { loop.Run(); });

  server.services = {&service};
  service.SetCallerCheck(server.caller_check);
  // getaddrinfo (disable_dns_lookups = yes) reads /etc/hosts and loads NSS
  // modules at run time: privileges are still dropped, the filter is not.
  if (cmd->sandbox) {
    server.after_start = [user = *sandbox_user, seccomp, reads = server.read_only_opens] {
      return mxd::EnterSandbox(user, seccomp, reads);
    };
  } else {
    mxd::WarnNoSandbox("resolver-svc");
  }
  const std::string dns_servers = cmd->args.GetOr("dns-server", "");
  server.on_reload = [&] { mxd::ReloadResolver(**reader, dns_servers, &service); };
  int rc = mxd::RunGrpcServer(server);
  loop.Stop();
  loop_thread.join();
  return rc;
}
