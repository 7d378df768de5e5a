"""A stand-in desktop behind the real xdg-desktop-portal frontend: GlobalShortcuts and
Screenshot backends.

It answers the frontend's ``org.freedesktop.impl.portal.GlobalShortcuts`` calls (CreateSession,
BindShortcuts, ListShortcuts) as a desktop that accepts every shortcut would, and a test
"presses" a shortcut by calling ``Press``/``Release`` on ``org.runnotes.TestKeys``: the backend
then emits ``Activated``/``Deactivated``, which the frontend forwards to the agent. An
``org.freedesktop.impl.portal.Screenshot`` call answers with the PNG named by
``RUNNOTES_TEST_SHOT`` (what the user would have picked in the desktop's dialog). Every call it
got is printed as a JSON line (what the agent asked for). Run: ``python portal_backend.py NAME``.

With ``--registry VERSION`` it stands in for a frontend ≥ 1.21 instead (it then owns
``org.freedesktop.portal.Desktop`` on its own bus): ``org.freedesktop.host.portal.Registry``
with that ``version``, recording ``Register``; ``--registry 0``: a frontend without it.
"""

from __future__ import annotations

import json
import os
import sys
import time

from jeepney import DBusAddress, HeaderFields, MessageType, new_error, new_method_return, new_signal
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import Proxy, open_dbus_connection

PATH = "/org/freedesktop/portal/desktop"
IMPL = "org.freedesktop.impl.portal.GlobalShortcuts"
TEST = "org.runnotes.TestKeys"
SHOT = "org.freedesktop.impl.portal.Screenshot"
REGISTRY = "org.freedesktop.host.portal.Registry"


def main(name: str, registry: int | None = None) -> None:
    conn = open_dbus_connection(bus="SESSION")
    if Proxy(message_bus, conn).RequestName(name, 4)[0] != 1:
        raise SystemExit(f"could not own {name}")
    sessions: list[str] = []
    shortcuts: dict[str, dict] = {}
    print(json.dumps({"ready": name}), flush=True)
    while True:
        msg = conn.receive()
        if msg.header.message_type != MessageType.method_call:
            continue
        fields = msg.header.fields
        iface, member = fields.get(HeaderFields.interface), fields.get(HeaderFields.member)
        print(json.dumps({"call": f"{iface}.{member}"}), flush=True)
        if iface == IMPL and member == "CreateSession":
            _handle, session, app_id, _options = msg.body
            sessions.append(session)
            print(json.dumps({"session": session, "app_id": app_id}), flush=True)
            conn.send(new_method_return(msg, "ua{sv}", (0, {})))
        elif iface == IMPL and member in ("BindShortcuts", "ListShortcuts"):
            if member == "BindShortcuts":
                for sid, props in msg.body[2]:
                    trigger = props.get("preferred_trigger", ("s", ""))[1]
                    shortcuts[sid] = {"trigger_description": ("s", trigger)}
                    print(json.dumps({"bind": sid, "trigger": trigger}), flush=True)
            bound = [(sid, props) for sid, props in shortcuts.items()]
            conn.send(new_method_return(msg, "ua{sv}", (0, {"shortcuts": ("a(sa{sv})", bound)})))
        elif iface == SHOT and member == "Screenshot":
            _handle, app_id, _parent, options = msg.body
            print(json.dumps({"screenshot": {k: v[1] for k, v in options.items()}}), flush=True)
            uri = "file://" + os.environ["RUNNOTES_TEST_SHOT"]
            conn.send(new_method_return(msg, "ua{sv}", (0, {"uri": ("s", uri)})))
        elif iface == REGISTRY and member == "Register" and registry:
            print(json.dumps({"register": msg.body[0]}), flush=True)
            conn.send(new_method_return(msg))
        elif iface == "org.freedesktop.DBus.Properties" and registry is not None:
            if msg.body[0] == REGISTRY and registry:
                conn.send(new_method_return(msg, "v", (("u", registry),)))
            else:
                conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownInterface"))
        elif iface == "org.freedesktop.DBus.Properties":
            if member == "GetAll":
                conn.send(new_method_return(msg, "a{sv}", ({"version": ("u", 1)},)))
            else:
                conn.send(new_method_return(msg, "v", (("u", 1),)))
        elif iface == TEST and member in ("Press", "Release"):
            signal = "Activated" if member == "Press" else "Deactivated"
            stamp = int(time.monotonic() * 1000)
            for session in sessions:
                body = (session, msg.body[0], stamp, {})
                conn.send(new_signal(DBusAddress(PATH, interface=IMPL), signal, "osta{sv}", body))
            conn.send(new_method_return(msg))
        elif iface == "org.freedesktop.impl.portal.Session" and member == "Close":
            conn.send(new_method_return(msg))
        else:
            conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod"))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[3]) if sys.argv[2:3] == ["--registry"] else None)
