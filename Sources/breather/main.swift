import BreatherCLI

BreatherCommand.main()
