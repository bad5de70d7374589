// A message held in memory, for the tests and fuzz targets that drive an
// SMTP session.
#pragma once

#include <string>
#include <utility>

#include "delivery-svc/smtp/message.h"

namespace mxd::testing_support {

class MemoryContent : public MessageContent {
 public:
  explicit MemoryContent(std::string data) : data_(std::move(data)) {}
  uint64_t size() const override { return data_.size(); }
  bool Read(uint64_t offset, size_t max, std::string*, absl::string_view* out) const override {
    *out = offset >= data_.size() ? absl::string_view() : absl::string_view(data_).substr(offset, max);
    return true;
  }

 private:
  std::string data_;
};

}  // namespace mxd::testing_support
