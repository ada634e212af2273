#include "heroku.h"

#include <curl/curl.h>
#include <stdio.h>

const char *ag_heroku_lib_version(void)
{
	static char buf[128];
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	snprintf(buf, sizeof buf, "libcurl %s (%s)", v->version, v->ssl_version ? v->ssl_version : "no TLS");
	return buf;
}
