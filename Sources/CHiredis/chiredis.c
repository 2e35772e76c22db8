// Everything is inline in include/CHiredis.h; this file makes the target a C target that links hiredis.
#include "CHiredis.h"
