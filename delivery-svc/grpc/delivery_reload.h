// SIGHUP for delivery-svc: main.cf and the lookup tables read again (through
// the ConfigReader helper, since the sandbox opens no files) become the
// settings of new calls; calls and connections in progress keep theirs.
#pragma once

#include "common/config/config_reader.h"
#include "delivery-svc/engine/event_loops.h"
#include "delivery-svc/grpc/delivery_service.h"

namespace mxd {

// Signal thread.
void ReloadDelivery(ConfigReader& reader, DeliveryService* service, EventLoops* loops);

}  // namespace mxd
