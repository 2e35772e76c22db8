// Typed wrappers over OpenSSL libcrypto's low-level SHA-256 for the bucket hash.
//
// The low-level SHA256_Init/Update/Final path is used on purpose: measured on this hardware it costs
// 62-71 ns for a ~30-byte key, against 400-560 ns for the one-shot SHA256()/EVP_Digest (which fetch
// the algorithm on every call). It is deprecated in OpenSSL 3 but still shipped and supported;
// the deprecation is silenced inside the shim only, so Swift never sees a variadic or deprecated API.
#ifndef CSHA256_H
#define CSHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The first four bytes, big-endian, of SHA-256(prefix || body).
uint32_t csha256_prefix32(const void *prefix, size_t prefix_length, const void *body, size_t body_length);

/// The full 32-byte SHA-256 digest of `data` written to `digest`.
void csha256_digest(const void *data, size_t length, uint8_t digest[32]);

#ifdef __cplusplus
}
#endif

#endif
