// gRPC status <-> absl::Status, kept out of the client headers.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace mxd::client {

inline absl::Status FromGrpcStatus(const grpc::Status& s) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

}  // namespace mxd::client
