"""A TCP proxy of the test's own, in front of the shared PostgreSQL, that can misbehave on demand.

Never stop or freeze the shared server: the test points its processes at this proxy instead.

- `forward()`: traffic flows both ways;
- `pause()`: nothing is read nor forwarded any more, and new connections are accepted but not
  connected upstream — to its clients, the database hangs, as a frozen server or a dead network
  path does (the kernel still acknowledges, nobody answers);
- `reset()`: every connection is reset (RST) and new ones are reset at once — a server that is gone.
"""

import contextlib
import select
import socket
import struct
import threading


class TcpProxy:
    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.mode = "forward"
        self._lock = threading.Lock()
        self._peers = {}  # socket -> its other end
        self._waiting = []  # accepted while paused, not connected upstream yet
        self._running = True
        self._thread = threading.Thread(target=self._loop, name="tcp-proxy", daemon=True)
        self._thread.start()

    def forward(self):
        with self._lock:
            self.mode = "forward"

    def pause(self):
        with self._lock:
            self.mode = "pause"

    def reset(self):
        with self._lock:
            self.mode = "reset"
            for sock in list(self._peers) + self._waiting:
                self._reset(sock)
            self._peers.clear()
            self._waiting.clear()

    def close(self):
        self._running = False
        self._thread.join(timeout=5)
        with self._lock:
            for sock in list(self._peers) + self._waiting:
                with contextlib.suppress(OSError):
                    sock.close()
        self.listener.close()

    @staticmethod
    def _reset(sock):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()

    def _connect(self, client):
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            self._reset(client)
            return
        upstream.settimeout(None)
        self._peers[client] = upstream
        self._peers[upstream] = client

    def _drop(self, sock):
        other = self._peers.pop(sock, None)
        self._peers.pop(other, None)
        for one in (sock, other):
            if one is not None:
                with contextlib.suppress(OSError):
                    one.close()

    def _loop(self):
        while self._running:
            with self._lock:
                mode = self.mode
                readable = [self.listener] + (list(self._peers) if mode == "forward" else [])
            try:
                ready, _, _ = select.select(readable, [], [], 0.05)
            except (OSError, ValueError):
                continue
            with self._lock:
                if self.mode != mode:
                    continue
                if mode == "forward":
                    for client in self._waiting:
                        self._connect(client)
                    self._waiting.clear()
                for sock in ready:
                    if sock is self.listener:
                        client, _ = self.listener.accept()
                        if mode == "reset":
                            self._reset(client)
                        elif mode == "pause":
                            self._waiting.append(client)
                        else:
                            self._connect(client)
                        continue
                    if sock not in self._peers:
                        continue
                    try:
                        data = sock.recv(65536)
                    except OSError:
                        data = b""
                    if not data:
                        self._drop(sock)
                        continue
                    try:
                        self._peers[sock].sendall(data)
                    except OSError:
                        self._drop(sock)
