// A temporary directory for store tests, removed afterwards. Under /dev/shm
// when it exists: fsync is free there, so tests with many commits stay fast.
// Tests of the blob files themselves also run on a disk (disk_temp_base()):
// tmpfs differs from a disk in what it syncs and, before Linux 6.6, refuses
// O_DIRECT.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace moss::testing {

// $TMPDIR unless it is in memory, else /var/tmp: a disk-backed directory.
inline std::string disk_temp_base() {
  const char* tmpdir = std::getenv("TMPDIR");
  if (tmpdir && *tmpdir && std::string(tmpdir).rfind("/dev/shm", 0) != 0) return tmpdir;
  return "/var/tmp";
}

inline std::string memory_temp_base() {
  return std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
}

// The two places a store test's directory can be, for suites that run on both.
enum class Medium { kMemory, kDisk };

inline std::string temp_base(Medium medium) {
  return medium == Medium::kDisk ? disk_temp_base() : memory_temp_base();
}

inline std::string medium_name(Medium medium) {
  return medium == Medium::kDisk ? "Disk" : "Memory";
}

class TempDir {
 public:
  TempDir() : TempDir(memory_temp_base()) {}
  explicit TempDir(const std::string& base) {
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
