// OpenBLAS's CBLAS interface (Debian: libopenblas-dev, found through pkg-config
// `openblas`). cblas.h also declares openblas_set_num_threads and friends.
#include <cblas.h>

// Exported by DYNAMIC_ARCH builds of OpenBLAS (Debian's is one), though not
// declared in its headers: drop and redo the choice of CPU kernels, which
// reads OPENBLAS_CORETYPE. Used once, before any BLAS call, by
// SochVector's BLAS.setUp() when OpenBLAS could not identify the CPU.
void gotoblas_dynamic_init(void);
void gotoblas_dynamic_quit(void);
char *openblas_get_corename(void);
