from runnotes.cli import main

main()
