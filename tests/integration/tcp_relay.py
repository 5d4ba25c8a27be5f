"""A TCP relay on a free loopback port in front of a server, for tests that
need a connection to misbehave at a known point: held, cut or corrupted
partway, without timing anything.

`TcpRelay` forwards every connection it accepts to 127.0.0.1:`port`, one
thread per direction, and passes each piece it reads to a hook of its
direction, `to_server` or `to_client`, which sends what it lets through to
`sink` and returns False to end the connection. The hooks of the base class
forward everything; the tests' relays override one of them.
"""
import socket
import threading


class TcpRelay:
    def __init__(self, port, backlog=16):
        self.port = port
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=backlog)
        self.endpoint = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def to_server(self, data, seen, sink):
        """`data` read from the client after `seen` bytes of this connection."""
        sink.sendall(data)
        return True

    def to_client(self, data, seen, sink):
        """`data` read from the server after `seen` bytes of this connection."""
        sink.sendall(data)
        return True

    def close(self):
        self.listener.close()
        for s in self.sockets:
            s.close()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.port))
            except OSError:
                client.close()
                continue
            self.sockets += [client, upstream]
            for source, sink, hook in ((client, upstream, self.to_server),
                                       (upstream, client, self.to_client)):
                threading.Thread(target=self._pump, args=(source, sink, hook),
                                 daemon=True).start()

    @staticmethod
    def _pump(source, sink, hook):
        # An end of stream is passed on as one (a half-close, so the other
        # direction can still finish); a hook's "stop" or an error ends both.
        seen = 0
        try:
            while data := source.recv(65536):
                if not hook(data, seen, sink):
                    break
                seen += len(data)
            else:
                sink.shutdown(socket.SHUT_WR)
                return
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
