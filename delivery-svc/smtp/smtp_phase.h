// Where an SMTP conversation is: which command's reply is awaited (or what
// else is being waited for). The session's state and the wording of reasons
// (smtp_trouble.h) both speak of it.
#pragma once

namespace mxd {

enum class SmtpPhase {
  kGreeting,
  kEhlo,
  kHelo,
  kMail,
  kRcpt,
  kData,
  kBody,
  kDot,
  kIgnoredDot,  // the "." that ends a DATA no recipient was accepted for
  kBdat,
  kBdatLast,
  kRset,
  kQuit,
  kStartTls,
  kTlsHandshake,  // not a command: waiting for the handshake
  kAuth,
};

}  // namespace mxd
