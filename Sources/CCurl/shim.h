// libcurl, imported into Swift as the CCurl module.
//
// curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are C variadic functions, which
// Swift cannot call. Each `breather_` wrapper below fixes the type of the third argument, so
// Swift calls a plain function and the compiler checks the kind of value it passes.
#ifndef BREATHER_CCURL_SHIM_H
#define BREATHER_CCURL_SHIM_H

#include <curl/curl.h>

// Callback types as libcurl documents them (write and header callbacks share one shape).
typedef size_t (*breather_curl_data_callback)(char *data, size_t size, size_t count, void *userdata);

// Option values defined as macros composed of other macros, which Swift may not import.
static const long BREATHER_CURL_REDIR_POST_ALL = CURL_REDIR_POST_ALL;
static const long BREATHER_CURL_GLOBAL_DEFAULT = CURL_GLOBAL_DEFAULT;

// curl_easy_setopt with a `long` (flags, sizes, timeouts).
static inline CURLcode breather_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

// curl_easy_setopt with a `curl_off_t` (the *_LARGE options).
static inline CURLcode breather_curl_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

// curl_easy_setopt with a C string; libcurl copies strings (except POSTFIELDS, never used).
static inline CURLcode breather_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

// curl_easy_setopt with an opaque pointer (WRITEDATA, HEADERDATA, PRIVATE).
static inline CURLcode breather_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

// curl_easy_setopt with a header list; the list must outlive the transfer.
static inline CURLcode breather_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

// curl_easy_setopt with a write or header callback.
static inline CURLcode breather_curl_easy_setopt_data_callback(CURL *handle, CURLoption option, breather_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

// curl_easy_getinfo for `long` results (CURLINFO_RESPONSE_CODE, ...).
static inline CURLcode breather_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

// curl_multi_setopt with a `long` (CURLMOPT_MAXCONNECTS, ...).
static inline CURLMcode breather_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

#endif
