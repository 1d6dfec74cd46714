// The few sd-bus calls `breather doctor` makes, reached through libsystemd loaded at run time
// (dlopen) instead of linked: the CLI then starts without loading libsystemd and the libraries
// it pulls in, which every `breather status` would pay for. Only the types come from the
// headers; nothing here links libsystemd (the module map has no `link`).
#ifndef BREATHER_CSYSTEMDLOADER_SHIM_H
#define BREATHER_CSYSTEMDLOADER_SHIM_H

#include <dlfcn.h>
#include <stddef.h>
#include <systemd/sd-bus.h>

// Each field has the type of the function it points to, taken from the header with
// __typeof__ (which does not reference the symbol), so a wrong signature fails to compile.
typedef struct {
    __typeof__(sd_bus_open_user_with_description) *open_user_with_description;
    __typeof__(sd_bus_close_unref) *close_unref;
    __typeof__(sd_bus_message_new_method_call) *message_new_method_call;
    __typeof__(sd_bus_message_unref) *message_unref;
    __typeof__(sd_bus_call) *call;
    __typeof__(sd_bus_error_free) *error_free;
    __typeof__(sd_bus_error_is_set) *error_is_set;
    __typeof__(sd_bus_message_enter_container) *message_enter_container;
    __typeof__(sd_bus_message_read_basic) *message_read_basic;
    __typeof__(sd_bus_message_exit_container) *message_exit_container;
} breather_sd_bus_calls;

// Loads libsystemd.so.0 (once per process: dlopen counts references) and fills `calls`.
// NULL when every function was found, else dlerror()'s words. The library stays loaded.
static inline const char *breather_sd_bus_calls_load(breather_sd_bus_calls *calls) {
    void *library = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *why = dlerror();
        return why != NULL ? why : "libsystemd.so.0";
    }
#define BREATHER_LOAD(field, symbol)                                     \
    do {                                                                 \
        calls->field = (__typeof__(calls->field))dlsym(library, symbol); \
        if (calls->field == NULL) {                                      \
            const char *why = dlerror();                                 \
            return why != NULL ? why : symbol;                           \
        }                                                                \
    } while (0)
    BREATHER_LOAD(open_user_with_description, "sd_bus_open_user_with_description");
    BREATHER_LOAD(close_unref, "sd_bus_close_unref");
    BREATHER_LOAD(message_new_method_call, "sd_bus_message_new_method_call");
    BREATHER_LOAD(message_unref, "sd_bus_message_unref");
    BREATHER_LOAD(call, "sd_bus_call");
    BREATHER_LOAD(error_free, "sd_bus_error_free");
    BREATHER_LOAD(error_is_set, "sd_bus_error_is_set");
    BREATHER_LOAD(message_enter_container, "sd_bus_message_enter_container");
    BREATHER_LOAD(message_read_basic, "sd_bus_message_read_basic");
    BREATHER_LOAD(message_exit_container, "sd_bus_message_exit_container");
#undef BREATHER_LOAD
    return NULL;
}

// SD_BUS_ERROR_NULL is a compound-literal macro Swift cannot import.
static inline sd_bus_error breather_loaded_sd_bus_error_null(void) {
    sd_bus_error error = SD_BUS_ERROR_NULL;
    return error;
}

// sd_bus_message_read_basic writes through `void *`; for a string it stores a `const char *`
// that stays owned by the message. A typed reader keeps Swift from passing the wrong pointer.
static inline int breather_loaded_sd_bus_message_read_string(
    const breather_sd_bus_calls *calls, sd_bus_message *m, const char **value) {
    return calls->message_read_basic(m, SD_BUS_TYPE_STRING, value);
}

#endif
