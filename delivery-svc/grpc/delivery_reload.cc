#include "delivery-svc/grpc/delivery_reload.h"

namespace mxd {
namespace {

// Read once at start: certificates and keys (the sandbox cannot open them
// again), the connection cache's shape and the user to run as.
const std::vector<absl::string_view> kReadOnce = {"smtp_tls_CAfile",
                                                  "smtp_tls_CApath",
                                                  "smtp_tls_cert_file",
                                                  "smtp_tls_key_file",
                                                  "smtp_tls_protocols",
                                                  "smtp_tls_mandatory_protocols",
                                                  "smtp_tls_ciphers",
                                                  "smtp_tls_mandatory_ciphers",
                                                  "smtp_tls_exclude_ciphers",
                                                  "smtp_tls_mandatory_exclude_ciphers",
                                                  "smtp_tls_servername",
                                                  "smtp_tls_session_cache_timeout",
                                                  "tls_append_default_CA",
                                                  "smtp_connection_cache_on_demand",
                                                  "smtp_connection_cache_time_limit",
                                                  "smtp_connection_reuse_time_limit",
                                                  "sandbox_user",
                                                  "smtp_sasl_auth_enable",
                                                  "delivery_spool_directory",
                                                  "grpc_tls_reload_interval",
                                                  "grpc_unix_socket_group",
                                                  "delivery_event_loops"};

}  // namespace

void ReloadDelivery(ConfigReader& reader, DeliveryService* service, EventLoops* loops) {
  reader.Reload(
      "delivery-svc",
      [&](const ConfigSnapshot& next) {
        const std::shared_ptr<const DeliverySettings> old = service->settings();
        absl::StatusOr<DeliverySettings> s =
            DeliverySettings::FromConfig(next.config, &next.tables, old.get());
        if (!s.ok()) return s.status();
        auto fresh = std::make_shared<const DeliverySettings>(*std::move(s));
        fresh->WarnAboutUnverifiedCredentials();
        fresh->ApplyBudgetLimits();
        service->SetSettings(fresh);
        loops->SetLimits(fresh->concurrency_limit, fresh->session_limit);
        return absl::OkStatus();
      },
      kReadOnce);
}

}  // namespace mxd
