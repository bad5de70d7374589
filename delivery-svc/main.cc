// delivery-svc: delivers messages over ESMTP (Delivery.Deliver).
//
// This increment serves the API, health and reflection with the shared
// configuration; the ESMTP engine behind Deliver is issue 3's work, and until
// it lands Deliver answers UNIMPLEMENTED rather than pretending to deliver.
#include <sysexits.h>

#include <cstdio>
#include <iostream>

#include "common/cli/service_command_line.h"
#include "common/grpc/server_runner.h"
#include "mxd/v1/delivery.grpc.pb.h"

namespace {

class DeliveryService final : public mxd::v1::Delivery::CallbackService {
  grpc::ServerReadReactor<mxd::v1::DeliverRequest>* Deliver(grpc::CallbackServerContext* context,
                                                            mxd::v1::DeliverResponse*) override {
    class Refuse : public grpc::ServerReadReactor<mxd::v1::DeliverRequest> {
     public:
      Refuse() {
        Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                            "delivery-svc: the ESMTP delivery engine is not built yet"));
      }
      void OnDone() override { delete this; }
    };
    (void)context;
    return new Refuse();
  }
};

}  // namespace

int main(int argc, char** argv) {
  mxd::BlockTerminationSignals();
  int exit_code = 0;
  auto cmd = mxd::ParseServiceCommandLine(argc, argv, "delivery-svc", "127.0.0.1:10052", {}, &exit_code);
  if (!cmd) return exit_code;
  DeliveryService service;
  mxd::ServerOptions server;
  server.program = "delivery-svc";
  server.listen = cmd->listen;
  server.port_file = cmd->port_file;
  server.services = {&service};
  return mxd::RunGrpcServer(server);
}
