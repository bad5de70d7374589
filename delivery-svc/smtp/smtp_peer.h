// The server at the other end of one connection, as reasons name it.
#pragma once

#include <cstdint>
#include <string>

namespace mxd {

struct SmtpPeer {
  std::string host;
  std::string ip;
  uint16_t port = 25;
  // Postfix's form: "mx.example.com[192.0.2.1]".
  std::string Name() const { return host + "[" + ip + "]"; }
};

}  // namespace mxd
