/* An application with exactly the library's configuration. */
#include "mismatch_lib.h"
