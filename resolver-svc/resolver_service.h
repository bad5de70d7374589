// The gRPC face of the resolver: validates the request, answers at once when
// every DNS answer it needs is cached, otherwise hands the look-up to the
// event loop, and converts the RouteSet into a ResolveResponse.
#pragma once

#include <atomic>
#include <cstdint>

#include "absl/time/time.h"
#include "common/net/event_loop.h"
#include "mxd/v1/resolver.grpc.pb.h"
#include "resolver-svc/route_lookup.h"

namespace mxd {

class ResolverService final : public v1::Resolver::CallbackService {
 public:
  // `live` runs on `loop`; `cache` and `settings` serve the fast path.
  ResolverService(EventLoop* loop, RouteLookup* live, const DnsCache* cache, const ResolverSettings* settings)
      : loop_(loop), live_(live), cache_(cache), settings_(settings) {}

  grpc::ServerUnaryReactor* Resolve(grpc::CallbackServerContext* context, const v1::ResolveRequest* request,
                                    v1::ResolveResponse* response) override;

 private:
  void Reply(grpc::ServerUnaryReactor* reactor, v1::ResolveResponse* response, const NextHop& hop,
             const RouteSet& set, absl::Time start, bool cached);

  EventLoop* loop_;
  RouteLookup* live_;
  const DnsCache* cache_;
  const ResolverSettings* settings_;
  std::atomic<int64_t> pending_{0};
};

// Exposed for tests of the conversion.
void ToProto(const RouteSet& set, v1::ResolveResponse* out);

}  // namespace mxd
