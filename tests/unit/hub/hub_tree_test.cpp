// Tree listings of a revision: direct children, recursive, folders implied.
#include "hub/hub_tree.h"

#include <gtest/gtest.h>

namespace moss::s3 {
namespace {

std::vector<hub::HubFile> files() {
  return {{"a/b/c.txt", 1, ""}, {"a/d.txt", 1, ""}, {"config.json", 1, ""}, {"z.bin", 1, ""}};
}

std::vector<std::string> paths(const TreeListing& listing) {
  std::vector<std::string> out;
  for (const auto& e : listing.entries) out.push_back(e.file ? e.path : e.path + "/");
  return out;
}

TEST(HubTree, RootListsDirectChildrenWithFolders) {
  const auto f = files();
  EXPECT_EQ(paths(list_tree(f, "", false)),
            (std::vector<std::string>{"a/", "config.json", "z.bin"}));
}

TEST(HubTree, RecursiveListsEveryFileAndFolder) {
  const auto f = files();
  EXPECT_EQ(
      paths(list_tree(f, "", true)),
      (std::vector<std::string>{"a/", "a/b/", "a/b/c.txt", "a/d.txt", "config.json", "z.bin"}));
  EXPECT_EQ(paths(list_tree(f, "a", true)),
            (std::vector<std::string>{"a/b/", "a/b/c.txt", "a/d.txt"}));
}

TEST(HubTree, AFolderListsItsChildren) {
  const auto f = files();
  EXPECT_EQ(paths(list_tree(f, "a", false)), (std::vector<std::string>{"a/b/", "a/d.txt"}));
}

TEST(HubTree, MissingFoldersAndFilesAreToldApart) {
  const auto f = files();
  EXPECT_EQ(list_tree(f, "nope", false).lookup, TreeLookup::kNotFound);
  EXPECT_EQ(list_tree(f, "config.json", false).lookup, TreeLookup::kIsAFile);
  // "a/b" is a prefix of no file's folder "a/bc".
  EXPECT_EQ(list_tree({{"a/bc", 1, ""}}, "a/b", false).lookup, TreeLookup::kNotFound);
}

TEST(HubTree, IsFolder) {
  const auto f = files();
  EXPECT_TRUE(is_folder(f, "a"));
  EXPECT_TRUE(is_folder(f, "a/b"));
  EXPECT_FALSE(is_folder(f, "config.json"));
  EXPECT_FALSE(is_folder(f, ""));
  EXPECT_EQ(files_under(f, "a").size(), 2u);
}

}  // namespace
}  // namespace moss::s3
