// SIGHUP for delivery-svc: main.cf and the lookup tables read again (through
// the ConfigReader helper, since the sandbox opens no files) become the
// settings of new calls; calls and connections in progress keep theirs.
#pragma once

#include "common/config/config_reader.h"
#include "common/net/event_loop.h"
#include "delivery-svc/engine/concurrency_limiter.h"
#include "delivery-svc/grpc/delivery_service.h"

namespace mxd {

// Signal thread.
void ReloadDelivery(ConfigReader& reader, DeliveryService* service, EventLoop* loop,
                    ConcurrencyLimiter* limiter);

}  // namespace mxd
