"""The warm pipeline process: `python -m backend_fastapi.pipelines.forkserver PARENT_PID CONTROL_FD`.

Starting Python and importing pandas and pyarrow takes ~0.6 s, far longer than a small run. This
process pays it once per worker and then forks one child per run: the child starts with
everything imported, runs one spec (`pipelines.child`) and exits, so every run still has a process
of its own whose memory the worker watches and kills past the limit, and which gives all its
memory back when it ends.

The worker talks to it over a SOCK_SEQPACKET socket (CONTROL_FD): it says `ready` once warm; each
message is then a spec path with one socket attached, the run's own channel. The run sends its pid
first, then its progress, one JSON object a line; once the run has exited, this process adds
`{"exit": returncode}` (negative: killed by that signal) and closes the channel. The worker closing
the control socket stops this process (and any runs). It dies with the worker (PR_SET_PDEATHSIG),
and each run dies with it, so a killed worker leaves nothing behind.

This process itself runs no pipeline code, so no lock of its own is held when it forks (a fork
copies only the thread that calls it). The only other threads in it are OpenBLAS's (numpy) and
jemalloc's background thread (pyarrow); both prepare for a fork with pthread_atfork handlers, as
they must for multiprocessing's fork start.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import selectors
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import orjson

from backend_fastapi.child_python import die_with_parent

log = logging.getLogger("backend_fastapi.pipelines.forkserver")

READY = b"ready"
RUN_NAME = b"pipeline-run"  # what `ps` and psutil's name() show for a run (15 bytes at most)
_PR_SET_NAME = 15
MESSAGE_BYTES = 4096


def _warm_up() -> None:
    """Import what every run needs, so a forked child starts with it."""
    import pandas  # noqa: F401
    import pyarrow

    # Arrow's own allocator keeps freed buffers for reuse; the system's returns large ones at
    # once, so the memory limit measures live data rather than a pool's high-water mark.
    pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    import pyarrow.parquet

    from backend_fastapi.pipelines import child, engine  # noqa: F401


def _name_process(name: bytes) -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(_PR_SET_NAME, ctypes.c_char_p(name), 0, 0, 0)


def _send(channel: socket.socket, message: dict[str, Any]) -> None:
    channel.sendall(orjson.dumps(message) + b"\n")


def _run_child(channel: socket.socket, spec_path: Path, server_pid: int) -> None:
    """In the forked child: one run, its stderr in the work directory, progress on `channel`."""
    from backend_fastapi.pipelines.child import LOG_FILE, run_spec

    die_with_parent(server_pid)
    _name_process(RUN_NAME)
    log_fd = os.open(spec_path.with_name(LOG_FILE), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    gc.unfreeze()
    _send(channel, {"pid": os.getpid()})
    run_spec(spec_path, lambda message: _send(channel, message))


class Server:
    def __init__(self, control: socket.socket) -> None:
        self.control = control
        self.runs: dict[int, socket.socket] = {}
        self.wake_read, self.wake_write = os.pipe()
        os.set_blocking(self.wake_write, False)
        self.selector = selectors.DefaultSelector()

    def serve(self) -> None:
        """Fork a run per request until the worker closes the control socket."""
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.set_wakeup_fd(self.wake_write)
        self.selector.register(self.control, selectors.EVENT_READ, "control")
        self.selector.register(self.wake_read, selectors.EVENT_READ, "exited")
        self.control.sendall(READY)
        open_ = True
        while open_:
            for key, _ in self.selector.select():
                if key.data == "exited":
                    os.read(self.wake_read, 512)
                    self.reap()
                else:
                    open_ = self.accept()
        for pid in list(self.runs):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        while self.runs:
            pid, status = os.waitpid(-1, 0)
            self.finished(pid, status)

    def accept(self) -> bool:
        """Start the run the worker asked for; False once the worker has closed the socket."""
        try:
            message, fds, _, _ = socket.recv_fds(self.control, MESSAGE_BYTES, 1)
        except (ConnectionResetError, OSError):
            return False
        if not message:
            return False
        if not fds:
            return True
        channel = socket.socket(fileno=fds[0])
        spec_path = Path(os.fsdecode(message))
        server_pid = os.getpid()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                self.in_child()
                _run_child(channel, spec_path, server_pid)
            except BaseException:
                logging.getLogger(__name__).exception("pipeline.run_crashed")
                code = 1
            finally:
                with contextlib.suppress(Exception):
                    sys.stderr.flush()
                os._exit(code)
        self.runs[pid] = channel
        return True

    def in_child(self) -> None:
        """Drop what belongs to the server: its signal handling, sockets and other runs' channels."""
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        self.selector.close()
        self.control.close()
        for other in self.runs.values():
            other.close()
        os.close(self.wake_read)
        os.close(self.wake_write)

    def reap(self) -> None:
        while self.runs:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.finished(pid, status)

    def finished(self, pid: int, status: int) -> None:
        channel = self.runs.pop(pid, None)
        if channel is None:
            return
        with contextlib.suppress(OSError):
            _send(channel, {"exit": os.waitstatus_to_exitcode(status)})
        channel.close()


def main(argv: list[str]) -> int:
    """Warm up, then serve runs over the control socket named on the command line."""
    die_with_parent(int(argv[1]))
    control = socket.socket(fileno=int(argv[2]))
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    _warm_up()
    # Everything imported so far lives as long as the process: kept out of the collector, a fork's
    # garbage collection does not touch (and so copy) those pages.
    gc.freeze()
    Server(control).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
