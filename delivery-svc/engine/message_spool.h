// Holds one message's content while it is delivered: written once as the
// gRPC stream delivers it, then read (possibly several times: one read per
// transaction) by the SMTP sessions. Kept in an unlinked temporary file in
// delivery_spool_directory, so a large message costs disk, not memory, and
// vanishes with the process.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "delivery-svc/smtp/message.h"

namespace mxd {

class MessageSpool final : public MessageContent {
 public:
  static absl::StatusOr<std::unique_ptr<MessageSpool>> Create(const std::string& directory);
  ~MessageSpool() override;
  MessageSpool(const MessageSpool&) = delete;
  MessageSpool& operator=(const MessageSpool&) = delete;

  absl::Status Append(absl::string_view data);
  // Whether any octet had the high bit set (the body is 8-bit whatever its
  // declared type says).
  bool saw_8bit() const { return saw_8bit_; }

  uint64_t size() const override { return size_; }
  bool Read(uint64_t offset, size_t max, std::string* out) const override;

 private:
  explicit MessageSpool(int fd) : fd_(fd) {}
  int fd_;
  uint64_t size_ = 0;
  bool saw_8bit_ = false;
};

}  // namespace mxd
