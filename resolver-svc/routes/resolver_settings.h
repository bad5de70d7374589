// resolver-svc's parameters, read once from the Config into typed fields and
// checked at start-up (errors name the parameter and where it was set).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "common/config/config.h"
#include "common/config/configured_file.h"
#include "common/net/ip_network.h"
#include "common/nexthop/nexthop.h"
#include "common/security/route_signature.h"
#include "resolver-svc/dns/dns_cache.h"
#include "resolver-svc/dns/dns_client.h"
#include "resolver-svc/routes/own_addresses.h"

namespace mxd {

enum class AddressPreference { kAny, kIpv4, kIpv6 };

struct ResolverSettings {
  bool use_ipv4 = true;  // inet_protocols
  bool use_ipv6 = true;
  AddressPreference address_preference = AddressPreference::kAny;
  std::optional<NextHop> relayhost;
  std::vector<NextHop> fallback_relays;  // smtp_fallback_relay
  bool disable_dns_lookups = false;
  bool ignore_mx_lookup_error = false;
  OwnAddresses own_addresses;                  // inet_interfaces + proxy_interfaces
  std::vector<IpNetwork> prohibited_networks;  // resolver_prohibited_networks
  DnsClient::Options dns;
  DnsCache::Options cache;
  int64_t pending_request_limit = 10000;
  size_t mx_host_limit = 10;                  // resolver_mx_host_limit
  std::shared_ptr<const RouteKey> route_key;  // route_key_file; null: routes go unsigned
  absl::Duration route_signature_lifetime = absl::Hours(1);

  // `dns_servers` is the --dns-server flag ("" for the system's resolv.conf).
  // `previous`: the settings a reload replaces; their own addresses are kept
  // (finding them needs interfaces and files the sandbox does not allow).
  // `files`: what ConfigReader read (on SIGHUP); null reads route_key_file.
  static absl::StatusOr<ResolverSettings> FromConfig(const Config& config, const std::string& dns_servers,
                                                     const ResolverSettings* previous = nullptr,
                                                     const FileContents* files = nullptr);
};

}  // namespace mxd
