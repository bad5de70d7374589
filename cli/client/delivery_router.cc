#include "cli/client/delivery_router.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace mxd::client {
namespace {

// "dns:NAME:PORT" -> "ADDR:PORT" for every address of NAME.
absl::StatusOr<std::vector<std::string>> LookUp(absl::string_view spec) {
  const size_t colon = spec.rfind(':');
  if (colon == absl::string_view::npos) return absl::InvalidArgumentError("dns:NAME:PORT needs a port");
  const std::string name(spec.substr(0, colon));
  const std::string port(spec.substr(colon + 1));
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = getaddrinfo(name.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return absl::UnavailableError(absl::StrCat("cannot look up ", name, ": ", gai_strerror(rc)));
  }
  std::set<std::string> out;
  char text[INET6_ADDRSTRLEN];
  for (addrinfo* r = res; r != nullptr; r = r->ai_next) {
    if (r->ai_family == AF_INET &&
        inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(r->ai_addr)->sin_addr, text, sizeof(text))) {
      out.insert(absl::StrCat(text, ":", port));
    } else if (r->ai_family == AF_INET6 &&
               inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(r->ai_addr)->sin6_addr, text,
                         sizeof(text))) {
      out.insert(absl::StrCat("[", text, "]:", port));
    }
  }
  freeaddrinfo(res);
  return std::vector<std::string>(out.begin(), out.end());
}

}  // namespace

uint64_t StableHash(const std::string& s) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), digest);
  uint64_t h = 0;
  for (int i = 0; i < 8; ++i) h = h << 8 | digest[i];
  return h;
}

absl::StatusOr<std::unique_ptr<DeliveryRouter>> DeliveryRouter::Create(const std::string& spec,
                                                                       const ChannelSecurity& given) {
  ChannelSecurity security = given;
  std::vector<std::string> endpoints;
  for (absl::string_view part : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, "dns:")) {
      auto found = LookUp(part);
      if (!found.ok()) return found.status();
      // Each pod is reached by its address; its certificate names the
      // Service (NAME), and that is what is checked.
      if (security.server_name.empty()) security.server_name = std::string(part.substr(0, part.rfind(':')));
      endpoints.insert(endpoints.end(), found->begin(), found->end());
    } else {
      endpoints.emplace_back(part);
    }
  }
  if (endpoints.empty()) return absl::InvalidArgumentError("no delivery-svc endpoints in '" + spec + "'");
  std::sort(endpoints.begin(), endpoints.end());  // the same ring whatever the order given
  endpoints.erase(std::unique(endpoints.begin(), endpoints.end()), endpoints.end());
  return std::unique_ptr<DeliveryRouter>(new DeliveryRouter(std::move(endpoints), security));
}

DeliveryRouter::DeliveryRouter(std::vector<std::string> endpoints, ChannelSecurity security)
    : endpoints_(std::move(endpoints)), security_(std::move(security)) {
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    for (int v = 0; v < kVirtualNodes; ++v) ring_[StableHash(absl::StrCat(endpoints_[i], "#", v))] = i;
  }
}

std::vector<std::string> DeliveryRouter::Candidates(const std::string& nexthop) const {
  std::vector<std::string> out;
  std::vector<bool> seen(endpoints_.size(), false);
  auto it = ring_.lower_bound(StableHash(nexthop));
  for (size_t steps = 0; steps < ring_.size() && out.size() < endpoints_.size(); ++steps, ++it) {
    if (it == ring_.end()) it = ring_.begin();
    if (!seen[it->second]) {
      seen[it->second] = true;
      out.push_back(endpoints_[it->second]);
    }
  }
  return out;
}

DeliverClient* DeliveryRouter::ClientFor(const std::string& endpoint) {
  auto& c = clients_[endpoint];
  if (!c) c = std::make_unique<DeliverClient>(endpoint, security_);
  return c.get();
}

absl::StatusOr<DeliverResult> DeliveryRouter::DeliverFile(const DeliverEnvelope& envelope, int fd,
                                                          absl::Duration timeout) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError("DeliverFile needs a regular file (it is read again on failover)");
  }
  const off_t start = lseek(fd, 0, SEEK_CUR);
  absl::Status last = MarkNothingSent(absl::UnavailableError("no delivery-svc endpoint"));
  const absl::Time deadline = absl::Now() + timeout;
  for (const std::string& endpoint : Candidates(envelope.nexthop)) {
    lseek(fd, start, SEEK_SET);
    auto r = ClientFor(endpoint)->DeliverFd(envelope, fd, deadline - absl::Now());
    // Another replica only when this one cannot have sent anything: after
    // that the outcome is unknown, and sending again could deliver twice.
    if (r.ok() || r.status().code() != absl::StatusCode::kUnavailable || !NothingWasSent(r.status()))
      return r;
    last = MarkNothingSent(absl::UnavailableError(absl::StrCat(endpoint, ": ", r.status().message())));
    if (absl::Now() >= deadline) break;
  }
  return last;
}

}  // namespace mxd::client
