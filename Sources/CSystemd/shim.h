// The parts of libsystemd that Breather uses, imported into Swift as the CSystemd module.
//
// Swift cannot call C variadic functions (sd_journal_send, sd_notifyf, sd_bus_message_append,
// ...), so the Swift side uses the non-variadic entry points (sd_journal_sendv, sd_notify,
// sd_bus_message_append_basic). The few `breather_` functions below exist only where a C
// macro or a `void *` argument does not import into Swift in a usable, typed form.
#ifndef BREATHER_CSYSTEMD_SHIM_H
#define BREATHER_CSYSTEMD_SHIM_H

#include <stdint.h>
#include <sys/uio.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

// SD_LISTEN_FDS_START is a macro; a function keeps it typed (int) on the Swift side.
static inline int breather_sd_listen_fds_start(void) {
    return SD_LISTEN_FDS_START;
}

// SD_BUS_ERROR_NULL is a compound-literal macro Swift cannot import.
static inline sd_bus_error breather_sd_bus_error_null(void) {
    sd_bus_error error = SD_BUS_ERROR_NULL;
    return error;
}

// sd_bus_message_append_basic takes `const void *` whose meaning depends on the type
// character: for strings it is the `char *` itself, for numbers a pointer to the number.
// Typed wrappers keep Swift from passing the wrong kind of pointer.
static inline int breather_sd_bus_message_append_string(sd_bus_message *m, const char *value) {
    return sd_bus_message_append_basic(m, SD_BUS_TYPE_STRING, value);
}

static inline int breather_sd_bus_message_append_int32(sd_bus_message *m, int32_t value) {
    return sd_bus_message_append_basic(m, SD_BUS_TYPE_INT32, &value);
}

static inline int breather_sd_bus_message_append_uint32(sd_bus_message *m, uint32_t value) {
    return sd_bus_message_append_basic(m, SD_BUS_TYPE_UINT32, &value);
}

static inline int breather_sd_bus_message_append_bool(sd_bus_message *m, int value) {
    int b = value ? 1 : 0;
    return sd_bus_message_append_basic(m, SD_BUS_TYPE_BOOLEAN, &b);
}

// The notification hints carry the urgency as a variant of type `y` (a byte); the same
// `const void *` reason as above.
static inline int breather_sd_bus_message_append_byte(sd_bus_message *m, uint8_t value) {
    return sd_bus_message_append_basic(m, SD_BUS_TYPE_BYTE, &value);
}

// sd_bus_message_read_basic writes through `void *`; typed readers for the two types the
// notification signals carry (u, s). The string stays owned by the message.
static inline int breather_sd_bus_message_read_uint32(sd_bus_message *m, uint32_t *value) {
    return sd_bus_message_read_basic(m, SD_BUS_TYPE_UINT32, value);
}

static inline int breather_sd_bus_message_read_string(sd_bus_message *m, const char **value) {
    return sd_bus_message_read_basic(m, SD_BUS_TYPE_STRING, value);
}

// logind's PrepareForSleep carries a boolean, which sd-bus reads into an int.
static inline int breather_sd_bus_message_read_bool(sd_bus_message *m, int *value) {
    return sd_bus_message_read_basic(m, SD_BUS_TYPE_BOOLEAN, value);
}

// logind's Inhibit answers with a file descriptor (type `h`); it stays owned by the
// message, so the caller duplicates it to keep it.
static inline int breather_sd_bus_message_read_unix_fd(sd_bus_message *m, int *fd) {
    return sd_bus_message_read_basic(m, SD_BUS_TYPE_UNIX_FD, fd);
}

#endif
