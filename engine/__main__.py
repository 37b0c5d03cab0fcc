"""`python -m engine [--port N]`: serve the engine with uvicorn (httptools + uvloop), one process."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace
from types import FrameType

import uvicorn

from engine.app import create_app
from engine.settings import EngineSettings, SettingsError

log = logging.getLogger("engine")


class Server(uvicorn.Server):
    """uvicorn's server, but a SIGTERM/SIGINT that stopped it cleanly ends the process with status 0.

    uvicorn traps both signals (stops accepting, finishes requests, runs the lifespan shutdown that stops the
    scheduler and closes the database) and then re-raises them, which makes Ctrl-C print a traceback.
    """

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self._captured_signals.clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine", description=__doc__)
    parser.add_argument("--port", type=int, help="listen on this port (default: ENGINE_PORT or 8765)")
    parser.add_argument("--host", help="listen on this address (default: ENGINE_HOST or 127.0.0.1)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = EngineSettings.from_env()
    except SettingsError as e:
        print(f"engine: {e}", file=sys.stderr)
        return 2
    if args.port is not None:
        settings = settings.with_port(args.port)
    if args.host:
        settings = replace(settings, host=args.host)
    app = create_app(settings)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, loop="uvloop", http="httptools",
                            lifespan="on", access_log=settings.access_log, log_level="warning",
                            timeout_graceful_shutdown=5)
    server = Server(config)
    status = app.state.engine.backend_status.as_dict()
    real = ", ".join(status["real_backends"]) or "none (every model is simulated)"
    log.info("engine listening on %s, data in %s; real models %s: %s", settings.url, settings.data_dir,
             status["real_models"], real)
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
