/* Hashing host files. */
#ifndef LIBOS_FILE_HASH_H
#define LIBOS_FILE_HASH_H

#include <stdint.h>

/* The SHA-256 of the regular host file at host_path as it is now, in hex, and its size.
 * Returns NULL, or why it could not (one phrase: "no longer exists", an errno name...). */
const char *libos_hash_host_file(const char *host_path, char hex[65], uint64_t *size);

#endif
