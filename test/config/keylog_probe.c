/* Compiled by the keylog_warning tests (CMakeLists.txt here): includes the
 * configuration only, to see whether config.h warns about TIP_KEYLOG. */
#include "tinyipsec/config.h"

int tip_keylog_probe(void);
int tip_keylog_probe(void)
{
    return TIP_KEYLOG;
}
