#include "resolver-svc/routes/resolver_settings.h"

#include "absl/strings/str_cat.h"
#include "resolver-svc/routes/own_addresses.h"

namespace mxd {
namespace {

absl::Status ParamError(const Config& config, absl::string_view name, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(config.Origin(name), ": parameter ", name, ": ", why));
}

}  // namespace

absl::StatusOr<ResolverSettings> ResolverSettings::FromConfig(const Config& config,
                                                              const std::string& dns_servers,
                                                              const ResolverSettings* previous,
                                                              const FileContents* files) {
  ResolverSettings s;
  s.use_ipv4 = s.use_ipv6 = false;
  for (const std::string& p : config.GetList("inet_protocols")) {
    if (p == "all" || p == "ipv4") s.use_ipv4 = true;
    if (p == "all" || p == "ipv6") s.use_ipv6 = true;
  }
  if (!s.use_ipv4 && !s.use_ipv6) {
    return ParamError(config, "inet_protocols", "no address family enabled");
  }
  const std::string& pref = config.GetString("smtp_address_preference");
  s.address_preference = pref == "ipv4"   ? AddressPreference::kIpv4
                         : pref == "ipv6" ? AddressPreference::kIpv6
                                          : AddressPreference::kAny;

  if (const std::string& relay = config.GetString("relayhost"); !relay.empty()) {
    auto hop = ParseNextHop(relay);
    if (!hop.ok()) return ParamError(config, "relayhost", hop.status().message());
    s.relayhost = *hop;
  }
  for (const std::string& relay : config.GetList("smtp_fallback_relay")) {
    auto hop = ParseNextHop(relay);
    if (!hop.ok()) return ParamError(config, "smtp_fallback_relay", hop.status().message());
    s.fallback_relays.push_back(*hop);
  }
  for (const std::string& text : config.GetList("resolver_prohibited_networks")) {
    absl::StatusOr<IpNetwork> n = IpNetwork::Parse(text);
    if (!n.ok()) return ParamError(config, "resolver_prohibited_networks", n.status().message());
    s.prohibited_networks.push_back(*std::move(n));
  }
  s.disable_dns_lookups = config.GetBool("disable_dns_lookups");
  s.ignore_mx_lookup_error = config.GetBool("ignore_mx_lookup_error");

  if (previous != nullptr) {
    s.own_addresses = previous->own_addresses;
  } else {
    auto own = FindOwnAddresses(config.GetList("inet_interfaces"), config.GetList("proxy_interfaces"));
    if (!own.ok()) return own.status();
    s.own_addresses = *std::move(own);
  }

  s.dns.servers = dns_servers;
  s.dns.timeout = config.GetTime("resolver_query_timeout");
  s.dns.attempts = static_cast<int>(config.GetInt("resolver_query_attempts"));
  s.cache.size_limit = static_cast<size_t>(config.GetInt("resolver_cache_size_limit"));
  s.cache.byte_limit = static_cast<size_t>(config.GetInt("resolver_cache_byte_limit"));
  s.cache.max_ttl = config.GetTime("resolver_cache_max_ttl");
  s.cache.negative_max_ttl = config.GetTime("resolver_negative_cache_max_ttl");
  s.pending_request_limit = config.GetInt("resolver_pending_request_limit");
  s.mx_host_limit = static_cast<size_t>(config.GetInt("resolver_mx_host_limit"));
  absl::StatusOr<std::shared_ptr<const RouteKey>> key = LoadRouteKey(config, files);
  if (!key.ok()) return ParamError(config, "route_key_file", key.status().message());
  s.route_key = *std::move(key);
  s.route_signature_lifetime = config.GetTime("route_signature_lifetime");
  return s;
}

}  // namespace mxd
