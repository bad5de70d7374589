// The gRPC face of the resolver: validates the request, answers at once when
// every DNS answer it needs is cached, otherwise hands the look-up to the
// event loop, and converts the RouteSet into a ResolveResponse.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/time/time.h"
#include "common/config/settings_slot.h"
#include "common/grpc/caller_check.h"
#include "common/net/event_loop.h"
#include "mxd/v1/resolver.grpc.pb.h"
#include "resolver-svc/routes/route_lookup.h"

namespace mxd {

class ResolverService final : public v1::Resolver::CallbackService {
 public:
  // `live` (DNS through the cache) is used on `loop`; `cache` serves the
  // fast path. Each request resolves with the settings in force when it came.
  ResolverService(EventLoop* loop, AnswerSource* live, const DnsCache* cache,
                  std::shared_ptr<const ResolverSettings> settings)
      : loop_(loop), live_(live), cache_(cache), settings_(std::move(settings)) {}

  // The settings new requests get (a reload); requests in progress keep theirs.
  void SetSettings(std::shared_ptr<const ResolverSettings> settings) { settings_.Set(std::move(settings)); }
  std::shared_ptr<const ResolverSettings> settings() const { return settings_.Get(); }

  // Mutual TLS: each call's client certificate is checked here (set
  // before the server starts; null without --tls-client-ca).
  void SetCallerCheck(std::shared_ptr<const CallerCheck> check) { caller_check_ = std::move(check); }

  grpc::ServerUnaryReactor* Resolve(grpc::CallbackServerContext* context, const v1::ResolveRequest* request,
                                    v1::ResolveResponse* response) override;

 private:
  void Reply(grpc::ServerUnaryReactor* reactor, v1::ResolveResponse* response, const NextHop& hop,
             const RouteSet& set, const ResolverSettings& settings, absl::Time start, bool cached);

  EventLoop* loop_;
  AnswerSource* live_;
  const DnsCache* cache_;
  SettingsSlot<ResolverSettings> settings_;
  std::shared_ptr<const CallerCheck> caller_check_;
  std::atomic<int64_t> pending_{0};
};

// Exposed for tests of the conversion.
void ToProto(const RouteSet& set, v1::ResolveResponse* out);

}  // namespace mxd
