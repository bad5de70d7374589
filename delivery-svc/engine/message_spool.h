// Holds one message's content while it is delivered: written once as the
// gRPC stream delivers it, then read (possibly several times: one read per
// transaction) by the SMTP sessions. A small message (declared size up to
// delivery_memory_spool_message_limit) is kept in memory while
// delivery_memory_spool_size_limit has room for it; any other goes to an
// unlinked temporary file in delivery_spool_directory, so a large message
// costs disk, not memory, and vanishes with the process.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/memory/byte_budget.h"
#include "delivery-svc/smtp/message.h"

namespace mxd {

// Where messages are spooled, and when in memory.
struct SpoolPlace {
  std::string directory;                // delivery_spool_directory
  uint64_t memory_message_limit = 0;    // delivery_memory_spool_message_limit; 0: never in memory
  ByteBudget* memory_budget = nullptr;  // delivery_memory_spool_size_limit; null: never in memory
};

class MessageSpool final : public MessageContent {
 public:
  // `declared_size`: what the caller says the message will be (the stream
  // is refused beyond it, so memory is taken once, up front).
  static absl::StatusOr<std::unique_ptr<MessageSpool>> Create(const SpoolPlace& place,
                                                              uint64_t declared_size);
  ~MessageSpool() override;
  MessageSpool(const MessageSpool&) = delete;
  MessageSpool& operator=(const MessageSpool&) = delete;

  absl::Status Append(absl::string_view data);
  // The same; a message that arrives whole is kept as it came, not copied.
  absl::Status AppendOwned(std::string&& data);
  // Whether any octet had the high bit set (the body is 8-bit whatever its
  // declared type says).
  bool saw_8bit() const { return saw_8bit_; }
  bool in_memory() const { return fd_ < 0; }

  uint64_t size() const override { return size_; }
  bool Read(uint64_t offset, size_t max, std::string* buffer, absl::string_view* out) const override;

 private:
  MessageSpool(int fd, ByteBudget* budget, uint64_t taken) : fd_(fd), budget_(budget), taken_(taken) {}
  int fd_;  // -1: in memory_
  std::string memory_;
  ByteBudget* budget_;
  uint64_t taken_;  // of budget_, given back at the end
  uint64_t size_ = 0;
  bool saw_8bit_ = false;
};

}  // namespace mxd
