// 8BITMIME to 7BIT conversion of message content, for a server that does
// not offer 8BITMIME (RFC 6152), after Postfix's mime_state.c with
// MIME_OPT_DOWNGRADE. Sans-I/O and streaming: content goes in as chunks of
// any split (spool -> MimeConverter -> DataEncoder -> wire) and the same
// content gives the same output however it is split. Input line breaks may
// be CRLF or LF; output uses CRLF. Memory: a few header fields (each kept up
// to MimeLimits::header_limit), one line piece, the boundary stack.
//
// What it does, per MIME entity (RFC 2045/2046):
//  - multipart/* (with a boundary) and message/rfc822 or message/news are
//    containers: their parts, or the embedded message, are converted
//    inside, and a container that declares 8bit or binary is relabelled
//    "Content-Transfer-Encoding: 7bit".
//  - Every other entity is a leaf. A leaf declared 8bit or binary is
//    relabelled quoted-printable and its body QP-encoded. quoted-printable
//    and base64 leaves are left alone (but see "never 8-bit" below).
//  - A leaf declared 7bit (or not at all) that is not 7bit after all holds
//    8-bit octets, NULs or lines over 998 octets. A single pass cannot know
//    that before the body, when the header is already out, so there are two
//    passes over the (random-access) spool: MimeScanner reads the content
//    and notes such leaves in a MimePlan, MimeConverter gets the plan and
//    QP-encodes them too, rewriting or adding their Content-Transfer-
//    Encoding. Without a plan it behaves like Postfix: such leaves pass.
//  - When a top-level or embedded message header without MIME-Version gets
//    a new or rewritten Content-Transfer-Encoding, "MIME-Version: 1.0" is
//    added at the end of that header, and when it has no Content-Type
//    either and its 8-bit text is encoded, "Content-Type: text/plain;
//    charset=unknown-8bit" (RFC 1428): the MIME default, us-ascii, would be
//    untrue. Parts of MIME messages get no Content-Type: their meaning
//    (whatever a reader makes of 8-bit text labelled us-ascii) stays.
//  - Never 8-bit in bodies: 8-bit octets where no label can go (multipart
//    preamble and epilogue, which readers ignore) or where the label is
//    already 7-bit (a quoted-printable leaf: written =XX, which decodes to
//    the same octet; a base64 leaf: dropped, as base64 decoders ignore them
//    per RFC 2045 6.8) are fixed in place. 8-bit text in header fields
//    passes as it is, as in Postfix (that is SMTPUTF8's business).
//  - Header fields pass byte for byte, in order, apart from the rewritten
//    Content-Transfer-Encoding (a folded one is replaced whole, duplicates
//    are dropped) and the added fields. A bare CR becomes CRLF, as
//    DataEncoder would make it anyway; in encoded leaves it is =0D.
//  - Boundaries (RFC 2046 5.1.1): "--boundary", optionally "--", then only
//    white space. Those of all enclosing multiparts are matched, innermost
//    first, so a missing close delimiter resynchronises at the next outer
//    one, as in Postfix. Boundaries longer than boundary_length_limit are
//    kept truncated (mime_boundary_length_limit) and matched by prefix and
//    length, so ones that differ only past the limit are confused.
//  - Containers nested deeper than nesting_limit (mime_nesting_limit;
//    multipart and message levels both count) fail the conversion with
//    Postfix's "5.6.0 MIME nesting exceeds safety limit": the caller
//    bounces. The content is still converted (the deep entity as a leaf).
//  - Malformed MIME is converted safely and nothing of it is dropped: a
//    multipart without boundary is a leaf; a line in a header block that is
//    not a header field ends the block and starts the body (after a blank
//    line that is inserted at the top level only, as Postfix does); a
//    header block or part cut short by a boundary or by the end is closed
//    there; a last line without line break gets one (in a QP leaf a soft
//    one, so the decoded content is unchanged).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "delivery-svc/mime/mime_header.h"
#include "delivery-svc/mime/mime_limits.h"
#include "delivery-svc/mime/quoted_printable.h"

namespace mxd {

// Why the content cannot be sent converted; the caller bounces with it.
struct MimeError {
  std::string enhanced;  // RFC 3463
  std::string reason;    // Postfix wording
};

// What MimeScanner learnt about each leaf body, by leaf in input order.
class MimePlan {
 public:
  enum Flag : uint8_t { kEightBit = 1, kNul = 2, kLongLine = 4 };

  uint8_t leaf(size_t i) const { return i < leaves_.size() ? leaves_[i] : 0; }
  size_t leaves() const { return leaves_.size(); }

 private:
  friend class MimeConverter;
  std::vector<uint8_t> leaves_;
};

class MimeConverter {
 public:
  // `plan` comes from a MimeScanner run over the same content with the same
  // limits; the default (empty) plan makes this one pass, as in Postfix.
  explicit MimeConverter(MimePlan plan = {}, MimeLimits limits = {});

  // Appends the converted form of `chunk` to `out`.
  void Feed(absl::string_view chunk, std::string* out);
  // Ends the content; the output then ends with CRLF unless it is empty.
  void Finish(std::string* out);

  // Non-null once the content turned out unconvertible (nesting).
  const MimeError* error() const { return failed_ ? &error_ : nullptr; }

 private:
  friend class MimeScanner;
  struct ScanTag {};
  MimeConverter(ScanTag, MimeLimits limits);

  enum class State { kHeader, kBody };
  enum class Kind { kLeaf, kMultipart, kMessage };
  enum class BodyMode { kPass, kEncode, kEscape8Bit, kDrop8Bit };
  enum class Field { kNone, kOther, kContentType, kTransferEncoding, kMimeVersion };
  enum class Dest { kOut, kHeldCte, kHeld, kDrop };
  enum class BlockEnd { kBlankLine, kNotAHeader, kBoundary, kEndOfInput };
  enum class Decision { kUndecided, kKeep, kRewrite };

  struct Frame {
    bool multipart = false;  // else an embedded message: no boundary
    bool digest = false;     // parts default to message/rfc822
    std::string boundary;    // truncated to boundary_length_limit
    size_t boundary_length = 0;
  };

  // The header block being read.
  struct Entity {
    bool message_header = false;  // top level or embedded: MIME-Version goes here
    bool primary = false;         // the top-level header
    bool digest_part = false;     // default type message/rfc822
    bool has_content_type = false;
    bool has_mime_version = false;
    bool has_cte = false;
    ContentType content_type;
    TransferEncoding cte = TransferEncoding::kNone;
    Decision decision = Decision::kUndecided;
    const char* new_cte = nullptr;  // "7bit" or "quoted-printable"
  };

  void Fragment(absl::string_view text, bool end);
  void Dispatch(absl::string_view text, bool start, bool end);
  bool MatchBoundary(absl::string_view text, bool end, size_t* frame, bool* close) const;
  void OnBoundary(absl::string_view text, bool end, size_t frame, bool close);
  void HeaderLine(absl::string_view text, bool start, bool end);
  void OpenField(absl::string_view text, size_t value_offset, bool end);
  void FieldText(absl::string_view text, bool end);
  void WriteField(absl::string_view text, bool end);
  void CloseField();
  Kind EntityKind() const;
  void Decide();
  void EmitHeldFields();
  void EndBlock(BlockEnd how);
  void BodyLine(absl::string_view text, bool end);
  void StartEntity(bool message_header, bool digest_part);
  void Emit(absl::string_view text);
  void EmitLine(absl::string_view text, bool end);

  const bool scan_;
  const MimeLimits limits_;
  const size_t fragment_limit_;  // longest line piece handled at once
  MimePlan plan_;                // filled when scanning, read when converting
  std::string* out_ = nullptr;   // during Feed and Finish; null when scanning

  // Line splitting.
  std::string pending_;        // a line piece waiting for its end
  bool line_start_ = true;     // the next piece starts a line
  bool rest_of_line_ = false;  // pass the rest of this line (a long boundary line)
  bool at_eof_ = false;        // in Finish
  bool bare_lf_ = false;       // the line just ended with LF alone

  State state_ = State::kHeader;
  std::vector<Frame> stack_;
  size_t multiparts_ = 0;  // frames in stack_ with a boundary

  // Header block.
  Entity entity_;
  Field field_ = Field::kNone;
  Dest dest_ = Dest::kOut;
  bool keep_value_ = false;  // value_ collects the open field's unfolded value
  std::string value_;
  std::string held_cte_;  // the first Content-Transfer-Encoding field, as read
  std::string held_;      // fields after it, until the decision about it
  std::vector<std::pair<size_t, size_t>> held_duplicates_;  // later CTE fields in held_
  bool holding_ = false;
  bool cte_emitted_ = false;

  // Body.
  BodyMode mode_ = BodyMode::kPass;
  bool in_leaf_ = false;
  size_t leaf_ = 0;  // index of the current leaf
  size_t next_leaf_ = 0;
  size_t line_length_ = 0;  // octets of the current body line so far (scan)
  QuotedPrintableEncoder qp_;

  bool failed_ = false;
  MimeError error_;
};

// The first pass: reads the content, converts nothing, and yields the plan
// for MimeConverter. It also finds the nesting error before anything is
// sent.
//
//   MimeScanner scan;
//   for (each chunk) scan.Feed(chunk);
//   scan.Finish();
//   if (scan.error()) -> bounce with error()->enhanced, error()->reason
//   MimeConverter convert(scan.plan());
//   for (each chunk) convert.Feed(chunk, &out);  // out -> DataEncoder
//   convert.Finish(&out);
class MimeScanner {
 public:
  explicit MimeScanner(MimeLimits limits = {}) : walker_(MimeConverter::ScanTag{}, limits) {}

  void Feed(absl::string_view chunk) { walker_.Feed(chunk, nullptr); }
  void Finish() { walker_.Finish(nullptr); }

  const MimePlan& plan() const { return walker_.plan_; }
  const MimeError* error() const { return walker_.error(); }

 private:
  MimeConverter walker_;
};

}  // namespace mxd
