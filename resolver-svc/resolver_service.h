// The gRPC face of the resolver: validates the request, hands the look-up to
// the event loop, and converts the RouteSet into a ResolveResponse.
#pragma once

#include <atomic>
#include <cstdint>

#include "common/net/event_loop.h"
#include "mxd/v1/resolver.grpc.pb.h"
#include "resolver-svc/route_lookup.h"

namespace mxd {

class ResolverService final : public v1::Resolver::CallbackService {
 public:
  ResolverService(EventLoop* loop, RouteLookup* lookup, int64_t pending_limit)
      : loop_(loop), lookup_(lookup), pending_limit_(pending_limit) {}

  grpc::ServerUnaryReactor* Resolve(grpc::CallbackServerContext* context, const v1::ResolveRequest* request,
                                    v1::ResolveResponse* response) override;

 private:
  EventLoop* loop_;
  RouteLookup* lookup_;
  const int64_t pending_limit_;
  std::atomic<int64_t> pending_{0};
};

// Exposed for tests of the conversion.
void ToProto(const RouteSet& set, v1::ResolveResponse* out);

}  // namespace mxd
