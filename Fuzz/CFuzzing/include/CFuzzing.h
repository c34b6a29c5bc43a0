// libFuzzer's entry point for programs that have their own main
// (https://llvm.org/docs/LibFuzzer.html#using-libfuzzer-as-a-library).
// SwiftPM links an executable with `--defsym main=<module>_main`, which
// under -parse-as-library nothing defines; each fuzz target defines
// `<module>_main` (FuzzMain in its file) and hands its test function here.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*test)(const uint8_t *data, size_t size));
