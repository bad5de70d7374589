// The settings in force, swapped by a reload (SIGHUP) on one thread while
// requests on others take a snapshot they keep until they finish.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

namespace mxd {

template <typename Settings>
class SettingsSlot {
 public:
  explicit SettingsSlot(std::shared_ptr<const Settings> s) : settings_(std::move(s)) {}

  std::shared_ptr<const Settings> Get() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return settings_;
  }
  void Set(std::shared_ptr<const Settings> s) {
    std::lock_guard<std::mutex> lock(mutex_);
    settings_ = std::move(s);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Settings> settings_;
};

}  // namespace mxd
