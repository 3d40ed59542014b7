# Warnings and sanitizers for every target of the project (not for dependencies,
# which come precompiled from Debian packages).

add_compile_options(-Wall -Wextra -Wnon-virtual-dtor)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  add_compile_options(-Wshadow=local)
endif()
if(AL_WERROR)
  add_compile_options(-Werror)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  add_compile_options(-Wthread-safety)
endif()

if(AL_SANITIZE)
  add_compile_options(-fsanitize=${AL_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${AL_SANITIZE})
endif()

if(AL_BUILD_FUZZ)
  # Instrument everything for coverage; only the fuzz executables link the driver.
  # No recovery: a UBSan report must stop the fuzzer and fail the run.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# simdjson's On-Demand parser is compiled into our code, so the SIMD kernel it
# uses is fixed by our -march: without one it falls back to scalar code. Build
# for x86-64-v3 (AVX2, 2013+) when the build host has it, else x86-64-v2
# (SSE4.2, 2009+), and add PCLMUL either way: simdjson's haswell and westmere
# kernels require it, and no ISA level includes it (every AVX2 CPU has it).
# Override with -DAL_MARCH=... (e.g. native, or empty for the compiler default).
if(NOT DEFINED AL_MARCH AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  include(CheckCXXSourceRuns)
  set(CMAKE_REQUIRED_QUIET ON)
  check_cxx_source_runs("int main() { return __builtin_cpu_supports(\"avx2\") ? 0 : 1; }" AL_HOST_HAS_AVX2)
  if(AL_HOST_HAS_AVX2)
    set(AL_MARCH "x86-64-v3" CACHE STRING "Target ISA level (-march)")
  else()
    set(AL_MARCH "x86-64-v2" CACHE STRING "Target ISA level (-march)")
  endif()
endif()
if(AL_MARCH)
  add_compile_options(-march=${AL_MARCH})
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64" AND NOT AL_MARCH STREQUAL "native")
    add_compile_options(-mpclmul)
  endif()
endif()
message(STATUS "auditlog: -march=${AL_MARCH}")
