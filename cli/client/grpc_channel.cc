#include "cli/client/grpc_channel.h"

#include "common/io/whole_file.h"

namespace mxd::client {
namespace {

absl::Status Read(const std::string& path, std::string* out) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  *out = *std::move(text);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const std::string& target,
                                                           const ChannelSecurity& security) {
  if (!security.tls()) return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  grpc::SslCredentialsOptions ssl;
  if (!security.ca_file.empty()) {
    if (absl::Status s = Read(security.ca_file, &ssl.pem_root_certs); !s.ok()) return s;
  }
  if (!security.cert_file.empty()) {
    if (absl::Status s = Read(security.cert_file, &ssl.pem_cert_chain); !s.ok()) return s;
  }
  if (!security.key_file.empty()) {
    if (absl::Status s = Read(security.key_file, &ssl.pem_private_key); !s.ok()) return s;
  }
  if (security.server_name.empty()) return grpc::CreateChannel(target, grpc::SslCredentials(ssl));
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride(security.server_name);
  return grpc::CreateCustomChannel(target, grpc::SslCredentials(ssl), args);
}

}  // namespace mxd::client
