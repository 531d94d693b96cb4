"""Where a task completion's time goes: ``python -m benchmarks.profile [sqlite|postgresql] [N]`` completes step 1 of N
fresh campaigns through the API (the app in process, no HTTP server) under pyinstrument, prints the profile and
the SQL statements of one completion."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from pyinstrument import Profiler
from sqlalchemy import event

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
        statements: list[str] = []
        engine = app.extensions["klip"].engine
        listener = lambda _c, _cur, statement, *_a: statements.append(" ".join(statement.split())[:160])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        assert client.post(f"/api/v1/tasks/{tasks[0]}", json=ASSIGN, headers=auth).status_code == 200
        event.remove(engine, "before_cursor_execute", listener)
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for task_id in tasks[1:]:
            assert client.post(f"/api/v1/tasks/{task_id}", json=ASSIGN, headers=auth).status_code == 200
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        print(f"{len(statements)} statements in one completion:")
        print("\n".join(statements))


if __name__ == "__main__":
    main()
