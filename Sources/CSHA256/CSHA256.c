#define OPENSSL_SUPPRESS_DEPRECATED
#include "CSHA256.h"
#include <openssl/sha.h>
#include <string.h>

uint32_t csha256_prefix32(const void *prefix, size_t prefix_length, const void *body, size_t body_length) {
    SHA256_CTX context;
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256_Init(&context);
    size_t length = prefix_length + body_length;
    if (length <= 55) {
        // The whole message fits one block with its padding (FIPS 180-4 §5.1.1: 0x80, zeros, 64-bit big-endian bit
        // length), so OpenSSL's block function runs once on a block padded here; the digest's first word is the
        // chaining value h0. This skips Update's buffering and Final's copy-out and cleanse: about a third of the
        // cost of a short key.
        unsigned char block[64] = {0};
        memcpy(block, prefix, prefix_length);
        memcpy(block + prefix_length, body, body_length);
        block[length] = 0x80;
        uint64_t bits = (uint64_t)length * 8;
        for (int index = 0; index < 8; index++) block[63 - index] = (unsigned char)(bits >> (8 * index));
        SHA256_Transform(&context, block);
        return (uint32_t)context.h[0];
    }
    if (length <= 256) {
        // One update over a contiguous key, as the seed hashed it: measurably cheaper than two for short keys.
        unsigned char key[256];
        memcpy(key, prefix, prefix_length);
        memcpy(key + prefix_length, body, body_length);
        SHA256_Update(&context, key, prefix_length + body_length);
    } else {
        SHA256_Update(&context, prefix, prefix_length);
        SHA256_Update(&context, body, body_length);
    }
    SHA256_Final(digest, &context);
    return ((uint32_t)digest[0] << 24) | ((uint32_t)digest[1] << 16) | ((uint32_t)digest[2] << 8) | (uint32_t)digest[3];
}

void csha256_digest(const void *data, size_t length, uint8_t digest[32]) {
    SHA256_CTX context;
    SHA256_Init(&context);
    SHA256_Update(&context, data, length);
    SHA256_Final(digest, &context);
}
