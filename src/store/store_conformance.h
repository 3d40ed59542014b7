#pragma once

// The conformance suite every Store implementation passes. An implementation
// instantiates it with a factory of harnesses:
//
//   INSTANTIATE_TEST_SUITE_P(Embedded, StoreConformanceTest,
//                            ::testing::Values(&MakeEmbeddedHarness));
//
// The suite checks the contract of store.h (seq, idempotency, tenants,
// read-your-writes) and compares every Search and Aggregate with the
// reference matcher (query/matcher.h) over the same events, with data before
// and after Flush() and Reopen().

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "store/store.h"

namespace auditlog::store {

class StoreHarness {
 public:
  virtual ~StoreHarness() = default;
  virtual Store& store() = 0;
  // Moves what the store holds to its long-term form (segments, parts).
  virtual void Flush() = 0;
  // Closes and opens the store again on the same data.
  virtual void Reopen() = 0;
};

using StoreHarnessFactory = std::unique_ptr<StoreHarness> (*)();

class StoreConformanceTest : public ::testing::TestWithParam<StoreHarnessFactory> {
 protected:
  void SetUp() override { harness_ = GetParam()(); }
  Store& store() { return harness_->store(); }
  std::unique_ptr<StoreHarness> harness_;
};

}  // namespace auditlog::store
