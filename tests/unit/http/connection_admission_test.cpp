#include "http/connection_admission.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace moss::http {
namespace {

TEST(ConnectionAdmission, AdmitsUpToTheLimitAndAgainOnceAPlaceIsFree) {
  ConnectionAdmission admission(2);
  auto first = admission.try_admit();
  auto second = admission.try_admit();
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(admission.try_admit());
  EXPECT_EQ(admission.open(), 2u);
  second.reset();
  EXPECT_EQ(admission.open(), 1u);
  EXPECT_TRUE(admission.try_admit());
}

TEST(ConnectionAdmission, AMovedTicketHoldsOnePlace) {
  ConnectionAdmission admission(1);
  std::optional<ConnectionAdmission::Ticket> held;
  {
    auto ticket = admission.try_admit();
    ASSERT_TRUE(ticket);
    held.emplace(std::move(*ticket));
  }
  EXPECT_EQ(admission.open(), 1u);
  held.reset();
  EXPECT_EQ(admission.open(), 0u);
}

TEST(ConnectionAdmission, ZeroMeansNoLimit) {
  ConnectionAdmission admission(0);
  std::vector<ConnectionAdmission::Ticket> tickets;
  for (int i = 0; i < 1000; ++i) {
    auto ticket = admission.try_admit();
    ASSERT_TRUE(ticket);
    tickets.push_back(std::move(*ticket));
  }
  EXPECT_EQ(admission.open(), 1000u);
}

}  // namespace
}  // namespace moss::http
