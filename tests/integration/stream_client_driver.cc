// Drives the client library's DeliverStreamClient for the integration tests
// (test_deliver_stream.py), in every build, the sanitizer ones included:
// sends N messages to one server, every K-th with a sender delivery-svc
// refuses, and prints one JSON line per answer, then the stream's status.
//
//   stream_client_driver --delivery TARGET --port SMTP_PORT --messages N
//                        --size BYTES --window W [--bad-every K]
#include <sysexits.h>

#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/client/deliver_stream_client.h"
#include "common/cli/arguments.h"

int main(int argc, char** argv) {
  auto args = mxd::ParseArgs(std::vector<std::string>(argv + 1, argv + argc),
                             {{"delivery"}, {"port"}, {"messages"}, {"size"}, {"window"}, {"bad-every"}});
  int port = 0, messages = 0, window = 0, bad_every = 0;
  size_t size = 0;
  if (!args.ok() || !args->Get("delivery") || !absl::SimpleAtoi(args->GetOr("port", ""), &port) ||
      !absl::SimpleAtoi(args->GetOr("messages", ""), &messages) ||
      !absl::SimpleAtoi(args->GetOr("size", ""), &size) ||
      !absl::SimpleAtoi(args->GetOr("window", ""), &window) ||
      !absl::SimpleAtoi(args->GetOr("bad-every", "0"), &bad_every)) {
    std::fprintf(stderr,
                 "usage: stream_client_driver --delivery T --port P --messages N --size B --window W "
                 "[--bad-every K]\n");
    return EX_USAGE;
  }
  std::mutex mu;
  std::vector<int> answers(static_cast<size_t>(messages), 0);
  {
    mxd::client::DeliverStreamClient stream(*args->Get("delivery"), {}, static_cast<size_t>(window));
    for (int i = 0; i < messages; ++i) {
      mxd::client::DeliverEnvelope env;
      env.queue_id = absl::StrCat("S", i);
      env.sender = bad_every > 0 && i % bad_every == bad_every - 1 ? "no address@" : "s@mxd.test";
      env.recipients = {{"r@mxd.test", {}, ""}};
      env.nexthop = absl::StrCat("[127.0.0.1]:", port);
      env.routes = {{"127.0.0.1", 0, static_cast<uint32_t>(port), {"127.0.0.1"}, false}};
      std::string content = absl::StrCat("Subject: stream-client ", i, "\r\n\r\n");
      while (content.size() < size) content += std::string(76, 'a' + i % 26) + "\r\n";
      stream.Send(env, std::move(content), absl::Minutes(2), [&, i](auto r) {
        std::lock_guard<std::mutex> lock(mu);
        ++answers[static_cast<size_t>(i)];
        if (r.ok()) {
          std::printf("{\"n\": %d, \"action\": \"%s\", \"outcomes\": %zu}\n", i,
                      r->outcomes.empty() ? "" : mxd::client::ActionName(r->outcomes[0].action),
                      r->outcomes.size());
        } else {
          std::printf("{\"n\": %d, \"code\": %d, \"nothing_sent\": %s}\n", i,
                      static_cast<int>(r.status().code()),
                      mxd::client::NothingWasSent(r.status()) ? "true" : "false");
        }
      });
    }
    const absl::Status closed = stream.Close();
    std::printf("{\"closed\": %d}\n", static_cast<int>(closed.code()));
  }
  for (int a : answers) {
    if (a != 1) return EX_SOFTWARE;  // every callback exactly once, before Close returned
  }
  return EX_OK;
}
