#include "common/grpc/route_signature_proto.h"

namespace mxd {
namespace {

RouteSetMessage MessageOf(const std::string& nexthop,
                          const google::protobuf::RepeatedPtrField<v1::Route>& routes, int64_t expires) {
  RouteSetMessage m(nexthop, expires);
  for (const v1::Route& r : routes) {
    m.AddRoute(r.host(), r.preference(), r.port(), r.fallback());
    for (const std::string& a : r.addresses()) m.AddAddress(a);
  }
  return m;
}

}  // namespace

void SignRouteSet(const RouteKey& key, absl::Time expires, v1::ResolveResponse* response) {
  const int64_t when = absl::ToUnixSeconds(expires);
  v1::RouteSignature* sig = response->mutable_route_signature();
  sig->set_expires(when);
  sig->set_mac(key.Sign(MessageOf(response->effective_nexthop(), response->routes(), when)));
}

absl::Status CheckRouteSignature(const RouteKey& key, const v1::Envelope& envelope, absl::Time now) {
  const v1::RouteSignature& sig = envelope.route_signature();
  return key.Check(MessageOf(envelope.nexthop(), envelope.routes(), sig.expires()), sig.mac(), sig.expires(),
                   now);
}

}  // namespace mxd
