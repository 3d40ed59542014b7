// Placeholder: the authing compatibility tests are being written.
#include "compat_fixture.h"
