// The message the delivery benchmarks send: plain text lines of 76 octets,
// padded to exactly `size` octets.
#pragma once

#include <string>

namespace mxd::bench {

inline std::string MakeMessage(size_t size, const std::string& subject) {
  std::string m = "From: bench@mxd.test\r\nTo: sink@mxd.test\r\nSubject: " + subject + "\r\n\r\n";
  const std::string line(76, 'x');
  while (m.size() + line.size() + 2 <= size) m += line + "\r\n";
  if (m.size() < size) m += std::string(size - m.size(), 'y');
  return m;
}

}  // namespace mxd::bench
