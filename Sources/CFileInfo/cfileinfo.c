#include "CFileInfo.h"
#include <sys/stat.h>

static void fill(const struct stat *status, cfileinfo_t *info) {
    info->device = (uint64_t)status->st_dev;
    info->inode = (uint64_t)status->st_ino;
    info->size = (int64_t)status->st_size;
    info->is_regular = S_ISREG(status->st_mode) ? 1 : 0;
}

int cfileinfo_path(const char *path, cfileinfo_t *info) {
    struct stat status;
    if (stat(path, &status) != 0) return -1;
    fill(&status, info);
    return 0;
}

int cfileinfo_descriptor(int descriptor, cfileinfo_t *info) {
    struct stat status;
    if (fstat(descriptor, &status) != 0) return -1;
    fill(&status, info);
    return 0;
}
