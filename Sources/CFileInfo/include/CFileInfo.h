#ifndef CFILEINFO_H
#define CFILEINFO_H
#include <stdint.h>

/// A regular file's identity and size. (A C shim because Swift modules that also see SwiftNIO's C module cannot
/// use `struct stat` members under MemberImportVisibility.)
typedef struct {
    uint64_t device;
    uint64_t inode;
    int64_t size;
    int is_regular;
} cfileinfo_t;

/// `stat` of `path`; 0 on success, -1 with errno set.
int cfileinfo_path(const char *path, cfileinfo_t *info);
/// `fstat` of `descriptor`; 0 on success, -1 with errno set.
int cfileinfo_descriptor(int descriptor, cfileinfo_t *info);

#endif
