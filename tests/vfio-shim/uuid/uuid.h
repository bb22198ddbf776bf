/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one libuuid call upstream's VFIO selftest library makes
 * (uuid_parse(), for VF tokens), for a static guest build: the bench root
 * has libuuid's shared library but neither its header nor an archive.
 */
#ifndef IFD2_SHIM_UUID_H
#define IFD2_SHIM_UUID_H

#include <ctype.h>
#include <string.h>

typedef unsigned char uuid_t[16];

static inline int ifd2_shim_hex(char c)
{
	return isdigit((unsigned char)c) ? c - '0' :
	       tolower((unsigned char)c) - 'a' + 10;
}

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into 16 bytes; 0 or -1. */
static inline int uuid_parse(const char *in, uuid_t uu)
{
	int i, n = 0;

	if (strlen(in) != 36)
		return -1;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (in[i] != '-')
				return -1;
			continue;
		}
		if (!isxdigit((unsigned char)in[i]) ||
		    !isxdigit((unsigned char)in[i + 1]))
			return -1;
		uu[n++] = ifd2_shim_hex(in[i]) << 4 | ifd2_shim_hex(in[i + 1]);
		i++;
	}
	return 0;
}

#endif /* IFD2_SHIM_UUID_H */
