#include "delivery-svc/engine/connection_cache.h"

namespace mxd {

ConnectionCache::~ConnectionCache() {
  for (auto& [key, list] : idle_) {
    for (Entry& e : list) loop_->CancelTimer(e.timer);
  }
}

void ConnectionCache::Release(const std::string& nexthop, std::unique_ptr<SmtpConnection> c) {
  if (c->closed()) {
    loop_->DeleteSoon(std::move(c));
    return;
  }
  const bool ready = c->session().status() == SmtpSession::Status::kReady;
  if (!enabled_ || !ready || loop_->Now() - c->created() >= reuse_limit_) return Retire(std::move(c));
  SmtpConnection* raw = c.get();
  // A server that closes an idle connection (421, EOF) takes it out.
  raw->SetEventCallback([this, nexthop, raw](SmtpConnection::Event e) {
    if (e == SmtpConnection::Event::kClosed) Remove(nexthop, raw, false);
  });
  Entry entry;
  entry.conn = std::move(c);
  entry.timer = loop_->AddTimer(idle_limit_, [this, nexthop, raw] { Remove(nexthop, raw, true); });
  idle_[nexthop].push_back(std::move(entry));
}

std::unique_ptr<SmtpConnection> ConnectionCache::Take(const std::string& nexthop) {
  auto it = idle_.find(nexthop);
  if (it == idle_.end()) return nullptr;
  while (!it->second.empty()) {
    Entry e = std::move(it->second.back());  // the most recently used
    it->second.pop_back();
    loop_->CancelTimer(e.timer);
    if (e.conn->closed() || e.conn->session().status() != SmtpSession::Status::kReady) {
      loop_->DeleteSoon(std::move(e.conn));
      continue;
    }
    if (it->second.empty()) idle_.erase(it);
    ++reused_;
    return std::move(e.conn);
  }
  idle_.erase(it);
  return nullptr;
}

void ConnectionCache::Remove(const std::string& nexthop, SmtpConnection* c, bool quit) {
  auto it = idle_.find(nexthop);
  if (it == idle_.end()) return;
  for (auto e = it->second.begin(); e != it->second.end(); ++e) {
    if (e->conn.get() != c) continue;
    loop_->CancelTimer(e->timer);
    std::unique_ptr<SmtpConnection> conn = std::move(e->conn);
    it->second.erase(e);
    if (it->second.empty()) idle_.erase(it);
    if (quit) {
      Retire(std::move(conn));
    } else {
      // We may be inside this connection's own callback: destroy it later.
      loop_->DeleteSoon(std::move(conn));
    }
    return;
  }
}

void ConnectionCache::Retire(std::unique_ptr<SmtpConnection> c) {
  if (c->closed()) {
    loop_->DeleteSoon(std::move(c));
    return;
  }
  SmtpConnection* raw = c.get();
  closing_.push_back(std::move(c));
  auto pos = std::prev(closing_.end());
  raw->SetEventCallback([this, pos](SmtpConnection::Event e) {
    if (e != SmtpConnection::Event::kClosed) return;
    loop_->DeleteSoon(std::move(*pos));
    closing_.erase(pos);
  });
  if (raw->session().status() == SmtpSession::Status::kReady) return raw->Quit();  // kClosed soon
  raw->Abort();
  loop_->DeleteSoon(std::move(*pos));
  closing_.erase(pos);
}

void ConnectionCache::CloseAll() {
  std::vector<std::pair<std::string, SmtpConnection*>> all;
  for (auto& [key, list] : idle_) {
    for (Entry& e : list) all.emplace_back(key, e.conn.get());
  }
  for (auto& [key, c] : all) Remove(key, c, true);
}

size_t ConnectionCache::idle() const {
  size_t n = 0;
  for (const auto& [key, list] : idle_) n += list.size();
  return n;
}

}  // namespace mxd
