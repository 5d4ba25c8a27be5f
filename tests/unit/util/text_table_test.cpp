#include "moss/util/text_table.h"

#include <gtest/gtest.h>

namespace moss {
namespace {

TEST(TextTable, PadsEachColumnToItsWidestCellTwoSpacesApart) {
  EXPECT_EQ(format_text_table({{"NAME", "SIZE"}, {"a", "12345"}, {"longer", "1"}}),
            "NAME    SIZE\n"
            "a       12345\n"
            "longer  1\n");
}

TEST(TextTable, ShortRowsAreNotPaddedPastTheirLastCell) {
  EXPECT_EQ(format_text_table({{"a", "b", "c"}, {"xyz"}}),
            "a    b  c\n"
            "xyz\n");
}

TEST(TextTable, NoRowsIsEmpty) { EXPECT_EQ(format_text_table({}), ""); }

}  // namespace
}  // namespace moss
