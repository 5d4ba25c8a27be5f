#include <gtest/gtest.h>

#include <string>

#include "moss/store/sqlite_db.h"
#include "unit/store/temp_dir.h"

namespace moss::store {
namespace {

TEST(SqliteStatement, BindAllBindsValuesToNumberedParametersInOrder) {
  testing::TempDir dir;
  auto db = SqliteConnection::open(dir.path() + "/t.db", false);
  ASSERT_TRUE(db.ok()) << db.error().message;
  auto st = (*db)->prepare("SELECT ?1, ?2, ?3");
  ASSERT_TRUE(st.ok());
  st->bind_all(int64_t{7}, std::string("text"), int64_t{-1});
  auto row = st->step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(st->column_int(0), 7);
  EXPECT_EQ(st->column_text(1), "text");
  EXPECT_EQ(st->column_int(2), -1);
}

TEST(SqliteStatement, ReadColumnsFillsFieldsByTheirTypeFromTheFirstColumnGiven) {
  testing::TempDir dir;
  auto db = SqliteConnection::open(dir.path() + "/t.db", false);
  ASSERT_TRUE(db.ok()) << db.error().message;
  auto st = (*db)->prepare("SELECT 'skipped', 42, 'name', 1, 0, 5000000000, 3");
  ASSERT_TRUE(st.ok());
  auto row = st->step();
  ASSERT_TRUE(row.ok() && *row);
  int64_t number = 0;
  std::string name;
  bool yes = false;
  bool no = true;
  uint64_t big = 0;
  int small = 0;
  st->read_columns(1, number, name, yes, no, big, small);
  EXPECT_EQ(number, 42);
  EXPECT_EQ(name, "name");
  EXPECT_TRUE(yes);
  EXPECT_FALSE(no);
  EXPECT_EQ(big, 5000000000u);
  EXPECT_EQ(small, 3);
}

TEST(SqliteStatement, FirstRowIsTheRowMadeAValueOrNulloptWhenThereIsNone) {
  testing::TempDir dir;
  auto db = SqliteConnection::open(dir.path() + "/t.db", false);
  ASSERT_TRUE(db.ok()) << db.error().message;
  auto st = (*db)->prepare("SELECT ?1 WHERE ?1 > 0");
  ASSERT_TRUE(st.ok());
  auto text = [](SqliteStatement& row) { return row.column_text(0); };
  auto found = st->bind_all(int64_t{5}).first_row(text);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, std::optional<std::string>("5"));
  st->reset();
  auto none = st->bind_all(int64_t{-5}).first_row(text);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(SqliteConnection, ADatabaseThatCannotGrowFailsAsNoSpaceNotAsAnIoError) {
  testing::TempDir dir;
  auto db = SqliteConnection::open(dir.path() + "/t.db", false);
  ASSERT_TRUE(db.ok()) << db.error().message;
  ASSERT_TRUE((*db)->exec("CREATE TABLE t (v BLOB)").ok());
  // max_page_count is how SQLite reports SQLITE_FULL without filling a disk.
  ASSERT_TRUE((*db)->exec("PRAGMA max_page_count = 8").ok());
  auto insert = (*db)->prepare("INSERT INTO t VALUES (zeroblob(65536))");
  ASSERT_TRUE(insert.ok());
  auto stepped = insert->step();
  ASSERT_FALSE(stepped.ok());
  EXPECT_EQ(stepped.error().code, StoreErrc::kNoSpace) << stepped.error().message;
  auto executed = (*db)->exec("INSERT INTO t VALUES (zeroblob(65536))");
  ASSERT_FALSE(executed.ok());
  EXPECT_EQ(executed.error().code, StoreErrc::kNoSpace) << executed.error().message;
}

}  // namespace
}  // namespace moss::store
