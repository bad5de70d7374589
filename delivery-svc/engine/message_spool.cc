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

absl::Status MessageSpool::Append(absl::string_view data) {
  if (!saw_8bit_) {
    saw_8bit_ = std::any_of(data.begin(), data.end(), [](char c) { return (c & 0x80) != 0; });
  }
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

bool MessageSpool::Read(uint64_t offset, size_t max, std::string* out) const {
  out->clear();
  if (offset >= size_) return true;
  const size_t n = static_cast<size_t>(std::min<uint64_t>(max, size_ - offset));
  if (fd_ < 0) {
    out->assign(memory_, static_cast<size_t>(offset), n);
    return true;
  }
  out->resize(n);
  size_t done = 0;
  while (done < out->size()) {
    ssize_t r = pread(fd_, out->data() + done, out->size() - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    done += static_cast<size_t>(r);
  }
  return true;
}

}  // namespace mxd
