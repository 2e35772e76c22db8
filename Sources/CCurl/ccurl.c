// Everything is inline in include/CCurl.h; this file makes the target a C target that links libcurl.
#include "CCurl.h"
