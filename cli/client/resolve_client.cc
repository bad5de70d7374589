#include "cli/client/resolve_client.h"

#include <grpcpp/grpcpp.h>

#include "cli/client/grpc_channel.h"
#include "cli/client/grpc_status.h"
#include "mxd/v1/resolver.grpc.pb.h"

namespace mxd::client {

struct ResolveClient::Impl {
  std::unique_ptr<v1::Resolver::Stub> stub;
  absl::Status channel_error;
};

ResolveClient::ResolveClient(const std::string& target, const ChannelSecurity& security) : impl_(new Impl) {
  auto channel = MakeChannel(target, security);
  if (channel.ok()) {
    impl_->stub = v1::Resolver::NewStub(*channel);
  } else {
    impl_->channel_error = channel.status();
  }
}

ResolveClient::~ResolveClient() = default;

absl::StatusOr<ResolveResult> ResolveClient::Resolve(const std::string& nexthop, absl::Duration timeout) {
  if (!impl_->channel_error.ok()) return impl_->channel_error;
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  v1::ResolveRequest req;
  req.set_nexthop(nexthop);
  v1::ResolveResponse resp;
  grpc::Status st = impl_->stub->Resolve(&ctx, req, &resp);
  if (!st.ok()) return FromGrpcStatus(st);

  ResolveResult r;
  switch (resp.status()) {
    case v1::RESOLVE_STATUS_OK: r.status = ResolveResult::Status::kOk; break;
    case v1::RESOLVE_STATUS_PERMFAIL: r.status = ResolveResult::Status::kPermFail; break;
    default: r.status = ResolveResult::Status::kTempFail; break;
  }
  r.enhanced_status = resp.enhanced_status();
  r.reason = resp.reason();
  r.effective_nexthop = resp.effective_nexthop();
  r.ttl_seconds = resp.ttl_seconds();
  if (resp.has_route_signature()) r.route_signature = resp.route_signature().SerializeAsString();
  for (const v1::Route& p : resp.routes()) {
    ResolvedRoute route;
    route.host = p.host();
    route.preference = p.preference();
    route.port = p.port();
    route.fallback = p.fallback();
    route.addresses.assign(p.addresses().begin(), p.addresses().end());
    r.routes.push_back(std::move(route));
  }
  return r;
}

}  // namespace mxd::client
