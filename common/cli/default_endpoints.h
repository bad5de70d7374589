// Where the services listen, and mxctl and the client examples connect,
// when nobody says otherwise: Unix sockets, so that only local users the
// operator allows (mode 0660, grpc_unix_socket_group) can call them.
// Over a network, mutual TLS (--tls-cert, --tls-key, --tls-client-ca).
#pragma once

namespace mxd {

inline constexpr char kDefaultResolverEndpoint[] = "unix:/run/mxd/resolver.sock";
inline constexpr char kDefaultDeliveryEndpoint[] = "unix:/run/mxd/delivery.sock";

}  // namespace mxd
