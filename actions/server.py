"""The action server in one process: rasa-sdk's app, served by Sanic in the process the supervisor
watches (`python -m actions.server --port 5055`).

`python -m rasa_sdk` serves through Sanic's worker manager, from a child process: when the parent
was killed (kill -9, or a crash), that child lived on, orphaned, still holding the port, and no
restarted action server could listen again. Listens on SANIC_HOST (127.0.0.1 by default).
`/pret` answers 200 once the résolveur is fitted (503 before): the starters wait for it, so the
first citizens are not answered while it fits.
"""

import argparse
import logging
import os

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response


def main() -> None:
    parser = argparse.ArgumentParser(description="Serveur d'actions de Repère (un seul processus).")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args()
    utils.configure_colored_logging(logging.INFO)
    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app_for_serve(executor, cors_origins=None)
    from actions.actions import WARM  # imported by register_package above

    @app.get("/pret")
    async def ready(_request):
        return response.json({"pret": WARM.is_set()}, status=200 if WARM.is_set() else 503)

    app.prepare(host=os.environ.get("SANIC_HOST", "127.0.0.1"), port=args.port, single_process=True, access_log=False,
                motd=False)
    Sanic.serve_single(primary=app)


if __name__ == "__main__":
    main()
