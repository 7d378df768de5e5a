"""A GTK 3 window with an entry whose text is selected: ``python3 gtkentry.py TEXT START END``.

Run with Debian's ``python3`` (``python3-gi``, ``gir1.2-gtk-3.0``: PyGObject is not in the
project's venv). GTK publishes the entry's text and selection over AT-SPI when the bus has
accessibility on; it prints ``selected`` once the selection is made.
"""

import sys

import gi

gi.require_version("Gtk", "3.0")
from gi.repository import GLib, Gtk  # noqa: E402 - after the version is chosen

win = Gtk.Window(title="gtk-selection")
entry = Gtk.Entry()
entry.set_text(sys.argv[1])
win.add(entry)
win.connect("destroy", Gtk.main_quit)
win.show_all()


def select():
    entry.grab_focus()
    entry.select_region(int(sys.argv[2]), int(sys.argv[3]))
    print("selected", flush=True)


GLib.timeout_add(500, select)
Gtk.main()
