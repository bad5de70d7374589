// How the client reaches mxd: plain text (the default, for loopback) or
// mutual TLS (the services' --tls-cert/--tls-key/--tls-client-ca).
#pragma once

#include <string>

namespace mxd::client {

struct ChannelSecurity {
  std::string ca_file;    // CA that signed the server's certificate (PEM)
  std::string cert_file;  // our client certificate (PEM)
  std::string key_file;   // its key (PEM)

  bool tls() const { return !ca_file.empty() || !cert_file.empty() || !key_file.empty(); }
};

}  // namespace mxd::client
