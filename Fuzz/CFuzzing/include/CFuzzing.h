// libFuzzer's entry point for programs that have their own main
// (https://llvm.org/docs/LibFuzzer.html#using-libfuzzer-as-a-library).
// SwiftPM links an executable with `--defsym main=<module>_main`, which
// under -parse-as-library nothing defines; each fuzz target defines
// `<module>_main` (fuzzMain in its file), which hands its test function
// here through FuzzSupport's runFuzzer.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*test)(const uint8_t *data, size_t size));
