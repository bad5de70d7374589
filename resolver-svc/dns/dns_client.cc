#include "resolver-svc/dns/dns_client.h"

#include <ares.h>
#include <arpa/nameser.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace mxd {
namespace {

struct PendingQuery {
  std::string name;
  int qtype;
  DnsClient::Done done;
};

}  // namespace

absl::StatusOr<std::unique_ptr<DnsClient>> DnsClient::Create(EventLoop* loop, const Options& options) {
  static const int init_status = ares_library_init(ARES_LIB_INIT_ALL);
  if (init_status != ARES_SUCCESS) {
    return absl::InternalError(absl::StrCat("c-ares: ", ares_strerror(init_status)));
  }
  std::unique_ptr<DnsClient> client(new DnsClient(loop));
  ares_options opts;
  std::memset(&opts, 0, sizeof(opts));
  // Names are always fully qualified: no search list, no HOSTALIASES.
  opts.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_EDNS;
  opts.ednspsz = 1232;
  opts.timeout = static_cast<int>(absl::ToInt64Milliseconds(options.timeout));
  opts.tries = options.attempts;
  opts.sock_state_cb = &DnsClient::OnSocketState;
  opts.sock_state_cb_data = client.get();
  int mask = ARES_OPT_FLAGS | ARES_OPT_EDNSPSZ | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB;
  int st = ares_init_options(&client->channel_, &opts, mask);
  if (st != ARES_SUCCESS) {
    return absl::InternalError(absl::StrCat("c-ares initialisation: ", ares_strerror(st)));
  }
  if (!options.servers.empty()) {
    st = ares_set_servers_ports_csv(client->channel_, options.servers.c_str());
    if (st != ARES_SUCCESS) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad DNS server list '", options.servers, "': ", ares_strerror(st)));
    }
  }
  return client;
}

DnsClient::~DnsClient() {
  if (timer_ != 0) loop_->CancelTimer(timer_);
  if (channel_ != nullptr) ares_destroy(channel_);  // runs pending callbacks with ARES_EDESTRUCTION
}

void DnsClient::Query(const std::string& name, int qtype, Done done) {
  auto* q = new PendingQuery{name, qtype, std::move(done)};
  ares_query(channel_, name.c_str(), ns_c_in, qtype, &DnsClient::OnAnswer, q);
  RearmTimer();
}

void DnsClient::OnAnswer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  std::unique_ptr<PendingQuery> q(static_cast<PendingQuery*>(arg));
  q->done(ParseDnsAnswer(q->qtype, q->name, status, abuf, alen));
}

void DnsClient::OnSocketState(void* self, int fd, int readable, int writable) {
  auto* client = static_cast<DnsClient*>(self);
  if (!readable && !writable) {
    client->loop_->Unwatch(fd);
    return;
  }
  uint32_t interest = (readable ? EventLoop::kReadable : 0) | (writable ? EventLoop::kWritable : 0);
  client->loop_->Watch(fd, interest, [client, fd](uint32_t events) {
    client->Process((events & (EventLoop::kReadable | EventLoop::kError)) ? fd : ARES_SOCKET_BAD,
                    (events & EventLoop::kWritable) ? fd : ARES_SOCKET_BAD);
  });
}

void DnsClient::Process(int read_fd, int write_fd) {
  ares_process_fd(channel_, read_fd, write_fd);
  RearmTimer();
}

void DnsClient::RearmTimer() {
  if (timer_ != 0) {
    loop_->CancelTimer(timer_);
    timer_ = 0;
  }
  timeval tv;
  if (ares_timeout(channel_, nullptr, &tv) == nullptr) return;  // nothing pending
  absl::Duration d = absl::Seconds(tv.tv_sec) + absl::Microseconds(tv.tv_usec);
  timer_ = loop_->AddTimer(d, [this] {
    timer_ = 0;
    Process(ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  });
}

}  // namespace mxd
