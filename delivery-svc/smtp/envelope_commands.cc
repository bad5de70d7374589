#include "delivery-svc/smtp/envelope_commands.h"

#include "absl/strings/str_cat.h"
#include "delivery-svc/smtp/envelope_check.h"

namespace mxd {

// RFC 3461 xtext: "+", "=" and octets outside 33..126 as "+XX".
std::string XtextEncode(absl::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (c < 33 || c > 126 || c == '+' || c == '=') {
      out.push_back('+');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string MailCommand(const MessageEnvelope& msg, const EhloFeatures& features, uint64_t size,
                        BodyParameter body) {
  std::string mail = absl::StrCat("MAIL FROM:<", msg.sender, ">");
  if (features.size) absl::StrAppend(&mail, " SIZE=", size);
  if (body == BodyParameter::kBinaryMime) absl::StrAppend(&mail, " BODY=BINARYMIME");
  if (body == BodyParameter::kEightBitMime) absl::StrAppend(&mail, " BODY=8BITMIME");
  if (msg.smtputf8) absl::StrAppend(&mail, " SMTPUTF8");
  if (features.dsn) {
    if (!msg.dsn_ret.empty()) absl::StrAppend(&mail, " RET=", msg.dsn_ret);
    if (!msg.dsn_envid.empty()) absl::StrAppend(&mail, " ENVID=", XtextEncode(msg.dsn_envid));
  }
  return mail;
}

bool DsnFor(const MessageEnvelope& msg, const EhloFeatures& features, size_t i) {
  return features.dsn && i < msg.dsn.size() && (!msg.dsn[i].notify.empty() || !msg.dsn[i].orcpt.empty());
}

std::string RcptCommand(const MessageEnvelope& msg, const EhloFeatures& features, size_t i) {
  std::string cmd = absl::StrCat("RCPT TO:<", msg.recipients[i], ">");
  if (DsnFor(msg, features, i)) {
    const RecipientDsn& d = msg.dsn[i];
    if (!d.notify.empty()) absl::StrAppend(&cmd, " NOTIFY=", d.notify);
    if (!d.orcpt.empty()) {
      const auto [type, addr] = SplitOrcpt(d.orcpt);
      absl::StrAppend(&cmd, " ORCPT=", type, ";", XtextEncode(addr));
    }
  }
  return cmd;
}

}  // namespace mxd
