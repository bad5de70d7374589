#include "delivery-svc/engine/message_spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace mxd {

absl::StatusOr<std::unique_ptr<MessageSpool>> MessageSpool::Create(const std::string& directory) {
  int fd = open(directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot create a spool file in ", directory, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<MessageSpool>(new MessageSpool(fd));
}

MessageSpool::~MessageSpool() { close(fd_); }

absl::Status MessageSpool::Append(absl::string_view data) {
  if (!saw_8bit_) {
    saw_8bit_ = std::any_of(data.begin(), data.end(), [](char c) { return (c & 0x80) != 0; });
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
  out->resize(std::min<uint64_t>(max, size_ - offset));
  size_t done = 0;
  while (done < out->size()) {
    ssize_t n = pread(fd_, out->data() + done, out->size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace mxd
