/* hash.h: SHA-256 (OpenSSL's libcrypto) for content-addressed cache keys. */
#ifndef LUPINE_HASH_H
#define LUPINE_HASH_H

#include <stddef.h>

struct hash {
	void *ctx;
};

void hash_init(struct hash *h);
void hash_add(struct hash *h, const void *data, size_t len);
/* Adds a string followed by a NUL, so "ab"+"c" and "a"+"bc" differ. */
void hash_add_str(struct hash *h, const char *s);
/* Adds a file's contents; returns -1 with errno when it cannot be read. */
int hash_add_file(struct hash *h, const char *path);
/* Writes 64 hex digits and a NUL to out and releases h. */
void hash_final_hex(struct hash *h, char out[65]);

#endif
