// Heap bytes in use, from glibc's mallinfo2(); the Glibc Swift module does not export malloc.h.
#ifndef CHEAPUSAGE_H
#define CHEAPUSAGE_H
#include <stddef.h>
size_t heap_bytes_in_use(void);
#endif
