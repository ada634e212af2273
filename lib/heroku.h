/*
 * heroku: the Heroku Platform API client (libcurl + jansson). The only
 * module that includes curl.
 *
 * This header is a placeholder until the API client lands: only the
 * library version is provided.
 */
#ifndef AG_HEROKU_H
#define AG_HEROKU_H

/* "libcurl 7.88.1 (OpenSSL/3.0.x)"; static. */
const char *ag_heroku_lib_version(void);

#endif
