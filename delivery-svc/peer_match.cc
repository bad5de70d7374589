#include "delivery-svc/peer_match.h"

#include <arpa/inet.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace mxd {
namespace {

// Parses an address into 16 bytes (IPv4 as mapped) and its family's bit count.
bool ParseAddress(std::string s, unsigned char out[16], int* bits) {
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  unsigned char v4[4];
  if (inet_pton(AF_INET, s.c_str(), v4) == 1) {
    std::memset(out, 0, 16);
    out[10] = out[11] = 0xff;
    std::memcpy(out + 12, v4, 4);
    *bits = 32;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), out) == 1) {
    *bits = 128;
    return true;
  }
  return false;
}

bool InNetwork(const std::string& pattern, const std::string& ip) {
  std::string net = pattern;
  int prefix = -1;
  if (size_t slash = pattern.rfind('/'); slash != std::string::npos) {
    if (!absl::SimpleAtoi(pattern.substr(slash + 1), &prefix)) return false;
    net = pattern.substr(0, slash);
  }
  unsigned char a[16], b[16];
  int abits = 0, bbits = 0;
  if (!ParseAddress(net, a, &abits) || !ParseAddress(ip, b, &bbits) || abits != bbits) return false;
  if (prefix < 0) prefix = abits;
  if (prefix > abits) return false;
  int skip = 128 - abits;  // IPv4: compare within the mapped last 32 bits
  int total = skip + prefix;
  for (int i = 0; i < total; ++i) {
    const int bit = 7 - i % 8;
    if (((a[i / 8] >> bit) & 1) != ((b[i / 8] >> bit) & 1)) return false;
  }
  return true;
}

}  // namespace

bool PeerMatches(const std::vector<std::string>& patterns, const std::string& host, const std::string& ip) {
  const std::string h = absl::AsciiStrToLower(host);
  for (const std::string& raw : patterns) {
    const std::string p = absl::AsciiStrToLower(raw);
    if (p.empty()) continue;
    if (InNetwork(p, ip)) return true;
    if (p[0] == '.') {
      if (absl::EndsWith(h, p)) return true;
    } else if (h == p || absl::EndsWith(h, "." + p)) {
      return true;
    }
  }
  return false;
}

}  // namespace mxd
