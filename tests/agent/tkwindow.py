"""A test window: Tk Text widget showing the given lines, at a fixed place, with a known class.

Usage: tkwindow.py TITLE CLASS X Y FONT_SIZE LINE... — prints ``ready <line height>
<char width> <text x> <text y>`` (screen pixels) once mapped: the test knows where each
character is.
"""

import sys
import tkinter as tk
import tkinter.font as tkfont

title, wm_class, x, y, size, *lines = sys.argv[1:]
root = tk.Tk(className=wm_class)
root.title(title)
root.geometry(f"+{x}+{y}")
font = tkfont.Font(family="DejaVu Sans Mono", size=-int(size))
text = tk.Text(
    root,
    font=font,
    width=70,
    height=len(lines) + 1,
    borderwidth=0,
    highlightthickness=0,
    padx=0,
    pady=0,
    background="#101418",
    foreground="#e0e0d0",
    selectbackground="#3060a0",
    exportselection=True,
    spacing1=0,
    spacing3=0,
)
text.insert("1.0", "\n".join(lines))
text.pack(padx=10, pady=10)


def report() -> None:
    root.update_idletasks()
    bbox = text.bbox("1.0")
    print(
        f"ready {font.metrics('linespace')} {font.measure('0')} {text.winfo_rootx() + bbox[0]} "
        f"{text.winfo_rooty() + bbox[1]}",
        flush=True,
    )


root.after(300, report)
root.mainloop()
