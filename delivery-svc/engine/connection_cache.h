// Idle SMTP connections kept for reuse, per next hop (Postfix's connection
// cache, smtp_reuse.c): after a delivery the connection waits here for
// smtp_connection_cache_time_limit; the next delivery to the same next hop
// takes it instead of connecting again (and sends RSET first). Connections
// older than smtp_connection_reuse_time_limit are not kept. Loop thread only.
#pragma once

#include <list>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "common/net/event_loop.h"
#include "delivery-svc/engine/smtp_connection.h"

namespace mxd {

class ConnectionCache {
 public:
  ConnectionCache(EventLoop* loop, bool enabled, absl::Duration idle_limit, absl::Duration reuse_limit)
      : loop_(loop), enabled_(enabled), idle_limit_(idle_limit), reuse_limit_(reuse_limit) {}
  ~ConnectionCache();

  // Takes a connection whose message is finished: cached when it is ready
  // and young enough, otherwise closed politely (QUIT).
  void Release(const std::string& nexthop, std::unique_ptr<SmtpConnection> c);
  // An idle connection to `nexthop`, or null.
  std::unique_ptr<SmtpConnection> Take(const std::string& nexthop);
  // QUIT to every idle connection (shutdown).
  void CloseAll();

  size_t idle() const;
  uint64_t reused() const { return reused_; }

 private:
  struct Entry {
    std::unique_ptr<SmtpConnection> conn;
    EventLoop::TimerId timer = 0;
  };
  void Retire(std::unique_ptr<SmtpConnection> c);
  void Remove(const std::string& nexthop, SmtpConnection* c, bool quit);

  EventLoop* loop_;
  bool enabled_;
  absl::Duration idle_limit_;
  absl::Duration reuse_limit_;
  absl::flat_hash_map<std::string, std::list<Entry>> idle_;
  // Connections saying QUIT; kept until the socket closes.
  std::list<std::unique_ptr<SmtpConnection>> closing_;
  uint64_t reused_ = 0;
};

}  // namespace mxd
