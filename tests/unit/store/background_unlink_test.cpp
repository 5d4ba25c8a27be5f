#include "store/background_unlink.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "unit/store/store_files.h"
#include "unit/store/temp_dir.h"

namespace moss::store {
namespace {

using moss::testing::count_files;

std::string make_file(const std::string& dir, const std::string& name) {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << name;
  return path;
}

TEST(BackgroundUnlink, EveryQueuedFileIsGoneWhenIdle) {
  moss::testing::TempDir dir;
  BackgroundUnlink unlink;
  for (int i = 0; i < 5; ++i) unlink.remove(make_file(dir.path(), "f" + std::to_string(i)));
  const std::string kept = make_file(dir.path(), "kept");
  unlink.wait_idle();
  EXPECT_EQ(count_files(dir.path()), 1u);
  EXPECT_TRUE(std::filesystem::exists(kept));
}

TEST(BackgroundUnlink, DestroyingItRemovesWhatIsQueued) {
  moss::testing::TempDir dir;
  {
    BackgroundUnlink unlink;
    for (int i = 0; i < 50; ++i) unlink.remove(make_file(dir.path(), "f" + std::to_string(i)));
  }
  EXPECT_EQ(count_files(dir.path()), 0u);
}

TEST(BackgroundUnlink, WaitingWithNothingQueuedReturns) {
  BackgroundUnlink unlink;
  unlink.wait_idle();
}

}  // namespace
}  // namespace moss::store
