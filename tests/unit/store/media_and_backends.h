// Store suites that run on every medium (temp_dir.h: tmpfs and a disk, whose
// blob write paths differ) with every metadata backend (metadata_backends.h).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "unit/store/metadata_backends.h"
#include "unit/store/temp_dir.h"

namespace moss::testing {

using MediumAndBackend = std::tuple<Medium, MetadataBackend>;

inline std::string medium_and_backend_name(const ::testing::TestParamInfo<MediumAndBackend>& info) {
  return medium_name(std::get<0>(info.param)) +
         (std::get<1>(info.param) == MetadataBackend::kSqlite ? "Sqlite" : "Postgres");
}

}  // namespace moss::testing

// Runs a TEST_P suite, whose parameter is a MediumAndBackend, once per medium
// and metadata backend.
#define MOSS_INSTANTIATE_ON_EACH_MEDIUM_AND_BACKEND(Suite)                                     \
  INSTANTIATE_TEST_SUITE_P(                                                                    \
      OnMemoryAndDisk, Suite,                                                                  \
      ::testing::Combine(                                                                      \
          ::testing::Values(::moss::testing::Medium::kMemory, ::moss::testing::Medium::kDisk), \
          ::testing::Values(::moss::testing::MetadataBackend::kSqlite,                         \
                            ::moss::testing::MetadataBackend::kPostgres)),                     \
      ::moss::testing::medium_and_backend_name)
