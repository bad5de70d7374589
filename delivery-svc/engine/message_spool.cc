#include "delivery-svc/engine/message_spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace mxd {

absl::StatusOr<std::unique_ptr<MessageSpool>> MessageSpool::Create(const SpoolPlace& place,
                                                                   uint64_t declared_size) {
  if (place.memory_budget != nullptr && declared_size <= place.memory_message_limit &&
      place.memory_budget->Take(declared_size)) {
    std::unique_ptr<MessageSpool> spool(new MessageSpool(-1, place.memory_budget, declared_size));
    spool->memory_.reserve(declared_size);
    return spool;
  }
  int fd = open(place.directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot create a spool file in ", place.directory, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<MessageSpool>(new MessageSpool(fd, nullptr, 0));
}

MessageSpool::~MessageSpool() {
  if (fd_ >= 0) close(fd_);
  if (budget_ != nullptr) budget_->Give(taken_);
}

namespace {

// Eight octets at a time: this runs over every octet of every message.
bool HasHighBit(absl::string_view data) {
  const char* p = data.data();
  size_t n = data.size();
  uint64_t any = 0;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, sizeof(word));
    any |= word;
  }
  for (; n > 0; ++p, --n) any |= static_cast<unsigned char>(*p);
  return (any & 0x8080808080808080ULL) != 0;
}

}  // namespace

absl::Status MessageSpool::AppendOwned(std::string&& data) {
  if (fd_ < 0 && size_ == 0 && data.size() == taken_) {
    saw_8bit_ = HasHighBit(data);
    memory_ = std::move(data);
    size_ = memory_.size();
    return absl::OkStatus();
  }
  return Append(absl::string_view(data));
}

absl::Status MessageSpool::Append(absl::string_view data) {
  if (!saw_8bit_) saw_8bit_ = HasHighBit(data);
  if (fd_ < 0) {
    // The caller refuses a stream beyond its declared size, which is what
    // was taken from the budget.
    if (size_ + data.size() > taken_)
      return absl::InternalError("more than the declared size for a memory spool");
    memory_.append(data.data(), data.size());
    size_ += data.size();
    return absl::OkStatus();
  }
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(size_ + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(absl::StrCat("spool file write: ", std::strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
  size_ += data.size();
  return absl::OkStatus();
}

bool MessageSpool::Read(uint64_t offset, size_t max, std::string* buffer, absl::string_view* out) const {
  *out = {};
  if (offset >= size_) return true;
  const size_t n = static_cast<size_t>(std::min<uint64_t>(max, size_ - offset));
  if (fd_ < 0) {
    *out = absl::string_view(memory_).substr(static_cast<size_t>(offset), n);
    return true;
  }
  buffer->resize(n);
  size_t done = 0;
  while (done < buffer->size()) {
    ssize_t r = pread(fd_, buffer->data() + done, buffer->size() - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    done += static_cast<size_t>(r);
  }
  *out = *buffer;
  return true;
}

}  // namespace mxd
