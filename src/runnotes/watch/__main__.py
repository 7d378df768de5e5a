"""``python -m runnotes.watch SPOOL``: the reader process of a watched command's output
(:mod:`runnotes.watch.reader`; started by ``watch``, the next ``watch`` or ``runnotes doctor``)."""

import sys

from runnotes.watch.reader import main

sys.exit(main(sys.argv))
