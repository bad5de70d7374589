// Route set signatures on the wire: resolver-svc signs the routes of a
// ResolveResponse, delivery-svc checks those of an Envelope. Both build the
// signed message from the protobuf fields themselves, so what is checked
// is exactly what travelled. Message types only, no grpcpp.
#pragma once

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/security/route_signature.h"
#include "mxd/v1/delivery.pb.h"
#include "mxd/v1/resolver.pb.h"

namespace mxd {

// Signs response->routes() with response->effective_nexthop(), valid until
// `expires`.
void SignRouteSet(const RouteKey& key, absl::Time expires, v1::ResolveResponse* response);

// OK when the envelope's next hop and routes carry a valid, unexpired
// signature by `key`; PERMISSION_DENIED saying what is wrong otherwise.
absl::Status CheckRouteSignature(const RouteKey& key, const v1::Envelope& envelope, absl::Time now);

}  // namespace mxd
