#include "delivery-svc/smtp/smtp_reply.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/text/printable.h"

namespace mxd {
namespace {

bool ParseCode(absl::string_view line, int* code) {
  if (line.size() < 3) return false;
  for (int i = 0; i < 3; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(line[i]))) return false;
  }
  *code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  return line[0] >= '2' && line[0] <= '5';
}

}  // namespace

std::string SmtpReply::Quoted() const { return absl::StrJoin(lines, " "); }

std::string ExtractEnhancedStatus(int code, absl::string_view text) {
  // class "." subject(1-3 digits) "." detail(1-3 digits), then space or end
  if (text.size() < 5 || text[0] != static_cast<char>('0' + code / 100) || text[1] != '.') return "";
  size_t i = 2;
  for (int part = 0; part < 2; ++part) {
    size_t start = i;
    while (i < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[i])) && i - start < 4) ++i;
    if (i == start || i - start > 3) return "";
    if (part == 0) {
      if (i >= text.size() || text[i] != '.') return "";
      ++i;
    }
  }
  if (i < text.size() && text[i] != ' ') return "";
  return std::string(text.substr(0, i));
}

void ReplyParser::KeepErrorLines(std::string bad) {
  // The transcript shows what led to the error: the start of the reply in
  // progress (a few lines, not all of an endless one) and the bad line.
  constexpr size_t kShown = 5;
  for (size_t i = 0; i < lines_.size() && i < kShown; ++i) error_lines_.push_back(std::move(lines_[i]));
  if (lines_.size() > kShown)
    error_lines_.push_back(absl::StrCat("(", lines_.size() - kShown, " more lines)"));
  if (!bad.empty()) error_lines_.push_back(std::move(bad));
  lines_.clear();
  lines_bytes_ = 0;
}

ReplyParser::~ReplyParser() {
  if (budget_ != nullptr) budget_->Give(charged_);
}

bool ReplyParser::Charge() {
  if (budget_ == nullptr) return true;
  const size_t held = buffer_.size() + lines_bytes_;
  if (held > charged_ && !budget_->Take(held - charged_)) return false;
  if (held < charged_) budget_->Give(charged_ - held);
  charged_ = held;
  return true;
}

void ReplyParser::Clear() {
  buffer_.clear();
  lines_.clear();
  lines_bytes_ = 0;
  discarding_ = false;
  Charge();
}

void ReplyParser::Feed(absl::string_view bytes) {
  if (!error_.empty()) return;
  // Keep memory bounded even for an endless line: once a line is too long,
  // only its first kMaxReplyLineLength octets are kept.
  for (size_t i = 0; i < bytes.size();) {
    size_t lf = bytes.find('\n', i);
    absl::string_view piece =
        bytes.substr(i, lf == absl::string_view::npos ? absl::string_view::npos : lf - i + 1);
    i += piece.size();
    const bool ends_line = !piece.empty() && piece.back() == '\n';
    if (discarding_) {
      if (ends_line) {
        buffer_.push_back('\n');
        discarding_ = false;
      }
      continue;
    }
    // Length of the current (last) line in buffer_.
    size_t last_lf = buffer_.rfind('\n');
    size_t current = last_lf == std::string::npos ? buffer_.size() : buffer_.size() - last_lf - 1;
    size_t room = current >= kMaxReplyLineLength ? 0 : kMaxReplyLineLength - current;
    absl::string_view content = ends_line ? piece.substr(0, piece.size() - 1) : piece;
    if (content.size() > room) {
      buffer_.append(content.data(), room);
      if (ends_line) {
        buffer_.push_back('\n');
      } else {
        discarding_ = true;
      }
    } else {
      buffer_.append(piece.data(), piece.size());
    }
  }
  if (!Charge()) {
    // Many sessions hold long replies at once: this one gives up (ours,
    // not the server's fault; the session defers).
    over_budget_ = true;
    error_ = absl::StrCat("reply memory budget exhausted (delivery_reply_memory_limit = ", budget_->limit(),
                          " bytes)");
    buffer_.clear();
    KeepErrorLines("");
    Charge();
  }
}

bool ReplyParser::TakeLine(std::string* line) {
  size_t lf = buffer_.find('\n');
  if (lf == std::string::npos) return false;
  line->assign(buffer_, 0, lf);
  buffer_.erase(0, lf + 1);
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return true;
}

std::optional<SmtpReply> ReplyParser::Next() {
  std::optional<SmtpReply> r = Parse();
  Charge();  // what was consumed goes back to the budget
  return r;
}

std::optional<SmtpReply> ReplyParser::Parse() {
  std::string line;
  while (error_.empty() && TakeLine(&line)) {
    // Server text is any octets (Latin-1, junk): from here on it is
    // printable UTF-8, as everything we report must be.
    line = Printable(line);
    int code = 0;
    if (!ParseCode(line, &code) || (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
      error_ = absl::StrCat("malformed reply line: \"", line.substr(0, 200), "\"");
      KeepErrorLines(std::move(line));
      return std::nullopt;
    }
    if (!lines_.empty()) {
      int first = 0;
      ParseCode(lines_.front(), &first);
      if (first != code) {
        error_ = absl::StrCat("reply code changed within a multi-line reply: \"", line.substr(0, 200), "\"");
        KeepErrorLines(std::move(line));
        return std::nullopt;
      }
    }
    const bool more = line.size() > 3 && line[3] == '-';
    lines_bytes_ += line.size();
    lines_.push_back(std::move(line));
    if (lines_bytes_ > kMaxReplyBytes) {
      error_ = absl::StrCat("reply longer than ", kMaxReplyBytes, " bytes");
      KeepErrorLines("");
      return std::nullopt;
    }
    if (more) {
      if (lines_.size() >= kMaxReplyLines) {
        error_ = absl::StrCat("reply has more than ", kMaxReplyLines, " lines");
        KeepErrorLines("");
        return std::nullopt;
      }
      continue;
    }
    SmtpReply r;
    ParseCode(lines_.front(), &r.code);
    for (const std::string& l : lines_) {
      absl::string_view t = absl::string_view(l).substr(std::min<size_t>(4, l.size()));
      if (!r.text.empty()) r.text.push_back(' ');
      r.text.append(t.data(), t.size());
    }
    r.enhanced = ExtractEnhancedStatus(
        r.code, absl::string_view(lines_.front()).substr(std::min<size_t>(4, lines_.front().size())));
    r.lines = std::move(lines_);
    lines_.clear();
    lines_bytes_ = 0;
    return r;
  }
  return std::nullopt;
}

}  // namespace mxd
