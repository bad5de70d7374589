// mxctl sub-commands. Each returns a sysexits(3) code: 0 ok, 64 usage,
// 65 malformed input, 66 no input, 69 permanent failure, 75 try again later.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/client/channel_security.h"
#include "common/cli/arguments.h"

namespace mxd::mxctl {

int RunResolve(const std::vector<std::string>& args);
int RunDeliver(const std::vector<std::string>& args);

// --tls-ca/--tls-cert/--tls-key: mutual TLS to the services.
inline client::ChannelSecurity Security(const ParsedArgs& args) {
  return {args.GetOr("tls-ca", ""), args.GetOr("tls-cert", ""), args.GetOr("tls-key", ""), ""};
}

// Prints "mxctl: <message>" and the usage line to stderr; returns EX_USAGE.
int UsageError(const std::string& message, const std::string& usage);

// -h or --help among the arguments: print `usage` to stdout (exit 0).
bool WantsHelp(const std::vector<std::string>& args, const std::string& usage);

// A call (or reading the input) failed: "mxctl: WHO: CODE: message" on
// stderr, and with --json one object {"error": {"code", "message"}} on
// stdout, so a script always gets one object. Returns `exit_code`.
int Failed(bool json, const std::string& who, const absl::Status& status, int exit_code);

}  // namespace mxd::mxctl
