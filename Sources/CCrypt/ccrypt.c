#include "ccrypt.h"

#include <crypt.h>
#include <string.h>

int ccrypt_verify(const char *password, const char *hash) {
    struct crypt_data data;
    memset(&data, 0, sizeof data);
    const char *computed = crypt_rn(password, hash, &data, (int)sizeof data);
    if (computed == NULL || computed[0] == '*') return 0;
    size_t length = strlen(hash);
    if (strlen(computed) != length) return 0;
    /* Constant time over the hash's length: the comparison does not say where the first difference is. */
    unsigned char difference = 0;
    for (size_t index = 0; index < length; index++) difference |= (unsigned char)(computed[index] ^ hash[index]);
    return difference == 0;
}
