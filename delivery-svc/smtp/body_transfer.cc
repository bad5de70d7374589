#include "delivery-svc/smtp/body_transfer.h"

namespace mxd {

std::shared_ptr<ConversionScan> ConversionScanner::Finish() {
  // Mislabelled leaves and nesting too deep are found before anything is
  // sent (Postfix finds the latter only midway and aborts).
  scanner_.Finish();
  auto scan = std::make_shared<ConversionScan>();
  if (const MimeError* e = scanner_.error()) {
    scan->error = *e;
  } else {
    scan->plan = scanner_.plan();
  }
  return scan;
}

std::shared_ptr<ConversionScan> BodyTransfer::PlanConversion(const MessageContent& content,
                                                             const MimeLimits& limits) {
  ConversionScanner scanner(limits);
  std::string buffer;
  absl::string_view chunk;
  for (uint64_t offset = 0;;) {
    if (!content.Read(offset, kReadSize, &buffer, &chunk)) return nullptr;
    if (chunk.empty()) break;
    offset += chunk.size();
    scanner.Feed(chunk);
  }
  return scanner.Finish();
}

BodyTransfer::BodyTransfer(const MessageContent* content, Framing framing, size_t line_length_limit,
                           const MimePlan* plan, const MimeLimits& limits)
    : content_(content),
      framing_(framing),
      encoder_(line_length_limit, /*dot_stuff=*/framing == Framing::kData) {
  if (plan != nullptr) converter_ = std::make_unique<MimeConverter>(*plan, limits);
}

bool BodyTransfer::NextContent(absl::string_view* piece) {
  *piece = {};
  while (piece->empty()) {
    if (converter_ && converter_finished_) return true;
    absl::string_view chunk;
    if (!content_->Read(offset_, kReadSize, &chunk_, &chunk)) return false;
    offset_ += chunk.size();
    if (!converter_) {
      *piece = chunk;  // straight from the spool: in memory, not even copied
      return true;
    }
    piece_.clear();
    if (chunk.empty()) {
      converter_->Finish(&piece_);
      converter_finished_ = true;
    } else {
      converter_->Feed(chunk, &piece_);
    }
    *piece = piece_;
  }
  return true;
}

BodyTransfer::Result BodyTransfer::Next(std::string* wire) {
  absl::string_view piece;
  if (!NextContent(&piece)) return Result::kUnreadable;
  if (piece.empty()) {
    encoder_.Finish(wire);
    return Result::kLast;
  }
  if (framing_ == Framing::kBdatBinary) {
    wire->append(piece.data(), piece.size());  // BINARYMIME: no line handling
  } else {
    encoder_.Encode(piece, wire);
  }
  return Result::kMore;
}

}  // namespace mxd
