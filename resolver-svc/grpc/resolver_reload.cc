#include "resolver-svc/grpc/resolver_reload.h"

namespace mxd {
namespace {

// Read once at start: this system's addresses (interfaces and host names
// the sandbox cannot look up), the DNS client and cache, getaddrinfo mode
// (it decides the sandbox) and the user to run as.
const std::vector<absl::string_view> kReadOnce = {"inet_interfaces",
                                                  "proxy_interfaces",
                                                  "disable_dns_lookups",
                                                  "resolver_query_timeout",
                                                  "resolver_query_attempts",
                                                  "resolver_cache_size_limit",
                                                  "resolver_cache_byte_limit",
                                                  "resolver_cache_max_ttl",
                                                  "resolver_negative_cache_max_ttl",
                                                  "sandbox_user",
                                                  "grpc_tls_reload_interval",
                                                  "grpc_unix_socket_group"};

}  // namespace

void ReloadResolver(ConfigReader& reader, const std::string& dns_servers, ResolverService* service) {
  reader.Reload(
      "resolver-svc",
      [&](const ConfigSnapshot& next) {
        const std::shared_ptr<const ResolverSettings> old = service->settings();
        absl::StatusOr<ResolverSettings> s =
            ResolverSettings::FromConfig(next.config, dns_servers, old.get(), &next.tables);
        if (!s.ok()) return s.status();
        // Parameters read once keep their old values in force.
        s->disable_dns_lookups = old->disable_dns_lookups;
        s->dns = old->dns;
        s->cache = old->cache;
        service->SetSettings(std::make_shared<const ResolverSettings>(*std::move(s)));
        return absl::OkStatus();
      },
      kReadOnce);
}

}  // namespace mxd
