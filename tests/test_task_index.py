"""The task index carries each READY task's campaign (its instance's) and that campaign's title, so the inbox's
campaign filter, choices and page read the index alone: the columns must be right whenever a row is written, and on
a database that had tasks before the columns existed."""
from __future__ import annotations

from alembic import command
from sqlalchemy import select, update

from engine import tasks
from engine.context import Context, make_engine
from engine.migrate import alembic_config, upgrade
from engine.models import Campaign, Instance, TaskIndex
from engine.pages import TaskFilters, inbox
from engine.reassignment import reassign_task
from engine.settings import Settings
from engine.walkthrough import task_for

from sop_helpers import do, new_campaign, setup_sop, to_distribution

BEFORE_THE_COLUMN = "f4c2a7d9b1e3"


def index_campaigns(ctx: Context) -> dict[str, tuple[tuple[int | None, str | None], tuple[int | None, str | None]]]:
    """Each index row's task id → ((its campaign_id, campaign_title), (its instance's campaign's id, title))."""
    with ctx.transaction() as session:
        rows = session.execute(select(TaskIndex.task_id, TaskIndex.campaign_id, TaskIndex.campaign_title,
                                      Campaign.id, Campaign.title)
                               .join(Instance, Instance.id == TaskIndex.instance_id)
                               .outerjoin(Campaign, Campaign.id == Instance.campaign_id))
        return {task_id: ((own, own_title), (cid, title)) for task_id, own, own_title, cid, title in rows}


def assert_index_right(ctx: Context) -> None:
    rows = index_campaigns(ctx)
    assert rows and all(own == instance and own[0] is not None and own[1] for own, instance in rows.values()), rows


def test_each_index_row_carries_its_campaign_after_start_completion_claim_take_over_and_reassignment(
        make_ctx) -> None:
    setup_sop(make_ctx)
    first, second = new_campaign(make_ctx, 6), new_campaign(make_ctx, 6)  # started: step 1 is the Kasi's
    assert_index_right(make_ctx())
    do(make_ctx, "kasi", "tugaskan_pelaksana", first, {"pelaksana": "pelaksana"})  # step 2's row takes over step 1's
    assert_index_right(make_ctx())
    task = task_for(make_ctx(), "kasi", "tugaskan_pelaksana", second)
    tasks.claim_task(make_ctx(), "kasi", task.id)
    assert_index_right(make_ctx())
    plan = task_for(make_ctx(), "pelaksana", "susun_rencana_kerja", first)
    reassign_task(make_ctx(), "kasi", plan.id, "agen1", "Cuti")
    assert_index_right(make_ctx())
    third = new_campaign(make_ctx, 6)
    to_distribution(make_ctx, third)
    assert_index_right(make_ctx())
    # What the Kasi sees of it: the inbox offers the campaigns with their work (the first's is agen1's now), and its
    # campaign filter keeps each one's tasks only.
    view = inbox(make_ctx(), "kasi")
    assert {cid for cid, _ in view.campaigns} == {second, third}
    only = inbox(make_ctx(), "kasi", TaskFilters(campaign=second))
    assert [t.campaign_id for t in only.tasks] == [second] and only.counts["all"] == 1


def test_a_row_without_its_title_is_never_offered_and_the_next_task_takes_the_campaigns(make_ctx) -> None:
    """A row written without the title (a worker of the release before, during an upgrade) is not offered as a
    nameless campaign, and the task that follows it takes the title from the campaign itself."""
    setup_sop(make_ctx)
    first, second = new_campaign(make_ctx, 6), new_campaign(make_ctx, 6)
    with make_ctx().transaction() as session:
        session.execute(update(TaskIndex).where(TaskIndex.campaign_id == first).values(campaign_title=None))
    assert [cid for cid, _ in inbox(make_ctx(), "kasi").campaigns] == [second]
    do(make_ctx, "kasi", "tugaskan_pelaksana", first, {"pelaksana": "pelaksana"})
    assert_index_right(make_ctx())


def test_an_existing_database_gets_the_campaign_of_each_ready_task(databases, clock) -> None:
    url = databases.empty()
    upgrade(url)  # as `klip init-db` makes it
    engine = make_engine(url)

    def make_ctx() -> Context:
        return Context(settings=Settings(database_url=url), engine=engine, clock=clock)

    setup_sop(make_ctx)
    for _ in range(3):
        new_campaign(make_ctx, 6)
    do(make_ctx, "kasi", "tugaskan_pelaksana", 2, {"pelaksana": "pelaksana"})
    expected = {task_id: instance for task_id, (_, instance) in index_campaigns(make_ctx()).items()}
    engine.dispose()
    command.downgrade(alembic_config(url), BEFORE_THE_COLUMN)  # the database as it was before this column
    upgrade(url)
    engine = make_engine(url)
    assert {task_id: own for task_id, (own, _) in index_campaigns(make_ctx()).items()} == expected
    assert sorted(cid for cid, _ in expected.values()) == [1, 2, 3] and all(title for _, title in expected.values())
    engine.dispose()
