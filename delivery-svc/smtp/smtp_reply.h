// SMTP replies from the server, parsed incrementally (Postfix's smtp_chat.c
// reading side). Sans-I/O: fed bytes in any split, yields whole replies.
// Everything here is bounded: a hostile server cannot make it hold more than
// kMaxReplyLines lines of kMaxReplyLineLength octets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/memory/byte_budget.h"

namespace mxd {

struct SmtpReply {
  int code = 0;                    // 200..599
  std::string enhanced;            // "5.1.1" when the text starts with one
  std::vector<std::string> lines;  // lines without CRLF ("250-PIPELINING"), made Printable()
  std::string text;                // the text after the code of every line, joined by spaces

  bool positive() const { return code >= 200 && code < 400; }
  bool accepted() const { return code / 100 == 2; }  // 2xx: done, not merely "go on" (3xx)
  bool transient() const { return code >= 400 && code < 500; }
  bool permanent() const { return code >= 500; }
  // All lines joined by a space: "550-5.1.1 Sorry 550 5.1.1 No such user",
  // how Postfix quotes a reply in a reason.
  std::string Quoted() const;
};

class ReplyParser {
 public:
  static constexpr size_t kMaxReplyLineLength = 2048;  // longer lines are cut, as Postfix does
  static constexpr size_t kMaxReplyLines = 1000;
  // One reply, all lines together: a server cannot make a session hold
  // more (a 1000-line EHLO of 2 KB lines is refused at 16 KB, not 2 MB).
  // Postfix keeps 2048 octets of a reply; real replies are far below this.
  static constexpr size_t kMaxReplyBytes = 16 * 1024;

  // `budget` (may be null: no global limit) is charged for the bytes held.
  explicit ReplyParser(ByteBudget* budget = nullptr) : budget_(budget) {}
  ~ReplyParser();
  ReplyParser(const ReplyParser&) = delete;
  ReplyParser& operator=(const ReplyParser&) = delete;

  // Appends server output. When the budget cannot cover it, the parser
  // stops with error() and over_budget().
  void Feed(absl::string_view bytes);

  // The next complete reply, nullopt when more input is needed. After an
  // error() the parser yields nothing more.
  std::optional<SmtpReply> Next();

  // Non-empty after a malformed reply: what was wrong, with the line.
  const std::string& error() const { return error_; }
  // After an error(): the lines that led to it (for the transcript).
  const std::vector<std::string>& error_lines() const { return error_lines_; }
  // The error is ours, not the server's: the reply memory budget is spent.
  bool over_budget() const { return over_budget_; }

  // Bytes received but not yet part of a complete reply (used to detect a
  // server that talks before it is asked, e.g. after STARTTLS).
  bool has_pending_input() const { return !buffer_.empty() || !lines_.empty(); }
  void Clear();

 private:
  std::optional<SmtpReply> Parse();
  bool TakeLine(std::string* line);
  void KeepErrorLines(std::string bad);
  // Brings the budget's charge to the bytes held now; false when it cannot.
  bool Charge();

  std::string buffer_;
  bool discarding_ = false;         // inside an over-long line: drop until LF
  std::vector<std::string> lines_;  // lines of the reply being collected
  size_t lines_bytes_ = 0;          // their total length
  std::string error_;
  std::vector<std::string> error_lines_;
  ByteBudget* budget_ = nullptr;
  size_t charged_ = 0;  // of budget_
  bool over_budget_ = false;
};

// "5.1.1" when `text` starts with an RFC 3463 code whose class matches the
// reply code's first digit, else "".
std::string ExtractEnhancedStatus(int code, absl::string_view text);

}  // namespace mxd
