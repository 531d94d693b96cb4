"""Where a task completion's time goes: ``python -m benchmarks.profile [sqlite|postgresql] [N]`` completes step 1 of N
fresh campaigns through the API (the app in process, no HTTP server) under pyinstrument, prints the profile and
the SQL statements of one completion."""
from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyinstrument import Profiler
from sqlalchemy import event
from sqlalchemy.engine import Engine

from engine.users import create_token

from .app import create_app
from .completion import ASSIGN, _step_1
from .harness import new_database, prepared


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    with tempfile.TemporaryDirectory() as tmp:
        url = new_database(kind, "bench_profile", Path(tmp))
        ctx = prepared(url)
        os.environ["KLIP_DATABASE_URL"], os.environ["KLIP_SECRET_KEY"] = url, "profile"
        app = create_app()
        client = app.test_client()
        auth = {"Authorization": f"Bearer {create_token(ctx, 'kasi')}"}
        tasks = [_step_1(ctx)[1] for _ in range(rounds + 1)]
        def complete(task_id: int) -> None:
            assert client.post(f"/api/v1/tasks/{task_id}", json=ASSIGN, headers=auth).status_code == 200

        profile(app.extensions["klip"].engine, lambda: complete(tasks[0]),
                lambda: [complete(task_id) for task_id in tasks[1:]], "completion")


def profile(engine: Engine, once: Callable[[], object], repeat: Callable[[], object], what: str) -> None:
    """Run ``once`` recording its SQL statements, then ``repeat`` under pyinstrument; print the profile, then the
    statements of the one ``what`` (shared by the profile_* scripts)."""
    statements: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split())[:200])

    event.listen(engine, "before_cursor_execute", listener)
    once()
    event.remove(engine, "before_cursor_execute", listener)
    profiler = Profiler(interval=0.0002)
    profiler.start()
    repeat()
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"{len(statements)} statements in one {what}:")
    print("\n".join(statements))

if __name__ == "__main__":
    main()
