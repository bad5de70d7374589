// MAIL FROM and RCPT TO as a message's envelope and the server's EHLO
// keywords make them (Postfix's smtp_proto.c): SIZE, BODY=, SMTPUTF8, and
// the DSN parameters (RFC 3461) when the server offers DSN.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "delivery-svc/smtp/ehlo_features.h"
#include "delivery-svc/smtp/message.h"

namespace mxd {

// RFC 3461 xtext encoding (ENVID, ORCPT).
std::string XtextEncode(absl::string_view s);

// What BODY= says of the content as this transaction sends it.
enum class BodyParameter { kNone, kEightBitMime, kBinaryMime };

std::string MailCommand(const MessageEnvelope& msg, const EhloFeatures& features, uint64_t size,
                        BodyParameter body);
// Whether recipient `i` has DSN parameters the server takes.
bool DsnFor(const MessageEnvelope& msg, const EhloFeatures& features, size_t i);
std::string RcptCommand(const MessageEnvelope& msg, const EhloFeatures& features, size_t i);

}  // namespace mxd
