// SIGHUP for resolver-svc: read main.cf again (through the ConfigReader
// helper, since the sandbox opens no files) and give new requests the new
// routing settings (relayhost, fallback relays, inet_protocols, ...);
// requests in progress keep theirs. A configuration that does not load is
// refused, naming the file and line, and the old one stays.
#pragma once

#include <string>

#include "common/config/config_reader.h"
#include "resolver-svc/resolver_service.h"

namespace mxd {

// Signal thread. `current` is what the running settings were built from.
void ReloadResolver(ConfigReader& reader, ConfigSnapshot* current, const std::string& dns_servers,
                    ResolverService* service);

}  // namespace mxd
