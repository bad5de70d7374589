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
  std::string chunk;
  for (uint64_t offset = 0;;) {
    if (!content.Read(offset, kReadSize, &chunk)) return nullptr;
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

bool BodyTransfer::NextContent(std::string* piece) {
  piece->clear();
  while (piece->empty()) {
    if (converter_ && converter_finished_) return true;
    if (!content_->Read(offset_, kReadSize, &chunk_)) return false;
    offset_ += chunk_.size();
    if (!converter_) {
      piece->swap(chunk_);
      return true;
    }
    if (chunk_.empty()) {
      converter_->Finish(piece);
      converter_finished_ = true;
    } else {
      converter_->Feed(chunk_, piece);
    }
  }
  return true;
}

BodyTransfer::Result BodyTransfer::Next(std::string* wire) {
  if (!NextContent(&piece_)) return Result::kUnreadable;
  if (piece_.empty()) {
    encoder_.Finish(wire);
    return Result::kLast;
  }
  if (framing_ == Framing::kBdatBinary) {
    *wire += piece_;  // BINARYMIME: no line handling
  } else {
    encoder_.Encode(piece_, wire);
  }
  return Result::kMore;
}

}  // namespace mxd
