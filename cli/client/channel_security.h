// How the client reaches mxd: plain text (the default, for loopback) or
// mutual TLS (the services' --tls-cert/--tls-key/--tls-client-ca).
#pragma once

#include <string>

namespace mxd::client {

struct ChannelSecurity {
  std::string ca_file;    // CA that signed the server's certificate (PEM)
  std::string cert_file;  // our client certificate (PEM)
  std::string key_file;   // its key (PEM)
  // The name the server's certificate must carry when the target does not
  // say it: a Kubernetes Service's DNS name while the client connects to
  // each pod's address ("dns:NAME:PORT" in DeliveryRouter sets it to NAME).
  std::string server_name;

  bool tls() const { return !ca_file.empty() || !cert_file.empty() || !key_file.empty(); }
};

}  // namespace mxd::client
