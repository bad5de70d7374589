// SIGHUP for delivery-svc: read main.cf and the lookup tables again (through
// the ConfigReader helper, since the sandbox opens no files), build new
// settings, and give them to new calls; calls and connections in progress
// keep theirs. A configuration that does not load is refused, naming the
// file and line, and the old one stays. What changed is logged.
#pragma once

#include "common/config/config_reader.h"
#include "common/net/event_loop.h"
#include "delivery-svc/concurrency_limiter.h"
#include "delivery-svc/delivery_service.h"

namespace mxd {

// Signal thread. `current` is what the running settings were built from;
// it becomes the new snapshot when the reload succeeds.
void ReloadDelivery(ConfigReader& reader, ConfigSnapshot* current, DeliveryService* service, EventLoop* loop,
                    ConcurrencyLimiter* limiter);

}  // namespace mxd
