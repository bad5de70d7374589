#include "delivery-svc/mime/mime_converter.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace mxd {
namespace {

constexpr size_t kMaxLineLength = 998;  // RFC 5322 2.1.1, without CRLF
constexpr char kHex[] = "0123456789ABCDEF";

// What a piece of a leaf body line says about the leaf (written so that the
// compiler can vectorise it: this is most of the scan pass).
uint8_t OctetFlags(absl::string_view text) {
  unsigned char high = 0;
  unsigned char low = 0xff;
  for (const char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    high |= c;
    low = std::min(low, c);
  }
  uint8_t flags = 0;
  if (high & 0x80) flags |= MimePlan::kEightBit;
  if (low == 0 && !text.empty()) flags |= MimePlan::kNul;
  return flags;
}

bool Has8Bit(absl::string_view text) { return (OctetFlags(text) & MimePlan::kEightBit) != 0; }

// Appends `text` (which holds no LF) with each bare CR made CRLF.
void AppendLineText(absl::string_view text, std::string* out) {
  for (;;) {
    const size_t cr = text.find('\r');
    if (cr == absl::string_view::npos) break;
    out->append(text.data(), cr);
    out->append("\r\n");
    text.remove_prefix(cr + 1);
  }
  out->append(text.data(), text.size());
}

bool IsBlank(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t'; });
}

}  // namespace

MimeConverter::MimeConverter(MimePlan plan, MimeLimits limits)
    : scan_(false),
      limits_(limits),
      fragment_limit_(std::max<size_t>(8192, limits.boundary_length_limit + 64)),
      plan_(std::move(plan)) {
  StartEntity(/*message_header=*/true, /*digest_part=*/false);
  entity_.primary = true;
}

MimeConverter::MimeConverter(ScanTag, MimeLimits limits)
    : scan_(true),
      limits_(limits),
      fragment_limit_(std::max<size_t>(8192, limits.boundary_length_limit + 64)) {
  StartEntity(/*message_header=*/true, /*digest_part=*/false);
  entity_.primary = true;
}

// Line splitting. Lines end at LF (a CR before it belongs to the break). A
// line longer than fragment_limit_ is handed on in pieces of that size, so
// memory stays bounded; piece boundaries depend on the content only, never
// on how it was chunked, which keeps the output independent of chunking.
void MimeConverter::Feed(absl::string_view chunk, std::string* out) {
  out_ = out;
  if (out_ != nullptr) out_->reserve(out_->size() + chunk.size() + chunk.size() / 8 + 64);
  const char* data = chunk.data();
  size_t i = 0;
  while (i < chunk.size()) {
    const size_t room = fragment_limit_ - pending_.size();
    const size_t avail = std::min(chunk.size() - i, room);
    const char* lf = static_cast<const char*>(std::memchr(data + i, '\n', avail));
    if (lf != nullptr) {
      const size_t len = static_cast<size_t>(lf - (data + i));
      absl::string_view line(data + i, len);
      if (!pending_.empty()) {
        pending_.append(data + i, len);
        line = pending_;
      }
      bare_lf_ = line.empty() || line.back() != '\r';
      if (!bare_lf_) line.remove_suffix(1);
      Fragment(line, /*end=*/true);
      bare_lf_ = false;
      pending_.clear();
      i += len + 1;
      continue;
    }
    if (avail < room) {  // the line goes on in the next chunk
      pending_.append(data + i, avail);
      break;
    }
    // A full piece without a line break. A CR at its end may be the start
    // of a CRLF: it goes with the next piece.
    absl::string_view piece(data + i, avail);
    if (!pending_.empty()) {
      pending_.append(data + i, avail);
      piece = pending_;
    }
    const bool cr = piece.back() == '\r';
    if (cr) piece.remove_suffix(1);
    Fragment(piece, /*end=*/false);
    pending_.assign(cr ? "\r" : "");
    i += avail;
  }
  out_ = nullptr;
}

void MimeConverter::Finish(std::string* out) {
  out_ = out;
  at_eof_ = true;
  if (!pending_.empty()) {
    absl::string_view piece = pending_;
    const bool cr = piece.back() == '\r';  // a final CR ends the line
    if (cr) piece.remove_suffix(1);
    Fragment(piece, cr);
  }
  pending_.clear();
  if (!line_start_) {
    // The content ends inside a line. In a QP leaf qp_.Finish ends it with a
    // soft break; everywhere else it gets the line break it lacks.
    if (!(state_ == State::kBody && mode_ == BodyMode::kEncode && !rest_of_line_)) Fragment("", /*end=*/true);
    line_start_ = true;
  }
  if (state_ == State::kHeader) EndBlock(BlockEnd::kEndOfInput);
  if (state_ == State::kBody && mode_ == BodyMode::kEncode && out_ != nullptr) qp_.Finish(out_);
  out_ = nullptr;
}

void MimeConverter::Fragment(absl::string_view text, bool end) {
  const bool start = line_start_;
  line_start_ = end;
  Dispatch(text, start, end);
}

void MimeConverter::Dispatch(absl::string_view text, bool start, bool end) {
  if (!start && rest_of_line_) {
    EmitLine(text, end);
    if (end) rest_of_line_ = false;
    return;
  }
  size_t frame = 0;
  bool close = false;
  if (start && multiparts_ > 0 && MatchBoundary(text, end || at_eof_, &frame, &close)) {
    OnBoundary(text, end, frame, close);
    return;
  }
  if (state_ == State::kHeader) {
    HeaderLine(text, start, end);
  } else {
    BodyLine(text, end);
  }
}

// "--boundary", optionally "--", then only white space, for the boundary of
// any enclosing multipart, innermost first. A truncated boundary matches by
// its prefix and the length of the line.
bool MimeConverter::MatchBoundary(absl::string_view text, bool end, size_t* frame, bool* close) const {
  if (text.size() < 2 || text[0] != '-' || text[1] != '-') return false;
  for (size_t k = stack_.size(); k-- > 0;) {
    const Frame& f = stack_[k];
    if (!f.multipart || !absl::StartsWith(text.substr(2), f.boundary)) continue;
    if (f.boundary_length > f.boundary.size()) {
      if (end && text.size() < 2 + f.boundary_length) continue;
      *close = text.size() >= 4 + f.boundary_length && text.substr(2 + f.boundary_length, 2) == "--";
    } else {
      if (!end) continue;  // more than white space follows
      absl::string_view rest = text.substr(2 + f.boundary.size());
      *close = absl::StartsWith(rest, "--");
      if (*close) rest.remove_prefix(2);
      if (!IsBlank(rest)) continue;
    }
    *frame = k;
    return true;
  }
  return false;
}

void MimeConverter::OnBoundary(absl::string_view text, bool end, size_t frame, bool close) {
  if (state_ == State::kHeader) {
    EndBlock(BlockEnd::kBoundary);  // a part header cut short: the part is empty
  } else if (mode_ == BodyMode::kEncode && out_ != nullptr) {
    qp_.Finish(out_);
  }
  // Parts of inner multiparts that were never closed end here too.
  while (stack_.size() > frame + 1) {
    if (stack_.back().multipart) --multiparts_;
    stack_.pop_back();
  }
  EmitLine(text, end);
  rest_of_line_ = !end;
  in_leaf_ = false;
  if (close) {
    --multiparts_;
    stack_.pop_back();
    state_ = State::kBody;
    mode_ = BodyMode::kEscape8Bit;  // the epilogue
  } else {
    const bool digest = stack_[frame].digest;
    StartEntity(/*message_header=*/false, digest);
    state_ = State::kHeader;
  }
}

void MimeConverter::StartEntity(bool message_header, bool digest_part) {
  entity_ = Entity{};
  entity_.message_header = message_header;
  entity_.digest_part = digest_part;
  field_ = Field::kNone;
  dest_ = Dest::kOut;
  keep_value_ = false;
  value_.clear();
  held_cte_.clear();
  held_.clear();
  held_duplicates_.clear();
  holding_ = false;
  cte_emitted_ = false;
}

void MimeConverter::HeaderLine(absl::string_view text, bool start, bool end) {
  if (!start) {  // the rest of a long line
    if (field_ != Field::kNone) {
      FieldText(text, end);
    } else {
      EmitLine(text, end);
    }
    return;
  }
  if (text.empty()) {
    EndBlock(BlockEnd::kBlankLine);
    return;
  }
  if ((text[0] == ' ' || text[0] == '\t') && field_ != Field::kNone) {
    FieldText(text, end);  // a folded field goes on
    return;
  }
  const size_t offset = HeaderFieldValueOffset(text);
  if (offset > 0) {
    CloseField();
    OpenField(text, offset, end);
    return;
  }
  // Not a header field: the body starts here, as in Postfix.
  EndBlock(BlockEnd::kNotAHeader);
  Dispatch(text, /*start=*/true, end);
}

void MimeConverter::OpenField(absl::string_view text, size_t value_offset, bool end) {
  field_ = Field::kOther;
  if (HeaderFieldIs(text, "Content-Type")) {
    field_ = Field::kContentType;
  } else if (HeaderFieldIs(text, "Content-Transfer-Encoding")) {
    field_ = Field::kTransferEncoding;
  } else if (HeaderFieldIs(text, "MIME-Version")) {
    field_ = Field::kMimeVersion;
    entity_.has_mime_version = true;
  }
  dest_ = holding_ ? Dest::kHeld : Dest::kOut;
  keep_value_ = false;
  value_.clear();
  if (field_ == Field::kContentType) {
    keep_value_ = !entity_.has_content_type;  // the first one counts, as for most readers
  } else if (field_ == Field::kTransferEncoding) {
    if (!entity_.has_cte) {
      entity_.has_cte = true;
      keep_value_ = true;
      dest_ = Dest::kHeldCte;  // out once we know whether it is rewritten
    } else if (entity_.decision == Decision::kRewrite) {
      dest_ = Dest::kDrop;  // a duplicate, replaced with the first one
    } else if (holding_) {
      held_duplicates_.emplace_back(held_.size(), held_.size());
    }
  }
  if (keep_value_) {
    const absl::string_view v = text.substr(value_offset, limits_.header_limit);
    value_.assign(v.data(), v.size());
  }
  WriteField(text, end);
}

void MimeConverter::FieldText(absl::string_view text, bool end) {
  if (keep_value_ && value_.size() < limits_.header_limit) {
    const absl::string_view v = text.substr(0, limits_.header_limit - value_.size());
    value_.append(v.data(), v.size());
  }
  WriteField(text, end);
}

void MimeConverter::WriteField(absl::string_view text, bool end) {
  if (scan_) return;
  std::string* dst = nullptr;
  switch (dest_) {
    case Dest::kOut: dst = out_; break;
    case Dest::kHeldCte:
      dst = &held_cte_;
      if (held_cte_.size() >= limits_.header_limit) text = {};  // cut short, as Postfix does
      break;
    case Dest::kHeld: dst = &held_; break;
    case Dest::kDrop: return;
  }
  if (dst == nullptr) return;
  AppendLineText(text, dst);
  if (end) dst->append("\r\n");
  if (dest_ == Dest::kHeld && held_.size() > limits_.header_limit) {
    // Too much to hold: let it go. The Content-Transfer-Encoding field
    // then follows at the end of the block, as in Postfix.
    Emit(held_);
    held_.clear();
    held_duplicates_.clear();
    holding_ = false;
    dest_ = Dest::kOut;
  }
}

void MimeConverter::CloseField() {
  switch (field_) {
    case Field::kContentType:
      if (keep_value_) {
        entity_.content_type = ParseContentType(value_);
        entity_.has_content_type = true;
        // A Content-Transfer-Encoding field before it waits for this.
        if (entity_.has_cte && entity_.decision == Decision::kUndecided) {
          Decide();
          EmitHeldFields();
        }
      }
      break;
    case Field::kTransferEncoding:
      if (dest_ == Dest::kHeldCte) {
        entity_.cte = ParseTransferEncoding(value_);
        if (entity_.has_content_type) {
          Decide();
          EmitHeldFields();
        } else {
          holding_ = true;
        }
      } else if (dest_ == Dest::kHeld && !held_duplicates_.empty()) {
        held_duplicates_.back().second = held_.size();
      }
      break;
    default: break;
  }
  field_ = Field::kNone;
  dest_ = Dest::kOut;
  keep_value_ = false;
  value_.clear();
}

MimeConverter::Kind MimeConverter::EntityKind() const {
  const ContentType& ct = entity_.content_type;
  if (!entity_.has_content_type) return entity_.digest_part ? Kind::kMessage : Kind::kLeaf;
  if (!ct.valid) return Kind::kLeaf;  // RFC 2045 5.2: text/plain
  if (ct.type == "multipart") return ct.has_boundary && !ct.boundary.empty() ? Kind::kMultipart : Kind::kLeaf;
  if (ct.type == "message" && (ct.subtype == "rfc822" || ct.subtype == "news")) return Kind::kMessage;
  return Kind::kLeaf;
}

// Whether the entity's Content-Transfer-Encoding changes, and to what. Needs
// the kind, so it waits for Content-Type or the end of the block.
void MimeConverter::Decide() {
  Kind kind = EntityKind();
  if (kind != Kind::kLeaf && stack_.size() >= limits_.nesting_limit) kind = Kind::kLeaf;
  const TransferEncoding cte = entity_.cte;
  const bool declared_8bit = cte == TransferEncoding::k8Bit || cte == TransferEncoding::kBinary;
  entity_.decision = Decision::kKeep;
  entity_.new_cte = nullptr;
  if (kind != Kind::kLeaf) {
    if (declared_8bit) entity_.new_cte = "7bit";
  } else if (declared_8bit) {
    entity_.new_cte = "quoted-printable";
  } else if (cte == TransferEncoding::kNone || cte == TransferEncoding::k7Bit ||
             cte == TransferEncoding::kOther) {
    if (plan_.leaf(next_leaf_) != 0) entity_.new_cte = "quoted-printable";
  }
  if (entity_.new_cte != nullptr) entity_.decision = Decision::kRewrite;
}

void MimeConverter::EmitHeldFields() {
  holding_ = false;
  if (!scan_) {
    if (entity_.has_cte && !cte_emitted_) {
      if (entity_.decision == Decision::kRewrite) {
        Emit(absl::StrCat("Content-Transfer-Encoding: ", entity_.new_cte, "\r\n"));
      } else {
        Emit(held_cte_);
      }
      cte_emitted_ = true;
    }
    size_t from = 0;
    if (entity_.decision == Decision::kRewrite) {
      for (const auto& [begin, end] : held_duplicates_) {
        Emit(absl::string_view(held_).substr(from, begin - from));
        from = end;
      }
    }
    Emit(absl::string_view(held_).substr(from));
  }
  held_cte_.clear();
  held_.clear();
  held_duplicates_.clear();
}

void MimeConverter::EndBlock(BlockEnd how) {
  CloseField();
  Kind kind = EntityKind();
  if (kind != Kind::kLeaf && stack_.size() >= limits_.nesting_limit) {
    if (!failed_) error_ = MimeError{"5.6.0", "MIME nesting exceeds safety limit"};
    failed_ = true;
    kind = Kind::kLeaf;
  }
  if (entity_.decision == Decision::kUndecided) Decide();
  const bool rewrite = entity_.decision == Decision::kRewrite;
  const bool encode = rewrite && kind == Kind::kLeaf;
  const TransferEncoding cte = entity_.cte;
  const bool declared_8bit = cte == TransferEncoding::k8Bit || cte == TransferEncoding::kBinary;
  EmitHeldFields();
  // A message that was not MIME becomes MIME; its 8-bit text is in an
  // unknown character set (RFC 1428).
  const bool becomes_mime = rewrite && entity_.message_header && !entity_.has_mime_version;
  if (becomes_mime) Emit("MIME-Version: 1.0\r\n");
  if (becomes_mime && encode && !entity_.has_content_type &&
      (declared_8bit || (plan_.leaf(next_leaf_) & MimePlan::kEightBit) != 0)) {
    Emit("Content-Type: text/plain; charset=unknown-8bit\r\n");
  }
  if (rewrite && !entity_.has_cte) Emit(absl::StrCat("Content-Transfer-Encoding: ", entity_.new_cte, "\r\n"));
  if (how == BlockEnd::kBlankLine || (how == BlockEnd::kNotAHeader && entity_.primary)) Emit("\r\n");

  in_leaf_ = false;
  line_length_ = 0;
  state_ = State::kBody;
  switch (kind) {
    case Kind::kLeaf:
      in_leaf_ = true;
      leaf_ = next_leaf_++;
      if (scan_) plan_.leaves_.push_back(0);
      mode_ = encode                                      ? BodyMode::kEncode
              : cte == TransferEncoding::kQuotedPrintable ? BodyMode::kEscape8Bit
              : cte == TransferEncoding::kBase64          ? BodyMode::kDrop8Bit
                                                          : BodyMode::kPass;
      break;
    case Kind::kMultipart: {
      Frame f;
      f.multipart = true;
      f.digest = entity_.content_type.subtype == "digest";
      f.boundary_length = entity_.content_type.boundary.size();
      f.boundary = entity_.content_type.boundary.substr(0, limits_.boundary_length_limit);
      stack_.push_back(std::move(f));
      ++multiparts_;
      mode_ = BodyMode::kEscape8Bit;  // the preamble
      break;
    }
    case Kind::kMessage:
      stack_.push_back(Frame{});
      StartEntity(/*message_header=*/true, /*digest_part=*/false);
      state_ = State::kHeader;
      break;
  }
}

void MimeConverter::BodyLine(absl::string_view text, bool end) {
  if (scan_) {
    if (!in_leaf_) return;
    uint8_t flags = OctetFlags(text);
    line_length_ += text.size();
    if (line_length_ > kMaxLineLength) flags |= MimePlan::kLongLine;
    if (end) line_length_ = 0;
    plan_.leaves_[leaf_] |= flags;
    return;
  }
  if (out_ == nullptr) return;
  switch (mode_) {
    case BodyMode::kPass: EmitLine(text, end); return;
    case BodyMode::kEncode:
      qp_.Text(text, out_);
      if (end && bare_lf_ && limits_.exact_line_breaks) {
        qp_.Text("\n", out_);
      } else if (end) {
        qp_.LineBreak(out_);
      }
      return;
    case BodyMode::kEscape8Bit:
    case BodyMode::kDrop8Bit:
      if (!Has8Bit(text)) {
        EmitLine(text, end);
        return;
      }
      for (const char ch : text) {
        const unsigned char c = static_cast<unsigned char>(ch);
        if (c & 0x80) {
          if (mode_ == BodyMode::kEscape8Bit) {
            const char hex[3] = {'=', kHex[c >> 4], kHex[c & 0xf]};
            out_->append(hex, 3);
          }
        } else if (c == '\r') {
          out_->append("\r\n");
        } else {
          out_->push_back(ch);
        }
      }
      if (end) out_->append("\r\n");
      return;
  }
}

void MimeConverter::Emit(absl::string_view text) {
  if (out_ != nullptr) out_->append(text.data(), text.size());
}

void MimeConverter::EmitLine(absl::string_view text, bool end) {
  if (out_ == nullptr) return;
  AppendLineText(text, out_);
  if (end) out_->append("\r\n");
}

}  // namespace mxd
