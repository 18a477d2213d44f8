// libFuzzer's driver entry point, for the fuzz executables' own `main` (see FUZZING.md).
//
// SwiftPM links every executable with its own `main` (the `@main` type), so the fuzz executables cannot use the
// `main` of libFuzzer's full runtime: scripts/fuzz links `libclang_rt.fuzzer_no_main` instead, and the executable
// calls this function, which parses libFuzzer's flags and runs the fuzzing loop. Only the `-DFUZZING` build calls it;
// other builds never reference the symbol.
// https://llvm.org/docs/LibFuzzer.html#using-libfuzzer-as-a-library
#ifndef GATEWAYD_CLIBFUZZER_H
#define GATEWAYD_CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));

// libFuzzer's own mutation, for a custom mutator that adds to it.
size_t LLVMFuzzerMutate(uint8_t *Data, size_t Size, size_t MaxSize);

#endif
