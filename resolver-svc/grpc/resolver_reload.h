// SIGHUP for resolver-svc: main.cf read again (through the ConfigReader
// helper, since the sandbox opens no files) gives new requests the new
// routing settings (relayhost, fallback relays, inet_protocols, ...);
// requests in progress keep theirs.
#pragma once

#include <string>

#include "common/config/config_reader.h"
#include "resolver-svc/grpc/resolver_service.h"

namespace mxd {

// Signal thread.
void ReloadResolver(ConfigReader& reader, const std::string& dns_servers, ResolverService* service);

}  // namespace mxd
