// gRPC channels for the client library (kept out of its public headers).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cli/client/channel_security.h"

namespace mxd::client {

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const std::string& target,
                                                           const ChannelSecurity& security);

}  // namespace mxd::client
