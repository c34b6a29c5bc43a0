// The declarations are in include/CFuzzing.h; libFuzzer defines them.
#include "CFuzzing.h"
