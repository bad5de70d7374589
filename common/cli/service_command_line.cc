#include "common/cli/service_command_line.h"

#include <sysexits.h>

#include <cstdio>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "common/config/config_loader.h"
#include "common/log/json_log.h"

namespace mxd {

std::optional<ServiceCommandLine> ParseServiceCommandLine(int argc, char** argv, const std::string& program,
                                                          const std::string& default_listen,
                                                          const std::vector<OptionSpec>& extra,
                                                          int* exit_code) {
  std::vector<OptionSpec> specs = {
      {"config", true, false, "main.cf-style configuration file (name = value)"},
      {"listen", true, false,
       absl::StrCat("gRPC listen address: unix:/path (mode 0660) or HOST:PORT, port 0 for any (default ",
                    default_listen, ")")},
      {"port-file", true, false, "write the bound port number to this file"},
      {"print-defaults", false, false, "print every parameter's default and exit (postconf -d)"},
      {"print-config", false, false, "print the non-default parameters and exit (postconf -n)"},
      {"print-parameters", false, false, "print every parameter's documentation (Markdown) and exit"},
      {"tls-cert", true, false, "serve gRPC over TLS with this certificate (PEM)"},
      {"tls-key", true, false, "the certificate's private key (PEM)"},
      {"tls-client-ca", true, false, "require client certificates signed by this CA (PEM): mutual TLS"},
      {"no-sandbox", false, false, "DEBUGGING ONLY: no seccomp filter, no privilege drop"},
      {"help", false, false, "show this help (also -h)"},
      {"version", false, false, "print the version and exit"},
  };
  specs.insert(specs.end(), extra.begin(), extra.end());
  const std::string usage =
      absl::StrCat("usage: ", program, " [-o name=value ...] [options]\n", FormatOptions(specs));

  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "-h") {
      std::cout << usage;
      *exit_code = EX_OK;
      return std::nullopt;
    }
  }
  std::vector<std::string> overrides = ExtractOverrides(argc, argv);
  auto args = ParseArgs(std::vector<std::string>(argv + 1, argv + argc), specs);
  if (!args.ok() || !args->positional.empty()) {
    std::string why = args.ok() ? absl::StrCat("unexpected argument '", args->positional[0], "'")
                                : std::string(args.status().message());
    std::fprintf(stderr, "%s: %s\n%s", program.c_str(), why.c_str(), usage.c_str());
    *exit_code = EX_USAGE;
    return std::nullopt;
  }
  *exit_code = EX_OK;
  if (args->Has("help")) {
    std::cout << usage;
    return std::nullopt;
  }
  if (args->Has("version")) {
    std::cout << program << " (mxd) " << MXD_VERSION << "\n";
    return std::nullopt;
  }
  if (args->Has("print-parameters")) {
    std::cout << ParametersMarkdown();
    return std::nullopt;
  }
  if (args->Has("print-defaults")) {
    std::cout << LoadConfig("", {})->Dump(true);
    return std::nullopt;
  }
  auto config = LoadConfig(args->GetOr("config", ""), overrides);
  if (!config.ok()) {
    LogError("bad_configuration", {{"program", program}, {"error", config.status().message()}});
    *exit_code = EX_CONFIG;
    return std::nullopt;
  }
  const std::string& level = config->GetString("log_level");  // one of the choices: checked
  SetMinLogLevel(level == "debug"     ? LogLevel::kDebug
                 : level == "warning" ? LogLevel::kWarning
                 : level == "error"   ? LogLevel::kError
                                      : LogLevel::kInfo);
  if (args->Has("print-config")) {
    std::cout << config->Dump(false);
    return std::nullopt;
  }
  // Postfix's own parameters in a shared main.cf: one warning each, in
  // Postfix's words.
  for (const std::string& w : config->warnings())
    LogWarning("configuration", {{"program", program}, {"warning", w}});
  std::string listen = args->GetOr("listen", default_listen);
  std::string port_file = args->GetOr("port-file", "");
  const bool sandbox = !args->Has("no-sandbox");
  const std::string config_file = args->GetOr("config", "");
  return ServiceCommandLine{*std::move(config),   *std::move(args), std::move(listen),
                            std::move(port_file), sandbox,          config_file,
                            std::move(overrides)};
}

}  // namespace mxd
