#ifndef CCRYPT_H
#define CCRYPT_H

/// 1 when `password` hashes to `hash` under the hash's own method (bcrypt's $2a$/$2b$/$2y$ among them), else 0.
/// Thread-safe: the work area is the caller's stack, through crypt_rn(3) of libxcrypt.
int ccrypt_verify(const char *password, const char *hash);

#endif
