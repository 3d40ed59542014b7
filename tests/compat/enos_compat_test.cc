// Placeholder: the enos compatibility tests are being written.
#include "compat_fixture.h"
