import BreatherDaemon

Daemon.run()
