"""A tiny freedesktop notification server that stamps each Notify call with time.time().

Run as its own process with Debian's /usr/bin/python3 (python3-dbus and python3-gi come with
python3-dbusmock): `notify_listener.py LOGFILE READYFILE`, on the bus named by
DBUS_SESSION_BUS_ADDRESS. Each Notify is one JSON line in LOGFILE, flushed at once:
{"t": ..., "app": ..., "summary": ..., "body": ..., "id": ...}. READYFILE appears once the
name org.freedesktop.Notifications is owned. Ends on SIGTERM.
"""

import json
import signal
import sys
import time

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

IFACE = "org.freedesktop.Notifications"


class Server(dbus.service.Object):
    def __init__(self, bus, log):
        super().__init__(bus, "/org/freedesktop/Notifications")
        self.log = log
        self.next_id = 0

    @dbus.service.method(IFACE, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app, replaces, icon, summary, body, actions, hints, timeout):
        now = time.time()
        self.next_id += 1
        self.log.write(json.dumps({"t": now, "app": str(app), "summary": str(summary),
                                   "body": str(body), "id": self.next_id}) + "\n")
        return dbus.UInt32(self.next_id)

    @dbus.service.method(IFACE, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["body", "actions"]

    @dbus.service.method(IFACE, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ("breather-bench", "breather", "1", "1.2")

    @dbus.service.method(IFACE, in_signature="u", out_signature="")
    def CloseNotification(self, notification_id):
        pass


def main() -> int:
    log_file, ready_file = sys.argv[1], sys.argv[2]
    log = open(log_file, "a", buffering=1)
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    name = dbus.service.BusName(IFACE, bus, do_not_queue=True)
    server = Server(bus, log)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    with open(ready_file, "w") as f:
        f.write("ready\n")
    loop.run()
    del name, server
    log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
