#include "resolver-svc/resolver_reload.h"

#include "common/log/json_log.h"

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
                                                  "resolver_cache_max_ttl",
                                                  "resolver_negative_cache_max_ttl",
                                                  "sandbox_user"};

}  // namespace

void ReloadResolver(ConfigReader& reader, ConfigSnapshot* current, const std::string& dns_servers,
                    ResolverService* service) {
  auto refuse = [](absl::string_view why) {
    LogError("reload_refused",
             {{"program", "resolver-svc"}, {"error", why}, {"kept", "the configuration in force"}});
  };
  absl::StatusOr<ConfigSnapshot> next = reader.Read(absl::Seconds(30));
  if (!next.ok()) return refuse(next.status().message());
  const std::shared_ptr<const ResolverSettings> old = service->settings();
  absl::StatusOr<ResolverSettings> settings =
      ResolverSettings::FromConfig(next->config, dns_servers, old.get());
  if (!settings.ok()) return refuse(settings.status().message());
  // Parameters read once keep their old values in force.
  settings->disable_dns_lookups = old->disable_dns_lookups;
  settings->dns = old->dns;
  settings->cache = old->cache;
  const std::vector<std::string> changes =
      ConfigChanges(current->config, current->tables, next->config, next->tables);
  service->SetSettings(std::make_shared<const ResolverSettings>(*std::move(settings)));
  *current = *std::move(next);
  LogReload("resolver-svc", changes, kReadOnce);
}

}  // namespace mxd
