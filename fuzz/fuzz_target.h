// The one entry point every fuzz target defines. libFuzzer calls it in the fuzz build
// (-DARBITER_FUZZ=ON, clang); replay_main.cc calls it over saved inputs in every build, so a
// crash found once is a regression test forever. A target must not keep state between calls
// that changes its behaviour, and must never write outside memory it owns.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
