// mxctl: command-line client of mxd, usable by hand, from scripts, and as a
// Postfix pipe(8) transport. Exit codes follow sysexits(3).
#include <sysexits.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/mxctl/commands.h"
#include "common/log/json_log.h"

namespace mxd::mxctl {

constexpr char kMainUsage[] =
    "usage: mxctl COMMAND [options]\n"
    "commands:\n"
    "  resolve NEXTHOP [--resolver TARGET] [--json] [--timeout TIME]\n"
    "  deliver --from SENDER --to RCPT [--to RCPT ...] [--nexthop NEXTHOP] [--resolver TARGET]\n"
    "          [--delivery TARGET] [--json] [--timeout TIME] [--queue-id ID] [FILE|-]\n"
    "TARGET is HOST:PORT or unix:/path (default unix:/run/mxd/resolver.sock and\n"
    "unix:/run/mxd/delivery.sock); --delivery takes several, or dns:NAME:PORT;\n"
    "both take --tls-ca FILE --tls-cert FILE --tls-key FILE for services that require mutual TLS;\n"
    "mxctl COMMAND --help shows all of a command's options; mxctl --version\n";

int UsageError(const std::string& message, const std::string& usage) {
  std::fprintf(stderr, "mxctl: %s\n%s\n", message.c_str(), usage.c_str());
  return EX_USAGE;
}

bool WantsHelp(const std::vector<std::string>& args, const std::string& usage) {
  for (const std::string& a : args) {
    if (a == "-h" || a == "--help") {
      std::printf("%s\n", usage.c_str());
      return true;
    }
  }
  return false;
}

int Failed(bool json, const std::string& who, const absl::Status& status, int exit_code) {
  const std::string code = absl::StatusCodeToString(status.code());
  const std::string message(status.message());
  std::fprintf(stderr, "mxctl: %s%s: %s\n", who.empty() ? "" : (who + ": ").c_str(), code.c_str(),
               message.c_str());
  if (json) {
    std::string j = "{\"error\":{\"code\":";
    AppendJsonString(&j, code);
    j += ",\"message\":";
    AppendJsonString(&j, who.empty() ? message : who + ": " + message);
    std::printf("%s}}\n", j.c_str());
  }
  return exit_code;
}

}  // namespace mxd::mxctl

int main(int argc, char** argv) {
  using namespace mxd::mxctl;
  if (argc < 2) return UsageError("missing command", kMainUsage);
  const std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "resolve") return RunResolve(args);
  if (command == "deliver") return RunDeliver(args);
  if (command == "help" || command == "--help" || command == "-h") {
    std::fputs(kMainUsage, stdout);
    return EX_OK;
  }
  if (command == "--version") {
    std::printf("mxctl (mxd) %s\n", MXD_VERSION);
    return EX_OK;
  }
  return UsageError("unknown command '" + command + "'", kMainUsage);
}
