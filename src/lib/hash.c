/* hash.c: SHA-256 (OpenSSL's libcrypto) for content-addressed cache keys. */
#include "lib/hash.h"
#include "lib/util.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>
#include <unistd.h>

void hash_init(struct hash *h)
{
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || !EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL))
		die("cannot initialise SHA-256");
}

void hash_add(struct hash *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->ctx, data, len);
}

void hash_add_str(struct hash *h, const char *s)
{
	hash_add(h, s, strlen(s) + 1);
}

int hash_add_file(struct hash *h, const char *path)
{
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		hash_add(h, buf, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}

void hash_final_hex(struct hash *h, char out[65])
{
	unsigned char md[32];
	unsigned int len = 0;

	EVP_DigestFinal_ex(h->ctx, md, &len);
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
	for (unsigned i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
	out[64] = 0;
}
