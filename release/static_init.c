/* Linked into the static binaries only (release/build-static.sh).
 *
 * A static OpenSSL reads the HOST's openssl.cnf (OPENSSLDIR=/etc/ssl, or
 * $OPENSSL_CONF) the first time libpq or libcurl initialises it, and a config
 * written for another OpenSSL build (providers or engines we do not have, a
 * syntax it does not know) makes every TLS connection fail. Initialising
 * libcrypto with NO_LOAD_CONFIG before main() wins the one-time config
 * initialisation, so later OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG) calls
 * (libpq makes one) load nothing. */
#include <openssl/crypto.h>

static void ag_static_init(void) __attribute__((constructor));

static void ag_static_init(void)
{
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
}

