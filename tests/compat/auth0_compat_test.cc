// Placeholder: the auth0 compatibility tests are being written.
#include "compat_fixture.h"
