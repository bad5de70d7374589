// The message content on its way to the wire (the body loop of Postfix's
// smtp_proto.c): read from the spool a piece at a time, converted from
// 8BITMIME to 7BIT when the server needs it, then dot-stuffed for DATA or
// left for BDAT framing. The session decides what is sent and when; this
// turns content into wire bytes, never holding more than one piece.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "delivery-svc/mime/mime_converter.h"
#include "delivery-svc/smtp/data_encoder.h"
#include "delivery-svc/smtp/message.h"

namespace mxd {

// The converter's first pass, fed piece by piece: while the message is
// spooled (the service feeds each chunk as it arrives), or from the spool
// (BodyTransfer::PlanConversion).
class ConversionScanner {
 public:
  explicit ConversionScanner(const MimeLimits& limits) : scanner_(limits) {}
  void Feed(absl::string_view piece) { scanner_.Feed(piece); }
  // At the end of the content: the plan, or why it cannot be converted.
  std::shared_ptr<ConversionScan> Finish();

 private:
  MimeScanner scanner_;
};

class BodyTransfer {
 public:
  enum class Framing {
    kData,        // inside DATA: CRLF line breaks, dot-stuffed, long lines broken
    kBdat,        // BDAT chunks: CRLF line breaks, long lines broken
    kBdatBinary,  // BDAT with BODY=BINARYMIME: the octets as they are
  };
  enum class Result {
    kMore,        // a piece was appended; call again
    kLast,        // the final piece was appended (DATA: without the ".")
    kUnreadable,  // the content could not be read
  };

  // The converter's first pass over the whole content: whether it can be
  // converted (error set when not) and the plan the conversion follows.
  // Null when the content could not be read.
  static std::shared_ptr<ConversionScan> PlanConversion(const MessageContent& content,
                                                        const MimeLimits& limits);

  // `plan`: convert with it (and `limits`); null sends the content as it is.
  BodyTransfer(const MessageContent* content, Framing framing, size_t line_length_limit, const MimePlan* plan,
               const MimeLimits& limits);

  // Appends the next piece of wire bytes to *wire (at most about one read
  // of content, more when conversion expands it).
  Result Next(std::string* wire);

  static constexpr size_t kReadSize = 64 * 1024;

 private:
  // The next piece of content as it goes into the encoder, converted when
  // converting; empty at the end. False on a read error.
  bool NextContent(absl::string_view* piece);

  const MessageContent* content_;
  Framing framing_;
  DataEncoder encoder_;
  uint64_t offset_ = 0;
  std::string chunk_;  // raw content read from a file
  std::string piece_;  // content after conversion
  std::unique_ptr<MimeConverter> converter_;
  bool converter_finished_ = false;
};

}  // namespace mxd
