#include "cli/client/resolve_client.h"

#include <grpcpp/grpcpp.h>

#include "cli/client/grpc_status.h"
#include "mxd/v1/resolver.grpc.pb.h"

namespace mxd::client {

struct ResolveClient::Impl {
  std::unique_ptr<v1::Resolver::Stub> stub;
};

ResolveClient::ResolveClient(const std::string& target) : impl_(new Impl) {
  impl_->stub = v1::Resolver::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
}

ResolveClient::~ResolveClient() = default;

absl::StatusOr<ResolveResult> ResolveClient::Resolve(const std::string& nexthop, absl::Duration timeout) {
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
