#include "common/security/route_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace mxd {
namespace {

void PutInteger(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xff));
}

}  // namespace

RouteSetMessage::RouteSetMessage(absl::string_view nexthop, int64_t expires_unix_seconds) {
  bytes_ = "mxd route set v1";
  Put('N', nexthop);
  bytes_.push_back('E');
  PutInteger(&bytes_, static_cast<uint64_t>(expires_unix_seconds));
}

void RouteSetMessage::Put(char tag, absl::string_view field) {
  bytes_.push_back(tag);
  PutInteger(&bytes_, field.size());
  bytes_.append(field.data(), field.size());
}

void RouteSetMessage::AddRoute(absl::string_view host, uint32_t preference, uint32_t port, bool fallback) {
  Put('R', host);
  PutInteger(&bytes_, preference);
  PutInteger(&bytes_, port);
  bytes_.push_back(fallback ? 1 : 0);
}

void RouteSetMessage::AddAddress(absl::string_view address) { Put('A', address); }

absl::StatusOr<RouteKey> RouteKey::FromFileContents(absl::string_view contents, absl::string_view path) {
  const absl::string_view key = absl::StripAsciiWhitespace(contents);
  if (key.size() < kMinBytes || key.size() > kMaxBytes) {
    return absl::InvalidArgumentError(absl::StrCat("route_key_file ", path, ": the key must have ", kMinBytes,
                                                   " to ", kMaxBytes, " octets, not ", key.size(),
                                                   " (e.g. head -c 32 /dev/urandom | base64)"));
  }
  return RouteKey(std::string(key));
}

std::string RouteKey::Sign(const RouteSetMessage& m) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key_.data(), key_.size(),
                reinterpret_cast<const unsigned char*>(m.bytes().data()), m.bytes().size(), mac, sizeof(mac),
                &len) == nullptr) {
    return "";  // never matches: Check refuses an empty MAC
  }
  return std::string(reinterpret_cast<const char*>(mac), len);
}

absl::Status RouteKey::Check(const RouteSetMessage& m, absl::string_view mac, int64_t expires_unix_seconds,
                             absl::Time now) const {
  if (mac.empty()) {
    return absl::PermissionDeniedError(
        "the route set is not signed (pass resolver-svc's route_signature on)");
  }
  const std::string expected = Sign(m);
  if (expected.empty() || expected.size() != mac.size() ||
      CRYPTO_memcmp(expected.data(), mac.data(), mac.size()) != 0) {
    return absl::PermissionDeniedError(
        "the route set does not match its signature (altered, or signed with another route_key_file)");
  }
  if (absl::FromUnixSeconds(expires_unix_seconds) < now) {
    return absl::PermissionDeniedError(
        absl::StrCat("the route set's signature expired at ",
                     absl::FormatTime(absl::FromUnixSeconds(expires_unix_seconds)), "; resolve again"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const RouteKey>> LoadRouteKey(const Config& config,
                                                             const FileContents* files) {
  const std::string path = config.GetString("route_key_file");
  if (path.empty()) return nullptr;
  absl::StatusOr<std::string> contents = ReadConfiguredFile(path, files, "route_key_file");
  if (!contents.ok()) return contents.status();
  absl::StatusOr<RouteKey> key = RouteKey::FromFileContents(*contents, path);
  if (!key.ok()) return key.status();
  return std::make_shared<const RouteKey>(std::move(*key));
}

}  // namespace mxd
