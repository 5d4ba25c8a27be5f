// A temporary directory for store tests, removed afterwards. Under /dev/shm
// when it exists: fsync is free there, so tests with many commits stay fast.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace moss::testing {

class TempDir {
 public:
  TempDir() {
    std::string base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    std::string pattern = base + "/moss-test-XXXXXX";
    char* made = mkdtemp(pattern.data());
    path_ = made ? made : "";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace moss::testing
