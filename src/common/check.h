#pragma once

// Invariant checks (STYLE.md §3). Input, disk and network problems are never
// checked with these: they return a Status.
//
//   AL_CHECK(cond, why)   cannot continue safely: aborts in every build.
//   AL_DCHECK(cond, why)  provable internal invariant: debug builds only.
//
// `why` states the belief behind the check ("caller holds mu_").

#include <cstdio>
#include <cstdlib>

namespace auditlog::internal {
[[noreturn]] inline void CheckFailed(const char* file, int line, const char* cond,
                                     const char* why) {
  std::fprintf(stderr, "%s:%d: check failed: %s (%s)\n", file, line, cond, why);
  std::abort();
}
}  // namespace auditlog::internal

#define AL_CHECK(cond, why) \
  ((cond) ? (void)0 : ::auditlog::internal::CheckFailed(__FILE__, __LINE__, #cond, why))

#ifdef NDEBUG
#define AL_DCHECK(cond, why) ((void)0)
#else
#define AL_DCHECK(cond, why) AL_CHECK(cond, why)
#endif
