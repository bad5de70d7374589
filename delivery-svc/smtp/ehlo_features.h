// The ESMTP extensions a server announced in its EHLO reply (RFC 5321 4.1.1.1).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "delivery-svc/smtp/smtp_reply.h"

namespace mxd {

struct EhloFeatures {
  bool esmtp = false;  // EHLO was accepted
  bool pipelining = false;
  bool size = false;
  uint64_t size_limit = 0;  // 0: SIZE without a limit
  bool eightbitmime = false;
  bool smtputf8 = false;
  bool dsn = false;
  bool enhancedstatuscodes = false;
  bool starttls = false;
  bool chunking = false;
  bool binarymime = false;
  std::vector<std::string> auth_mechanisms;  // upper case

  static constexpr size_t kMaxKeywords = 100;  // further lines are ignored
};

// Parses the lines after the first one; unknown keywords are ignored.
EhloFeatures ParseEhloFeatures(const SmtpReply& reply);

}  // namespace mxd
